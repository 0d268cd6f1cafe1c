"""A hostile news site on 127.0.0.1 for the reliability tests.

    with FaultSite() as site:
        config = site.sources_toml()      # the "rusak" source (+ the robots-blocked "tertutup")
        ...
        site.hits(path="/x/hang")         # what the crawler asked for, with times

One source, ``rusak``, whose feed, sitemaps and listing link to good articles and to pages that
misbehave in every way the open web does (see :data:`FAULTS`). Beside it:

- an *internal service* on another port (``internal_url``): a redirect target that a crawler
  must never reach (SSRF); every hit on it is logged;
- a *closed port* (``closed_url``): connection refused;
- a *blocked* site (``blocked_url``) whose robots.txt disallows everything;
- the main port also works as a plain HTTP proxy, so a test can make kabar see the same pages
  under a public-looking host name (``http_proxy=site.proxy_url``).
"""

from __future__ import annotations

import gzip
import random
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from tests.support import free_port

HUGE_BYTES = 50 * 1024 * 1024  # a page five times the 10 MB limit
BOMB_BYTES = 256 * 1024 * 1024  # zeros behind a ~250 KB gzip body
DRIP_INTERVAL = 0.25  # seconds between the bytes of the slow drip
HANG_MAX = 120.0  # the "never answers" page gives up after this, whatever happens
RETRY_AFTER = 1  # seconds the rate-limited pages ask for

# fault path -> what it does (the docs table and the tests share these names)
FAULTS = {
    "/x/error-500": "500 Internal Server Error, every time",
    "/x/unavailable-503": "503 with Retry-After: 1, every time",
    "/x/rate-limited": "429 with Retry-After: 1 once, then a good article",
    "/x/rate-limited-long": "429 with Retry-After: 3600, every time",
    "/x/reset": "connection reset (RST) after the request is read",
    "/x/hang": "connection accepted, never answered",
    "/x/drip": "headers, then one byte every 0.25 s of a 100 kB body",
    "/x/truncated": "Content-Length 60000, 2000 bytes sent, connection closed",
    "/x/loop-a": "redirect loop a -> b -> a",
    "/x/loop-self": "redirect to itself",
    "/x/chain/1": "a chain of 30 redirects",
    "/x/short-chain/1": "3 redirects to a good article",
    "/x/to-metadata": "redirect to http://169.254.169.254/latest/meta-data/ (link-local)",
    "/x/to-private": "redirect to http://10.20.30.40/admin/ (private)",
    "/x/to-internal": "redirect to another service on 127.0.0.1 (loopback, other port)",
    "/x/to-localhost": "redirect to http://localhost:<internal port>/ (loopback by name)",
    "/x/huge": "50 MB of HTML without Content-Length",
    "/x/huge-declared": "50 MB of HTML with its Content-Length",
    "/x/gzip-bomb": "gzip body that inflates to 256 MB",
    "/x/pdf": "a PDF served as text/html",
    "/x/binary": "random bytes served as text/html",
    "/x/cp1252-as-utf8": "a windows-1252 article declared UTF-8 (header and meta)",
    "/x/no-charset": "a windows-1252 article with no charset anywhere",
    "/x/invalid-utf8": "a UTF-8 article with invalid byte sequences",
    "/x/empty": "200 with an empty body",
    "/x/not-article": "a login page: HTML that is not an article",
    "/x/gone": "404",
}
# Fault pages whose content is a good article: kabar must store these.
STORED_FAULTS = ("/x/rate-limited", "/x/cp1252-as-utf8", "/x/no-charset", "/x/invalid-utf8")
# Entry points that are themselves broken.
BROKEN_ENTRY_POINTS = {
    "/broken-feed.xml": "a feed that is not XML",
    "/broken-sitemap.xml.gz": "a gzip sitemap with a corrupt stream",
    "/truncated-sitemap.xml": "a sitemap cut off mid-element (still lists one good article)",
}

