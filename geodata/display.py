"""Display geometry for the web map, derived from the stored areas at load time.

Per level, in EPSG:25832: levels that form a valid coverage (Kreise, Gemeinden) are simplified
with ``shapely.coverage_simplify``, so neighbours keep one shared border; others (Frankfurt's
quarters have sliver overlaps) per polygon with ``simplify(preserve_topology=True)``. Then to
EPSG:4326, coordinates rounded to 5 decimals (about 1 m), and any geometry the rounding made
invalid is repaired. Takes about 0.3 s for the demo atlas, so it is not stored in the file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyproj
import shapely

from geodata.errors import DataFileError

DISPLAY_DECIMALS = 5
_TO_WGS84 = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Only the polygonal parts (make_valid may add stray lines or points)."""
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _to_wgs84(coords: np.ndarray) -> np.ndarray:
    lon, lat = _TO_WGS84.transform(coords[:, 0], coords[:, 1])
    return np.round(np.column_stack([lon, lat]), DISPLAY_DECIMALS)


def display_geometries(
    geoms: np.ndarray,
    levels: Sequence[str],
    tolerance: dict[str, float],
    coverage: dict[str, bool],
) -> np.ndarray:
    """Simplified EPSG:4326 geometries for metric (EPSG:25832) ``geoms``, one per input.

    Parameters
    ----------
    geoms
        Polygonal geometries in EPSG:25832.
    levels
        The level id of each geometry.
    tolerance
        Simplification tolerance in metres per level (0 = none).
    coverage
        Per level, whether its areas form a valid coverage (then simplified together).
    """
    levels_arr = np.asarray(levels)
    out = np.empty(len(geoms), dtype=object)
    for level in np.unique(levels_arr):
        mask = levels_arr == level
        part = np.asarray(geoms[mask])
        tol = tolerance.get(str(level), 0.0)
        if tol > 0 and coverage.get(str(level), False):
            part = shapely.coverage_simplify(part, tol)
        elif tol > 0:
            part = shapely.simplify(part, tol, preserve_topology=True)
        out[mask] = part
    out = shapely.transform(out, _to_wgs84)
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = [_polygonal(g) for g in shapely.make_valid(out[bad])]
    if (~shapely.is_valid(out)).any() or shapely.is_empty(out).any():
        raise DataFileError("Einige Gebiete haben nach der Vereinfachung keine gültige Geometrie.")
    return out
