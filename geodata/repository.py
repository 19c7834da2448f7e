"""The in-memory atlas repository: areas, indicators, values and institutions.

The GeoPackage (see README, "Datenmodell") is read once at start into a `Repository`, an
immutable object that every request shares (safe across threads and gunicorn workers). Nothing
in it changes after loading; the only mutable part is a cache of serialised GeoJSON, which is
derived deterministically from the immutable data.

Area hierarchy
--------------
Each area has a ``level`` (one of the configured levels, top first) and a ``parent_id`` (``""``
for the top level). The *root* (``ROOT = ""``) is the virtual parent of the top level: the
start view. A *view parent* is an area whose children are drawn on the map: it has more than
one child. A kreisfreie Stadt is a Kreis with one Gemeinde; `view_target` walks down such
single-child chains so that a click never opens a one-polygon map.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import threading
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyogrio

from geodata.display import display_data
from geodata.errors import DataFileError, UnknownAreaError

ROOT = ""
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_GPKG = PACKAGE_DIR / "atlas.gpkg"
DEFAULT_CONFIG = PACKAGE_DIR / "atlas.toml"
DISPLAY_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:25832"


@dataclass(frozen=True)
class Level:
    """One level of the area hierarchy (e.g. Kreis)."""

    id: str
    name: str
    plural: str
    key_pattern: str
    display_tolerance_m: float = 0.0
    display_coverage: bool = False


@dataclass(frozen=True)
class Area:
    """An area: Kreis, Gemeinde, Quartier or any configured level."""

    area_id: str
    name: str
    level: str
    parent_id: str
    kind: str


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry (see ``geodata/indikatoren.csv``)."""

    id: str
    name: str
    unit: str
    topic: str
    description: str
    source: str
    direction: str  # higher_better | higher_worse | neutral
    decimals: int
    kind: str  # count | rate | mean
    numerator: str
    denominator: str
    factor: float
    synthetic: bool


@dataclass(frozen=True, slots=True)
class Value:
    """One indicator value; rates and means carry their numerator and denominator."""

    value: float
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class Institution:
    """A school, Kita or other institution; ``lon``/``lat`` are None without coordinates."""

    inst_id: str
    name: str
    type: str
    area_id: str
    lon: float | None
    lat: float | None
    attrs: Mapping[str, Any]


@dataclass(frozen=True)
class Source:
    """A data source with the attribution text its licence requires."""

    id: str
    text: str
    licence: str
    url: str


@dataclass(frozen=True)
class Settings:
    """App-wide settings from ``atlas.toml``."""

    title: str
    overview_name: str
    overall_name: str
    default_indicator: str
    tile_url: str
    tile_attribution: str
    levels: tuple[Level, ...]
    suppression_threshold: int = 3
    min_population: float = 0.0


