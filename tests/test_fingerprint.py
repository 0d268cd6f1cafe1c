"""Near-duplicate fingerprints (pure): shingles, MinHash signatures, similarity, LSH bands."""

from __future__ import annotations

import random

import numpy as np
import pytest

from storage.fingerprint import (
    BANDS,
    MIN_SHINGLES,
    NUM_PERM,
    ROWS,
    SCHEME,
    SEED,
    STORY_THRESHOLD,
    band_hashes,
    candidate_probability,
    shingles,
    signature,
    similarity,
    text_keys,
)
from storage.textnorm import search_text, text_hash, words

RELEASE = (
    "Pemerintah Kabupaten Musi Banyuasin terus memperkuat penerapan smart city untuk mempercepat "
    "layanan kepada masyarakat. Bupati menyebut aplikasi terpadu kini melayani perizinan, "
    "administrasi kependudukan dan pengaduan warga secara daring.\n\n"
    "Dinas Komunikasi dan Informatika Muba menargetkan seluruh kecamatan terhubung jaringan "
    "internet pada akhir tahun. Program ini juga didukung pelatihan literasi digital bagi aparatur "
    "desa dan pelaku usaha kecil di setiap kecamatan.\n\n"
    "Menurut Kepala Dinas, capaian indeks SPBE Muba naik menjadi 3,82 dan masuk kategori sangat baik. "
    "Ke depan, satu data daerah menjadi kunci agar perencanaan pembangunan tepat sasaran."
)
# Another outlet's copy: typographic and case changes, one paragraph dropped, a line added.
COPY = (
    "PEMERINTAH Kabupaten Musi Banyuasin terus memperkuat penerapan smart city untuk mempercepat "
    "layanan kepada masyarakat. Bupati menyebut aplikasi terpadu kini melayani perizinan, "
    "administrasi kependudukan dan pengaduan warga secara daring.\n\n"
    "Menurut Kepala Dinas, capaian indeks SPBE Muba naik menjadi 3,82 dan masuk kategori \u201csangat "
    "baik\u201d. Ke depan, satu data daerah menjadi kunci agar perencanaan pembangunan tepat sasaran. "
    "(adv)"
)
OTHER = (
    "Hujan deras yang mengguyur sejak sore membuat banjir merendam ratusan rumah di Kota Palembang. "
    "Warga di kawasan Sekip Ujung mengungsi ke masjid terdekat. Badan Penanggulangan Bencana Daerah "
    "membuka posko dan dapur umum, sementara pemerintah kota mempercepat normalisasi saluran air."
)


def test_shingles_are_word_trigrams_of_the_normalised_text() -> None:
    assert shingles("Kota  Cerdas, kota HIJAU!") == {"kota cerdas kota", "cerdas kota hijau"}
    assert shingles("dua kata") == set()
    assert shingles("") == set()
    # Quotes, case and spacing do not make two copies differ.
    assert shingles("\u201cSmart\u201d   City Muba") == shingles('"smart" city muba')


def test_signature_is_stable_bytes() -> None:
    sig = signature(RELEASE)
    assert isinstance(sig, bytes) and len(sig) == NUM_PERM * 8
    assert signature(RELEASE) == sig
    assert signature(RELEASE.upper().replace(" ", "  ")) == sig
    assert len(signature(RELEASE, num_perm=64)) == 64 * 8


# Computed once with datasketch 2.0.0 (scheme affine64, seed 1): if these change, every stored
# signature and band is stale and the archive's stories must be rebuilt.
PINNED_TEXT = "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas dua belas"
PINNED_SIG_PREFIX = "6d180a4f2cc0760f19e75b0cba01e91c"
PINNED_BANDS = [(0, 9140709090995987760), (1, 989932097930947304)]


def test_pinned_values() -> None:
    sig = signature(PINNED_TEXT)
    assert sig[:16].hex() == PINNED_SIG_PREFIX
    assert band_hashes(sig)[:2] == PINNED_BANDS


def test_short_texts_get_no_signature() -> None:
    words = "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh".split()
    assert signature(" ".join(words[: MIN_SHINGLES + 1])) is None  # MIN_SHINGLES - 1 shingles
    assert signature(" ".join(words[: MIN_SHINGLES + 2])) is not None
    assert signature("") is None and signature("Foto: Humas Pemkab") is None


