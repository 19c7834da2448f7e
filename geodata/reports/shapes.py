"""Display geometry as matplotlib paths, for print maps and the profile's locator map.

The web map's display geometry (coverage-simplified in EPSG:25832, so neighbours share
borders as on screen) is projected back from the repository's EPSG:4326 GeoJSON to
EPSG:25832 once per repository and kept as matplotlib paths (`PublishedAtlas.memo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import orjson
import pyproj
import shapely
from matplotlib.path import Path as MplPath

from geodata.model.entities import ROOT
from geodata.statistics.published import PublishedAtlas

TO_METRIC = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
TO_WGS84 = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


# --- geometry --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PrintShapes:
    """Display geometry in EPSG:25832 as matplotlib paths, with bounds and label points."""

    paths: dict[str, MplPath]
    bounds: dict[str, tuple[float, float, float, float]]  # minx, miny, maxx, maxy
    by_level: dict[str, tuple[str, ...]]


def _ring_path(geom: shapely.Geometry) -> MplPath:
    """One compound path of a (multi)polygon; exteriors counter-clockwise, holes clockwise."""
    verts, codes = [], []
    for poly in shapely.get_parts(geom):
        for ring in (poly.exterior, *poly.interiors):
            xy = shapely.get_coordinates(ring)
            if len(xy) < 4:
                continue
            cd = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            cd[0], cd[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(cd)
    if not verts:
        return MplPath(np.zeros((0, 2)))
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _build_shapes(repo: PublishedAtlas) -> PrintShapes:
    paths: dict[str, MplPath] = {}
    bounds: dict[str, tuple[float, float, float, float]] = {}
    by_level: dict[str, tuple[str, ...]] = {}
    for lvl in repo.settings.levels:
        feats = orjson.loads(repo.geojson(ROOT, lvl.id))["features"]
        ids = [f["properties"]["id"] for f in feats]
        by_level[lvl.id] = tuple(ids)
        if not ids:
            continue
        geoms = shapely.from_geojson([orjson.dumps(f["geometry"]) for f in feats])
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(
            TO_METRIC.transform(xy[:, 0], xy[:, 1])))
        geoms = shapely.orient_polygons(geoms)
        for aid, geom, bnd in zip(ids, geoms, shapely.bounds(geoms), strict=True):
            paths[aid] = _ring_path(geom)
            bounds[aid] = tuple(float(b) for b in bnd)  # type: ignore[assignment]
    return PrintShapes(paths, bounds, by_level)


def print_shapes(repo: PublishedAtlas) -> PrintShapes:
    return repo.memo("export_shapes_25832", lambda: _build_shapes(repo))


def shapes_extent(shapes: PrintShapes, ids: Sequence[str]) -> tuple[float, float, float, float]:
    b = np.array([shapes.bounds[a] for a in ids if a in shapes.bounds])
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def metric_point(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_METRIC.transform(lon, lat)
    return float(x), float(y)
