"""``python -m tests.support.faults.diskfull ARGS``: ``kabar ARGS`` on a WARC disk that fills up.

For machines where a test cannot mount a small tmpfs: once ``KABAR_TEST_DISK_BYTES`` bytes are
in WARC files, every further write fails with ENOSPC at the OS write call, as a full disk would.
"""

from __future__ import annotations

import errno
import os
import sys

from storage import warc

_budget = [int(os.environ.get("KABAR_TEST_DISK_BYTES", "98304"))]
_open = warc.WarcWriter._open


class _FullDisk:
    """A file whose writes fail with ENOSPC once the budget is spent (partial writes first)."""

    def __init__(self, handle) -> None:
        self._handle = handle

    def write(self, data) -> int:
        if _budget[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        data = memoryview(data)[: _budget[0]]
        written = self._handle.write(data)
        _budget[0] -= written
        return written

    def __getattr__(self, name):
        return getattr(self._handle, name)


def _open_on_full_disk(self) -> None:
    import builtins

    real_open = builtins.open

    def opener(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        return _FullDisk(handle) if "x" in mode else handle

    warc.open = opener  # the module-level name WarcWriter._open uses
    try:
        _open(self)
    finally:
        del warc.open


warc.WarcWriter._open = _open_on_full_disk

if __name__ == "__main__":
    from jobs.cli import main

    sys.exit(main(sys.argv[1:]))
