"""WARC files of every fetched response: a crash-safe, size-rotated writer and its readers.

Each response is stored as a WARC/1.1 ``response`` record followed by its ``request`` record
(linked by WARC-Concurrent-To), one gzip member per record, built with warcio. A
:class:`WarcPointer` (absolute file, offset and length of the response record's gzip member) is
what the database keeps; :func:`read_response` reads one record back by pointer and
:func:`iter_responses` walks a whole file. See docs/archive.md.
"""

from __future__ import annotations

import io
import itertools
import logging
import os
import re
import socket
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date, iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from storage.errors import StorageError
from storage.location import WARC_MAX_BYTES

logger = logging.getLogger(__name__)

SUFFIX = ".warc.gz"
WARC_VERSION = "1.1"
GZIP_LEVEL = 6
# Headers that describe the transfer, not the decoded payload we store (see _clean_headers).
TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
READ_CHUNK = 1 << 16

_serials = itertools.count()  # per process, so two writers of one process never pick one name
_serials_lock = threading.Lock()


class WarcWriteError(StorageError):
    """A WARC file could not be created or written (disk full, permissions); ``path`` says which."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class WarcPointer:
    """Where one response record lives: the gzip member at ``offset`` of ``length`` bytes."""

    file: str  # absolute path
    offset: int
    length: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_value(cls, value: WarcPointer | Mapping[str, Any]) -> WarcPointer:
        """A pointer from itself or its dict form; anything malformed is a StorageError."""
        if isinstance(value, WarcPointer):
            pointer = value
        elif isinstance(value, Mapping):
            try:
                pointer = cls(file=value["file"], offset=value["offset"], length=value["length"])
            except KeyError as exc:
                raise StorageError(f"bad WARC pointer {dict(value)!r}: missing {exc.args[0]!r}") from None
        else:
            raise StorageError(f"bad WARC pointer {value!r}: expected a dict with file, offset, length")
        if not isinstance(pointer.file, str) or not pointer.file:
            raise StorageError(f"bad WARC pointer {pointer}: file must be a path")
        for name in ("offset", "length"):
            number = getattr(pointer, name)
            if not isinstance(number, int) or isinstance(number, bool) or number < 0:
                raise StorageError(f"bad WARC pointer {pointer}: {name} must be a non-negative integer")
        if pointer.length == 0:
            raise StorageError(f"bad WARC pointer {pointer}: length must be positive")
        return pointer


@dataclass(frozen=True)
class WarcResponse:
    """One archived HTTP response, as stored (decoded payload, cleaned headers)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    date: datetime  # WARC-Date, timezone-aware UTC

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


def software_version() -> str:
    try:
        from importlib.metadata import version

        return version("kabar")
    except Exception:  # not installed (a source checkout on PYTHONPATH)
        return "0.0.0"


def _hostname() -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", socket.gethostname()) or "localhost"