def load_settings(path: Path = DEFAULT_CONFIG) -> Settings:
    """Read the configuration file (levels, default indicator, optional basemap)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        levels = tuple(Level(**lvl) for lvl in raw["levels"])
        return Settings(
            title=raw["title"],
            overview_name=raw["overview_name"],
            overall_name=raw["overall_name"],
            default_indicator=raw["default_indicator"],
            tile_url=raw.get("tile_url", ""),
            tile_attribution=raw.get("tile_attribution", ""),
            levels=levels,
            suppression_threshold=int(raw.get("geheimhaltung", {}).get("schwelle", 3)),
            min_population=float(raw.get("geheimhaltung", {}).get("mindest_einwohner", 0)),
        )
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as err:
        raise DataFileError(f"Die Konfiguration {path} ist nicht lesbar: {err}") from err


@dataclass(frozen=True)
class Repository:
    """Immutable view of one atlas GeoPackage. Build it with `load_repository`."""

    settings: Settings
    areas: Mapping[str, Area]
    children: Mapping[str, tuple[str, ...]]
    indicators: Mapping[str, Indicator]
    values: Mapping[tuple[str, int], Mapping[str, Value]]
    overall: Mapping[tuple[str, int], Value]
    years: Mapping[str, tuple[int, ...]]
    institutions: Mapping[str, tuple[Institution, ...]]
    sources: Mapping[str, Source]
    bounds: Mapping[str, tuple[float, float, float, float]]
    version: str  # hash of the GeoPackage: part of every geometry URL (cache busting)
    _display: Mapping[str, str] = field(repr=False)
    _label_points: Mapping[str, tuple[float, float]] = field(repr=False)
    _geojson_cache: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: str, build: Callable[[], Any]) -> Any:
        """A value derived from this repository, built once (indexes for search, lookups)."""
        if key not in self._memo:
            value = build()
            with self._lock:
                self._memo.setdefault(key, value)
        return self._memo[key]

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
        """All areas of one level below ``area_id`` (``ROOT``: the whole atlas), in key order."""
        return tuple(
            sorted(a for a in self.descendants(area_id) if self.areas[a].level == level_id)
        )

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
        return self.values.get((indicator_id, year), {}).get(area_id)

    def values_for(self, area_ids: Sequence[str], indicator_id: str, year: int) -> list[float | None]:
        """Values of several areas in the given order; None where missing."""
        table = self.values.get((indicator_id, year), {})
        out: list[float | None] = []
        for aid in area_ids:
            val = table.get(aid)
            out.append(None if val is None else val.value)
        return out

    def years_for(self, indicator_id: str, area_ids: Iterable[str] | None = None) -> tuple[int, ...]:
        """Years with at least one value for the indicator (among ``area_ids`` if given)."""
        all_years = self.years.get(indicator_id, ())
        if area_ids is None:
            return all_years
        ids = list(area_ids)
        return tuple(
            y for y in all_years if any(a in self.values.get((indicator_id, y), {}) for a in ids)
        )

    def coverage(self, indicator_id: str) -> list[str]:
        """Where an indicator has values, in German: e.g. ``["Stadtteile in Frankfurt am Main"]``
        or ``["Kreise", "Gemeinden"]`` (a level is named alone when every area of it has data)."""
        have: set[str] = set()
        for year in self.years.get(indicator_id, ()):
            have.update(self.values.get((indicator_id, year), {}))
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


# --- loading ---------------------------------------------------------------------------------
def _read_table(path: Path, layer: str) -> pd.DataFrame:
    try:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    except Exception as err:  # pyogrio raises several error types for a broken file
        raise DataFileError(
            f"Die Tabelle „{layer}“ in {path.name} ist nicht lesbar: {err}"
        ) from err


def _load_indicators(df: pd.DataFrame) -> dict[str, Indicator]:
    out: dict[str, Indicator] = {}
    for row in df.fillna("").to_dict("records"):
        out[str(row["id"])] = Indicator(
            id=str(row["id"]),
            name=str(row["name"]),
            unit=str(row["unit"]),
            topic=str(row["topic"]),
            description=str(row["description"]),
            source=str(row["source"]),
            direction=str(row["direction"]),
            decimals=int(float(row["decimals"] or 0)),
            kind=str(row["kind"]),
            numerator=str(row["numerator"]),
            denominator=str(row["denominator"]),
            factor=float(row["factor"] or 1),
            synthetic=str(row["synthetic"]).strip() in {"1", "1.0", "True", "true"},
        )
    return out


def _nullable(col: pd.Series) -> np.ndarray:
    """Floats with NaN as None (an object array)."""
    arr = col.astype(float).to_numpy()
    return np.where(np.isnan(arr), None, arr)


def _load_values(df: pd.DataFrame) -> dict[tuple[str, int], dict[str, Value]]:
    """``{(indicator, year): {area: Value}}``; rows without a value are left out.

    Built per (indicator, year) group from plain lists, with the garbage collector paused: a
    national atlas has about two million values, and iterating pandas rows or letting the
    collector rescan the growing tables would take seconds.
    """
    df = df[df["value"].astype(float).notna()]
    ids = df["area_id"].astype(str).to_numpy(dtype=object)
    vals = df["value"].astype(float).to_numpy()
    nums, dens = _nullable(df["numerator"]), _nullable(df["denominator"])
    groups = df.groupby([df["indicator_id"].astype(str), df["year"].astype(int)],
                        sort=False).indices
    table: dict[tuple[str, int], dict[str, Value]] = {}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for (ind, year), idx in groups.items():
            table[(str(ind), int(year))] = dict(zip(
                ids[idx].tolist(),
                map(Value, vals[idx].tolist(), nums[idx].tolist(), dens[idx].tolist()),
                strict=True,
            ))
    finally:
        if was_enabled:
            gc.enable()
    return table


def _overall_values(
    values: Mapping[tuple[str, int], Mapping[str, Value]],
    indicators: Mapping[str, Indicator],
    top: Sequence[str],
) -> dict[tuple[str, int], Value]:
    """Values for the whole atlas: summed counts of the top level, rates from sums."""
    out: dict[tuple[str, int], Value] = {}
    for (ind_id, year), table in values.items():
        ind = indicators.get(ind_id)
        if ind is None or not all(a in table for a in top):
            continue
        if ind.kind == "count":
            out[(ind_id, year)] = Value(sum(table[a].value for a in top))
    for (ind_id, year), _table in values.items():
        ind = indicators.get(ind_id)
        if ind is None or ind.kind == "count":
            continue
        num = out.get((ind.numerator, year))
        den = out.get((ind.denominator, year))
        if num is not None and den is not None and den.value:
            out[(ind_id, year)] = Value(
                ind.factor * num.value / den.value, num.value, den.value
            )
    return out


def _file_hash(path: Path) -> str:
    """Short content hash of a file (a new import gives new geometry URLs)."""
    digest = hashlib.blake2b(digest_size=6)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class AtlasTables:
    """The stored tables of one atlas, as read from a GeoPackage (or any other store).

    Column layout as in the README ("Datenmodell"). ``version`` is a short content hash: it is
    part of every geometry URL, so a new import gives new URLs.
    """

    areas: Any  # GeoDataFrame, any declared CRS
    indicators: pd.DataFrame
    values: pd.DataFrame
    institutions: Any  # GeoDataFrame, any declared CRS; empty geometry = no coordinates
    sources: pd.DataFrame
    version: str


def read_atlas_tables(gpkg: Path = DEFAULT_GPKG) -> AtlasTables:
    """Read the five atlas tables from a GeoPackage (German `DataFileError` on failure)."""
    if not gpkg.exists():
        raise DataFileError(
            f"Die Atlas-Datei {gpkg} fehlt. Erzeugen mit: python -m geodata.build_demo"
        )
    try:
        areas_gdf = pyogrio.read_dataframe(gpkg, layer="areas")
        inst_gdf = pyogrio.read_dataframe(gpkg, layer="institutions")
    except Exception as err:  # pyogrio raises several error types for a broken file
        raise DataFileError(f"Die Geometrien in {gpkg.name} sind nicht lesbar: {err}") from err
    return AtlasTables(
        areas=areas_gdf,
        indicators=_read_table(gpkg, "indicators"),
        values=_read_table(gpkg, "values"),
        institutions=inst_gdf,
        sources=_read_table(gpkg, "sources"),
        version=_file_hash(gpkg),
    )


def load_repository(
    gpkg: Path = DEFAULT_GPKG, config: Path = DEFAULT_CONFIG
) -> Repository:
    """Load the GeoPackage into an immutable `Repository` (see `build_repository`)."""
    return build_repository(read_atlas_tables(gpkg), load_settings(config))


def build_repository(tables: AtlasTables, settings: Settings,
                     display_cache: bool = True) -> Repository:
    """Build the immutable `Repository` from the stored tables (``display_cache=False``: do
    not use the on-disk cache of display geometry).

    Raises
    ------
    DataFileError
        With a German message when a layer's CRS is not declared or the hierarchy is
        inconsistent (unknown parent, unknown level, duplicate key, key not matching its level).
    """
    areas_gdf = tables.areas
    if areas_gdf.crs is None:
        raise DataFileError("Die Ebene „areas“ hat kein Koordinatensystem.")
    if areas_gdf.crs.to_epsg() != 25832:
        areas_gdf = areas_gdf.to_crs(METRIC_CRS)
    areas_df = areas_gdf.drop(columns="geometry")

    level_order = {lvl.id: i for i, lvl in enumerate(settings.levels)}
    areas: dict[str, Area] = {}
    for row in areas_df.fillna("").to_dict("records"):
        aid = str(row["area_id"])
        if aid in areas:
            raise DataFileError(f"Der Gebietsschlüssel „{aid}“ kommt in „areas“ doppelt vor.")
        lvl = str(row["level"])
        if lvl not in level_order:
            raise DataFileError(f"Gebiet „{aid}“: die Ebene „{lvl}“ ist nicht konfiguriert.")
        pattern = settings.levels[level_order[lvl]].key_pattern
        if not re.fullmatch(pattern, aid):
            raise DataFileError(
                f"Gebiet „{aid}“: der Schlüssel passt nicht zur Ebene „{lvl}“ ({pattern})."
            )
        areas[aid] = Area(aid, str(row["name"]), lvl, str(row["parent_id"]), str(row["kind"]))
    children: dict[str, list[str]] = {}
    for area in areas.values():
        if area.parent_id != ROOT and area.parent_id not in areas:
            raise DataFileError(
                f"Gebiet „{area.area_id}“: das übergeordnete Gebiet „{area.parent_id}“ fehlt."
            )
        if area.parent_id != ROOT and level_order[areas[area.parent_id].level] >= level_order[area.level]:
            raise DataFileError(
                f"Gebiet „{area.area_id}“ liegt nicht unter seinem übergeordneten Gebiet."
            )
        children.setdefault(area.parent_id, []).append(area.area_id)

    display, label_points, bounds = display_data(
        areas_df["area_id"].astype(str).tolist(),
        areas_gdf.geometry.values,
        areas_df["level"].astype(str).tolist(),
        {lvl.id: lvl.display_tolerance_m for lvl in settings.levels},
        {lvl.id: lvl.display_coverage for lvl in settings.levels},
        version=tables.version, use_cache=display_cache,
    )
    allb = np.array(list(bounds.values()))
    bounds[ROOT] = (
        float(allb[:, 0].min()), float(allb[:, 1].min()),
        float(allb[:, 2].max()), float(allb[:, 3].max()),
    )

    indicators = _load_indicators(tables.indicators)
    values = _load_values(tables.values)
    years: dict[str, set[int]] = {}
    for ind_id, year in values:
        years.setdefault(ind_id, set()).add(year)

    inst_df = tables.institutions
    if inst_df.crs is None:
        raise DataFileError("Die Ebene „institutions“ hat kein Koordinatensystem.")
    inst_df = inst_df.to_crs(DISPLAY_CRS)
    insts: dict[str, list[Institution]] = {}
    for row, geom in zip(
        inst_df.drop(columns="geometry").to_dict("records"), inst_df.geometry.values, strict=True
    ):
        has_point = geom is not None and not geom.is_empty
        inst = Institution(
            inst_id=str(row["inst_id"]),
            name=str(row["name"]),
            type=str(row["type"]),
            area_id=str(row["area_id"]),
            lon=round(float(geom.x), 6) if has_point else None,
            lat=round(float(geom.y), 6) if has_point else None,
            attrs=MappingProxyType(json.loads(row["attrs"] or "{}")),
        )
        insts.setdefault(inst.area_id, []).append(inst)

    sources = {
        str(r["id"]): Source(str(r["id"]), str(r["text"]), str(r["licence"]), str(r["url"]))
        for r in tables.sources.fillna("").to_dict("records")
    }
    frozen_values = MappingProxyType({k: MappingProxyType(v) for k, v in values.items()})
    return Repository(
        settings=settings,
        areas=MappingProxyType(areas),
        children=MappingProxyType({k: tuple(v) for k, v in children.items()}),
        indicators=MappingProxyType(indicators),
        values=frozen_values,
        overall=MappingProxyType(
            _overall_values(frozen_values, indicators, children.get(ROOT, []))
        ),
        years=MappingProxyType({k: tuple(sorted(v)) for k, v in years.items()}),
        institutions=MappingProxyType({k: tuple(v) for k, v in insts.items()}),
        sources=MappingProxyType(sources),
        bounds=MappingProxyType(bounds),
        version=tables.version,
        _display=MappingProxyType(display),
        _label_points=MappingProxyType(label_points),
    )
