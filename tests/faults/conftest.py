"""Fault, load and attack tests use the served platform of the functional tests."""

from tests.functional.conftest import partner, served

__all__ = ["partner", "served"]
