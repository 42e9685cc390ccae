"""Accounts: partners (data providers and merchants), citizens (real-name, personal data kept only
keyed-hashed or encrypted), the links between a partner's user and a citizen, and link codes."""
