"""The in-memory atlas repository: areas, indicators, values and institutions.

The stored tables (a GeoPackage or PostGIS, `geodata.storage`) are read once at start into a
`Repository`, an immutable object that every request shares (safe across threads and gunicorn
workers). Nothing in it changes after loading; the only mutable parts are caches of serialised
GeoJSON and of derived lookups (`memo`), built deterministically from the immutable data.

Values
------
All values live in one `geodata.model.values.ValueTable` (``table``): numpy columns, not one
object per value. Views read a whole column at a time (`column`: all areas of a map for one
indicator and year); `value` reads one. ``values`` offers the same data as a read-only mapping
``(indicator, year) → {area → Value}`` for code that iterates over everything.

Area hierarchy
--------------
Each area has a ``level`` (one of the configured levels, top first) and a ``parent_id`` (``""``
for the top level). The *root* (``ROOT = ""``) is the virtual parent of the top level: the
start view. A *view parent* is an area whose children are drawn on the map: it has more than
one child. A kreisfreie Stadt is a Kreis with one Gemeinde; `view_target` walks down such
single-child chains so that a click never opens a one-polygon map.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from geodata.model.entities import ROOT, Area, Indicator, Institution, Source, Value
from geodata.model.errors import DataFileError, UnknownAreaError
from geodata.model.provenance import JOIN, Provenance, provenance_of
from geodata.model.settings import Level, Settings
from geodata.model.valuemap import ValuesView
from geodata.model.values import Column, ValueTable

_FIRST_AREAS = 8


@dataclass(frozen=True)
class Repository:
    """Immutable view of one atlas GeoPackage. Build it with `load_repository`."""

    settings: Settings
    areas: Mapping[str, Area]
    children: Mapping[str, tuple[str, ...]]
    indicators: Mapping[str, Indicator]
    table: ValueTable
    overall: Mapping[tuple[str, int], Value]
    years: Mapping[str, tuple[int, ...]]
    institutions: Mapping[str, tuple[Institution, ...]]
    sources: Mapping[str, Source]
    bounds: Mapping[str, tuple[float, float, float, float]]
    version: str  # hash of the GeoPackage: part of every geometry URL (cache busting)
    _display: Mapping[str, str] = field(repr=False)
    _label_points: Mapping[str, tuple[float, float]] = field(repr=False)
    # Caches are never copied: `dataclasses.replace` (e.g. another catalogue) starts afresh, so
    # nothing derived from the old data (the disclosure decision, a catalogue) is served.
    _geojson_cache: dict[str, bytes] = field(default_factory=dict, init=False, repr=False,
                                             compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False,
                                  compare=False)
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Where derived arrays (the disclosure decision) are kept between starts; None: not kept.
    derived_dir: Path | None = field(default=None, repr=False, compare=False)

    @property
    def values(self) -> Mapping[tuple[str, int], Mapping[str, Value]]:
        """All values as ``{(indicator, year): {area: Value}}`` (read-only, built on access)."""
        return ValuesView(self.table)

    def memo(self, key: str, build: Callable[[], Any]) -> Any:
        """A value derived from this repository, built once (indexes for search, lookups)."""
        if key not in self._memo:
            value = build()
            with self._lock:
                self._memo.setdefault(key, value)
        return self._memo[key]

    def load_arrays(self, key: str) -> dict[str, np.ndarray] | None:
        """Arrays derived from this data version and stored by `store_arrays` at an earlier
        start (``key`` must name everything they depend on), or None."""
        if self.derived_dir is None:
            return None
        path = self.derived_dir / f"{key}.npz"
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, KeyError):
            return None  # missing or damaged: derived again
        with contextlib.suppress(OSError):  # read-only cache: it is only never cleaned
            os.utime(path)  # used now: `clean_cache_leftovers` keeps what is read
        return arrays

    def store_arrays(self, key: str, arrays: Mapping[str, np.ndarray]) -> None:
        """Keep derived arrays for the next start (written atomically; errors only cost the
        next start the time to derive them again)."""
        if self.derived_dir is None:
            return
        try:
            self.derived_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.derived_dir, delete=False,
                                             suffix=".tmp") as fh:
                np.savez(fh, **arrays)
            os.chmod(fh.name, 0o644)  # readable by the other workers' users
            os.replace(fh.name, self.derived_dir / f"{key}.npz")
        except OSError:
            pass

    # --- hierarchy -------------------------------------------------------------------------
    def area(self, area_id: str) -> Area:
        """The area with this id; raises `UnknownAreaError`."""
        try:
            return self.areas[area_id]
        except KeyError:
            raise UnknownAreaError(area_id) from None

    def level(self, level_id: str) -> Level:
        """The configured level with this id."""
        for lvl in self.settings.levels:
            if lvl.id == level_id:
                return lvl
        raise DataFileError(f"Die Ebene „{level_id}“ ist nicht konfiguriert.")

    def children_of(self, area_id: str) -> tuple[str, ...]:
        """Ids of the children (``ROOT`` gives the top level), in stable order."""
        return self.children.get(area_id, ())

    def ancestors(self, area_id: str) -> list[str]:
        """Ids from the top level down to the parent of ``area_id`` (excluding it)."""
        chain: list[str] = []
        parent = self.area(area_id).parent_id
        while parent != ROOT:
            chain.append(parent)
            parent = self.areas[parent].parent_id
        return chain[::-1]

    def is_view_parent(self, area_id: str) -> bool:
        """True for the root and every area with more than one child."""
        return area_id == ROOT or len(self.children_of(area_id)) > 1

    def collapse(self, area_id: str) -> str:
        """Walk down single-child chains: a kreisfreie Stadt's Kreis becomes its Gemeinde."""
        while len(kids := self.children_of(area_id)) == 1:
            area_id = kids[0]
        return area_id

    def view_target(self, area_id: str) -> str | None:
        """The view parent to show when ``area_id`` is clicked, or None for a leaf."""
        target = self.collapse(area_id)
        return target if self.is_view_parent(target) else None

    def view_parent_above(self, area_id: str) -> str:
        """The nearest ancestor that is a view parent (``ROOT`` at the top)."""
        parent = self.area(area_id).parent_id
        while parent != ROOT and not self.is_view_parent(parent):
            parent = self.areas[parent].parent_id
        return parent

    def shown_ancestor(self, area_id: str, shown: Collection[str]) -> str | None:
        """The ancestor-or-self of ``area_id`` that is among the ``shown`` areas, if any."""
        current = area_id
        while current != ROOT:
            if current in shown:
                return current
            current = self.areas[current].parent_id
        return None

    def descendants(self, area_id: str) -> list[str]:
        """All areas below ``area_id`` (depth first, excluding it)."""
        out: list[str] = []
        stack = list(self.children_of(area_id))[::-1]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(list(self.children_of(current))[::-1])
        return out

    def areas_at_level(self, area_id: str, level_id: str) -> tuple[str, ...]:
        """All areas of one level below ``area_id`` (``ROOT``: the whole atlas), in key order
        (computed once per area and level)."""
        return self.memo(f"areas_at_level|{area_id}|{level_id}", lambda: tuple(
            sorted(a for a in self.descendants(area_id) if self.areas[a].level == level_id)))

    def display_name(self, area_id: str) -> str:
        """Name for headings; the root is the overall region."""
        return self.settings.overall_name if area_id == ROOT else self.area(area_id).name

    # --- values ------------------------------------------------------------------------------
    def indicator(self, indicator_id: str) -> Indicator:
        """The catalogue entry; raises KeyError with a German message."""
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise KeyError(f"Der Indikator „{indicator_id}“ ist unbekannt.") from None

    def value(self, area_id: str, indicator_id: str, year: int) -> Value | None:
        """The value of one area (``ROOT`` gives the overall value), or None."""
        if area_id == ROOT:
            return self.overall.get((indicator_id, year))
        return self.table.get(area_id, indicator_id, year)

    def column(self, area_ids: Sequence[str], indicator_id: str, year: int) -> Column:
        """Value, numerator and denominator of several areas at once, as arrays in the given
        order (NaN and ``found`` False where an area has no value; ``ROOT`` is the whole
        atlas)."""
        col = self.table.column(area_ids, indicator_id, year)
        if ROOT in area_ids:
            total = self.overall.get((indicator_id, year))
            found, value, num, den = (np.array(a) for a in col[:4])
            for i, aid in enumerate(area_ids):
                if aid == ROOT and total is not None:
                    found[i], value[i] = True, total.value
                    num[i] = np.nan if total.numerator is None else total.numerator
                    den[i] = np.nan if total.denominator is None else total.denominator
            col = Column(found, value, num, den, col.withheld)
        return col

    # --- provenance --------------------------------------------------------------------------
    def withheld(self, area_id: str, indicator_id: str, year: int) -> bool:
        """Whether the source published this cell as suppressed (it has no value then)."""
        return area_id != ROOT and self.table.withheld(area_id, indicator_id, year)

    def provenance(self, area_id: str, indicator_id: str, year: int) -> Provenance | None:
        """Where the value (or withheld cell) of an area comes from; None without either.
        The whole atlas (``ROOT``) has the sources of its top-level areas."""
        if area_id == ROOT:
            if (indicator_id, year) not in self.overall:
                return None
            return self._provenance(self._overall_source(indicator_id, year), "summe",
                                    indicator_id)
        origin = self.table.origin(area_id, indicator_id, year)
        return None if origin is None else self._provenance(*origin, indicator_id)

    def provenances(self, area_ids: Sequence[str], indicator_id: str,
                    year: int) -> list[Provenance | None]:
        """`provenance` of several areas at once (one column read; shared objects)."""
        out: list[Provenance | None] = []
        for aid, origin in zip(area_ids, self.table.origins(area_ids, indicator_id, year),
                               strict=True):
            if aid == ROOT:
                out.append(self.provenance(ROOT, indicator_id, year))
            else:
                out.append(None if origin is None else self._provenance(*origin, indicator_id))
        return out

    def synthetic_label(self, indicator_id: str) -> str:
        """For the indicator list: "synthetisch" if every value of the indicator is synthetic,
        "teils synthetisch" if some are, "" if none (per value, not the indicator's flag)."""
        def build() -> str:
            ind = self.indicators.get(indicator_id)
            if ind is None or indicator_id not in self.years:
                return "synthetisch" if ind is not None and ind.synthetic else ""
            flags = {provenance_of(s, "", self.sources, ind).synthetic
                     for s in self.table.source_ids_of(indicator_id)}
            if flags == {True}:
                return "synthetisch"
            return "teils synthetisch" if True in flags else ""
        return self.memo(f"synthetic-label|{indicator_id}", build)

    def _provenance(self, source_id: str, status: str, indicator_id: str) -> Provenance:
        key = f"provenance|{source_id}|{status}|{indicator_id}"
        return self.memo(key, lambda: provenance_of(source_id, status, self.sources,
                                                    self.indicators.get(indicator_id)))

    def _overall_source(self, indicator_id: str, year: int) -> str:
        top = self.children_of(ROOT)
        ids = {o[0] for o in self.table.origins(top, indicator_id, year) if o is not None}
        parts = sorted({p for i in ids for p in i.split(JOIN) if p})
        return JOIN.join(parts)

    def values_for(self, area_ids: Sequence[str], indicator_id: str, year: int) -> list[float | None]:
        """Values of several areas in the given order; None where missing."""
        return self.column(area_ids, indicator_id, year).values()

    def years_for(self, indicator_id: str, area_ids: Iterable[str] | None = None) -> tuple[int, ...]:
        """Years with at least one value for the indicator (among ``area_ids`` if given)."""
        all_years = self.years.get(indicator_id, ())
        if area_ids is None:
            return all_years
        ids = area_ids if isinstance(area_ids, tuple) else tuple(area_ids)
        found: set[int] = set()
        for aid in ids[:_FIRST_AREAS]:  # the first areas of a view usually have every year
            code = self.table.code(aid)
            if code >= 0:
                have = self.table.of_area(code)
                found.update(y for y in all_years if (indicator_id, y) in have)
            if len(found) == len(all_years):
                return all_years
        return tuple(y for y in all_years if y in found
                     or (self.table.rows(ids, indicator_id, y) >= 0).any())

    def coverage(self, indicator_id: str) -> list[str]:
        """Where an indicator has values, in German: e.g. ``["Stadtteile in Frankfurt am Main"]``
        or ``["Kreise", "Gemeinden"]`` (a level is named alone when every area of it has data)."""
        have: set[str] = set()
        for year in self.years.get(indicator_id, ()):
            have.update(self.table.areas_with_values(indicator_id, year))
        out: list[str] = []
        for lvl in self.settings.levels:
            at_level = [a for a in have if self.areas[a].level == lvl.id]
            if not at_level:
                continue
            total = sum(1 for a in self.areas.values() if a.level == lvl.id)
            if len(at_level) == total:
                out.append(lvl.plural)
                continue
            parents = sorted({self.display_name(self.view_parent_above(a)) for a in at_level})
            shown = ", ".join(parents[:3]) + (f" und {len(parents) - 3} weiteren"
                                              if len(parents) > 3 else "")
            out.append(f"{lvl.plural} in {shown}")
        return out

    def latest_value(self, area_id: str, indicator_id: str) -> tuple[int, Value] | None:
        """The newest (year, value) of an indicator for an area, or None."""
        for year in reversed(self.years.get(indicator_id, ())):
            val = self.value(area_id, indicator_id, year)
            if val is not None:
                return year, val
        return None

    def institutions_in(self, area_id: str) -> list[Institution]:
        """Institutions lying in the area or any area below it, sorted by name."""
        ids = [area_id, *self.descendants(area_id)] if area_id != ROOT else list(self.institutions)
        found = [inst for aid in ids for inst in self.institutions.get(aid, ())]
        return sorted(found, key=lambda inst: (inst.name.casefold(), inst.inst_id))

    # --- geometry ----------------------------------------------------------------------------
    def geojson(self, parent_id: str, level: str | None = None) -> bytes:
        """GeoJSON (EPSG:4326) of the areas in a view, serialised once and cached.

        The view is the children of ``parent_id``, or with ``level`` all its areas of that
        level. Feature properties are slim: ``id``, ``name`` and ``i`` (the feature's index,
        which the browser uses to read its class from the ``hideout`` string).
        """
        if parent_id != ROOT:
            self.area(parent_id)
        key = f"{parent_id}|{level or ''}"
        cached = self._geojson_cache.get(key)
        if cached is not None:
            return cached
        ids = self.areas_at_level(parent_id, level) if level else self.children_of(parent_id)
        parts = [
            b'{"type":"Feature","properties":'
            + orjson.dumps({"id": aid, "name": self.areas[aid].name, "i": i})
            + b',"geometry":'
            + self._display[aid].encode()
            + b"}"
            for i, aid in enumerate(ids)
        ]
        body = b'{"type":"FeatureCollection","features":[' + b",".join(parts) + b"]}"
        with self._lock:
            self._geojson_cache[key] = body
        return body

    def labels_geojson(self, parent_id: str, level: str | None = None) -> bytes:
        """Label points (inside each area) with names, for the areas of a view."""
        if parent_id != ROOT:
            self.area(parent_id)
        ids = self.areas_at_level(parent_id, level) if level else self.children_of(parent_id)
        feats = [
            {
                "type": "Feature",
                "properties": {"name": self.areas[a].name},
                "geometry": {"type": "Point", "coordinates": list(self._label_points[a])},
            }
            for a in ids
        ]
        return orjson.dumps({"type": "FeatureCollection", "features": feats})

    def label_point(self, area_id: str) -> tuple[float, float]:
        """(lon, lat) of a point inside the area, where its name is placed."""
        return self._label_points[area_id]

    def institution(self, inst_id: str) -> Institution | None:
        """The institution with this id, or None."""
        index = self.memo("institutions_by_id", lambda: {
            inst.inst_id: inst for group in self.institutions.values() for inst in group})
        return index.get(inst_id)

    def institutions_geojson(self, area_id: str, inst_type: str | None = None) -> bytes:
        """GeoJSON points of the institutions with coordinates in or below ``area_id`` (of one
        type if given). Properties stay slim: a click sends the whole feature."""
        feats = [
            {
                "type": "Feature",
                "properties": {"id": inst.inst_id, "name": inst.name, "type": inst.type},
                "geometry": {"type": "Point", "coordinates": [inst.lon, inst.lat]},
            }
            for inst in self.institutions_in(area_id)
            if inst.lon is not None and inst.lat is not None
            and (inst_type is None or inst.type == inst_type)
        ]
        return orjson.dumps({"type": "FeatureCollection", "features": feats})
