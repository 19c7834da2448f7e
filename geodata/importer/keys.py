"""Area keys and names: restoring lost leading zeros, matching names, suggesting spellings."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from geodata.model.settings import Level

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(text: object) -> str:
    """Name for comparing: lower case, umlauts spelt out, accents and punctuation dropped."""
    s = str(text or "").casefold().translate(_FOLD)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "", s)


def key_shape(level: Level) -> list[int] | None:
    """Digit groups of a level's key pattern: ``^\\d{8}-\\d{3}$`` → ``[8, 3]``; None if the
    pattern is not made of fixed digit groups joined by ``-``."""
    body = level.key_pattern.removeprefix("^").removesuffix("$")
    groups = body.split("-")
    out = []
    for g in groups:
        m = re.fullmatch(r"\\d\{(\d+)\}", g)
        if not m:
            return None
        out.append(int(m.group(1)))
    return out


def restore_key(raw: object, level: Level, long_form: bool = False) -> str | None:
    """The key in the level's form: leading zeros restored per digit group, an Excel float
    (``6412000.0``) made whole, a 12-digit ARS turned into the 8-digit AGS. With
    ``long_form``, a 5-digit key may come as 8 digits ending in ``000`` (``6411000`` → Kreis
    ``06411``: the Deutschlandatlas and other federal tables write Kreise so). None if the
    text cannot be a key of this level."""
    if raw is None:
        return None
    if isinstance(raw, float):
        if raw != raw or raw != int(raw):
            return None
        raw = int(raw)
    s = re.sub(r"\s+", "", str(raw))
    if re.fullmatch(r"\d+\.0", s):
        s = s[:-2]
    shape = key_shape(level)
    if shape is None:
        return s if re.fullmatch(level.key_pattern, s) else None
    parts = s.split("-")
    if long_form and shape == [5] and len(parts) == 1 and parts[0].isdigit() \
            and len(parts[0]) in (7, 8) and parts[0].endswith("000"):
        parts = [parts[0].zfill(8)[:5]]
    if shape == [8] and len(parts) == 1 and parts[0].isdigit() and len(parts[0]) in (11, 12):
        ars = parts[0].zfill(12)
        parts = [ars[:5] + ars[9:]]
    if len(parts) != len(shape) or not all(p.isdigit() and len(p) <= n
                                           for p, n in zip(parts, shape, strict=True)):
        return None
    return "-".join(p.zfill(n) for p, n in zip(parts, shape, strict=True))


@dataclass
class AreaIndex:
    """Lookup of the areas an import can refer to (the atlas plus newly imported areas)."""

    levels: tuple[Level, ...]
    names: dict[str, str] = field(default_factory=dict)
    level_of: dict[str, str] = field(default_factory=dict)
    parent_of: dict[str, str] = field(default_factory=dict)
    _by_name: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, areas: pd.DataFrame, levels: tuple[Level, ...]) -> AreaIndex:
        idx = cls(levels)
        for aid, name, lvl, parent in zip(areas["area_id"].astype(str), areas["name"].astype(str),
                                          areas["level"].astype(str),
                                          areas["parent_id"].fillna("").astype(str), strict=True):
            idx.names[aid] = name
            idx.level_of[aid] = lvl
            idx.parent_of[aid] = parent
            idx._by_name.setdefault((lvl, fold(name)), []).append(aid)
        return idx

    def level(self, level_id: str) -> Level:
        return next(lvl for lvl in self.levels if lvl.id == level_id)

    def find_key(self, raw: object, level_ids: Iterable[str],
                 long_form: bool = False) -> str | None:
        """The existing area a key means, trying the given levels in order (``long_form``:
        see `restore_key`)."""
        for lid in level_ids:
            key = restore_key(raw, self.level(lid), long_form)
            if key is not None and self.level_of.get(key) == lid:
                return key
        return None

    def recognises(self, raw: object) -> bool:
        """Whether a cell is the key of an area of the atlas on any level (also in the long
        form of Kreis keys): used to find the sheet of a workbook that holds the data."""
        if isinstance(raw, str) and not raw.strip()[:1].isdigit():
            return False
        return any(self.find_key(raw, [lvl.id], long_form=True) for lvl in self.levels)

    def inside(self, key: str) -> bool:
        """Whether a key that is not in the atlas belongs to its territory (the first two
        digits, the Land, are those of an area of the atlas): outside keys are other Länder
        of a national table, not errors."""
        prefixes = self._prefixes()
        return key[:2] in prefixes

    def _prefixes(self) -> set[str]:
        if not hasattr(self, "_prefix_cache"):
            self._prefix_cache = {a[:2] for a in self.names}  # type: ignore[attr-defined]
        return self._prefix_cache  # type: ignore[attr-defined]

    def find_name(self, name: str, level_ids: Iterable[str], within: str | None = None) -> list[str]:
        """Areas with this name (folded) on the given levels, optionally below ``within``."""
        out: list[str] = []
        for lid in level_ids:
            out += [a for a in self._by_name.get((lid, fold(name)), [])
                    if within is None or self.is_below(a, within)]
        return out

    def is_below(self, area_id: str, ancestor: str) -> bool:
        cur = self.parent_of.get(area_id, "")
        while cur:
            if cur == ancestor:
                return True
            cur = self.parent_of.get(cur, "")
        return False

    def suggest(self, name: str, level_ids: Iterable[str], within: str | None = None) -> str | None:
        """The closest existing name (for „meinten Sie …?“), or None."""
        cands = {fold(self.names[a]): self.names[a] for a, lvl in self.level_of.items()
                 if lvl in set(level_ids) and (within is None or self.is_below(a, within))}
        hit = difflib.get_close_matches(fold(name), list(cands), n=1, cutoff=0.75)
        return cands[hit[0]] if hit else None
