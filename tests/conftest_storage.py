"""Storage fixtures: a fresh archive per test on SQLite (tmp_path) and on the real PostgreSQL.

Each PostgreSQL test gets its own database ``kabar_test_<random>``, created through the
maintenance connection and dropped afterwards. Without a reachable PostgreSQL those tests
are skipped, unless ``KABAR_REQUIRE_SERVICES=1``, which makes them fail instead.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get(
    "KABAR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")
WIB = timezone(timedelta(hours=7))

# Realistic regional news texts (written for the tests, in the style of the seed sites).
ARTICLES = {
    "muba_smart_city": {
        "url": "https://sumselupdate.example/2024/05/muba-smart-city",
        "title": "Musi Banyuasin Perkuat Pelayanan Publik Lewat Smart City",
        "author": "Rahmat Hidayat",
        "published_at": datetime(2024, 5, 14, 9, 30, tzinfo=WIB),
        "language": "id",
        "dateline": "Sekayu",
        "text": (
            "Pemerintah Kabupaten Musi Banyuasin terus memperkuat penerapan smart city untuk "
            "mempercepat layanan kepada masyarakat. Bupati menyebut aplikasi terpadu kini "
            "melayani perizinan, administrasi kependudukan dan pengaduan warga secara daring. "
            "Dinas Komunikasi dan Informatika Muba menargetkan seluruh kecamatan terhubung "
            "jaringan internet pada akhir tahun."
        ),
    },
    "banjir_palembang": {
        "url": "https://palpres.example/2024/01/banjir-palembang",
        "title": "Banjir Rendam Ratusan Rumah di Palembang",
        "author": "Siti Aminah",
        "published_at": datetime(2024, 1, 5, 16, 0, tzinfo=WIB),
        "language": "id",
        "dateline": "Palembang",
        "text": (
            "Hujan deras yang mengguyur sejak sore membuat banjir merendam ratusan rumah di "
            "Kota Palembang. Warga di kawasan Sekip Ujung mengungsi ke masjid terdekat. "
            "Badan Penanggulangan Bencana Daerah membuka posko dan dapur umum, sementara "
            "pemerintah kota mempercepat normalisasi saluran air dan kolam retensi."
        ),
    },
    "cctv_lubuklinggau": {
        "url": "https://linggaupos.example/2023/11/cctv-lubuklinggau",
        "title": "Lubuklinggau Pasang CCTV Pintar di Simpang Jalan",
        "author": None,
        "published_at": datetime(2023, 11, 20, 8, 15, tzinfo=WIB),
        "language": "id",
        "dateline": "Lubuklinggau",
        "text": (
            "Dinas Perhubungan Kota Lubuklinggau memasang kamera CCTV pintar di sejumlah simpang "
            "jalan untuk memantau arus lalu lintas. Program kota cerdas ini terhubung dengan "
            "ruang kendali terpadu, sehingga petugas dapat segera menangani kemacetan dan "
            "kecelakaan. Warga menyambut baik pelayanan baru tersebut."
        ),
    },
    "pasar_jakarta": {
        "url": "https://kabarnasional.example/2024/03/pasar-digital-jakarta",
        "title": "Pedagang Pasar Tradisional Jakarta Beralih ke Pembayaran Digital",
        "author": "Budi Santoso",
        "published_at": datetime(2024, 3, 2, 11, 0, tzinfo=WIB),
        "language": "id",
        "dateline": "Jakarta",
        "text": (
            "Ribuan pedagang pasar tradisional di Jakarta mulai menerima pembayaran dengan kode "
            "QR. Bank Indonesia menilai transaksi nontunai mempercepat perputaran uang dan "
            "mengurangi risiko uang palsu. Di Palembang, program serupa masih dalam tahap uji "
            "coba di Pasar 16 Ilir."
        ),
    },
}


def _pg_connect(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The maintenance URL of a reachable PostgreSQL, else skip (or fail when required)."""
    try:
        with _pg_connect(PG_ADMIN_URL):
            pass
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("KABAR_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " (KABAR_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)
    return PG_ADMIN_URL


def _new_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"kabar_test_{secrets.token_hex(6)}"
    with _pg_connect(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_pg_database(admin_url: str, name: str) -> None:
    with _pg_connect(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A freshly created, empty PostgreSQL database, dropped after the test."""
    admin = request.getfixturevalue("postgres_admin_url")
    name, url = _new_pg_database(admin)
    try:
        yield url
    finally:
        _drop_pg_database(admin, name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend: a SQLite file in tmp_path, or a new PostgreSQL DB."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'kabar.db'}"
    return request.getfixturevalue("pg_database_url")


@pytest.fixture
def storage_helpers():
    """This module (sample articles, WIB, worker functions), without importing it by hand
    (which would defeat pytest's assertion rewriting of a plugin)."""
    return sys.modules[__name__]


@pytest.fixture
def engine(database_url: str):
    """An upgraded archive engine on each backend."""
    from storage.db import open_archive

    engine = open_archive(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def archive(engine):
    from storage.archive import Archive

    return Archive(engine)


@pytest.fixture
def stored(archive) -> dict[str, int]:
    """The ARTICLES stored under two sources: their ids by key."""
    sumsel = archive.ensure_source("sumsel", "https://sumselupdate.example/")
    nasional = archive.ensure_source("nasional", "https://kabarnasional.example/")
    ids = {}
    for key, fields in ARTICLES.items():
        source = nasional if key == "pasar_jakarta" else sumsel
        ids[key], created = archive.add_article({**fields, "source_id": source})
        assert created
    return ids


# -- worker functions for multiprocessing tests (must be importable by spawned children) --


def concurrent_writer(url: str, worker: int, start, rounds: int, queue) -> None:
    """Write the same URLs as the other workers, as fast as possible."""
    from storage.archive import Archive
    from storage.db import create_engine_for

    engine = create_engine_for(url)
    archive = Archive(engine)
    start.wait(30)
    try:
        results = []
        for i in range(rounds):
            source = archive.ensure_source(f"src{i % 3}", f"https://src{i % 3}.example/")
            article_id, created = archive.add_article(
                {
                    "url": f"https://src.example/berita/{i}",
                    "source_id": source,
                    "title": f"Berita ke-{i} tentang pelayanan kota cerdas",
                    "text": f"Isi berita nomor {i} dari penulis {worker}.",
                    "published_at": datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(hours=i),
                }
            )
            archive.add_alias(article_id, f"https://m.src.example/berita/{i}")
            archive.record_fetch(
                f"https://src.example/berita/{i}", source_id=source, run_id=None,
                kind="article", status=200, article_id=article_id,
            )
            results.append((i, article_id, created))
        queue.put((worker, results, None))
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put((worker, [], repr(exc)))
    finally:
        engine.dispose()


def concurrent_opener(url: str, start, queue) -> None:
    """Open (and so upgrade) a fresh archive at the same moment as another process."""
    from storage.db import current_revision, open_archive

    start.wait(30)
    try:
        engine = open_archive(url)
        queue.put(current_revision(engine))
        engine.dispose()
    except Exception as exc:  # pragma: no cover - reported to the parent
        queue.put(repr(exc))
