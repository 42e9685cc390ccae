"""Codes sent by SMS to a citizen's phone: to reset a forgotten password and to verify the
phone number. One pluggable sender (`sender`) delivers them; the default writes each message to
a file in the data dir, where a demo or a test reads it."""
