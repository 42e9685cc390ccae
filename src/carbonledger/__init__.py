"""Carbon Ledger: a city's carbon-inclusion platform (碳普惠平台).

Partners report their users' green behaviours over a signed API; the platform quantifies each by a
published methodology, filters duplicates across partners, records every credit in a public Merkle
log and awards green points in a double-entry ledger.
"""

__version__ = "0.1.0"
