"""Green points (绿色积分): a double-entry ledger of immutable transfers between accounts."""
