"""Engagement awards (互动积分): the daily check-in, quizzes from a question bank and
environmental volunteer events, paid from campaign budgets (`points/engagement.py` holds the
award rules; this package stores, serves and pays them)."""
