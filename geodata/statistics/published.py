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
from typing import Any

import numpy as np

from geodata.model.entities import ROOT, Area, Indicator, Institution, Source, Value
from geodata.model.settings import Level, Settings
from geodata.statistics.cells import (  # noqa: F401 (re-exported: the published value types)
    MISSING_CELL,
    Access,
    Cell,
    PublishedColumn,
    _Everything,
    round_half_up,
    rounded_array,
)
from geodata.statistics.disclosure import (
    DERIVED,
    LAND_PREFIX,
    OK,
    disclosure,
    land_name,
    lands,
    suppression_rule,
)
from geodata.statistics.references import POPULATION, References
from geodata.statistics.suppression import SuppressionRule


class PublishedAtlas(References):
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
    def staff(self) -> bool:
        """Whether the user is staff (intern or redaktion): drafts, internal indicators."""
        return bool(getattr(self._access, "staff", False))

    @property
    def editor(self) -> bool:
        """Whether the user may change things (redaktion): import, restore, save, publish."""
        return bool(getattr(self._access, "editor", False))

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

    def hidden(self, indicator_id: str) -> bool:
        """Whether the indicator exists but this user may not see it (nothing else about it
        leaves the atlas: an output that needs it is refused as a whole)."""
        return indicator_id in self._repo.indicators and indicator_id not in self.indicators

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
    def _row(self, area_id: str, ind_id: str, year: int) -> int:
        """The value table's row of one cell, -1 if it has no value."""
        table = self._repo.table
        code = table.code(area_id)
        start, stop = table.group(ind_id, year)
        if code < 0 or start == stop:
            return -1
        group = table.area[start:stop]
        i = int(group.searchsorted(np.int32(code)))
        return start + i if i < stop - start and group[i] == code else -1

    def _population_of(self, codes: np.ndarray, year: int) -> np.ndarray:
        """Residents per area code in ``year`` or the nearest earlier year (if there is no
        earlier year at all, the newest); NaN where unknown. One array per year, memoised."""
        arr = self._population_array(year)
        safe = np.where(codes >= 0, codes, 0)
        return np.where(codes >= 0, arr[safe] if len(arr) else np.nan, np.nan)

    def _population_array(self, year: int) -> np.ndarray:
        def build() -> np.ndarray:
            table = self._repo.table
            have = table.years(POPULATION)
            years = [y for y in have if y <= year] or list(have)
            out = np.full(len(table.area_ids), np.nan)
            for y in years:  # ascending: the latest one wins
                start, stop = table.group(POPULATION, y)
                out[table.area[start:stop]] = table.value[start:stop]
            out.flags.writeable = False
            return out
        return self._repo.memo(f"published|population|{year}", build)

    def _visible(self, ind_id: str, level: str | None = None) -> Indicator | None:
        ind = self.indicators.get(ind_id)
        return ind if ind is not None and self._access.sees(ind, level) else None

    def column(self, area_ids: Sequence[str], indicator_id: str, year: int,
               counts: bool = True) -> PublishedColumn:
        """The published values and states of areas (see module docstring); a rate's counts
        only with ``counts`` (a map does not need them)."""
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
        codes = table.codes(ids)
        rows = table.rows(ids, indicator_id, year)
        found = rows >= 0
        safe = np.where(found, rows, 0)
        # 0 ok, 1 suppressed, 2 no value, 3 not rated (too few residents), 4 not visible
        kind = np.where(found, np.where(states_arr[safe] == OK, 0, 1) if len(states_arr)
                        else 2, 2)
        # a cell the source published as suppressed ("." in an official table; stored without
        # a value, issue 17) is suppressed here too, never "keine Daten"
        kind = np.where(~found & table.withheld_mask(ids, indicator_id, year), 1, kind)
        seen = self._seen(ids, ind)
        if seen is not None:
            kind = np.where(seen, kind, 4)
        rule = self.rule
        if rule.min_population > 0:
            pops = self._population_of(codes, year)
            with np.errstate(invalid="ignore"):
                small = ~np.isnan(pops) & (pops < rule.min_population)
            kind = np.where((kind == 0) & small, 3, kind)
        raw = np.where(found, table.value[safe] if len(table.value) else np.nan, np.nan)
        values = rounded_array(raw, ind.decimals).tolist()
        names = ("ok", "gesperrt", "keine_daten", "nicht_bewertet", "keine_daten")
        kinds = kind.tolist()
        out_values = tuple(v if k in (0, 3) else None for v, k in zip(values, kinds,
                                                                    strict=True))
        nums: tuple[float | None, ...] = (None,) * n
        dens: tuple[float | None, ...] = (None,) * n
        if ind.kind in DERIVED and counts:
            visible = kind != 4
            nums = self._counts(ids, ind.numerator, year, visible)
            dens = self._counts(ids, ind.denominator, year, visible)
        return PublishedColumn(tuple(names[k] for k in kinds), out_values, nums, dens)

    def _seen(self, ids: tuple[str, ...], ind: Indicator) -> np.ndarray | None:
        """Which areas' values of ``ind`` this user may see (None: all of them)."""
        if self._access.sees_everywhere(ind):
            return None
        areas = self._repo.areas
        return np.array([a in areas and self._access.sees(ind, areas[a].level) for a in ids],
                        bool)

    def _counts(self, ids: tuple[str, ...], count_id: str, year: int,
                visible: np.ndarray) -> tuple[float | None, ...]:
        """Published values of a rate's count (None where not published or not seen)."""
        if count_id not in self._repo.indicators:
            return (None,) * len(ids)
        table = self._repo.table
        rows = table.rows(ids, count_id, year)
        states_arr = disclosure(self._repo).rows
        found = rows >= 0
        safe = np.where(found, rows, 0)
        ok = found & visible & (states_arr[safe] == OK if len(states_arr) else False)
        vals = np.where(ok, table.value[safe] if len(table.value) else np.nan, np.nan)
        return tuple(None if v != v else v for v in vals.tolist())

    def cell(self, area_id: str, indicator_id: str, year: int) -> Cell:
        """One area's value as the map shows it (``ROOT``: the whole atlas's reference)."""
        if area_id == ROOT:
            return self.reference(ROOT, indicator_id, year)
        ind = self.indicators.get(indicator_id)
        repo = self._repo
        area = repo.areas.get(area_id)
        if ind is None or area is None or not self._access.sees(ind, area.level):
            return MISSING_CELL
        row = self._row(area_id, indicator_id, year)
        if row < 0:
            # withheld by the source (issue 17): suppressed, not missing
            return Cell(None, "gesperrt") if repo.withheld(area_id, indicator_id, year) \
                else MISSING_CELL
        num = den = None
        if ind.kind in DERIVED:
            num, den = (self._published_count(area_id, c, year)
                        for c in (ind.numerator, ind.denominator))
        if disclosure(repo).rows[row] != OK:
            return Cell(None, "gesperrt", num, den)
        table = repo.table
        state = "ok"
        rule = self.rule
        if rule.min_population > 0:
            code = table.code(area_id)
            pop = float(self._population_array(year)[code]) if code >= 0 else math.nan
            if pop == pop and pop < rule.min_population:
                state = "nicht_bewertet"
        return Cell(round_half_up(float(table.value[row]), ind.decimals), state, num, den)

    def _published_count(self, area_id: str, count_id: str, year: int) -> float | None:
        if count_id not in self._repo.indicators:
            return None
        row = self._row(area_id, count_id, year)
        if row < 0 or disclosure(self._repo).rows[row] != OK:
            return None
        return float(self._repo.table.value[row])

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
        return self._repo.table.get(area_id, indicator_id, year) is not None or \
            self._repo.withheld(area_id, indicator_id, year)

    def value_years(self, area_id: str, indicator_id: str) -> tuple[int, ...]:
        """The years in which the area has a value (published or not)."""
        return tuple(y for y in self.years_for(indicator_id)
                     if self.has_value(area_id, indicator_id, y))

    def latest(self, area_id: str, indicator_id: str) -> tuple[int, Cell] | None:
        """The newest year in which the area has a value, with that cell."""
        years = self.value_years(area_id, indicator_id)
        return (years[-1], self.cell(area_id, indicator_id, years[-1])) if years else None

    # --- provenance (issue 17): where a value comes from, never the value itself -------------
    def provenance(self, area_id: str, indicator_id: str, year: int) -> Any:
        """The `geodata.model.provenance.Provenance` of a cell this user may see (None
        without a value or withheld cell, or for an indicator outside the user's role)."""
        ind = self.indicators.get(indicator_id)
        area = self._repo.areas.get(area_id)
        if ind is None or (area is not None and not self._access.sees(ind, area.level)):
            return None
        if area_id.startswith(LAND_PREFIX):  # a Land: the sources of its top-level areas
            from geodata.model.provenance import Provenance

            parts = [p for p in self.provenances(self.lands().get(area_id, ()), indicator_id,
                                                 year) if p is not None]
            if not parts:
                return None
            return Provenance(tuple({x.id: x for p in parts for x in p.sources}.values()),
                              "summe", parts[0].fallback, parts[0].fallback_synthetic)
        return self._repo.provenance(area_id, indicator_id, year)

    def provenances(self, area_ids: Sequence[str], indicator_id: str, year: int) -> list[Any]:
        """`provenance` of several areas at once (one column read)."""
        ids = list(area_ids)
        if indicator_id not in self.indicators:
            return [None] * len(ids)
        out = self._repo.provenances(ids, indicator_id, year)
        seen = self._seen(tuple(ids), self.indicators[indicator_id])
        return out if seen is None else [p if s else None for p, s in zip(out, seen,
                                                                        strict=True)]

    def value_source_ids(self, indicator_id: str) -> tuple[str, ...]:
        """The source ids of an indicator's values (all years)."""
        if indicator_id not in self.indicators:
            return ()
        return self._repo.table.source_ids_of(indicator_id)

    def synthetic_label(self, indicator_id: str) -> str:
        """"synthetisch", "teils synthetisch" or "" by the values (`Repository`)."""
        return self._repo.synthetic_label(indicator_id)

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


def published(repo: Any, access: Access | None = None) -> PublishedAtlas:
    """The published atlas of a repository (a `Repository` or a `LiveRepository`)."""
    if isinstance(repo, PublishedAtlas):
        return repo if access is None else repo.with_access(access)
    return PublishedAtlas(repo, access)
