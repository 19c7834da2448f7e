"""The published atlas: the one object through which every output reads values.

`PublishedAtlas` wraps the immutable `Repository` and offers what views, reports, the need
index, layers and callbacks need: the hierarchy, the catalogue, geometry, institutions, and
values only as they may be published. There is no way from it to a raw value: a suppressed
value comes back as its state, never as a number; a published one rounded to its indicator's
decimals (half up), as everywhere the atlas shows or exports it.

Values
------
- `column` and `cell`: the values of areas as the map shows them: the state decided by the
  disclosure control (`geodata.statistics.disclosure`: ``ok`` or ``gesperrt``; ``keine_daten``
  without a value) and, for display, ``nicht_bewertet`` where the area has fewer residents than
  the atlas's ``mindest_einwohner`` (``einwohner`` in the year, else the nearest earlier one).
  A rate's numerator and denominator are given where their own counts are published.
- `reference`: a parent, a Land (``land:06``) or the whole atlas (``ROOT``) as a reference
  value: its own value, or, when it has none, the sum of its children that have one (rates
  from their summed counts) with a note saying how many are missing. Such a partial total is
  published only if its parts do not contain exactly one suppressed cell and no suppressed
  part's range would be pinned by it.
- `combined`: several areas taken together (a "Sozialraum"): published only when every member's
  cell is published (so no difference to the published members reveals one) and the combined
  count is not itself below the threshold.
- `population_at_least`: whether areas reach a minimum size, for the rule "not rated below N
  residents" (the comparison only, never the count).

What an anonymous visitor may see at all is the access check's part (``access``): an
indicator (or an indicator on a level) outside the visitor's role is simply not in the
catalogue the atlas hands out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from geodata.model.entities import ROOT, Area, Indicator, Institution, Source, Value
from geodata.model.settings import Level, Settings
from geodata.statistics.disclosure import (
    DERIVED,
    LAND_PREFIX,
    OK,
    disclosure,
    land_name,
    lands,
    suppression_rule,
)
from geodata.statistics.suppression import SuppressionRule, is_small

POPULATION = "einwohner"


@dataclass(frozen=True, slots=True)
class Cell:
    """One published value: ``value`` (rounded) when ``state`` is ``ok`` (or ``nicht_bewertet``:
    too small an area to classify, but no secret; the map and profile show only ``ok``); a
    rate's ``numerator`` and ``denominator`` where published; ``note`` for a partial total."""

    value: float | None
    state: str
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""
    missing: int = 0  # children without a value (a partial total)


MISSING_CELL = Cell(None, "keine_daten")


@dataclass(frozen=True)
class PublishedColumn:
    """Published values of several areas in one indicator and year (order as asked); a value
    is given where the state is ``ok`` or ``nicht_bewertet`` (see `Cell`)."""

    states: tuple[str, ...]
    values: tuple[float | None, ...]
    numerators: tuple[float | None, ...]
    denominators: tuple[float | None, ...]

    def cell(self, i: int) -> Cell:
        return Cell(self.values[i], self.states[i], self.numerators[i], self.denominators[i])


class Access(Protocol):
    """What the current user may see (`geodata.statistics.access`)."""

    @property
    def key(self) -> str: ...

    def sees(self, ind: Indicator, level: str | None = None) -> bool: ...


class _Everything:
    key = "alles"

    def sees(self, ind: Indicator, level: str | None = None) -> bool:
        return True


def round_half_up(value: float, decimals: int) -> float:
    """``value`` rounded to ``decimals`` places, halves away from zero, as a person rounds the
    decimal number (107 / 40 = 2,675 → 2,68, although the binary float is a hair below)."""
    return float(_rounded(np.array([value], dtype=float), decimals)[0])


def _rounded(values: np.ndarray, decimals: int) -> np.ndarray:
    scale = 10.0 ** decimals
    # Rounding the scaled value to 6 places first removes the binary representation error.
    out = np.floor(np.round(np.abs(values) * scale, 6) + 0.5) / scale
    return np.where(values < 0, -out, out) + 0.0


