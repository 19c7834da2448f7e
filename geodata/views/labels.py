"""Area names on the map and in print: which names fit without overlapping.

Pure geometry, shared by the screen and the print map. Every name is a box (width and height
from its text and font size) centred at a point inside its area. The largest areas are
placed first; a name that would overlap one placed before is shifted by one line up or down,
and if that does not help either, it waits for a larger scale.

On a zoomable map the boxes keep their size in pixels while the distances between the
anchor points double with every zoom step. `label_zooms` therefore gives every name the
smallest zoom from which it overlaps no name placed before it (at any zoom where both are
shown); the browser shows a name from that zoom on. The print map has one scale: it draws
the names whose zoom is at most 0 when the anchors are given in print units (`shown_at`).

Units: anchors in "zoom-0 units" (screen: Web-Mercator pixels of a 256-px world; print:
points on the page), box sizes in the units the boxes have at every zoom (screen pixels,
points).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import orjson

from geodata.model.entities import ROOT
from geodata.statistics.published import PublishedAtlas

CHAR_WIDTH = 0.6  # average glyph width of DejaVu Sans (bold) in ems, a little generous
LINE_HEIGHT = 1.25  # box height in ems
GAP = 2.0  # free space between two boxes (box units)
SHIFTS = (0.0, -1.0, 1.0)  # tried in this order, in lines (box height + gap; y grows down)
NEVER = math.inf


@dataclass(frozen=True)
class Label:
    """A name to place: ``x``, ``y`` in zoom-0 units (y down), ``w``, ``h`` in box units;
    ``weight`` orders the placement (largest first, e.g. the area's size)."""

    key: str
    x: float
    y: float
    w: float
    h: float
    weight: float


@dataclass(frozen=True)
class Placement:
    """From ``zoom`` on the name fits, centred ``dy`` box units below its anchor."""

    zoom: float
    dy: float


def text_box(text: str, font_size: float) -> tuple[float, float]:
    """Width and height of a one-line name at ``font_size`` (in the font size's units)."""
    return len(text) * CHAR_WIDTH * font_size, LINE_HEIGHT * font_size


def web_mercator(lon: float, lat: float) -> tuple[float, float]:
    """Zoom-0 pixel coordinates (256-px world, y down) of a WGS84 point, as Leaflet uses."""
    lat = max(-85.05112878, min(85.05112878, lat))
    x = 256.0 * (lon + 180.0) / 360.0
    s = math.sin(math.radians(lat))
    y = 256.0 * (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi))
    return x, y


def _required_scale(dx0: np.ndarray, dy0: np.ndarray, ddy: np.ndarray, half_w: np.ndarray,
                    half_h: np.ndarray) -> np.ndarray:
    """The smallest scale from which two boxes stay apart at every larger scale.

    Centres are ``d0 * s + dd`` apart (anchors scale, offsets do not). Apart in x from
    ``s = W / |dx0|``; in y, ``|dy0 s + ddy| >= H`` holds for every ``s`` from
    ``(H - sign(dy0) ddy) / |dy0|`` on. Apart in either direction is enough.
    """
    width = half_w + GAP
    height = half_h + GAP
    with np.errstate(divide="ignore", invalid="ignore"):
        sx = np.where(dx0 != 0, width / np.abs(dx0), NEVER)
        sy = np.where(dy0 != 0, (height - np.sign(dy0) * ddy) / np.abs(dy0),
                      np.where(np.abs(ddy) >= height, 0.0, NEVER))
    return np.minimum(sx, np.maximum(sy, 0.0))