def test_similarity_estimates_jaccard() -> None:
    a, b, c = signature(RELEASE), signature(COPY), signature(OTHER)
    assert similarity(a, a) == 1.0
    exact = len(shingles(RELEASE) & shingles(COPY)) / len(shingles(RELEASE) | shingles(COPY))
    assert abs(similarity(a, b) - exact) < 0.15
    assert similarity(a, b) >= STORY_THRESHOLD
    assert similarity(a, c) < 0.1
    assert similarity(a, b) == similarity(b, a)
    with pytest.raises(ValueError, match="different sizes"):
        similarity(a, signature(RELEASE, num_perm=64))
    with pytest.raises(ValueError, match="not a signature"):
        similarity(a, b"abc")


def test_band_hashes_fit_a_signed_bigint_and_find_copies() -> None:
    a, b, c = signature(RELEASE), signature(COPY), signature(OTHER)
    bands = band_hashes(a)
    assert [band for band, _ in bands] == list(range(BANDS))
    assert all(isinstance(h, int) and 0 <= h < 2**63 for _, h in bands)
    assert band_hashes(a) == bands
    assert set(bands) & set(band_hashes(b))  # a near copy shares at least one band
    assert not set(bands) & set(band_hashes(c))
    assert len(band_hashes(a, bands=16, rows=8)) == 16
    with pytest.raises(ValueError, match="do not fit"):
        band_hashes(a, bands=64, rows=4)
    with pytest.raises(ValueError, match="do not fit"):
        band_hashes(a, bands=0, rows=4)


def test_s_curve_of_the_default_bands() -> None:
    assert BANDS * ROWS == NUM_PERM
    assert candidate_probability(0.02) < 1e-4  # unrelated articles (shared/NOTES.md)
    assert candidate_probability(0.5) > 0.85  # the story threshold
    assert candidate_probability(0.73) > 0.999  # the lowest example-site syndicated pair


# Words for varied texts: plain, accented (composed and decomposed), non-Latin, typographic
# variants that normalise away, punctuation that splits words, digits, emoji.
VARIED_WORDS = (
    "kota cerdas layanan publik Musi Banyuasin dan yang di warga data 2024 3,82".split()
    + ["Pidi\u00eb", "Pidie\u0308", "\u0130stanbul", "\u039f\u0394\u039f\u03a3", "stra\u00dfe", "\u65e5\u672c\u8a9e"]
    + [
        "\u201csmart\u201d",
        "e-government",
        "x_y",
        "\u00a0",
        "\u200b",
        "\ufb01ne",
        "\uff2b\uff4f\uff54\uff41",
        "\U0001f600",
    ]
)


def varied_texts(n: int = 300, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    texts = [RELEASE, COPY, OTHER, "", "a", "sama " * 40, "satu dua tiga " * 30, PINNED_TEXT]
    for _ in range(n):
        size = rng.choice([MIN_SHINGLES + 1, MIN_SHINGLES + 2, MIN_SHINGLES + 3, 20, 60, 300, 1500])
        pool = VARIED_WORDS[: rng.choice([4, 8, len(VARIED_WORDS)])]  # few words: repeated shingles
        texts.append(" ".join(rng.choice(pool) for _ in range(size)))
    return texts


def datasketch_signature(text: str, num_perm: int = NUM_PERM) -> bytes | None:
    """The signature as datasketch computes it, one shingle at a time (the stored format)."""
    from datasketch import MinHash

    tokens = words(text)
    grams = {" ".join(tokens[i : i + 3]) for i in range(len(tokens) - 2)}
    if len(grams) < MIN_SHINGLES:
        return None
    minhash = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)
    minhash.update_batch([g.encode("utf-8") for g in grams])
    return np.asarray(minhash.hashvalues, dtype="<u8").tobytes()


def test_signature_is_datasketchs_byte_for_byte() -> None:
    texts = varied_texts()
    assert sum(signature(t) is None for t in texts) > 5  # short ones included
    for text in texts:
        assert signature(text) == datasketch_signature(text), text[:80]
    for text in texts[:40]:
        assert signature(text, num_perm=64) == datasketch_signature(text, num_perm=64)


def test_text_keys_are_hash_signature_and_search_stems() -> None:
    rng = random.Random(4)
    for text in varied_texts(100, seed=5):
        title = rng.choice([None, "", "Kota \u201cCerdas\u201d", "Pidie\u0308 \u0130stanbul", text[:40]])
        keys = text_keys(title, text, stems=True)
        assert (keys.text_hash, keys.signature, keys.stems) == (
            text_hash(text),
            signature(text),
            search_text(title, text),
        )
        assert text_keys(title, text).stems is None
    assert text_keys(None, None) == text_keys("", "")
