"""Where the default archive lives (no imports beyond the standard library, so the CLI can
take its lock before loading SQLAlchemy)."""

from __future__ import annotations

from pathlib import Path


def default_database_url(data_dir: Path) -> str:
    """The default archive: ``sqlite:///<absolute data_dir>/kabar.db``."""
    return f"sqlite:///{(Path(data_dir).expanduser().resolve() / 'kabar.db').as_posix()}"
