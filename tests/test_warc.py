"""WARC archive: storage.warc (writer, readers, crash safety) and the crawler extension that
archives every response of a real crawl of the example sites."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage.errors import StorageError
from storage.warc import WarcPointer, WarcWriter, iter_responses, read_response
from tests.support.gold import gold_copies

ROOT = Path(__file__).resolve().parent.parent
NAME_RE = re.compile(r"^kabar-\d{14}-[A-Za-z0-9._-]+-(\d+)-\d{5}\.warc\.gz$")
WIB = timezone(timedelta(hours=7))
FETCHED = datetime(2024, 5, 14, 9, 30, 15, 123456, tzinfo=WIB)

HTML = (
    b"<html><head><title>Musi Banyuasin Perkuat Smart City</title></head><body>"
    b"<p>Pemerintah Kabupaten Musi Banyuasin terus memperkuat penerapan smart city.</p>"
    b"</body></html>"
)


def write_page(writer: WarcWriter, n: int = 0, body: bytes = HTML) -> WarcPointer:
    return writer.write(
        f"http://127.0.0.1:8701/berita/{n}/muba-smart-city?utm_source=x",
        status=200,
        reason="OK",
        headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Length", "17"),
            ("ETag", f'"v{n}"'),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ],
        body=body,
        request_headers=[("User-Agent", "kabar/test"), ("Accept-Encoding", "gzip, deflate")],
        fetched_at=FETCHED,
    )


def check_file(path: Path) -> list:
    """Read a whole file with warcio's own iterator, verifying digests; return the records' headers.

    Also checks the file starts with warcinfo and that every response is followed by its
    request record, linked by WARC-Concurrent-To.
    """
    seen = []
    with open(path, "rb") as handle:
        records = ArchiveIterator(handle, check_digests="raise")
        for record in records:
            content = record.content_stream().read()
            assert record.digest_checker.passed is not False, record.digest_checker.problems
            headers = record.rec_headers
            assert headers.protocol == "WARC/1.1"
            assert headers.get_header("WARC-Date")
            assert headers.get_header("WARC-Record-ID")
            if record.rec_type in ("response", "request"):
                assert headers.get_header("WARC-Target-URI")
                assert headers.get_header("WARC-Block-Digest", "").startswith("sha1:")
            if record.rec_type == "response":
                assert headers.get_header("WARC-Payload-Digest", "").startswith("sha1:")
                assert record.http_headers.get_header("Content-Length") == str(len(content))
            seen.append((record.rec_type, headers, records.get_record_offset(), records.get_record_length()))
    types = [kind for kind, *_ in seen]
    assert types and types[0] == "warcinfo" and "warcinfo" not in types[1:], types
    assert types[1:] == ["response", "request"] * ((len(types) - 1) // 2), types
    for (_, response, *_), (_, request, *_) in zip(seen[1::2], seen[2::2], strict=True):
        assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")
        assert request.get_header("WARC-Target-URI") == response.get_header("WARC-Target-URI")
        assert request.get_header("WARC-Date") == response.get_header("WARC-Date")
    return seen


def test_round_trip_request_and_response(tmp_path):
    with WarcWriter(tmp_path) as writer:
        pointer = write_page(writer)
        not_modified = writer.write(
            "http://127.0.0.1:8701/feed.atom",
            status=304,
            reason="Not Modified",
            headers=[("ETag", '"abc"')],
            body=b"",
            request_headers=[("If-None-Match", '"abc"')],
            fetched_at=FETCHED,
        )
    assert Path(pointer.file).is_absolute() and Path(pointer.file).parent == tmp_path
    assert pointer.to_dict() == {"file": pointer.file, "offset": pointer.offset, "length": pointer.length}

    response = read_response(pointer)
    assert response.url == "http://127.0.0.1:8701/berita/0/muba-smart-city?utm_source=x"
    assert response.status == 200
    assert response.body == HTML
    assert response.date == FETCHED and response.date.utcoffset() == timedelta(0)
    # the payload is stored decoded: transfer codings gone, Content-Length the stored size
    assert response.headers == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("ETag", '"v0"'),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Content-Length", str(len(HTML))),
    ]
    assert read_response(not_modified.to_dict()).status == 304
    assert read_response(not_modified).body == b""

    records = check_file(Path(pointer.file))
    by_offset = {offset: (kind, headers, length) for kind, headers, offset, length in records}
    kind, headers, length = by_offset[pointer.offset]
    assert (kind, length) == ("response", pointer.length)
    request = next(h for k, h, *_ in records if k == "request")
    assert request.get_header("WARC-Target-URI") == response.url

    # the request record carries the request line and headers as sent
    with open(pointer.file, "rb") as handle:
        handle.seek(pointer.offset + pointer.length)
        record = next(iter(ArchiveIterator(handle)))
        assert record.rec_type == "request"
        assert record.http_headers.protocol == "GET"
        assert record.http_headers.statusline == "/berita/0/muba-smart-city?utm_source=x HTTP/1.1"
        assert record.http_headers.get_header("Host") == "127.0.0.1:8701"
        assert record.http_headers.get_header("User-Agent") == "kabar/test"
        assert record.http_headers.get_header("Accept-Encoding") == "gzip, deflate"

    # warcinfo names the software and the format
    with open(pointer.file, "rb") as handle:
        info = next(iter(ArchiveIterator(handle)))
        text = info.content_stream().read().decode()
    assert info.rec_type == "warcinfo"
    assert re.search(r"^software: kabar/\S+", text, re.M)
    assert "format: WARC File Format 1.1" in text
    assert "hostname: " in text
    assert info.rec_headers.get_header("WARC-Filename") == Path(pointer.file).name


def test_each_record_is_its_own_gzip_member(tmp_path):
    with WarcWriter(tmp_path) as writer:
        pointer = write_page(writer)
    data = Path(pointer.file).read_bytes()
    member = data[pointer.offset : pointer.offset + pointer.length]
    text = gzip.decompress(member)
    assert text.startswith(b"WARC/1.1\r\n") and b"WARC-Type: response" in text
    assert text.endswith(HTML + b"\r\n\r\n")


def test_file_name_and_iter_responses_match_the_pointers(tmp_path):
    with WarcWriter(tmp_path) as writer:
        pointers = [write_page(writer, n, HTML * (n + 1)) for n in range(5)]
    (path,) = tmp_path.iterdir()
    match = NAME_RE.match(path.name)
    assert match, path.name
    assert int(match.group(1)) == os.getpid()
    walked = list(iter_responses(path))
    assert [p for p, _ in walked] == pointers
    assert [r.body for _, r in walked] == [HTML * (n + 1) for n in range(5)]


def test_rotation_by_size(tmp_path):
    body = os.urandom(3000)  # incompressible, so each pair is a few KiB on disk
    with WarcWriter(tmp_path, max_bytes=10_000) as writer:
        pointers = [write_page(writer, n, body) for n in range(12)]
        files = list(writer.files)
    assert len(files) >= 3
    assert sorted(tmp_path.iterdir()) == sorted(files)
    assert len(set(files)) == len(files)
    for path in files:
        records = check_file(path)
        assert records[0][0] == "warcinfo"
        size = path.stat().st_size
        last_pair = records[-2][2]  # a file is closed at the first pair that takes it past the limit
        assert last_pair < 10_000 <= size or path == files[-1]
    assert {p.file for p in pointers} == {str(p) for p in files}
    for n, pointer in enumerate(pointers):
        assert read_response(pointer).url.startswith(f"http://127.0.0.1:8701/berita/{n}/")
    walked = [p for path in files for p, _ in iter_responses(path)]
    assert walked == pointers


def test_two_writers_in_one_process_never_share_a_file(tmp_path):
    with WarcWriter(tmp_path) as a, WarcWriter(tmp_path) as b:
        pa, pb = write_page(a, 1), write_page(b, 2)
    assert pa.file != pb.file
    assert read_response(pa).url != read_response(pb).url


WRITER_LOOP = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from storage.warc import WarcWriter

    directory, count, max_bytes, size, start = (
        sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    )
    import os, json
    while time.time() < start:  # begin together with the other writers
        time.sleep(0.001)
    body = os.urandom(size)
    writer = WarcWriter(Path(directory), max_bytes=max_bytes)
    n = 0
    while count < 0 or n < count:
        pointer = writer.write(
            f"http://127.0.0.1:8701/berita/{os.getpid()}/{n}",
            status=200, reason="OK", headers=[("Content-Type", "text/html")],
            body=body + str(n).encode(), fetched_at=datetime.now(timezone.utc),
        )
        print(json.dumps(pointer.to_dict()), flush=True)
        n += 1
    writer.close()
    """
)


