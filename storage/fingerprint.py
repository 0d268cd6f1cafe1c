"""Near-duplicate fingerprints (pure): MinHash signatures of word 3-gram shingles and the LSH
band hashes that the archive indexes to find "same story" candidates; :func:`text_keys` gives
a text's signature with its exact-duplicate hash and full-text stems, the text normalised once.

A signature is ``num_perm`` MinHash values (datasketch, fixed seed and scheme) stored as
little-endian uint64 bytes, so it can be kept in a database column and compared anywhere.

Banding (the LSH S-curve): a signature is cut into ``BANDS`` bands of ``ROWS`` values; two
articles become candidates when at least one band is identical, which for Jaccard
similarity ``s`` happens with probability ``1 - (1 - s**ROWS)**BANDS``. Every candidate is
then checked with :func:`similarity` against the story threshold (``STORY_THRESHOLD``), so
the bands only have to catch the true pairs while keeping the candidate lists short.
With 32 bands of 4 rows (all 128 values) the curve rises at about (1/32)**(1/4) = 0.42:

    s        0.02     0.1      0.2     0.3    0.4    0.5    0.6    0.7     0.8
    P(cand)  5e-6     0.003    0.05    0.23   0.56   0.87   0.98   0.9995  1.0

Unrelated Indonesian news articles score 0.00-0.02 (shared/NOTES.md), so almost nothing
unrelated is ever a candidate, and a syndicated copy at 0.5 is missed by the bands only
13% of the time (at 0.6, 2%); the example sites' copies sit far above that (see
docs/benchmarks.md, "dedup"). 25 bands of 5 rows (datasketch's own optimum for 0.5) would
miss 45% of pairs at exactly 0.5.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from storage.textnorm import normalise_text, normalised_hash, normalised_words, stem_words, words

NUM_PERM = 128
SEED = 1
SCHEME = "affine64"  # 64-bit hash values; fixed so signatures never change with a library default
SHINGLE_WORDS = 3
# Fewer shingles than this give too coarse an estimate (and stubs such as "Foto: Humas" would
# match each other): such texts get no signature and never join a story.
MIN_SHINGLES = 8

BANDS = 32
ROWS = 4
STORY_THRESHOLD = 0.5  # estimated Jaccard of word 3-grams for "same story"

_MASK63 = (1 << 63) - 1


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The distinct word ``size``-grams of the normalised text (casefolded, NFKC, words only)."""
    return _grams(words(text or ""), size)


def _grams(tokens: list[str], size: int = SHINGLE_WORDS) -> set[str]:
    return set(map(" ".join, zip(*(tokens[k:] for k in range(size)), strict=False)))


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``(a, b)`` of ``h -> a * h + b mod 2**64`` for each of ``num_perm`` values.
    datasketch is imported here: it takes about a second, which readers should not pay."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
    return a, b


# A SHA-1 digest read as datasketch's sha1_hash64 reads it: its first 8 bytes, little-endian.
_SHA1_HEAD = np.dtype([("head", "<u8"), ("rest", "V12")])
# The MurmurHash3 64-bit finalizer with which datasketch's affine64 scheme mixes each hash.
_FMIX_SHIFT = np.uint64(33)
_FMIX_1, _FMIX_2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)


def signature(text: str, num_perm: int = NUM_PERM) -> bytes | None:
    """The MinHash signature of ``text`` as ``num_perm`` little-endian uint64 values, or None
    when the text has fewer than MIN_SHINGLES distinct word 3-grams (too short to compare)."""
    return words_signature(words(text or ""), num_perm)


def words_signature(tokens: list[str], num_perm: int = NUM_PERM) -> bytes | None:
    """:func:`signature` of a text's :func:`storage.textnorm.words`.

    The values are those of datasketch's ``MinHash(seed=SEED, scheme=SCHEME).update_batch``
    over the UTF-8 shingles, computed here with numpy for all shingles at once: each
    shingle's sha1_hash64, mixed, then ``min(a * h + b)`` over the shingles for each
    permutation, in uint64 arithmetic that wraps as datasketch's does.
    """
    grams = _grams(tokens)
    if len(grams) < MIN_SHINGLES:
        return None
    digests = b"".join([hashlib.sha1(g.encode("utf-8")).digest() for g in grams])
    h = np.frombuffer(digests, dtype=_SHA1_HEAD)["head"].astype(np.uint64)
    h ^= h >> _FMIX_SHIFT
    h *= _FMIX_1
    h ^= h >> _FMIX_SHIFT
    h *= _FMIX_2
    h ^= h >> _FMIX_SHIFT
    a, b = _permutations(num_perm)
    permuted = np.multiply.outer(h, a)
    permuted += b
    return permuted.min(axis=0).astype("<u8").tobytes()


@dataclass(frozen=True)
class TextKeys:
    """What the archive derives from an article's text (:func:`text_keys`)."""

    text_hash: str
    signature: bytes | None
    stems: str | None = None


def text_keys(title: str | None, text: str | None, *, stems: bool = False) -> TextKeys:
    """``text_hash(text)``, ``signature(text)`` and, with ``stems``, ``search_text(title, text)``
    (of :mod:`storage.textnorm`), the text normalised and split into words once for the three."""
    normalised = normalise_text(text or "")
    tokens = normalised_words(normalised)
    return TextKeys(
        normalised_hash(normalised),
        words_signature(tokens),
        stem_words(words(title or "") + tokens) if stems else None,
    )


def _values(sig: bytes) -> np.ndarray:
    if not sig or len(sig) % 8:
        raise ValueError(f"not a signature: {len(sig or b'')} bytes (expected a multiple of 8)")
    return np.frombuffer(sig, dtype="<u8")


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal MinHash values."""
    va, vb = _values(a), _values(b)
    if len(va) != len(vb):
        raise ValueError(f"signatures of different sizes ({len(va)} and {len(vb)} values)")
    return float(np.count_nonzero(va == vb)) / len(va)


def band_hashes(sig: bytes, bands: int = BANDS, rows: int = ROWS) -> list[tuple[int, int]]:
    """``(band, hash)`` for each of ``bands`` bands of ``rows`` values of ``sig``.

    The hash is the first 8 bytes of BLAKE2b over the band number and its values, cut to 63
    bits: stable across processes and machines, and non-negative in a signed BIGINT.
    """
    values = _values(sig)
    if bands < 1 or rows < 1 or bands * rows > len(values):
        raise ValueError(f"{bands} bands of {rows} rows do not fit a signature of {len(values)} values")
    raw = values.tobytes()
    width = rows * 8
    out = []
    for band in range(bands):
        digest = hashlib.blake2b(
            raw[band * width : (band + 1) * width], digest_size=8, person=b"kabar-lsh", salt=band.to_bytes(16, "little")
        ).digest()
        out.append((band, int.from_bytes(digest, "little") & _MASK63))
    return out


def candidate_probability(s: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """The chance that two texts of Jaccard similarity ``s`` share at least one band."""
    return 1.0 - (1.0 - s**rows) ** bands
