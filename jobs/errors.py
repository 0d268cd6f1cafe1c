"""Errors a user causes, and the exit codes kabar answers with.

Exit codes: 0 success; 1 the run completed but a source failed as a whole (``kabar import``:
some lines were bad); 2 bad usage, config or input (one clear line on stderr); 3 another run
holds the lock.
"""

EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 3


class UsageError(Exception):
    """Bad input on the command line (a missing file, an impossible date range, …): exit 2."""


class Locked(Exception):
    """Another kabar process holds the archive (exit code 3)."""