class WarcWriter:
    """Append request/response pairs to WARC files in ``directory``, rotated by size.

    Files are named ``<prefix>-<UTC yyyymmddHHMMSS>-<hostname>-<pid>-<serial>.warc.gz`` and
    created exclusively, so no other writer (or process) ever appends to one. A file is opened
    on the first write, starts with a ``warcinfo`` record, and is closed once it passes
    ``max_bytes``; the next write starts a new one. Each pair of records is built in memory and
    written with one write, so a crash leaves at most a truncated last gzip member.
    Thread-safe.
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        max_bytes: int = WARC_MAX_BYTES,
        prefix: str = "kabar",
        fsync: bool = False,
    ) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if not re.fullmatch(r"[A-Za-z0-9_.]+", prefix):
            raise ValueError(f"bad WARC file prefix {prefix!r}: letters, digits, _ and . only")
        self.directory = Path(directory).absolute()
        self.max_bytes = max_bytes
        self.prefix = prefix
        self.fsync = fsync
        self._builder = RecordBuilder(warc_version=WARC_VERSION)  # stateless: safe without the lock
        self._lock = threading.Lock()
        self._file: io.FileIO | None = None
        self._path: Path | None = None
        self._size = 0
        self._pid = os.getpid()
        self._closed = False
        self.files: list[Path] = []  # every file this writer created, oldest first

    # -- public API -------------------------------------------------------------------------

    @property
    def current_file(self) -> Path | None:
        """The file the next record goes to, if one is open."""
        return self._path

    def write(
        self,
        url: str,
        *,
        status: int,
        reason: str = "",
        headers: list[tuple[str, str]],
        body: bytes,
        request_method: str = "GET",
        request_headers: list[tuple[str, str]] | None = None,
        fetched_at: datetime,
        ip_address: str | None = None,
    ) -> WarcPointer:
        """Archive one exchange; return the pointer of its response record once it is on disk."""
        response, request = self._build(
            url,
            status=status,
            reason=reason,
            headers=headers,
            body=body,
            request_method=request_method,
            request_headers=request_headers or [],
            fetched_at=fetched_at,
            ip_address=ip_address,
        )
        with self._lock:
            if self._closed:
                raise StorageError(f"WARC writer for {self.directory} is closed")
            if self._file is not None and self._pid != os.getpid():
                self._forget_file()  # forked: the parent keeps writing its own file
            if self._file is None:
                self._open()
            assert self._file is not None and self._path is not None
            offset = self._size
            self._write_all(response + request, offset)
            pointer = WarcPointer(str(self._path), offset, len(response))
            if self._size >= self.max_bytes:
                self._close_file()
            return pointer

    def close(self) -> None:
        """Close the current file; further writes raise StorageError."""
        with self._lock:
            self._closed = True
            self._close_file()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- records ----------------------------------------------------------------------------

    def _build(
        self,
        url: str,
        *,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        body: bytes,
        request_method: str,
        request_headers: list[tuple[str, str]],
        fetched_at: datetime,
        ip_address: str | None,
    ) -> tuple[bytes, bytes]:
        """The gzip members of the response record and of its request record."""
        if fetched_at.tzinfo is None:
            raise ValueError("fetched_at must be timezone-aware")
        body = bytes(body)
        date = datetime_to_iso_date(fetched_at.astimezone(UTC).replace(tzinfo=None), use_micros=True)
        reason = reason or _reason(status)
        http_response = StatusAndHeaders(f"{status} {reason}", _clean_headers(headers, len(body)), protocol="HTTP/1.1")
        response_headers = {"WARC-Date": date}
        if ip_address:
            response_headers["WARC-IP-Address"] = ip_address
        response = self._builder.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_response,
            warc_headers_dict=response_headers,
        )
        http_request = StatusAndHeaders(
            f"{request_method.upper()} {_request_target(url)} HTTP/1.1",
            _request_headers(url, request_headers),
            is_http_request=True,
        )
        request = self._builder.create_warc_record(
            url,
            "request",
            http_headers=http_request,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        return self._member(response), self._member(request)

    def _member(self, record: Any) -> bytes:
        """One record serialised by warcio (digests, lengths) and gzipped as its own member."""
        raw = io.BytesIO()
        WARCWriter(raw, gzip=False, warc_version=WARC_VERSION).write_record(record)
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        return compressor.compress(raw.getvalue()) + compressor.flush()

    def _warcinfo(self, filename: str) -> bytes:
        info = {
            "software": f"kabar/{software_version()} (warcio)",
            "format": f"WARC File Format {WARC_VERSION}",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            "description": "HTTP payloads are stored decoded (no Content-Encoding / Transfer-Encoding)",
        }
        return self._member(self._builder.create_warcinfo_record(filename, info))

    # -- files (called with the lock held) ---------------------------------------------------

    def _open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarcWriteError(
                f"cannot create WARC directory {self.directory}: {exc.strerror or exc}", self.directory
            ) from exc
        while True:
            path = self.directory / self._next_name()
            try:
                handle = open(path, "xb", buffering=0)  # exclusive: never someone else's file
            except FileExistsError:
                continue
            except OSError as exc:
                raise WarcWriteError(
                    f"cannot create WARC file in {self.directory}: {exc.strerror or exc}", self.directory
                ) from exc
            break
        self._file, self._path, self._size, self._pid = handle, path, 0, os.getpid()
        self.files.append(path)
        logger.info("writing WARC file %s", path)
        self._write_all(self._warcinfo(path.name), 0)

    def _next_name(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        with _serials_lock:
            serial = next(_serials)
        return f"{self.prefix}-{stamp}-{_hostname()}-{os.getpid()}-{serial % 100000:05d}{SUFFIX}"

    def _write_all(self, data: bytes, offset: int) -> None:
        """Write ``data`` at the end of the current file; on failure undo it and drop the file."""
        assert self._file is not None and self._path is not None
        view = memoryview(data)
        try:
            while view:
                written = self._file.write(view)
                if not written:
                    raise OSError("short write")
                view = view[written:]
            self._file.flush()
            if self.fsync:
                os.fsync(self._file.fileno())
        except OSError as exc:
            path = self._path
            try:  # leave no half record behind, so the file stays readable to its end
                os.ftruncate(self._file.fileno(), offset)
            except OSError:
                pass
            self._close_file()  # the next write starts a fresh file
            raise WarcWriteError(f"cannot write WARC file {path}: {exc.strerror or exc}", path) from exc
        self._size = offset + len(data)

    def _close_file(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError as exc:
                logger.warning("closing WARC file %s: %s", self._path, exc)
        self._file, self._path, self._size = None, None, 0

    def _forget_file(self) -> None:
        """After a fork: let go of the parent's file without touching it."""
        self._file, self._path, self._size = None, None, 0


