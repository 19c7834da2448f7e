"""Find areas and institutions by name: case- and umlaut-tolerant, prefix and fuzzy.

Names and queries are normalised the same way: lower case, ``ä ö ü ß`` written ``ae oe ue
ss`` (so "Gross-Gerau", "groß gerau" and "GROSS GERAU" match "Groß-Gerau"), other accents
dropped, punctuation as spaces. A hit is scored by how it matches:

====  =======================================================================
100   the whole name equals the query
 90   the name starts with the query
 80   every query word starts a word of the name ("bock" finds "Frankfurt-Bockenheim")
 60   the query occurs inside the name
 3x   fuzzy: every query word is close to a word of the name or its beginning (a typo or
      two; difflib similarity of at least 0.8); 30 + 10 × the weakest word's similarity
====  =======================================================================

Areas rank before institutions with the same score, higher levels before lower ones, then
shorter names and alphabetical order.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from geodata.model.institutions import type_of
from geodata.statistics.published import PublishedAtlas
from geodata.views.profile import area_description

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
MAX_QUERY = 80
FUZZY_BELOW = 5  # fuzzy hits when fewer other hits than this and none starts with the query
FUZZY_CUTOFF = 0.8


def normalise(text: str) -> str:
    """Lower case, umlauts as two letters, no accents, words separated by one space."""
    t = text.casefold().translate(_UMLAUTS)
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", t))


@dataclass(frozen=True)
class Hit:
    """One search result: ``kind`` is "gebiet" or "einrichtung"."""

    kind: str
    id: str
    name: str
    detail: str  # e.g. "Stadtteil in Frankfurt am Main", "Schule in Bockenheim"
    score: int


@dataclass(frozen=True)
class _Entry:
    kind: str
    id: str
    name: str
    detail: str
    norm: str
    words: tuple[str, ...]
    order: int  # areas by level first, then institutions


def _entries(repo: PublishedAtlas) -> tuple[list[_Entry], list[str]]:
    levels = {lvl.id: i for i, lvl in enumerate(repo.settings.levels)}
    out: list[_Entry] = []
    for area in repo.areas.values():
        detail = area_description(repo, area.area_id)
        norm = normalise(area.name)
        out.append(_Entry("gebiet", area.area_id, area.name, detail, norm, tuple(norm.split()),
                          levels[area.level]))
    for group in repo.institutions.values():
        for inst in group:
            where = repo.areas[inst.area_id].name if inst.area_id in repo.areas else ""
            detail = type_of(inst.type).name + (f" in {where}" if where else "")
            norm = normalise(inst.name)
            out.append(_Entry("einrichtung", inst.inst_id, inst.name, detail, norm,
                              tuple(norm.split()), len(levels)))
    vocabulary = sorted({w for e in out for w in e.words if len(w) > 2})
    return out, vocabulary


def _index(repo: PublishedAtlas) -> tuple[list[_Entry], list[str]]:
    return repo.memo("search_index", lambda: _entries(repo))


def _similar(qw: str, vocabulary: list[str]) -> dict[str, float]:
    """Vocabulary words close to a query word (or whose beginning is), with the similarity."""
    out: dict[str, float] = {qw: 1.0}
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(qw)
    for w in vocabulary:
        if abs(len(w) - len(qw)) <= 3 or (len(w) > len(qw) and w[0] == qw[0]):
            for cand in {w, w[:len(qw)]} if len(qw) >= 4 else {w}:
                matcher.set_seq1(cand)
                if matcher.real_quick_ratio() >= FUZZY_CUTOFF and matcher.quick_ratio() >= \
                        FUZZY_CUTOFF and (r := matcher.ratio()) >= FUZZY_CUTOFF:
                    out[w] = max(out.get(w, 0.0), r)
    return out


def _fuzzy(entries: list[_Entry], vocabulary: list[str], qwords: list[str],
           skip: set[int]) -> list[tuple[int, _Entry]]:
    """Entries whose words are close to every query word; score 30-40 by the weakest word."""
    close = [_similar(qw, vocabulary) for qw in qwords]
    out = []
    for e in entries:
        if id(e) in skip:
            continue
        best = [max((c.get(w, 0.0) for w in e.words), default=0.0) for c in close]
        if min(best) > 0:
            out.append((30 + round(10 * min(best)), e))
    return out


def search(repo: PublishedAtlas, query: str, limit: int = 10) -> list[Hit]:
    """The best ``limit`` hits for ``query`` (see module docstring); [] for an empty query."""
    q = normalise(query[:MAX_QUERY])
    if not q:
        return []
    entries, vocabulary = _index(repo)
    qwords = q.split()
    scored: list[tuple[int, _Entry]] = []
    for e in entries:
        if e.norm == q:
            score = 100
        elif e.norm.startswith(q):
            score = 90
        elif all(any(w.startswith(qw) for w in e.words) for qw in qwords):
            score = 80
        elif q in e.norm:
            score = 60
        else:
            continue
        scored.append((score, e))
    if len(scored) < FUZZY_BELOW and not any(sc >= 90 for sc, _ in scored):
        scored += _fuzzy(entries, vocabulary, qwords, {id(e) for _, e in scored})
    scored.sort(key=lambda se: (-se[0], se[1].order, len(se[1].name), se[1].name))
    return [Hit(e.kind, e.id, e.name, e.detail, s) for s, e in scored[:limit]]