TOPICS = [
    ("Musi Banyuasin", "Sekayu", "aplikasi pelayanan perizinan terpadu", "Dinas Penanaman Modal"),
    ("Muara Enim", "Muara Enim", "ruang kendali kota cerdas", "Dinas Komunikasi dan Informatika"),
    ("Banyuasin", "Pangkalan Balai", "jaringan internet desa", "Bappeda"),
    ("Musi Rawas", "Muara Beliti", "pembayaran pajak daerah nontunai", "Badan Pendapatan Daerah"),
    ("Lubuklinggau", "Lubuklinggau", "kamera pemantau lalu lintas", "Dinas Perhubungan"),
    ("Ogan Komering Ilir", "Kayuagung", "layanan kesehatan jarak jauh", "Dinas Kesehatan"),
    ("Prabumulih", "Prabumulih", "pengelolaan sampah berbasis data", "Dinas Lingkungan Hidup"),
    ("Pagar Alam", "Pagar Alam", "promosi wisata digital", "Dinas Pariwisata"),
    ("Empat Lawang", "Tebing Tinggi", "perpustakaan digital sekolah", "Dinas Pendidikan"),
    ("Lahat", "Lahat", "sistem informasi desa", "Dinas Pemberdayaan Masyarakat dan Desa"),
]


def article_html(n: int, *, charset: str = "utf-8", declare: bool = True, dash: str = "–") -> str:
    """A realistic regional news article, distinct for every ``n``."""
    region, city, thing, office = TOPICS[n % len(TOPICS)]
    title = f"{region} Luncurkan {thing.capitalize()} untuk Warga (Seri {n})"
    paragraphs = [
        f"{city.upper()} {dash} Pemerintah Kabupaten {region} resmi meluncurkan {thing} yang "
        f"diharapkan mempercepat pelayanan publik. Peluncuran dilakukan di halaman kantor {office} "
        f"pada Senin pagi, dihadiri camat dan kepala desa dari {10 + n} kecamatan.",
        f"Kepala {office} mengatakan program ini merupakan bagian dari rencana induk smart city "
        f"{region} tahun {2020 + n % 5}. Menurutnya, warga kini tidak perlu lagi datang ke kantor "
        f"untuk mengurus keperluan mereka, cukup melalui telepon genggam.",
        f"Sebanyak {120 + 7 * n} petugas telah dilatih untuk mendampingi masyarakat yang belum "
        f"terbiasa dengan layanan digital. Pendampingan dilakukan di balai desa setiap hari Rabu "
        f"dan Kamis hingga akhir bulan {dash} kata dia.",
        f"Bupati {region} meminta seluruh perangkat daerah mendukung program tersebut. Ia "
        f"menargetkan {40 + n} persen layanan sudah dapat diakses secara daring pada akhir tahun, "
        f"dan hasilnya akan dievaluasi bersama Bappeda setiap tiga bulan.",
    ]
    meta = f'<meta charset="{charset}">' if declare else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="id"><head>{meta}
<title>{title} - Kabar Rusak</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2024-05-{1 + n % 28:02d}T09:{n % 60:02d}:00+07:00">
</head><body>
<header><nav><a href="/">Beranda</a> <a href="/berita/">Berita</a></nav></header>
<article>
<h1>{title}</h1>
<div class="meta">Penulis: Redaksi Kabar Rusak | Senin, {1 + n % 28} Mei 2024 09:{n % 60:02d} WIB</div>
<div class="content">
{body}
</div>
</article>
<footer>Kabar Rusak &copy; 2024</footer>
</body></html>
"""


GOOD_ARTICLES = {f"/berita/{n}-program-kota-cerdas.html": n for n in range(1, 7)}
REDIRECTED_ARTICLE = "/berita/7-dialihkan.html"  # reached through /x/short-chain/*
TRUNCATED_SITEMAP_ARTICLE = "/berita/8-dari-sitemap-terpotong.html"
FAULT_ARTICLE_NUMBER = {
    "/x/rate-limited": 11,
    "/x/cp1252-as-utf8": 12,
    "/x/no-charset": 13,
    "/x/invalid-utf8": 14,
    REDIRECTED_ARTICLE: 7,
    TRUNCATED_SITEMAP_ARTICLE: 8,
}

LOGIN_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Masuk</title></head>
<body><form action="/masuk" method="post"><label>Nama pengguna <input name="u"></label>
<label>Kata sandi <input type="password" name="p"></label><button>Masuk</button></form></body></html>"""


