"""What an operations team watches: Prometheus metrics, health and readiness answers, and one
structured log line per request and per background job. No metric label and no log field
carries personal data: routes are templates, partners are named by their id, never a user."""