def label_zooms(labels: Sequence[Label], min_zoom: float = -math.inf,
                max_zoom: float = math.inf) -> dict[str, Placement]:
    """Per name the smallest zoom (``log2`` of the scale) at which it fits, and its shift.

    Greedy, the largest ``weight`` first (ties by key, so the result is reproducible): a
    name must not overlap any name placed before it at any zoom where both are shown.
    Names that fit only above ``max_zoom`` are left out of the result; zooms below
    ``min_zoom`` are raised to it.
    """
    order = sorted(labels, key=lambda lab: (-lab.weight, lab.key))
    n = len(order)
    xs = np.empty(n)
    ys = np.empty(n)
    offs = np.empty(n)
    ws = np.empty(n)
    hs = np.empty(n)
    zs = np.empty(n)
    count = 0
    out: dict[str, Placement] = {}
    for lab in order:
        best: tuple[float, float] | None = None
        for shift in SHIFTS:
            dy = shift * (lab.h + GAP)  # one line up or down: just clear of an equal box
            if count:
                need = _required_scale(
                    lab.x - xs[:count], lab.y - ys[:count], dy - offs[:count],
                    (lab.w + ws[:count]) / 2, (lab.h + hs[:count]) / 2)
                with np.errstate(divide="ignore"):
                    rz = np.log2(need)  # 0 (never in each other's way) -> -inf
                # Only where both names are shown: from the later of the two zooms on.
                conflict = rz > zs[:count]
                zoom = float(np.max(rz[conflict])) if conflict.any() else min_zoom
            else:
                zoom = min_zoom
            zoom = max(zoom, min_zoom)
            if best is None or zoom < best[0] - 1e-9:
                best = (zoom, dy)
            if zoom <= min_zoom:
                break
        assert best is not None
        zoom, dy = best
        if zoom > max_zoom:
            continue
        xs[count], ys[count], offs[count] = lab.x, lab.y, dy
        ws[count], hs[count], zs[count] = lab.w, lab.h, zoom
        count += 1
        out[lab.key] = Placement(zoom, dy)
    return out


def shown_at(labels: Sequence[Label], scale: float = 1.0) -> dict[str, float]:
    """The names that fit at one fixed ``scale`` (print), with their vertical shift: the same
    placement as on screen, at the zoom ``log2(scale)``."""
    zoom = math.log2(scale)
    # min = max: a name that fits in place at this scale stays in place.
    return {k: p.dy for k, p in label_zooms(labels, min_zoom=zoom, max_zoom=zoom).items()}


# --- the screen map's names -------------------------------------------------------------------
SCREEN_FONT_PX = 13.0  # .ba-name span in assets/bildungsatlas.css
PRESENT_FONT_PX = 20.0  # the same in presentation mode
SCREEN_ZOOMS = (5.0, 16.0)  # the map's minZoom and maxZoom (layers/choropleth.py)


def screen_labels(names: Sequence[tuple[str, str, tuple[float, float], float]],
                  font_px: float) -> list[Label]:
    """Labels of (key, name, (lon, lat), weight) for the web map at ``font_px``."""
    out = []
    for key, name, (lon, lat), weight in names:
        x, y = web_mercator(lon, lat)
        w, h = text_box(name, font_px)
        out.append(Label(key, x, y, w, h, weight))
    return out


def screen_placements(names: Sequence[tuple[str, str, tuple[float, float], float]],
                      ) -> dict[str, tuple[Placement | None, Placement | None]]:
    """Per key the placement at the normal and at the presentation font size (None: the
    name never fits up to the map's largest zoom)."""
    lo, hi = SCREEN_ZOOMS
    normal = label_zooms(screen_labels(names, SCREEN_FONT_PX), lo, hi)
    large = label_zooms(screen_labels(names, PRESENT_FONT_PX), lo, hi)
    return {key: (normal.get(key), large.get(key)) for key, *_ in names}


def area_weight(repo: PublishedAtlas, area_id: str) -> float:
    """An area's size for the placement order: its bounding box in degrees² (the largest
    areas' names are placed first)."""
    s, w, n, e = repo.bounds[area_id]
    return (n - s) * (e - w) * math.cos(math.radians((n + s) / 2))


def labels_geojson(repo: PublishedAtlas, parent_id: str, level: str | None = None) -> bytes:
    """The names of a view's areas as GeoJSON points with their placement: ``z``/``dy``
    (normal font) and ``zp``/``dyp`` (presentation font); ``z`` is null for a name that never
    fits. Computed once per view and kept (`PublishedAtlas.memo`)."""
    if parent_id != ROOT:
        repo.area(parent_id)

    def build() -> bytes:
        ids = repo.areas_at_level(parent_id, level) if level else repo.children_of(parent_id)
        names = [(a, repo.areas[a].name, repo.label_point(a), area_weight(repo, a)) for a in ids]
        placed = screen_placements(names)
        feats = []
        for a, name, (lon, lat), _w in names:
            normal, large = placed[a]
            feats.append({
                "type": "Feature",
                "properties": {"name": name,
                               "z": normal.zoom if normal else None,
                               "dy": normal.dy if normal else 0,
                               "zp": large.zoom if large else None,
                               "dyp": large.dy if large else 0},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            })
        return orjson.dumps({"type": "FeatureCollection", "features": feats})

    return repo.memo(f"labels_geojson|{parent_id}|{level or ''}", build)
