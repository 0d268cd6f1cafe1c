"""Where the default archive lives and how large its WARC files grow (no imports beyond the
standard library, so the CLI can take its lock before loading SQLAlchemy)."""

from __future__ import annotations

from pathlib import Path

MIB = 1 << 20
#: A new WARC file is started once the current one passes this size (``[archive] warc_max_mb``).
WARC_MAX_BYTES = 1024 * MIB  # 1 GiB


def default_database_url(data_dir: Path) -> str:
    """The default archive: ``sqlite:///<absolute data_dir>/kabar.db``."""
    return f"sqlite:///{(Path(data_dir).expanduser().resolve() / 'kabar.db').as_posix()}"
