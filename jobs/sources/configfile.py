"""Write a ``[[sources]]`` entry: as TOML text, or appended to a sources.toml with tomlkit so
the rest of the file (comments, order, spacing) stays exactly as its author left it."""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from crawler.config import ConfigError, parse_config
from crawler.urls import canonicalize
from jobs.errors import UsageError


def _table(entry: dict[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in entry.items():
        if key == "article_pattern":
            value = tomlkit.string(value, literal="'" not in value)  # regexes read best unescaped
        table.add(key, value)
    return table


def render_block(entry: dict[str, Any]) -> str:
    """The entry as a ``[[sources]]`` block."""
    document = tomlkit.document()
    aot = tomlkit.aot()
    aot.append(_table(entry))
    document.append("sources", aot)
    return tomlkit.dumps(document)


def append_source(path: Path, entry: dict[str, Any]) -> None:
    """Append ``entry`` at the end of the config at ``path`` (created when missing); every byte
    already in the file stays as it is. Refuses a name or URL that is already there; the result
    must be a valid config before it replaces the file."""
    text = ensure_new(path, entry["name"], entry["url"])
    # a [[sources]] table may follow any other table, so the end of the file is always right
    if text.strip():
        body = text if text.endswith("\n") else text + "\n"
        result = (body if body.endswith("\n\n") else body + "\n") + render_block(entry)
    else:
        result = render_block(entry)
    try:
        parse_config(tomllib.loads(result), path=path)
    except (tomllib.TOMLDecodeError, ConfigError) as exc:
        raise ConfigError(f"{path}: the new entry would make the file invalid: {exc}") from None
    _replace(path, result)


def ensure_new(path: Path, name: str, url: str) -> str:
    """Refuse a source ``name`` or ``url`` the config at ``path`` already has; return the
    file's text ("" when it does not exist yet)."""
    text = ""
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    existing = document.get("sources")
    if existing is not None and not isinstance(existing, AoT):
        raise ConfigError(f"{path}: 'sources' must be an array of tables ([[sources]])")
    for source in existing or []:
        if source.get("name") == name:
            raise UsageError(f"{path} already has a source named {name!r} (choose another with --name)")
        if _same_url(str(source.get("url", "")), url):
            raise UsageError(f"{path} already has {url} as source {source.get('name')!r}")
    return text


def _same_url(a: str, b: str) -> bool:
    return bool(a) and canonicalize(a).rstrip("/") == canonicalize(b).rstrip("/")


def _replace(path: Path, text: str) -> None:
    """Write through a temporary file in the same directory, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
