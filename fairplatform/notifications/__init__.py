"""Outgoing messages other than email: SMS backends (like Django's email backends) and the
iCalendar invitations attached to emails."""
