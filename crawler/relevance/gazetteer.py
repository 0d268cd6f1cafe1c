"""Indonesian regions: the idn-area-data gazetteer plus our aliases, and what an article is about.

``load_gazetteer()`` reads ``data/provinces.csv``, ``data/regencies.csv`` (BPS codes, official
names) and ``data/regions.toml`` (short forms, nicknames, seat towns, cues, common-word names)
once per process. ``Gazetteer.about(title, text, dateline)`` returns the kabupaten/kota and the
provinces an article is about: mentions are weighted by where they stand (title, dateline, lead,
body, long enumerations) and ambiguous names ("Bandung", "Martapura", "Jambi") are resolved by
cue words ("Wali Kota", "Bupati", "Gubernur"), by the rest of the article, then by a default.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import tomllib
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .matcher import PhraseIndex
from .normalize import fold, fold_word, tokenize, tokens_and_starts

__all__ = ["Area", "Gazetteer", "load_gazetteer"]

logger = logging.getLogger(__name__)

_PREFIXES = (
    ("Kabupaten Administrasi ", "kabupaten"),
    ("Kota Administrasi ", "kota"),
    ("Kabupaten ", "kabupaten"),
    ("Kota ", "kota"),
)
# Where a sentence ends: after . ! ? (and closing quotes) and spaces before a capital or digit,
# or after line breaks. Written to start with its first character, which the regex engine
# scans for quickly; it ends where (?<=[.!?])["'”’)]*\s+(?=["'“‘(]?[A-Z0-9])|\n+ does.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])|(?<=\n)\n*)")
_NUMBERED_LINE = re.compile(r"^\s*\d{1,3}[.)]\s", re.M)


@dataclass(frozen=True)
class Area:
    """A province, kabupaten or kota: BPS code, official name without prefix, type."""

    code: str
    name: str
    type: str  # "provinsi" | "kabupaten" | "kota"

    @property
    def province_code(self) -> str:
        return self.code.split(".")[0]

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "type": self.type}


@dataclass(frozen=True)
class _Entry:
    form: tuple[str, ...]
    candidates: tuple[str, ...]


@dataclass
class _Mention:
    entry: _Entry
    weight: float
    cue: str | None
    code: str | None = None


# How a name may be introduced on the command line: "Kabupaten Musi Banyuasin", "Kota Bandung".
_NAME_PREFIXES = {
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kota": "kota",
    "provinsi": "provinsi",
    "prov": "provinsi",
}


def _key(text: str) -> tuple[str, ...]:
    return tuple(fold(t) for t, _, _ in tokenize(text))


class Gazetteer:
    """Areas by code and an index of every written form that names one."""

    def __init__(self, provinces: list[dict[str, str]], regencies: list[dict[str, str]], extra: dict[str, Any]) -> None:
        self.areas: dict[str, Area] = {}
        forms: dict[tuple[str, ...], list[str]] = defaultdict(list)

        def add(form: str, code: str) -> None:
            key = _key(form)
            if key and code not in forms[key]:
                forms[key].append(code)
            if len(key) > 1:  # "Lubuk Linggau" is also written "Lubuklinggau"
                joined = ("".join(key),)
                if code not in forms[joined]:
                    forms[joined].append(code)

        for row in provinces:
            self.areas[row["code"]] = Area(row["code"], row["name"], "provinsi")
            add(row["name"], row["code"])
            if "Sumatera" in row["name"]:
                add(row["name"].replace("Sumatera", "Sumatra"), row["code"])
        for row in regencies:
            name, kind = row["name"], "kabupaten"
            for prefix, kind_ in _PREFIXES:
                if name.startswith(prefix):
                    name, kind = name[len(prefix) :], kind_
                    break
            self.areas[row["code"]] = Area(row["code"], name, kind)
            add(name, row["code"])
        for form, code in extra.get("aliases", {}).items():
            self._check(code, form)
            add(form, code)
        for form, codes in extra.get("capitals", {}).items():
            for code in codes:
                self._check(code, form)
                add(form, code)

        self.forms: dict[tuple[str, ...], tuple[str, ...]] = {k: tuple(v) for k, v in forms.items()}
        self.index: PhraseIndex[_Entry] = PhraseIndex((k, _Entry(k, tuple(v))) for k, v in forms.items())
        self.cues: dict[str, list[tuple[str, ...]]] = {
            kind: sorted((_key(c) for c in cues), key=len, reverse=True) for kind, cues in extra.get("cues", {}).items()
        }
        # the cues of each kind by length, longest first: one look-up per length
        self._cues_by_length: dict[str, list[tuple[int, set[tuple[str, ...]]]]] = {
            kind: [(k, {c for c in cues if len(c) == k}) for k in sorted({len(c) for c in cues}, reverse=True)]
            for kind, cues in self.cues.items()
        }
        amb = extra.get("ambiguous", {})
        self.default_type: str = amb.get("default", "kota")
        self.default_kabupaten = {_key(n) for n in amb.get("kabupaten", [])}
        case = extra.get("case_sensitive", {}).get("forms", [])
        self.case_forms: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for f in case:
            self.case_forms[_key(f)].add(" ".join(t for t, _, _ in tokenize(f)))
        nc = extra.get("needs_cue", {})
        self.needs_cue = {_key(n) for n in nc.get("names", [])}
        self.title_case_ok = {" ".join(t for t, _, _ in tokenize(f)) for f in nc.get("unless_title_case", [])}
        self.not_regions: PhraseIndex[bool] = PhraseIndex(
            (_key(p), True) for p in extra.get("not_regions", {}).get("phrases", [])
        )
        suffixes = extra.get("parenthesised", {}).get("suffixes", [])
        self._paren = (
            re.compile(r"\s*\(([^()\s]{2,12})\)\s+(" + "|".join(map(re.escape, suffixes)) + r")\b")
            if suffixes
            else None
        )
        self.weights: dict[str, float] = {
            "title": 3.0,
            "dateline": 1.5,
            "lead": 2.0,
            "body": 1.0,
            "cue": 1.5,
            "listed": 0.3,
            "min": 2.0,
            "province_min": 2.0,
            "list_size": 5,
        }
        self.weights.update(extra.get("about", {}))

    def codes_for(self, text: str, *, provinces: bool = False) -> list[str]:
        """BPS codes a code, official name or short form stands for ("16.06", "Kabupaten Musi
        Banyuasin", "Muba"); only provinces, or only kabupaten/kota."""
        text = text.strip()
        if text in self.areas:
            codes = [text]
        else:
            words = text.split()
            kind = None
            if len(words) > 1 and words[0].lower().rstrip(".") in _NAME_PREFIXES:
                kind, text = _NAME_PREFIXES[words[0].lower().rstrip(".")], " ".join(words[1:])
            codes = [c for c in self.forms.get(_key(text), ()) if kind is None or self.areas[c].type == kind]
        return [c for c in codes if (self.areas[c].type == "provinsi") == provinces]

    def _check(self, code: str, form: str) -> None:
        if code not in self.areas:
            raise ValueError(f"regions.toml: {form!r} points at unknown code {code!r}")

    # -- finding mentions ------------------------------------------------------------------
    def _cue_before(self, folded: list[str], i: int) -> str | None:
        for kind, by_length in self._cues_by_length.items():
            for k, cues in by_length:
                if i >= k and tuple(folded[i - k : i]) in cues:
                    return kind
        return None

    def _mentions(self, text: str, where: str) -> list[_Mention]:
        if self._paren is not None and "(" in text:
            text = self._paren.sub(lambda m: f" {m.group(2)} ({m.group(1)} {m.group(2)})", text)
        original, starts = tokens_and_starts(text)
        if not original:
            return []
        folded = list(map(fold_word, original))
        hits = self.index.find(folded)
        if not hits:
            return []
        blocked = {j for s, e, _ in self.not_regions.find(folded, overlapping=True) for j in range(s, e)}
        accepted: list[tuple[int, _Entry, str | None, int]] = []
        for s, e, entry in hits:
            if s in blocked:
                continue
            surface = " ".join(original[s:e])
            allowed = self.case_forms.get(entry.form)
            if allowed and surface not in allowed:
                continue
            cue = self._cue_before(folded, s)
            if cue is None and accepted and accepted[-1][2] in ("kota", "kabupaten"):
                prev_end = accepted[-1][3]
                gap = folded[prev_end:s]
                if not gap or gap in (["dan"], ["serta"]):
                    cue = accepted[-1][2]  # "Kabupaten Musi Banyuasin, Ogan Komering Ilir dan …"
            if entry.form in self.needs_cue and cue is None and surface not in self.title_case_ok:
                continue
            accepted.append((s, entry, cue, e))
        if not accepted:
            return []
        # sentence and line structure, for the lead and for enumerations
        bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
        numbered = [m.start() for m in _NUMBERED_LINE.finditer(text)]
        per_sentence: dict[int, set[tuple[str, ...]]] = defaultdict(set)  # distinct areas named
        placed = []
        for s, entry, cue, _ in accepted:
            start = starts[s]
            sentence = bisect_right(bounds, start)
            line_start = text.rfind("\n", 0, start) + 1
            is_numbered = line_start in numbered or (numbered and any(0 <= start - n < 8 for n in numbered))
            if any("." in c for c in entry.candidates):
                per_sentence[sentence].add(entry.candidates)
            placed.append((entry, cue, sentence, is_numbered))
        w = self.weights
        out = []
        for entry, cue, sentence, is_numbered in placed:
            if where == "title":
                weight = w["title"]
            elif is_numbered or len(per_sentence[sentence]) >= w["list_size"]:
                weight = w["listed"]
            else:
                weight = w["lead"] if sentence == 0 else w["body"]
                if cue:
                    weight *= w["cue"]
            out.append(_Mention(entry, weight, cue))
        return out

    def _dateline(self, dateline: str | None) -> list[_Mention]:
        if not dateline:
            return []
        key = _key(dateline)
        for s, e, entry in self.index.find(key):
            if (s, e) == (0, len(key)):
                return [_Mention(entry, self.weights["dateline"], "dateline")]
        return []

    # -- resolving and weighing ------------------------------------------------------------
    def _resolve(self, mentions: list[_Mention]) -> None:
        typed: dict[tuple[str, ...], str] = {}
        for m in mentions:
            cands = m.entry.candidates
            if len(cands) == 1:
                m.code = cands[0]
            elif m.cue in ("kota", "kabupaten", "provinsi"):
                same = [c for c in cands if self.areas[c].type == m.cue]
                if len(same) == 1:
                    m.code = same[0]
                    typed[m.entry.form] = m.cue
        evidence = {self.areas[m.code].province_code for m in mentions if m.code}
        for m in mentions:
            if m.code:
                continue
            cands = m.entry.candidates
            kind = typed.get(m.entry.form)
            if kind:
                same = [c for c in cands if self.areas[c].type == kind]
                if len(same) == 1:
                    m.code = same[0]
                    continue
            near = [c for c in cands if self.areas[c].province_code in evidence]
            if len(near) == 1:
                m.code = near[0]
                continue
            pool = near or cands
            want = "kabupaten" if m.entry.form in self.default_kabupaten else self.default_type
            preferred = [c for c in pool if self.areas[c].type == want]
            m.code = (preferred or pool)[0]

    def about(self, title: str | None, text: str, dateline: str | None = None) -> tuple[list[Area], list[Area]]:
        """(kabupaten/kota, provinces) the article is about, strongest first."""
        mentions = self._dateline(dateline) + self._mentions(title or "", "title") + self._mentions(text or "", "body")
        self._resolve(mentions)
        score: dict[str, float] = defaultdict(float)
        for m in mentions:
            if m.code:
                score[m.code] += m.weight
        w = self.weights
        ranked = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))
        regions = [self.areas[c] for c, s in ranked if "." in c and s >= w["min"]]
        province_codes: list[str] = []
        for area in regions:
            if area.province_code not in province_codes:
                province_codes.append(area.province_code)
        for c, s in ranked:
            if "." not in c and s >= w["province_min"] and c not in province_codes:
                province_codes.append(c)
        return regions, [self.areas[c] for c in province_codes]


def _read_csv(name: str) -> list[dict[str, str]]:
    with (
        (resources.files(__package__) / "data" / name).open("rb") as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh,
    ):
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The shipped gazetteer, built once per process."""
    extra = tomllib.loads((resources.files(__package__) / "data" / "regions.toml").read_text(encoding="utf-8"))
    gaz = Gazetteer(_read_csv("provinces.csv"), _read_csv("regencies.csv"), extra)
    logger.debug("gazetteer: %d areas, %d written forms", len(gaz.areas), len(gaz.index))
    return gaz
