"""The stored tables of one atlas and how they become the immutable `Repository`.

`AtlasTables` is what every store reads and writes (areas and institutions as GeoDataFrames in
any declared CRS, the catalogue, the values in long format, the sources, a version hash).
`build_repository` validates them once at this boundary (declared CRS, known levels, keys that
match their level's pattern, no duplicates, parents that exist and lie above), derives the
display geometry (`geodata.storage.display`), loads the values and computes the whole atlas's
values (summed counts of the top level; rates from the sums).
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from geodata.storage.display import display_data


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
