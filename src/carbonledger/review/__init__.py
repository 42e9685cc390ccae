"""Review (复核): credits the pipeline flags for a second look — a credit that hit the citizen's
daily cap, or a behaviour near the edge of what is plausible — and records operators flag by
hand; a reviewer reverses a flagged credit (with a reason) or keeps it."""
