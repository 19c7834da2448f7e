"""Select areas with a drawn shape: every area in view whose inner point (the point where its
name is placed, inside even for a concave area) lies in the rectangle or polygon.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import shape

from geodata.statistics.published import PublishedAtlas


def areas_in_shape(repo: PublishedAtlas, area_ids: Sequence[str],
                   geometry: Any) -> tuple[list[str], str]:
    """The areas (in the given order) whose inner point lies in ``geometry`` (a GeoJSON
    geometry in WGS 84), and a German notice saying how many were selected or what was wrong."""
    try:
        poly = shape(geometry)
        if poly.geom_type not in ("Polygon", "MultiPolygon") or poly.is_empty:
            raise ValueError(poly.geom_type)
        if not poly.is_valid:
            poly = shapely.make_valid(poly)
    except Exception:  # noqa: BLE001 - any malformed shape is one German notice
        return [], "Die gezeichnete Fläche ist keine gültige Fläche; es wurde nichts ausgewählt."
    ids = list(area_ids)
    xy = [repo.label_point(a) for a in ids]
    inside = shapely.contains_xy(poly, [p[0] for p in xy], [p[1] for p in xy])
    found = [a for a, hit in zip(ids, inside, strict=True) if hit]
    if not found:
        return [], "In der gezeichneten Fläche liegt kein Gebiet; es wurde nichts ausgewählt."
    n = len(found)
    return found, f"{n} {'Gebiet' if n == 1 else 'Gebiete'} in der gezeichneten Fläche ausgewählt."
