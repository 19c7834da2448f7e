"""The stored tables of one atlas and how they become the immutable `Repository`.

`AtlasTables` is what every store reads and writes (areas and institutions as GeoDataFrames in
any declared CRS, the catalogue, the values in long format, the sources, a version hash).
`build_repository` validates them once at this boundary (declared CRS, known levels, keys that
match their level's pattern, no duplicates, parents that exist and lie above), derives the
display geometry (`geodata.storage.display`), loads the values and computes the whole atlas's
values (summed counts of the top level; rates from the sums).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from geodata.model.entities import (
    DISPLAY_CRS,
    METRIC_CRS,
    ROOT,
    Area,
    Indicator,
    Institution,
    Source,
    Value,
)
from geodata.model.errors import DataFileError
from geodata.model.repository import Repository
from geodata.model.settings import Settings
from geodata.model.valuemap import ValuesView
from geodata.model.values import ValueTable
from geodata.storage.display import cache_dir, display_data

# Columns of the ``sources`` table beyond id, text, licence and url (optional; older atlases
# lack them): see `geodata.model.entities.Source`.
SOURCE_EXTRA = ("kind", "file", "imported", "import_id", "note")
SOURCE_COLUMNS = ("id", "text", "licence", "url", *SOURCE_EXTRA)


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
            confidential=str(row.get("geheimhaltung", "")).strip().lower()
            not in {"nein", "0", "false"},
            **_visibility(row),
        )
    return out


def _visibility(row: Mapping[str, object]) -> dict[str, object]:
    """``visibility`` and ``internal_levels`` from the column ``sichtbarkeit`` (issue 16)."""
    from geodata.model.errors import DataFileError
    from geodata.statistics.access import parse_visibility

    try:
        vis, levels = parse_visibility(str(row.get("sichtbarkeit", "") or ""))
    except ValueError as err:
        raise DataFileError(f"Indikatorenkatalog, Indikator „{row.get('id')}“: {err}") from err
    return {"visibility": vis, "internal_levels": levels}


def _load_values(df: pd.DataFrame) -> Mapping[tuple[str, int], Mapping[str, Value]]:
    """``{(indicator, year): {area: Value}}`` of a long value table; rows without a value are
    left out (a view over the columnar `ValueTable`)."""
    return ValuesView(ValueTable.from_frame(df))


def _overall_values(
    table: ValueTable,
    indicators: Mapping[str, Indicator],
    top: Sequence[str],
) -> dict[tuple[str, int], Value]:
    """Values for the whole atlas: summed counts of the top level (only where every top-level
    area has a value), rates and means from the summed numerator and denominator."""
    out: dict[tuple[str, int], Value] = {}
    top = list(top)
    for ind_id, year in table.groups():
        ind = indicators.get(ind_id)
        if ind is None or ind.kind != "count":
            continue
        col = table.column(top, ind_id, year)
        if col.found.all():
            out[(ind_id, year)] = Value(sum(col.value.tolist()))
    for ind_id, year in table.groups():
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


RETIRED_COLUMNS = ("area_id", "name", "level", "parent_id", "removed", "version")


def retired_of(tables: AtlasTables) -> pd.DataFrame:
    """The retired keys of an atlas as a table with `RETIRED_COLUMNS` (empty if none)."""
    df = tables.retired
    if df is None or not len(df):
        return pd.DataFrame(columns=list(RETIRED_COLUMNS))
    return df.reindex(columns=list(RETIRED_COLUMNS)).fillna("").astype(str)


class Lazy:
    """A table that is read on first access (see `AtlasTables`)."""

    __slots__ = ("load",)

    def __init__(self, load: Callable[[], Any]) -> None:
        self.load = load


@dataclass(frozen=True)
class AtlasTables:
    """The stored tables of one atlas: what every store reads and every import writes.

    - ``areas``: GeoDataFrame (``area_id``, ``name``, ``level``, ``parent_id``, ``kind``,
      geometry) in any declared CRS;
    - ``indicators``: the catalogue; ``values``: the long value table (``area_id``,
      ``indicator_id``, ``year``, ``value``, ``numerator``, ``denominator``);
    - ``institutions``: GeoDataFrame (empty geometry = no coordinates); ``sources``;
    - ``version``: a short content hash, part of every geometry URL (a new import gives new
      URLs).

    A table may be given as `Lazy` (a GeoPackage store does so for the areas and the values):
    it is read on first access and then kept. `build_repository` asks only for what a
    repository needs: `area_attributes` and `value_table` (which have loaders of their own)
    and `metric_geometry` only when the display geometry is not cached. So a start with warm
    caches never reads the full-resolution geometry, nor turns two million values into a
    DataFrame; code that reads ``areas`` or ``values`` gets them in full, as stored. Treat the
    tables as read-only.
    """

    areas: Any
    indicators: pd.DataFrame
    values: pd.DataFrame
    institutions: Any
    sources: pd.DataFrame
    version: str
    # The areas without geometry (a GeoDataFrame in the layer's CRS, empty geometry) and the
    # values as a ValueTable, read without reading ``areas`` or ``values``.
    area_attributes_loader: Callable[[], Any] | None = field(default=None, repr=False,
                                                              compare=False)
    value_table_loader: Callable[[], ValueTable] | None = field(default=None, repr=False,
                                                                compare=False)
    retired: pd.DataFrame | None = None

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if type(value) is Lazy:
            value = value.load()
            object.__setattr__(self, name, value)  # read once, then kept
        return value

    def _read(self, name: str) -> bool:
        """Whether the table ``name`` is in memory (given, or read already)."""
        return type(object.__getattribute__(self, name)) is not Lazy

    @property
    def area_attributes(self) -> Any:
        """The areas, without reading their geometry if it is not in memory yet (then a
        GeoDataFrame in the layer's CRS with an empty geometry column)."""
        if self._read("areas") or self.area_attributes_loader is None:
            return self.areas
        return self.area_attributes_loader()

    @property
    def value_table(self) -> ValueTable:
        """The values as a `ValueTable` (from its loader, or built from ``values``)."""
        if self.value_table_loader is not None and not self._read("values"):
            return self.value_table_loader()
        return ValueTable.from_frame(self.values)

    def metric_geometry(self, order: Sequence[str] | None = None) -> np.ndarray:
        """The areas' geometry in EPSG:25832, in the order of the area ids ``order`` (default:
        the order of ``areas``)."""
        gdf = self.areas
        if gdf.crs is None:
            raise DataFileError("Die Ebene „areas“ hat kein Koordinatensystem.")
        if gdf.crs.to_epsg() != 25832:
            gdf = gdf.to_crs(METRIC_CRS)
        if order is None:
            return gdf.geometry.values
        at = pd.Index(gdf["area_id"].astype(str)).get_indexer(list(order))
        if (at < 0).any():
            raise DataFileError("Die Geometrien der Gebiete passen nicht zu ihrer Tabelle.")
        return gdf.geometry.values[at]


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
    areas_gdf = tables.area_attributes
    if areas_gdf.crs is None:
        raise DataFileError("Die Ebene „areas“ hat kein Koordinatensystem.")
    areas_df = pd.DataFrame(areas_gdf.drop(columns="geometry"))

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
        areas[aid] = Area(aid, str(row["name"]), lvl, str(row["parent_id"]), str(row["kind"]),
                          str(row.get("source", "")))
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

    area_ids = areas_df["area_id"].astype(str).tolist()
    display, label_points, bounds = display_data(
        area_ids,
        lambda: tables.metric_geometry(area_ids),
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
    table = tables.value_table

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
        str(r["id"]): Source(str(r["id"]), str(r["text"]), str(r["licence"]), str(r["url"]),
                             **{f: str(r.get(f, "")) for f in SOURCE_EXTRA})
        for r in tables.sources.fillna("").to_dict("records")
    }
    return Repository(
        settings=settings,
        areas=MappingProxyType(areas),
        children=MappingProxyType({k: tuple(v) for k, v in children.items()}),
        indicators=MappingProxyType(indicators),
        table=table,
        overall=MappingProxyType(_overall_values(table, indicators, children.get(ROOT, []))),
        years=MappingProxyType({k: table.years(k) for k in table.indicators()}),
        institutions=MappingProxyType({k: tuple(v) for k, v in insts.items()}),
        sources=MappingProxyType(sources),
        bounds=MappingProxyType(bounds),
        version=tables.version,
        _display=MappingProxyType(display),
        _label_points=MappingProxyType(label_points),
        derived_dir=cache_dir(),
    )