# -- readers ----------------------------------------------------------------------------------


def read_response(pointer: WarcPointer | Mapping[str, Any]) -> WarcResponse:
    """Read the response record ``pointer`` names; any problem is a StorageError saying what."""
    pointer = WarcPointer.from_value(pointer)
    try:
        with open(pointer.file, "rb") as handle:
            handle.seek(pointer.offset)
            data = handle.read(pointer.length)
    except FileNotFoundError:
        raise StorageError(f"WARC file not found: {pointer.file}") from None
    except OSError as exc:
        raise StorageError(f"cannot read WARC file {pointer.file}: {exc.strerror or exc}") from None
    if len(data) < pointer.length:
        raise StorageError(f"bad WARC pointer {pointer}: the file has only {pointer.offset + len(data)} bytes")
    try:
        decompressor = zlib.decompressobj(zlib.MAX_WBITS + 16)
        decompressor.decompress(data)
        if not decompressor.eof or decompressor.unused_data:
            raise ValueError("not exactly one gzip member")
        records = ArchiveIterator(io.BytesIO(data), check_digests="raise")
        record = next(records, None)
        if record is None or record.rec_type != "response":
            kind = record.rec_type if record is not None else "nothing"
            raise ValueError(f"found {kind}, not a response record")
        return _response(record)
    except (ValueError, zlib.error, ArchiveLoadFailed, EOFError) as exc:
        raise StorageError(f"bad WARC pointer {pointer}: {exc}") from None
    except Exception as exc:  # warcio stumbling over a damaged record
        raise StorageError(f"bad WARC pointer {pointer}: unreadable record ({exc!r})") from None


def iter_responses(path: Path | str) -> Iterator[tuple[WarcPointer, WarcResponse]]:
    """Every response record of one WARC file with its pointer, in file order.

    A truncated or damaged tail (a writer killed mid-record) ends the walk with a warning;
    everything before it is yielded.
    """
    path = Path(path).absolute()
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise StorageError(f"WARC file not found: {path}") from None
    except OSError as exc:
        raise StorageError(f"cannot read WARC file {path}: {exc.strerror or exc}") from None
    with handle:
        for offset, member in _members(handle, path):
            try:
                record = next(ArchiveIterator(io.BytesIO(member), check_digests="raise"), None)
                if record is None or record.rec_type != "response":
                    continue
                response = _response(record)
            except Exception as exc:  # whatever warcio raises for a damaged record
                logger.warning("%s: damaged record at offset %d (%r); stopping there", path, offset, exc)
                return
            yield WarcPointer(str(path), offset, len(member)), response


def _members(handle: io.BufferedReader, path: Path) -> Iterator[tuple[int, bytes]]:
    """The gzip members of a file with their offsets; stops (with a warning) at a truncated one."""
    offset = 0
    pending = b""
    while True:
        if not pending:
            pending = handle.read(READ_CHUNK)
            if not pending:
                return
        decompressor = zlib.decompressobj(zlib.MAX_WBITS + 16)
        member = bytearray()
        try:
            while True:
                decompressor.decompress(pending)
                if decompressor.eof:
                    used = len(pending) - len(decompressor.unused_data)
                    member += pending[:used]
                    pending = decompressor.unused_data
                    break
                member += pending
                pending = handle.read(READ_CHUNK)
                if not pending:
                    logger.warning(
                        "%s: truncated record at offset %d (%d bytes); stopping there",
                        path,
                        offset,
                        len(member),
                    )
                    return
        except zlib.error as exc:
            logger.warning("%s: not gzip data at offset %d (%s); stopping there", path, offset, exc)
            return
        yield offset, bytes(member)
        offset += len(member)


def _response(record: Any) -> WarcResponse:
    body = record.content_stream().read()
    if record.digest_checker.passed is False:
        raise ValueError("; ".join(record.digest_checker.problems))
    http = record.http_headers
    if http is None:
        raise ValueError("response record without HTTP headers")
    date = iso_date_to_datetime(record.rec_headers.get_header("WARC-Date"), tz_aware=True)
    return WarcResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode()),
        headers=list(http.headers),
        body=body,
        date=date,
    )


# -- HTTP header helpers ------------------------------------------------------------------------


def _clean_headers(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    """Headers as stored: the payload is decoded, so drop the transfer codings and say its size."""
    kept = [(name, value) for name, value in headers if name.lower() not in TRANSFER_HEADERS]
    kept.append(("Content-Length", str(length)))
    return kept


def _request_headers(url: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if any(name.lower() == "host" for name, _ in headers):
        return list(headers)
    return [("Host", urlsplit(url).netloc), *headers]


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    target = parts.path or "/"
    return f"{target}?{parts.query}" if parts.query else target


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
