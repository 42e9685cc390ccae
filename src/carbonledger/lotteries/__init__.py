"""Verifiable lotteries (抽奖), such as the clean-plate check-in lottery: entries earned by a
behaviour or bought with points, prizes from merchants, and a commit-reveal draw whose three
steps are leaves of the public log, so that `carbonledger lottery verify` recomputes the winners.

The draw rule and the digests are the pure core in `points/lottery.py`; this package keeps the
lotteries, runs their steps in the entry point's transaction and serves them.
"""
