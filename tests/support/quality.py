"""Issue 3's extraction quality bars, judged against the gold (tests/support/gold.py): body F1 by
the AEB method, no boilerplate line, the exact title, the publication time to the minute (the day
where the page shows no time)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

MIN_F1 = 0.98

#: Boilerplate no body line may carry (issue 3's kinds). (label, regex): case-sensitive where
#: the case is what tells the junk from prose ("Dibaca" vs "dibacakan", "Berita Terkait" vs
#: "berita terkait banjir"), otherwise (?i).
BOILERPLATE: tuple[tuple[str, str], ...] = (
    ("Baca juga", r"(?i)\b(?:baca|simak|lihat|tonton)\s+juga\b"),
    ("Klik di Sini", r"(?i)\bklik\s+di\s*sini\b"),
    ("Advertisement", r"(?i)\badvertisement\b"),
    ("Berita Lainnya", r"\bBerita\s+Lainnya\b"),
    ("Berita Terkait", r"\bBerita\s+Terkait\b"),
    ("Related Articles", r"(?i)\brelated\s+articles\b"),
    ("Terpopuler", r"\bTerpopuler\b"),
    ("TINGGALKAN KOMENTAR", r"(?i)\btinggalkan\s+komentar\b"),
    ("Silakan masukkan", r"(?i)\bsilakan\s+masukkan\b"),
    ("Tinggalkan Balasan", r"(?i)\btinggalkan\s+balasan\b"),
    ("Alamat email Anda", r"(?i)\balamat\s+email\s+anda\b"),
    ("Artikulli", r"(?i)\bartikulli\b"),
    ("Back to top", r"(?i)\bback\s+to\s+top\b"),
    ("No More Posts", r"(?i)\bno\s+more\s+posts\b"),
    ("No more pages", r"(?i)\bno\s+more\s+pages\b"),
    ("Dibaca", r"\bDibaca\b"),
    ("view counter", r"(?i)[\d.,]+\s*(?:kali\s+)?(?:dibaca|dilihat|views?)\b"),
    ("Redaktur", r"(?i)\bredaktur\s*:"),
    ("Artikel ini telah tayang", r"(?i)\bartikel\s+ini\s+telah\s+tayang\b"),
    ("Grup Telegram", r"(?i)\bgrup\s+telegram\b"),
    ("Google News", r"(?i)\bgoogle\s+news\b"),
    ("Simak breaking news", r"(?i)\bsimak\s+breaking\s+news\b"),
    ("credit line", r"(?i)\b(?:penulis|editor|reporter|laporan|posting)\s*:"),
    ("Laporan Wartawan", r"(?i)\blaporan\s+wartawan\b"),
    ("Foto:", r"(?i)\bfoto\s*:"),
    ("Halaman 1", r"\bHalaman\s+1\b"),
    ("Selanjutnya (pagination)", r"(?i)(?:\d\s+|^|halaman\s+)selanjutnya\s*[»›>]?\s*$"),
    ("Tampilkan Semua", r"(?i)\btampilkan\s+semua\b"),
    # issue 21's kinds
    ("embedded post", r"\(@\w{1,30}\)|pic\.twitter\.com/"),
    ("editor initials", r"\((?:[a-z]{2,5}/){1,4}[a-z]{2,5}\)\s*$"),
    ("separator line", r"^\s*[-–—=*]{3,}\s*$"),
    ("date line", r"^\s*(?:\w+,?\s+)?\d{1,2}[\s/]\w+[\s/]\d{4},?\s+(?:\|\s+)?\d{2}[:.]\d{2}(?:\s+WI[BT]A?)?\s*$"),
)
_BOILERPLATE = tuple((label, re.compile(rx)) for label, rx in BOILERPLATE)


def f1(pred: str, truth: str) -> float:
    """Per-page F1 by the AEB method: lower-cased \\w+ tokens, 4-token shingles with multiplicity."""

    def shingles(text: str) -> Counter:
        tokens = re.findall(r"\w+", (text or "").lower())
        return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))

    p, t = shingles(pred), shingles(truth)
    tp = sum((p & t).values())
    if not tp:
        return 0.0
    precision, recall = tp / sum(p.values()), tp / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def junk_lines(text: str) -> list[tuple[str, str]]:
    """(label, line) for every line of ``text`` a BOILERPLATE pattern finds."""
    return [(label, line) for line in text.split("\n") if line.strip() for label, rx in _BOILERPLATE if rx.search(line)]


def problems(got: dict, gold: dict) -> list[str]:
    """Every bar ``got`` (title, published as ISO or datetime, text) misses for ``gold``."""
    out = []
    score = f1(got.get("text") or "", gold["text"])
    if score < MIN_F1:
        out.append(f"body F1 {score:.3f} < {MIN_F1}")
    out += [f"boilerplate {label!r}: {line[:90]!r}" for label, line in junk_lines(got.get("text") or "")]
    if got.get("title") != gold["title"]:
        out.append(f"title {got.get('title')!r} != {gold['title']!r}")
    published = got.get("published")
    if isinstance(published, str):
        published = datetime.fromisoformat(published)
    expected = datetime.fromisoformat(gold["published"])
    if published is None or published.tzinfo is None:
        out.append(f"published {published!r} (want {expected.isoformat()})")
    elif gold["published_has_time"]:
        if published.replace(second=0, microsecond=0) != expected.replace(second=0, microsecond=0):
            out.append(f"published {published.isoformat()} != {expected.isoformat()} (to the minute)")
    elif published.astimezone(expected.tzinfo).date() != expected.date():
        out.append(f"published {published.isoformat()} not on {expected.date()}")
    return out
