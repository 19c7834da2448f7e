"""Reference values and combinations of the published atlas (a mixin of `PublishedAtlas`).

- `reference`: a parent, a Land (``land:06``) or the whole atlas (``ROOT``): its own value,
  or, when it has none, the sum of its children that have one (rates from their summed
  counts) with a note saying how many are missing. Such a partial total is published only if
  its parts do not contain exactly one suppressed cell and no suppressed part's range would be
  pinned by it.
- `combined`: several areas taken together (a "Sozialraum"): published only when every
  member's cell is published and the combined count is not itself below the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from geodata.model.entities import ROOT, Indicator, Value
from geodata.statistics.cells import MISSING_CELL, Cell, round_half_up
from geodata.statistics.disclosure import DERIVED, LAND_PREFIX, OK, disclosure
from geodata.statistics.suppression import is_small

POPULATION = "einwohner"


class References:
    """Reference totals and combinations; mixed into `PublishedAtlas`, which provides the
    repository (``_repo``), the access check (``_access``), ``rule``, ``areas``,
    ``indicators``, ``lands``, ``children_of``, ``level``, ``memo`` and ``_row``."""

    __slots__ = ()
    _repo: Any
    _access: Any
    rule: Any
    areas: Any
    indicators: Any

    # --- references ----------------------------------------------------------------------------
    def child_nodes(self, node: str) -> tuple[str, ...]:
        """The parts of a reference total: a Land's top-level areas, the whole atlas's Länder
        (or its top-level areas), an area's children."""
        if node == ROOT and self.lands():
            return tuple(self.lands())
        if node.startswith(LAND_PREFIX):
            return self.lands().get(node, ())
        return self.children_of(node)

    def reference(self, node: str, indicator_id: str, year: int) -> Cell:
        """A reference value (see module docstring): stored or computed total, else a total
        of the children that have a value, with a note (memoised)."""
        return self.memo(f"reference|{node}|{indicator_id}|{year}",
                         lambda: self._reference(node, indicator_id, year))

    def _reference(self, node: str, indicator_id: str, year: int) -> Cell:
        ind = self.indicators.get(indicator_id)
        if ind is None:
            return MISSING_CELL
        level = self.areas[node].level if node in self.areas else None
        if not self._access.sees(ind, level):
            return MISSING_CELL
        raw = self._raw_total(node, indicator_id, year)
        if raw is None:
            return MISSING_CELL
        value, suppressed, note, missing, num_ok, den_ok = raw
        if suppressed:
            return Cell(None, "gesperrt", note=note, missing=missing)
        return Cell(round_half_up(value.value, ind.decimals), "ok",
                    value.numerator if num_ok else None,
                    value.denominator if den_ok else None, note, missing)

    def _stored(self, node: str, ind_id: str, year: int) -> tuple[Value, bool] | None:
        """A node's own value with "suppressed?" (areas, Länder and the whole atlas)."""
        repo = self._repo
        if node == ROOT or node.startswith(LAND_PREFIX):
            found = disclosure(repo).virtual.get((node, ind_id, year))
            return None if found is None else (found[0], found[1] != OK)
        if node not in repo.areas:
            return None
        row = self._row(node, ind_id, year)
        if row < 0:
            return None
        table = repo.table
        num, den = float(table.numerator[row]), float(table.denominator[row])
        val = Value(float(table.value[row]), None if num != num else num,
                    None if den != den else den)
        return val, bool(disclosure(repo).rows[row] != OK)

    def _raw_total(self, node: str, ind_id: str, year: int
                   ) -> tuple[Value, bool, str, int, bool, bool] | None:
        """(value, suppressed, note, missing children, numerator published, denominator
        published) of a reference node; None without any value."""
        ind = self._repo.indicators[ind_id]
        own = self._stored(node, ind_id, year)
        if own is not None:
            val, hidden = own
            if ind.kind in DERIVED:
                n = self._stored(node, ind.numerator, year)
                d = self._stored(node, ind.denominator, year)
                return (val, hidden, "", 0, n is not None and not n[1],
                        d is not None and not d[1])
            return val, hidden, "", 0, False, False
        kids = self.child_nodes(node)
        if not kids:
            return None
        if ind.kind in DERIVED:
            return self._partial_rate(node, ind, year, kids)
        parts = [self._part(k, ind_id, year) for k in kids]
        used = [p for p in parts if p is not None]
        if not used:
            return None
        total = sum(v for v, _h in used)
        hidden = _partial_hidden([v for v, h in used if h])
        return (Value(total), hidden, self._partial_note(node, len(used), len(kids)),
                len(kids) - len(used), False, False)

    def _part(self, node: str, ind_id: str, year: int) -> tuple[float, bool] | None:
        """A part of a partial total: a stored value, or (for a Land) its own total."""
        if node.startswith(LAND_PREFIX):
            raw = self._raw_total(node, ind_id, year)
            return None if raw is None else (raw[0].value, raw[1])
        own = self._stored(node, ind_id, year)
        return None if own is None else (own[0].value, own[1])

    def _partial_rate(self, node: str, ind: Indicator, year: int, kids: Sequence[str]
                      ) -> tuple[Value, bool, str, int, bool, bool] | None:
        """A rate over the children that have one: factor × summed numerators / summed
        denominators; published only when both partial counts may be."""
        nums: list[tuple[float, bool]] = []
        dens: list[tuple[float, bool]] = []
        rates_hidden: list[tuple[float | None, bool]] = []
        for k in kids:
            if k.startswith(LAND_PREFIX):
                raw = self._raw_total(k, ind.id, year)
                if raw is None or raw[0].numerator is None or raw[0].denominator is None:
                    continue
                nums.append((raw[0].numerator, raw[1] or not raw[4]))
                dens.append((raw[0].denominator, raw[1] or not raw[5]))
                rates_hidden.append((raw[0].denominator, raw[1]))
                continue
            own = self._stored(k, ind.id, year)
            if own is None or own[0].numerator is None or own[0].denominator is None:
                continue
            n = self._stored(k, ind.numerator, year)
            d = self._stored(k, ind.denominator, year)
            nums.append((own[0].numerator, n is None or n[1]))
            dens.append((own[0].denominator, d is None or d[1]))
            rates_hidden.append((own[0].denominator if d is not None and not d[1] else None,
                                 own[1]))
        if not nums:
            return None
        num = sum(v for v, _h in nums)
        den = sum(v for v, _h in dens)
        if not den:
            return None
        hidden_num = [v for v, h in nums if h]
        hidden_den = [v for v, h in dens if h]
        num_hidden = _partial_hidden(hidden_num)
        den_hidden = _partial_hidden(hidden_den)
        if not num_hidden and hidden_num:
            # A suppressed rate with a published denominator D lies in [0, f·S/D], S the
            # suppressed numerators' sum: it must not be pinned within its rounding unit.
            spread = sum(hidden_num)
            unit = 10.0 ** -ind.decimals
            for d_known, hidden in rates_hidden:
                if hidden and d_known and ind.factor * spread / d_known < unit:
                    num_hidden = True
        hidden = num_hidden or den_hidden or is_small(num, self.rule) or is_small(den, self.rule)
        return (Value(ind.factor * num / den, num, den), hidden,
                self._partial_note(node, len(nums), len(kids)), len(kids) - len(nums),
                not num_hidden, not den_hidden)

    def _partial_note(self, node: str, used: int, of: int) -> str:
        kids = self.child_nodes(node)
        if node == ROOT and self.lands():
            what = "Ländern"
        elif kids and kids[0] in self.areas:
            what = self.level(self.areas[kids[0]].level).plural
            what = {"Kreise": "Kreisen", "Gemeinden": "Gemeinden", "Stadtteile": "Stadtteilen"
                    }.get(what, what)
        else:
            what = "Teilgebieten"
        missing = of - used
        return (f"Summe der {used} von {of} {what} mit Wert; {missing} ohne Wert"
                if missing else "")

    # --- combinations --------------------------------------------------------------------------
    def combined(self, members: Sequence[str], indicator_id: str, year: int) -> Cell:
        """Several areas taken together (see module docstring)."""
        ind = self.indicators.get(indicator_id)
        if ind is None or not members:
            return MISSING_CELL
        repo = self._repo
        table = repo.table
        states_arr = disclosure(repo).rows
        rows = [self._row(a, indicator_id, year) for a in members]
        if min(rows) < 0:
            return MISSING_CELL
        if not all(self._access.sees(ind, repo.areas[a].level) for a in members):
            return MISSING_CELL
        hidden = any(states_arr[r] != OK for r in rows)
        rule = self.rule
        if ind.kind in DERIVED:
            nums = [float(table.numerator[r]) for r in rows]
            dens = [float(table.denominator[r]) for r in rows]
            if any(x != x for x in (*nums, *dens)) or not sum(dens):
                return MISSING_CELL
            num, den = sum(nums), sum(dens)
            value = ind.factor * num / den
            hidden = hidden or is_small(num, rule) or is_small(den, rule)
        else:
            num = den = math.nan
            value = sum(float(table.value[r]) for r in rows)
            hidden = hidden or is_small(value, rule)
        if hidden:
            return Cell(None, "gesperrt")
        if rule.min_population > 0:
            pop = self._raw_sum(members, POPULATION, year)
            if pop is not None and pop < rule.min_population:
                return Cell(None, "nicht_bewertet")
        shown = ind.kind in DERIVED
        return Cell(round_half_up(value, ind.decimals), "ok",
                    num if shown else None, den if shown else None)

    def _raw_sum(self, members: Sequence[str], ind_id: str, year: int) -> float | None:
        """Summed raw values (only ever compared with a minimum, never shown)."""
        rows = [self._row(a, ind_id, year) for a in members]
        if min(rows) < 0:
            return None
        return sum(float(self._repo.table.value[r]) for r in rows)


def _partial_hidden(hidden_parts: Sequence[float]) -> bool:
    """A partial total must not give back a suppressed part: not with exactly one such part,
    nor when the suppressed parts sum to less than 1 (each would be 0)."""
    if not hidden_parts:
        return False
    return len(hidden_parts) == 1 or sum(hidden_parts) < 1