@dataclass(frozen=True)
class Hit:
    """One request a server received (before it answered, or failed to)."""

    server: str  # "main", "internal", "blocked"
    host: str  # the Host the client asked for (the proxied host in proxy mode)
    path: str
    at: float  # time.monotonic()


def _gzip_bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk) for _ in range(BOMB_BYTES >> 20)]
    return b"".join(parts) + compressor.flush()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "KabarRusak/1.0"
    timeout = 30
    site: FaultSite
    role = "main"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        host, path = self.headers.get("Host", ""), self.path
        if path.startswith(("http://", "https://")):  # proxy mode: an absolute URI
            parts = urlsplit(path)
            host, path = parts.netloc, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.host = host
        self.site._record(Hit(self.role, host, path, time.monotonic()))
        try:
            getattr(self, f"_{self.role}")(path)
        except (TimeoutError, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    # -- helpers ------------------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, b"", headers={"Location": location})

    def _base(self) -> str:
        return f"http://{self.host}"

    # -- the servers ----------------------------------------------------------------------
    def _internal(self, path: str) -> None:
        self._send(200, b"SECRET internal data", "text/plain")

    def _blocked(self, path: str) -> None:
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /\n", "text/plain")
        elif path == "/feed.xml":
            self._send(200, _rss(self._base(), ["/berita/1-program-kota-cerdas.html"]), "application/rss+xml")
        else:
            self._send(200, article_html(21).encode())

    def _main(self, path: str) -> None:
        site, base = self.site, self._base()
        if self.host.split(":")[0] in {"169.254.169.254", "10.20.30.40", "localhost"} or (
            self.host != site.netloc and self.host.startswith("127.")
        ):  # proxied to an address the crawler must never reach
            return self._send(200, b"SECRET proxied internal data", "text/plain")
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/feed.xml":
            return self._send(200, _rss(base, list(FAULTS)), "application/rss+xml")
        if path == "/ssrf-feed.xml":
            links = [
                "/x/to-internal",
                "/x/to-metadata",
                "/x/to-private",
                "/x/to-localhost",
                "/berita/1-program-kota-cerdas.html",
            ]
            return self._send(200, _rss(base, links), "application/rss+xml")
        if path == "/sitemap.xml":
            return self._send(200, _urlset(base, list(GOOD_ARTICLES)[:3]), "application/xml")
        if path == "/truncated-sitemap.xml":
            body = _urlset(base, [TRUNCATED_SITEMAP_ARTICLE, "/berita/9-tak-terbaca.html"])
            return self._send(200, body[: body.index(b"9-tak")], "application/xml")
        if path == "/broken-sitemap.xml.gz":
            good = gzip.compress(_urlset(base, list(GOOD_ARTICLES)))
            return self._send(200, good[:40] + b"\x00garbage" * 20, "application/x-gzip")
        if path == "/broken-feed.xml":
            return self._send(200, b"\x00\x01<<rss version=2.0><channel><item><link>", "application/rss+xml")
        if path in ("/berita/", "/"):
            links = "".join(f'<li><a href="{p}">Berita {n}</a></li>' for p, n in GOOD_ARTICLES.items())
            return self._send(200, f"<html><body><h1>Berita</h1><ul>{links}</ul></body></html>".encode())
        if path in GOOD_ARTICLES:
            return self._send(200, article_html(GOOD_ARTICLES[path]).encode())
        if path in (REDIRECTED_ARTICLE, TRUNCATED_SITEMAP_ARTICLE):
            return self._send(200, article_html(FAULT_ARTICLE_NUMBER[path]).encode())
        return self._fault(path)

    def _fault(self, path: str) -> None:  # noqa: C901 - one branch per fault, on purpose
        site = self.site
        if path == "/x/error-500":
            return self._send(500, b"<h1>Internal Server Error</h1>")
        if path == "/x/unavailable-503":
            return self._send(503, b"<h1>Service Unavailable</h1>", headers={"Retry-After": str(RETRY_AFTER)})
        if path == "/x/rate-limited":
            if site._count(path) == 1:
                return self._send(429, b"slow down", headers={"Retry-After": str(RETRY_AFTER)})
            return self._send(200, article_html(11).encode())
        if path == "/x/rate-limited-long":
            return self._send(429, b"slow down", headers={"Retry-After": "3600"})
        if path == "/x/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if path == "/x/hang":
            site._stop.wait(HANG_MAX)
            self.close_connection = True
            return
        if path == "/x/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100000):
                if site._stop.wait(DRIP_INTERVAL):
                    break
                self.wfile.write(b"x")
                self.wfile.flush()
            self.close_connection = True
            return
        if path == "/x/truncated":
            body = article_html(15).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "60000")
            self.end_headers()
            self.wfile.write(body[:2000])
            self.close_connection = True
            return
        if path == "/x/loop-a":
            return self._redirect("/x/loop-b")
        if path == "/x/loop-b":
            return self._redirect(self._base() + "/x/loop-a")
        if path == "/x/loop-self":
            return self._redirect("/x/loop-self")
        if path.startswith("/x/chain/"):
            return self._redirect(f"/x/chain/{int(path.rsplit('/', 1)[1]) + 1}")
        if path.startswith("/x/short-chain/"):
            step = int(path.rsplit("/", 1)[1])
            return self._redirect(f"/x/short-chain/{step + 1}" if step < 3 else REDIRECTED_ARTICLE)
        if path == "/x/to-metadata":
            return self._redirect("http://169.254.169.254/latest/meta-data/")
        if path == "/x/to-private":
            return self._redirect("http://10.20.30.40/admin/")
        if path == "/x/to-internal":
            return self._redirect(site.internal_url + "secret")
        if path == "/x/to-localhost":
            return self._redirect(f"http://localhost:{site.internal_port}/secret")
        if path in ("/x/huge", "/x/huge-declared"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if path == "/x/huge-declared":
                self.send_header("Content-Length", str(HUGE_BYTES))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            chunk = (b"<p>" + b"Isi halaman yang sangat panjang sekali. " * 1600 + b"</p>\n")[: 1 << 16]
            sent = 0
            while sent < HUGE_BYTES and not site._stop.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
            self.close_connection = True
            return
        if path == "/x/gzip-bomb":
            return self._send(200, site.gzip_bomb, headers={"Content-Encoding": "gzip"})
        if path == "/x/pdf":
            pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            return self._send(200, pdf + bytes(random.Random(1).randrange(256) for _ in range(30000)))
        if path == "/x/binary":
            return self._send(200, bytes(random.Random(2).randrange(256) for _ in range(50000)))
        if path == "/x/cp1252-as-utf8":
            return self._send(200, article_html(12).encode("cp1252"))
        if path == "/x/no-charset":
            body = article_html(13, declare=False).replace("Senin", "Séninè").encode("cp1252")
            return self._send(200, body, "text/html")
        if path == "/x/invalid-utf8":
            body = article_html(14).encode().replace(b"Bappeda setiap", b"Bappeda \xff\xfe\xc3 setiap")
            return self._send(200, body)
        if path == "/x/empty":
            return self._send(200, b"")
        if path == "/x/not-article":
            return self._send(200, LOGIN_PAGE.encode())
        return self._send(404, b"<h1>Halaman tidak ditemukan</h1>")

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass


def _rss(base: str, paths) -> bytes:
    items = "".join(
        f"<item><title>Berita {i}</title><link>{base}{p}</link>"
        f"<pubDate>Mon, 13 May 2024 0{i % 10}:00:00 +0700</pubDate></item>"
        for i, p in enumerate(paths)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Kabar Rusak</title><link>{base}/</link>{items}</channel></rss>"
    ).encode()


def _urlset(base: str, paths) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc><lastmod>2024-05-13</lastmod></url>" for p in paths)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


class FaultSite:
    """The hostile site, its internal service and its robots-blocked sibling, on free ports."""

    def __init__(self) -> None:
        self._hits: list[Hit] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.gzip_bomb = b""

    def start(self) -> FaultSite:
        self.gzip_bomb = _gzip_bomb()
        for role in ("main", "internal", "blocked"):
            handler = type(f"{role}Handler", (_Handler,), {"site": self, "role": role})
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            self._servers.append(server)
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"faultsite-{role}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self.port, self.internal_port, self.blocked_port = (s.server_address[1] for s in self._servers)
        self.closed_port = free_port()  # nobody listens here: connection refused
        return self

    def stop(self) -> None:
        self._stop.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FaultSite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses and config -------------------------------------------------------------
    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.netloc}/"

    @property
    def internal_url(self) -> str:
        return f"http://127.0.0.1:{self.internal_port}/"

    @property
    def blocked_url(self) -> str:
        return f"http://127.0.0.1:{self.blocked_port}/"

    @property
    def closed_url(self) -> str:
        return f"http://127.0.0.1:{self.closed_port}/"

    @property
    def proxy_url(self) -> str:
        return self.url

    def sources_toml(self, *, blocked: bool = True) -> str:
        """``rusak`` (and ``tertutup``, the robots-blocked site), every article archived."""
        base = self.url.rstrip("/")
        lines = [
            "[relevance]",
            "min_score = 0",
            "",
            "[crawl]",
            "download_delay = 0",
            "concurrent_requests_per_domain = 16",
            "autothrottle = false",
            "retry_failed = 0",
            "",
            "[[sources]]",
            'name = "rusak"',
            f'url = "{base}/"',
            f'feeds = ["{base}/feed.xml", "{base}/broken-feed.xml"]',
            f'sitemaps = ["{base}/sitemap.xml", "{base}/truncated-sitemap.xml", "{base}/broken-sitemap.xml.gz"]',
            f'listings = ["{base}/berita/", "{self.closed_url}berita/"]',
            "article_pattern = '^/berita/.+'",
        ]
        if blocked:
            lines += [
                "",
                "[[sources]]",
                'name = "tertutup"',
                f'url = "{self.blocked_url}"',
                f'feeds = ["{self.blocked_url}feed.xml"]',
            ]
        return "\n".join(lines) + "\n"

    def public_sources_toml(self, host: str) -> str:
        """One source on a public-looking ``host``, reached through this server as a proxy."""
        return (
            "\n".join(
                [
                    "[relevance]",
                    "min_score = 0",
                    "",
                    "[crawl]",
                    "download_delay = 0",
                    "autothrottle = false",
                    "",
                    "[[sources]]",
                    'name = "publik"',
                    f'url = "http://{host}/"',
                    f'feeds = ["http://{host}/ssrf-feed.xml"]',
                ]
            )
            + "\n"
        )

    # -- request log ----------------------------------------------------------------------
    def _record(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    def _count(self, path: str) -> int:
        with self._lock:
            self._counts[path] = self._counts.get(path, 0) + 1
            return self._counts[path]

    def hits(self, *, server: str | None = None, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [
                h for h in self._hits if (server is None or h.server == server) and (path is None or h.path == path)
            ]

    def reset(self) -> None:
        """Forget the request log and the per-page counters (the rate limiter starts over)."""
        with self._lock:
            self._hits.clear()
            self._counts.clear()