class PublishedAtlas:
    """The atlas as it may be published (see module docstring).

    Hierarchy, catalogue, geometry and institutions are those of the repository; values are
    read only through `column`, `cell`, `value`, `latest`, `reference` and `combined`.
    """

    __slots__ = ("_repo", "_access")

    def __init__(self, repo: Any, access: Access | None = None) -> None:
        self._repo = repo
        self._access = access or _Everything()

    # --- what the repository offers besides values --------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._repo.settings

    @property
    def version(self) -> str:
        return self._repo.version

    @property
    def areas(self) -> Mapping[str, Area]:
        return self._repo.areas

    @property
    def bounds(self) -> Mapping[str, tuple[float, float, float, float]]:
        return self._repo.bounds

    @property
    def sources(self) -> Mapping[str, Source]:
        return self._repo.sources

    @property
    def institutions(self) -> Mapping[str, tuple[Institution, ...]]:
        return self._repo.institutions

    @property
    def access(self) -> Access:
        return self._access

    @property
    def imports_enabled(self) -> bool:
        """Whether the atlas runs on a versioned data store (the upload page exists)."""
        return getattr(self._repo, "store", None) is not None

    def with_access(self, access: Access) -> PublishedAtlas:
        """The same atlas for another user."""
        return PublishedAtlas(self._repo, access)

    def memo(self, key: str, build: Any) -> Any:
        """A value derived from the published atlas, built once per data version and role."""
        return self._repo.memo(f"published|{self._access.key}|{key}", build)

    @property
    def indicators(self) -> Mapping[str, Indicator]:
        """The catalogue this user may see."""
        return self.memo("indicators", lambda: {
            i: ind for i, ind in self._repo.indicators.items() if self._access.sees(ind)})

    def indicator(self, indicator_id: str) -> Indicator:
        """The catalogue entry; raises KeyError with a German message."""
        found = self.indicators.get(indicator_id)
        if found is None:
            raise KeyError(f"Der Indikator „{indicator_id}“ ist unbekannt.")
        return found

    @property
    def years(self) -> Mapping[str, tuple[int, ...]]:
        return {i: y for i, y in self._repo.years.items() if i in self.indicators}

    def years_for(self, indicator_id: str, area_ids: Iterable[str] | None = None
                  ) -> tuple[int, ...]:
        if indicator_id not in self.indicators:
            return ()
        return self._repo.years_for(indicator_id, area_ids)

    def coverage(self, indicator_id: str) -> list[str]:
        return self._repo.coverage(indicator_id) if indicator_id in self.indicators else []

    def area(self, area_id: str) -> Area:
        return self._repo.area(area_id)

    def level(self, level_id: str) -> Level:
        return self._repo.level(level_id)

    def children_of(self, area_id: str) -> tuple[str, ...]:
        return self._repo.children_of(area_id)

    def ancestors(self, area_id: str) -> list[str]:
        return self._repo.ancestors(area_id)

    def is_view_parent(self, area_id: str) -> bool:
        return self._repo.is_view_parent(area_id)

    def collapse(self, area_id: str) -> str:
        return self._repo.collapse(area_id)

    def view_target(self, area_id: str) -> str | None:
        return self._repo.view_target(area_id)

    def view_parent_above(self, area_id: str) -> str:
        return self._repo.view_parent_above(area_id)

    def shown_ancestor(self, area_id: str, shown: Any) -> str | None:
        return self._repo.shown_ancestor(area_id, shown)

    def descendants(self, area_id: str) -> list[str]:
        return self._repo.descendants(area_id)

    def areas_at_level(self, area_id: str, level_id: str) -> tuple[str, ...]:
        return self._repo.areas_at_level(area_id, level_id)

    def display_name(self, area_id: str) -> str:
        if area_id.startswith(LAND_PREFIX):
            return land_name(area_id)
        return self._repo.display_name(area_id)

    def institutions_in(self, area_id: str) -> list[Institution]:
        return self._repo.institutions_in(area_id)

    def institution(self, inst_id: str) -> Institution | None:
        return self._repo.institution(inst_id)

    def institutions_geojson(self, area_id: str, inst_type: str | None = None) -> bytes:
        return self._repo.institutions_geojson(area_id, inst_type)

    def geojson(self, parent_id: str, level: str | None = None) -> bytes:
        return self._repo.geojson(parent_id, level)

    def labels_geojson(self, parent_id: str, level: str | None = None) -> bytes:
        return self._repo.labels_geojson(parent_id, level)

    def label_point(self, area_id: str) -> tuple[float, float]:
        return self._repo.label_point(area_id)

    # --- the rule ------------------------------------------------------------------------------
    @property
    def rule(self) -> SuppressionRule:
        return suppression_rule(self._repo)

    def suppression_counts(self) -> tuple[int, int]:
        """(primary, secondary) suppressions the control applies to the whole atlas."""
        d = disclosure(self._repo)
        return d.primary, d.secondary

    def lands(self) -> Mapping[str, tuple[str, ...]]:
        """``{"land:06": (Kreise…)}`` when the atlas covers several Länder, else empty."""
        return lands(self._repo)

    def land_of(self, area_id: str) -> str | None:
        """The Land node an area lies in (first two digits of its key), if the atlas has
        several Länder."""
        node = LAND_PREFIX + area_id[:2]
        return node if area_id != ROOT and node in self.lands() else None

    # --- values --------------------------------------------------------------------------------
    def _visible(self, ind_id: str, level: str | None = None) -> Indicator | None:
        ind = self.indicators.get(ind_id)
        return ind if ind is not None and self._access.sees(ind, level) else None

    def column(self, area_ids: Sequence[str], indicator_id: str, year: int) -> PublishedColumn:
        """The published values and states of areas (see module docstring)."""
        ids = tuple(area_ids)
        ind = self.indicators.get(indicator_id)
        n = len(ids)
        if ind is None or not n:
            none: tuple[None, ...] = (None,) * n
            return PublishedColumn(("keine_daten",) * n, none, none, none)
        if ROOT in ids:
            cells = [self.reference(ROOT, indicator_id, year) if a == ROOT
                     else self.column((a,), indicator_id, year).cell(0) for a in ids]
            return PublishedColumn(tuple(c.state for c in cells), tuple(c.value for c in cells),
                                   tuple(c.numerator for c in cells),
                                   tuple(c.denominator for c in cells))
        repo = self._repo
        table = repo.table
        states_arr = disclosure(repo).rows
        rows = table.rows(ids, indicator_id, year)
        found = rows >= 0
        safe = np.where(found, rows, 0)
        code = np.where(found, states_arr[safe] if len(states_arr) else 0, -1)
        raw = np.where(found, table.value[safe] if len(table.value) else np.nan, np.nan)
        values = _rounded(raw, ind.decimals)
        states = np.where(~found, "keine_daten", np.where(code == OK, "ok", "gesperrt"))
        seen = [self._access.sees(ind, repo.areas[a].level) if a in repo.areas else False
                for a in ids]
        states = np.where(seen, states, "keine_daten")
        rule = self.rule
        if rule.min_population > 0:
            pops = _populations(repo, ids, year)
            small = np.array([p is not None and p < rule.min_population for p in pops], bool)
            states = np.where((states == "ok") & small, "nicht_bewertet", states)
        shown = (states == "ok") | (states == "nicht_bewertet")  # not classified, not secret
        out_values = tuple(float(v) if s else None for v, s in zip(values.tolist(), shown,
                                                                   strict=True))
        nums: tuple[float | None, ...] = (None,) * n
        dens: tuple[float | None, ...] = (None,) * n
        if ind.kind in DERIVED:
            nums = self._counts(ids, ind.numerator, year, seen)
            dens = self._counts(ids, ind.denominator, year, seen)
        return PublishedColumn(tuple(states.tolist()), out_values, nums, dens)

    def _counts(self, ids: tuple[str, ...], count_id: str, year: int,
                seen: Sequence[bool]) -> tuple[float | None, ...]:
        """Published values of a rate's count (None where not published or not seen)."""
        if count_id not in self._repo.indicators:
            return (None,) * len(ids)
        table = self._repo.table
        rows = table.rows(ids, count_id, year)
        states_arr = disclosure(self._repo).rows
        out: list[float | None] = []
        for r, s in zip(rows.tolist(), seen, strict=True):
            ok = r >= 0 and s and int(states_arr[r]) == OK
            out.append(float(table.value[r]) if ok else None)
        return tuple(out)

    def cell(self, area_id: str, indicator_id: str, year: int) -> Cell:
        """One area's value as the map shows it (``ROOT``: the whole atlas's reference)."""
        if area_id == ROOT:
            return self.reference(ROOT, indicator_id, year)
        return self.column((area_id,), indicator_id, year).cell(0)

    def value(self, area_id: str, indicator_id: str, year: int) -> Value | None:
        """The published value (rounded), or None when there is none or it is not shown."""
        c = self.cell(area_id, indicator_id, year)
        if c.state != "ok" or c.value is None:
            return None
        return Value(c.value, c.numerator, c.denominator)

    def has_value(self, area_id: str, indicator_id: str, year: int) -> bool:
        """Whether the area has a value at all (published or not): a suppressed value exists
        (shown as "·"), a missing one does not ("–")."""
        if indicator_id not in self.indicators:
            return False
        if area_id == ROOT:
            return self.reference(ROOT, indicator_id, year).state != "keine_daten"
        return self._repo.table.get(area_id, indicator_id, year) is not None

    def value_years(self, area_id: str, indicator_id: str) -> tuple[int, ...]:
        """The years in which the area has a value (published or not)."""
        return tuple(y for y in self.years_for(indicator_id)
                     if self.has_value(area_id, indicator_id, y))

    def latest(self, area_id: str, indicator_id: str) -> tuple[int, Cell] | None:
        """The newest year in which the area has a value, with that cell."""
        years = self.value_years(area_id, indicator_id)
        return (years[-1], self.cell(area_id, indicator_id, years[-1])) if years else None

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
        of the children that have a value, with a note."""
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
        row = int(repo.table.rows((node,), ind_id, year)[0])
        if row < 0:
            return None
        return repo.table.get(node, ind_id, year), bool(disclosure(repo).rows[row] != OK)

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
        rows = table.rows(tuple(members), indicator_id, year)
        if (rows < 0).any():
            return MISSING_CELL
        if not all(self._access.sees(ind, repo.areas[a].level) for a in members):
            return MISSING_CELL
        hidden = bool((states_arr[rows] != OK).any())
        rule = self.rule
        if ind.kind in DERIVED:
            nums = table.numerator[rows]
            dens = table.denominator[rows]
            if np.isnan(nums).any() or np.isnan(dens).any() or not dens.sum():
                return MISSING_CELL
            num, den = float(nums.sum()), float(dens.sum())
            value = ind.factor * num / den
            hidden = hidden or is_small(num, rule) or is_small(den, rule)
        else:
            num = den = math.nan
            value = float(table.value[rows].sum())
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
        rows = self._repo.table.rows(tuple(members), ind_id, year)
        if (rows < 0).any():
            return None
        return float(self._repo.table.value[rows].sum())

    def population_at_least(self, area_ids: Sequence[str], indicator_id: str, year: int,
                            minimum: float) -> list[bool | None]:
        """Per area, whether its residents (``indicator_id`` in ``year``, else the nearest
        earlier, else the nearest later year) reach ``minimum``; None if unknown. Only the
        comparison leaves the atlas, never the count."""
        from geodata.model.years import nearest_year

        repo = self._repo
        years = repo.years_for(indicator_id)
        cols = {y: repo.table.column(area_ids, indicator_id, y) for y in years}
        out: list[bool | None] = []
        for i in range(len(area_ids)):
            y = nearest_year([y for y in years if cols[y].found[i]], year)
            out.append(None if y is None else bool(cols[y].value[i] >= minimum))
        return out


def _partial_hidden(hidden_parts: Sequence[float]) -> bool:
    """A partial total must not give back a suppressed part: not with exactly one such part,
    nor when the suppressed parts sum to less than 1 (each would be 0)."""
    if not hidden_parts:
        return False
    return len(hidden_parts) == 1 or sum(hidden_parts) < 1


def _populations(repo: Any, area_ids: Sequence[str], year: int) -> list[float | None]:
    """Residents of each area in ``year`` or the nearest earlier year with a value (if there is
    no earlier year at all, the newest); None where unknown. Used only to decide "nicht
    bewertet", never shown."""
    have = repo.years_for(POPULATION)
    years = [y for y in have if y <= year] or list(have)
    out: list[float | None] = [None] * len(area_ids)
    todo = list(range(len(area_ids)))
    for y in reversed(years):
        if not todo:
            break
        col = repo.table.column([area_ids[i] for i in todo], POPULATION, y)
        still = []
        for i, found, value in zip(todo, col.found.tolist(), col.value.tolist(), strict=True):
            if found:
                out[i] = value
            else:
                still.append(i)
        todo = still
    return out


def published(repo: Any, access: Access | None = None) -> PublishedAtlas:
    """The published atlas of a repository (a `Repository` or a `LiveRepository`)."""
    if isinstance(repo, PublishedAtlas):
        return repo if access is None else repo.with_access(access)
    return PublishedAtlas(repo, access)