def start_writer(directory: Path, count: int, max_bytes: int = 1 << 30, size: int = 2000, start: float = 0):
    return subprocess.Popen(
        [sys.executable, "-c", WRITER_LOOP, str(directory), str(count), str(max_bytes), str(size), str(start)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        text=True,
    )


def test_two_processes_writing_to_one_directory_get_their_own_files(tmp_path):
    start = time.time() + 1.0
    children = [start_writer(tmp_path, 60, max_bytes=40_000, start=start) for _ in range(2)]
    outputs = [child.communicate(timeout=60)[0] for child in children]
    assert [child.returncode for child in children] == [0, 0]
    pointers = [[WarcPointer(**json.loads(line)) for line in out.splitlines()] for out in outputs]
    files = [{p.file for p in ps} for ps in pointers]
    assert files[0] and files[1] and not files[0] & files[1]
    for child, names in zip(children, files, strict=True):
        for name in names:
            match = NAME_RE.match(Path(name).name)
            assert match and int(match.group(1)) == child.pid, name
    assert sorted(str(p) for p in tmp_path.iterdir()) == sorted(files[0] | files[1])
    for path in tmp_path.iterdir():
        check_file(path)
    for child, ps in zip(children, pointers, strict=True):
        assert len(ps) == 60
        for n, pointer in enumerate(ps):
            assert read_response(pointer).url == f"http://127.0.0.1:8701/berita/{child.pid}/{n}"


def test_bad_pointers_and_missing_files_are_storage_errors(tmp_path):
    with WarcWriter(tmp_path) as writer:
        pointer = write_page(writer)
    file = pointer.file
    cases = {
        "not found": {"file": str(tmp_path / "nope.warc.gz"), "offset": 0, "length": 10},
        "missing 'length'": {"file": file, "offset": 0},
        "non-negative": {"file": file, "offset": -1, "length": 10},
        "length must be positive": {"file": file, "offset": 0, "length": 0},
        "bad WARC pointer": {"file": file, "offset": pointer.offset + 1, "length": pointer.length},
        "only": {"file": file, "offset": pointer.offset, "length": pointer.length + 10**6},
        "not a response": {"file": file, "offset": 0, "length": pointer.offset},  # the warcinfo
        "not exactly one gzip member": {"file": file, "offset": pointer.offset, "length": pointer.length + 20},
    }
    for words, bad in cases.items():
        with pytest.raises(StorageError, match=words):
            read_response(bad)
    with pytest.raises(StorageError, match="bad WARC pointer"):
        read_response("kabar.warc.gz:10:20")  # type: ignore[arg-type]
    with pytest.raises(StorageError, match="not found"):
        list(iter_responses(tmp_path / "nope.warc.gz"))
    # a flipped byte in the payload fails the gzip CRC or the digest, never passes silently
    data = bytearray(Path(file).read_bytes())
    data[pointer.offset + pointer.length - 30] ^= 0xFF
    Path(file).write_bytes(bytes(data))
    with pytest.raises(StorageError):
        read_response(pointer)


def test_threads_share_one_writer(tmp_path):
    import threading

    pointers: list[WarcPointer] = []
    with WarcWriter(tmp_path, max_bytes=50_000, fsync=True) as writer:

        def work(t: int) -> None:
            for n in range(25):
                pointers.append(write_page(writer, t * 100 + n, HTML + os.urandom(500)))

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(set(pointers)) == 100
    for path in tmp_path.iterdir():
        check_file(path)
    walked = {p for path in tmp_path.iterdir() for p, _ in iter_responses(path)}
    assert walked == set(pointers)


class _DiskFull:
    """A file that takes half of the next write, then fails like a full disk."""

    def __init__(self, real) -> None:
        self.real = real

    def write(self, data) -> int:
        self.real.write(bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_a_failed_write_leaves_the_file_readable_and_moves_on(tmp_path):
    with WarcWriter(tmp_path) as writer:
        kept = write_page(writer, 1)
        full = writer._file
        writer._file = _DiskFull(full)
        with pytest.raises(StorageError, match="No space left on device") as failure:
            write_page(writer, 2)
        assert str(failure.value.path) == kept.file
        assert full.closed
        after = write_page(writer, 3)
    assert after.file != kept.file  # a fresh file after the failure
    assert [p for p, _ in iter_responses(kept.file)] == [kept]  # the half record was cut away
    check_file(Path(kept.file))
    assert read_response(after).url.startswith("http://127.0.0.1:8701/berita/3/")


def test_closed_writer_refuses_to_write(tmp_path):
    writer = WarcWriter(tmp_path)
    writer.close()
    with pytest.raises(StorageError, match="closed"):
        write_page(writer)


def test_unwritable_directory_is_a_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with WarcWriter(blocker / "warc") as writer, pytest.raises(StorageError, match="cannot create WARC"):
        write_page(writer)


def test_kill_9_never_damages_what_was_written(tmp_path):
    """A writer killed at random points: every pointer it printed reads back intact, and
    iter_responses stops cleanly at the truncated tail."""
    rng = random.Random(5)
    deadline = time.monotonic() + 15
    kills = 0
    while kills < 6 and time.monotonic() < deadline:
        directory = tmp_path / f"run{kills}"
        child = start_writer(directory, -1, max_bytes=1 << 30, size=rng.choice([500, 20_000, 300_000]))
        printed: list[str] = []
        wait = rng.uniform(0.3, 0.9)
        started = time.monotonic()
        while time.monotonic() - started < wait:
            line = child.stdout.readline()
            if not line:
                break
            printed.append(line)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
        # read through the same buffered reader (communicate() would skip what it already holds)
        printed += child.stdout.read().splitlines(keepends=True)
        child.stdout.close()
        # a line cut by the kill is not a pointer the child handed out
        pointers = [WarcPointer(**json.loads(line)) for line in printed if line.endswith("\n")]
        assert pointers, "the child wrote nothing before the kill"
        for n, pointer in enumerate(pointers):
            assert read_response(pointer).url.endswith(f"/{n}")
        (path,) = directory.iterdir()
        walked = [p for p, _ in iter_responses(path)]  # never raises for the tail
        assert walked[: len(pointers)] == pointers
        assert len(walked) - len(pointers) <= 1  # at most the record written as the kill came

        # cut the file inside its last record, as a kill in the middle of write() would
        last = walked[-1]
        cut = rng.randrange(last.offset + 1, last.offset + last.length)
        with open(path, "r+b") as handle:
            handle.truncate(cut)
        walked_cut = [p for p, _ in iter_responses(path)]
        assert walked_cut == walked[:-1]
        for pointer in walked[:-1]:
            read_response(pointer)
        with pytest.raises(StorageError):
            read_response(last)
        kills += 1
    assert kills >= 3


def test_iter_responses_warns_at_a_truncated_tail(tmp_path, caplog):
    with WarcWriter(tmp_path) as writer:
        pointers = [write_page(writer, n) for n in range(3)]
    path = Path(pointers[0].file)
    with open(path, "ab") as handle:
        handle.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + os.urandom(5000))[:1000])
    with caplog.at_level("WARNING", logger="storage.warc"):
        assert [p for p, _ in iter_responses(path)] == pointers
    assert "truncated" in caplog.text
    # a complete gzip member holding no valid record, then bytes that are not gzip at all
    for junk in (gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n\r\n"), b"garbage, not gzip"):
        damaged = tmp_path / "damaged.warc.gz"
        damaged.write_bytes(path.read_bytes()[: pointers[-1].offset + pointers[-1].length] + junk)
        assert [p.offset for p, _ in iter_responses(damaged)] == [p.offset for p in pointers]


# -- the extension in a real crawl ------------------------------------------------------------


def test_crawl_archives_every_response(kabar, sites, tmp_path):
    sites.clear_requests()
    result = kabar("crawl", "--source", "infodaerah")
    assert result.returncode == 0, result.stderr
    warc_dir = tmp_path / "data" / "warc"
    files = sorted(warc_dir.glob("*.warc.gz"))
    assert files, f"no WARC files in {warc_dir}: {result.stderr[-2000:]}"
    archived: dict[str, list[int]] = {}
    for path in files:
        assert NAME_RE.match(path.name), path.name
        check_file(path)
        for pointer, response in iter_responses(path):
            assert read_response(pointer) == response
            archived.setdefault(response.url, []).append(response.status)

    base = sites.url("infodaerah")
    paths = {urlsplit(url).path for url in archived if url.startswith(base)}
    assert "/robots.txt" in paths
    assert "/feed.atom" in paths
    assert "/sitemap.xml" in paths
    articles = [g["url"] for g in gold_copies(sites) if g["site"] == "infodaerah"]
    assert articles
    missing = [url for url in articles if urlsplit(url).path not in paths]
    assert not missing, f"{len(missing)} article pages not archived, e.g. {missing[:3]}"
    # and nothing the site answered is missing (redirects are followed, not archived)
    answered = {
        urlsplit(base + r.target.lstrip("/")).path
        for r in sites.requests("infodaerah")
        if r.method == "GET" and (r.status == 304 or not 300 <= r.status < 400)
    }
    assert answered - paths == set()


# -- the extension alone ------------------------------------------------------------------------


class _Run:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir


def _crawler(data_dir: Path, **settings):
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(Spider, {"KABAR_DATA_DIR": str(data_dir), **settings})
    crawler.spider = crawler._create_spider("news-test")
    crawler.spider.run = _Run(data_dir)
    return crawler


def _exchange(url: str, status: int = 200, body: bytes = HTML):
    from scrapy.http import HtmlResponse, Request

    request = Request(url, headers={"User-Agent": "kabar/test", "If-None-Match": '"x"'}, meta={"kind": "feed"})
    response = HtmlResponse(
        url,
        status=status,
        headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip", "Set-Cookie": ["a=1", "b=2"]},
        body=body,
        request=request,
    )
    return request, response


def _send(crawler, request, response):
    from scrapy import signals

    crawler.signals.send_catch_log(signals.response_received, response=response, request=request, spider=crawler.spider)


def test_extension_archives_and_sets_the_pointer(tmp_path):
    from crawler.warcarchive import WarcArchive

    first, second = _crawler(tmp_path / "data"), _crawler(tmp_path / "data")
    extensions = [WarcArchive.from_crawler(first), WarcArchive.from_crawler(second)]
    exchanges = [_exchange("http://127.0.0.1:8701/robots.txt"), _exchange("http://127.0.0.1:8702/hilang", 404)]
    _send(first, *exchanges[0])
    _send(second, *exchanges[1])
    assert extensions[0].writer is extensions[1].writer  # one writer per process
    pointers = [request.meta["warc"] for request, _ in exchanges]
    assert pointers[0]["file"] == pointers[1]["file"]
    assert Path(pointers[0]["file"]).parent == tmp_path / "data" / "warc"
    robots, missing = (read_response(p) for p in pointers)
    assert (robots.url, robots.status, robots.body) == ("http://127.0.0.1:8701/robots.txt", 200, HTML)
    assert ("Set-Cookie", "b=2") in robots.headers and robots.header("Content-Encoding") is None
    assert missing.status == 404
    assert first.stats.get_value("kabar/warc_records") == 1
    writer = extensions[0].writer
    extensions[0].engine_stopped()  # the first crawler ends; the second still writes
    _send(second, *_exchange("http://127.0.0.1:8702/lagi"))
    extensions[1].engine_stopped()  # the last user closes the shared writer
    with pytest.raises(StorageError, match="closed"):
        write_page(writer)
    assert [r.url for _, r in iter_responses(pointers[0]["file"])] == [
        "http://127.0.0.1:8701/robots.txt",
        "http://127.0.0.1:8702/hilang",
        "http://127.0.0.1:8702/lagi",
    ]
    check_file(Path(pointers[0]["file"]))


def test_extension_can_be_switched_off(tmp_path):
    from scrapy.exceptions import NotConfigured

    from crawler.warcarchive import WarcArchive

    with pytest.raises(NotConfigured):
        WarcArchive.from_crawler(_crawler(tmp_path, KABAR_WARC_ENABLED=False))
    with pytest.raises(NotConfigured):
        WarcArchive.from_crawler(_crawler(tmp_path, KABAR_WARC_MAX_BYTES=0))


def test_extension_write_failure_is_logged_once_and_counted(tmp_path, caplog):
    from crawler.warcarchive import WarcArchive

    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    crawler = _crawler(blocker)
    extension = WarcArchive.from_crawler(crawler)
    with caplog.at_level("ERROR", logger="crawler.warcarchive"):
        for n in range(3):
            request, response = _exchange(f"http://127.0.0.1:8701/{n}")
            _send(crawler, request, response)
            assert "warc" not in request.meta
    assert crawler.stats.get_value("kabar/warc_errors") == 3
    assert len([r for r in caplog.records if r.name == "crawler.warcarchive"]) == 1
    assert "cannot create WARC directory" in caplog.text
    extension.engine_stopped()
