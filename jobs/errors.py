"""Errors a user causes on the command line; the CLI prints them as one line and exits 2."""


class UsageError(Exception):
    """Bad input on the command line (a missing file, an impossible date range, …)."""
