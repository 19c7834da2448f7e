"""Hand-made small atlases for tests: a few square areas, a catalogue and values given as a
dict, built into a real `Repository` by the storage's own validating boundary.

Geometry: every lowest area is a 1 km square on a row; a parent is the union of its
children (so the display geometry, label points and bounds are real). Values given for the
lowest areas are summed up and rates computed by `geodata.statistics.aggregate`, as the demo
build does; a parent's value can also be given directly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd
import shapely

from geodata.model.entities import METRIC_CRS
from geodata.model.settings import load_settings
from geodata.statistics.aggregate import aggregate_values
from geodata.storage.tables import AtlasTables, build_repository

CATALOGUE_COLUMNS = ["id", "name", "unit", "topic", "description", "source", "direction",
                     "decimals", "kind", "numerator", "denominator", "factor", "synthetic",
                     "geheimhaltung"]


def count(ind_id: str, name: str, **extra: str) -> dict[str, str]:
    """A catalogue row of a count indicator."""
    return {"id": ind_id, "name": name, "unit": "Personen", "topic": "Test",
            "description": f"{name} (Testwert)", "source": "Testdaten", "direction": "neutral",
            "decimals": "0", "kind": "count", "numerator": "", "denominator": "",
            "factor": "", "synthetic": "1", "geheimhaltung": "ja", **extra}


def rate(ind_id: str, name: str, num: str, den: str, **extra: str) -> dict[str, str]:
    """A catalogue row of a rate in % (one decimal) of two counts."""
    return {**count(ind_id, name), "unit": "%", "decimals": "1", "kind": "rate",
            "numerator": num, "denominator": den, "factor": "100",
            "direction": "higher_worse", **extra}


def small_repository(areas: Sequence[tuple[str, str, str, str]],
                     catalogue: Sequence[Mapping[str, str]],
                     values: Mapping[tuple[str, str, int], float],
                     *, min_population: float = 0, threshold: int = 3):
    """A repository of ``areas`` (id, name, level, parent id), the catalogue rows and
    ``values`` {(area, indicator, year): value} of count indicators (rates are computed)."""
    settings = dataclasses.replace(load_settings(), min_population=min_population,
                                   suppression_threshold=threshold)
    parents = {p for _a, _n, _lvl, p in areas}
    leaves = [a for a, _n, _lvl, _p in areas if a not in parents]
    geom: dict[str, shapely.Geometry] = {
        a: shapely.box(400_000 + 1000 * i, 5_500_000, 401_000 + 1000 * i, 5_501_000)
        for i, a in enumerate(leaves)}
    by_id = {a: p for a, _n, _lvl, p in areas}

    def shape_of(a: str) -> shapely.Geometry:
        if a not in geom:
            geom[a] = shapely.union_all([shape_of(k) for k, p in by_id.items() if p == a])
        return geom[a]

    gdf = gpd.GeoDataFrame(
        {"area_id": [a for a, *_ in areas], "name": [n for _a, n, *_ in areas],
         "level": [lvl for _a, _n, lvl, _p in areas], "parent_id": [p for *_x, p in areas],
         "kind": ["" for _ in areas]},
        geometry=[shape_of(a) for a, *_ in areas], crs=METRIC_CRS)
    cat = pd.DataFrame([{c: row.get(c, "") for c in CATALOGUE_COLUMNS} for row in catalogue])
    long = pd.DataFrame([{"area_id": a, "indicator_id": i, "year": y, "value": float(v)}
                         for (a, i, y), v in values.items()],
                        columns=["area_id", "indicator_id", "year", "value"])
    vals = aggregate_values(long, gdf[["area_id", "parent_id"]], cat)
    inst = gpd.GeoDataFrame({"inst_id": [], "name": [], "type": [], "area_id": [],
                             "attrs": []}, geometry=[], crs=METRIC_CRS)
    sources = pd.DataFrame(columns=["id", "text", "licence", "url"])
    tables = AtlasTables(areas=gdf, indicators=cat, values=vals, institutions=inst,
                         sources=sources, version=f"klein{abs(hash(tuple(values.items())))}")
    return build_repository(tables, settings, display_cache=False)
