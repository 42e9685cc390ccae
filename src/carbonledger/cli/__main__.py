"""`python -m carbonledger.cli`, as the tests and `serve --workers` start it."""

from carbonledger.cli import main

main()
