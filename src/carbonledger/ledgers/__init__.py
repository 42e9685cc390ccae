"""The three ledgers (三本碳账本) read from one stream: the citizen's, the enterprise's and the
government's, plus the public dashboard's figures."""
