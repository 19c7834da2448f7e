"""Display geometry for the web map, derived from the stored areas at load time.

Per level, in EPSG:25832: levels that form a valid coverage (Kreise, Gemeinden) are simplified
with ``shapely.coverage_simplify``, so neighbours keep one shared border; others (Frankfurt's
quarters have sliver overlaps) per polygon with ``simplify(preserve_topology=True)``. Then to
EPSG:4326, coordinates rounded to 5 decimals (about 1 m), and any geometry the rounding made
invalid is repaired. Takes about 0.3 s for the demo atlas, so it is not stored in the file.

`display_data` adds the label point and bounds of each area and caches the result on disk,
keyed by the data version and the simplification settings: a warm start of a national atlas
skips the simplification. The cache directory is ``BILDUNGSATLAS_CACHE_DIR`` (default
``geodata/cache/``; empty = no cache). It holds only derived JSON, written atomically, so
several workers or machines may share it (e.g. on shared storage). A cache hit sets the file's
modification time (`touch_used`), and `clean_cache_leftovers` (every start and import) removes
cache files not read for `UNUSED_DAYS`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import orjson
import pyproj
import shapely

from geodata.model.errors import DataFileError

DISPLAY_DECIMALS = 5
CACHE_FORMAT = 1
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[1] / "cache"
Bounds = tuple[float, float, float, float]
_TO_WGS84 = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


UNUSED_DAYS = 30.0
"""Cache files not read for this many days belong to data versions no longer in use."""
CACHE_PATTERNS = ("display-*.json", "disclosure-*.npz", "values-*.npz")


def touch_used(path: Path) -> None:
    """Mark a cache file as used now (its modification time says when it was last read)."""
    with contextlib.suppress(OSError):  # read-only cache: it is only never cleaned
        os.utime(path)


def clean_cache_leftovers(max_age_s: float = 600.0,
                          unused_s: float = UNUSED_DAYS * 86400) -> list[str]:
    """Remove temporary cache files of killed processes (older than ``max_age_s``: a younger
    one may belong to a worker writing right now) and cache files not read for ``unused_s``
    seconds (of data versions or settings no longer in use; a file still needed is only
    derived again), and say so (German lines)."""
    folder = cache_dir()
    if folder is None or not folder.exists():
        return []
    import time

    now = time.time()
    lines = []
    for path in sorted(folder.glob("*.tmp")):
        try:
            if path.stat().st_mtime < now - max_age_s:
                path.unlink()
                lines.append(f"Temporäre Cache-Datei eines abgebrochenen Vorgangs entfernt: "
                             f"{path.name}.")
        except OSError:
            continue
    old = []
    for pattern in CACHE_PATTERNS:
        for path in folder.glob(pattern):
            try:
                if path.stat().st_mtime < now - unused_s:
                    size = path.stat().st_size
                    path.unlink()
                    old.append(size)
            except OSError:
                continue
    if old:
        lines.append(f"{len(old)} Cache-Datei(en) entfernt, die seit mehr als "
                     f"{unused_s / 86400:.0f} Tagen nicht gebraucht wurden "
                     f"({f'{sum(old) / 1e6:.1f}'.replace('.', ',')} MB).")
    return lines


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


def cache_dir() -> Path | None:
    """Where display geometry is cached (None: caching switched off)."""
    configured = os.environ.get("BILDUNGSATLAS_CACHE_DIR")
    if configured is None:
        return DEFAULT_CACHE_DIR
    return Path(configured) if configured.strip() else None


def display_data(
    area_ids: Sequence[str],
    geoms: np.ndarray | Callable[[], np.ndarray],
    levels: Sequence[str],
    tolerance: dict[str, float],
    coverage: dict[str, bool],
    version: str,
    use_cache: bool = True,
) -> tuple[dict[str, str], dict[str, tuple[float, float]], dict[str, Bounds]]:
    """Per area: display GeoJSON geometry (text), label point (lon, lat) inside the area and
    bounds (south, west, north, east), from the disk cache when the version matches
    (``use_cache=False``: never read or write the cache, e.g. for an import's check build).
    ``geoms`` (EPSG:25832, one per area) may be a function that reads them: it is called only
    when the cache misses, so a warm start never reads the full-resolution geometry."""
    key = hashlib.blake2b(orjson.dumps([CACHE_FORMAT, version, DISPLAY_DECIMALS,
                                        sorted(tolerance.items()), sorted(coverage.items()),
                                        list(area_ids)]), digest_size=12).hexdigest()
    folder = cache_dir() if use_cache else None
    path = folder / f"display-{key}.json" if folder else None
    if path is not None and path.exists():
        try:
            cached = orjson.loads(path.read_bytes())
            touch_used(path)
            return (cached["display"],
                    {a: tuple(p) for a, p in cached["labels"].items()},
                    {a: tuple(b) for a, b in cached["bounds"].items()})
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            pass  # a damaged cache file is rebuilt below
    if callable(geoms):
        geoms = geoms()
    out = display_geometries(geoms, levels, tolerance, coverage)
    points = np.round(shapely.get_coordinates(shapely.point_on_surface(out)), DISPLAY_DECIMALS)
    display = dict(zip(area_ids, shapely.to_geojson(out).tolist(), strict=True))
    labels = {a: (float(p[0]), float(p[1])) for a, p in zip(area_ids, points, strict=True)}
    bounds = {a: (float(b[1]), float(b[0]), float(b[3]), float(b[2]))
              for a, b in zip(area_ids, shapely.bounds(out), strict=True)}
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False,
                                             suffix=".tmp") as fh:
                fh.write(orjson.dumps({"display": display, "labels": labels,
                                       "bounds": bounds}))
            os.chmod(fh.name, 0o644)  # readable by the other workers' users
            os.replace(fh.name, path)
        except OSError:
            pass  # a read-only cache directory only costs the next start some time
    return display, labels, bounds
