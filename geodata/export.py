"""Report-ready exports rendered on the server: maps, area profiles and tables.

Map (`render_map`)
    PNG (300 dpi), SVG or PDF of the current view, from `geodata.mapdata.compute_map`: the same
    classes, colours and special states as the screen. A4 landscape (``a4quer``), A4 portrait
    (``a4hoch``) or a pixel size for slides (``px``). It carries title and subtitle, the legend
    (classes with counts, the three special states with the screen's patterns, method and
    class count, reference, confidentiality rule), a true scale bar (the map is drawn in
    EPSG:25832 metres) with the print scale, a north arrow turned to true north (grid north
    of UTM 32N differs by up to ~2°), the attribution the licences require, "synthetische
    Beispielwerte" where that applies, the date of creation and the house style's footer and
    logo; optionally area names and institution points.

Area profile (`render_profile_pdf`)
    One A4 page: locator map, the indicator table with the parent and overall values, ranks
    among the areas of the same map and a trend line per indicator, the institutions and the
    sources. Built on `geodata.profile.profile_rows`, so suppressed values are symbols here too.

Tables (`view_table`, `table_csv`, `table_xlsx`)
    The current view's table. CSV for German Excel: ``;``, decimal comma, UTF-8 with BOM, no
    thousands separator. XLSX: the table as numbers plus a sheet "Metadaten" (indicator
    definitions, sources, year, classification, suppression rule).

A suppressed value (and its numerator) is never written as a number: every export writes the
state's symbol (``·`` gesperrt, ``–`` keine Daten, ``n. b.`` nicht bewertet).

Geometry: the display geometry of the web map (coverage-simplified in EPSG:25832, so
neighbours share borders as on screen), projected back from the repository's EPSG:4326 GeoJSON
to EPSG:25832 once per repository and kept as matplotlib paths (`Repository.memo`).

Drawing uses `matplotlib.figure.Figure` with explicit fonts and never pyplot or rcParams, so
exports may run in parallel threads.

House style: the ``[hausstil]`` section of ``geodata/atlas.toml`` (font, title colour, logo,
footer text), read by `house_style`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import textwrap
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyproj
import shapely
from matplotlib import font_manager
from matplotlib import patheffects as pe
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.path import Path as MplPath

from geodata.classify import class_labels
from geodata.institutions import type_of, types_in
from geodata.mapdata import (
    MapData,
    compute_map,
    legend_labels,
    legend_notes,
    unit_in,
    view_label,
    year_states,
)
from geodata.numfmt import format_number
from geodata.profile import need_sign, peers_of, profile_rows, ranks, reference_state
from geodata.repository import DEFAULT_CONFIG, ROOT, Repository
from geodata.state import ViewState, to_query
from geodata.suppression import LABEL, SYMBOL

FORMATS = ("png", "svg", "pdf")
# A4 (297 × 210 mm) is 3508 × 2480 px at 300 dpi (rounded to whole pixels); matplotlib
# truncates the figure's pixel size, so the inches are a quarter pixel more.
A4_IN = ((round(297 / 25.4 * 300) + 0.25) / 300, (round(210 / 25.4 * 300) + 0.25) / 300)
PAPERS = {"a4quer": A4_IN, "a4hoch": A4_IN[::-1]}  # inches
PRINT_DPI = 300
MIN_PX, MAX_PX = 320, 10000
SYNTHETIC_NOTE = "synthetische Beispielwerte – keine amtlichen Daten"
# Geometry and key sources named on every map (as on screen: layers.choropleth.MAP_SOURCES).
MAP_SOURCES = ("bkg_vg250", "destatis_gvisys", "frankfurt_stadtteile", "karlsruhe_stadtteile")
SCHOOLS_SOURCE = "jedeschule"
SYNTHETIC_SOURCE = "synthetic"
# The screen's patterns for the special states (assets/bildungsatlas.js): face, hatch, colour.
STATE_STYLE = {
    "keine_daten": ("#f2f2f2", "////", "#9a9a9a"),
    "gesperrt": ("#ffffff", "...", "#444444"),
    "nicht_bewertet": ("#ececec", "---", "#a0a0a0"),
}
STATE_LEGEND = {"keine_daten": "keine Daten", "gesperrt": "gesperrt ·",
                "nicht_bewertet": "nicht bewertet"}
TEXT = "#1a1a1a"
MUTED = "#555555"
SYNTH_COLOR = "#c2410c"
FALLBACK_FONT = "DejaVu Sans"
_TO_METRIC = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
_TO_WGS84 = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)


# --- house style -----------------------------------------------------------------------------
@dataclass(frozen=True)
class HouseStyle:
    """Look of every export (``[hausstil]`` in ``atlas.toml``)."""

    schrift: str = FALLBACK_FONT  # font family actually used (installed)
    farbe_titel: str = "#1f4e79"
    logo: Path | None = None
    fusszeile: str = ""


def _installed(family: str) -> bool:
    return any(f.name == family for f in font_manager.fontManager.ttflist)


@lru_cache(maxsize=8)
def _house_style(path: str, mtime: float) -> HouseStyle:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("hausstil", {})
    font = str(raw.get("schrift", FALLBACK_FONT))
    color = str(raw.get("farbe_titel", HouseStyle.farbe_titel))
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        color = HouseStyle.farbe_titel
    logo = str(raw.get("logo", "")).strip()
    logo_path = None
    if logo:
        logo_path = Path(logo) if Path(logo).is_absolute() else Path(path).parent / logo
        if not logo_path.is_file():
            logo_path = None
    return HouseStyle(font if _installed(font) else FALLBACK_FONT, color, logo_path,
                      str(raw.get("fusszeile", "")))


def house_style(config: Path = DEFAULT_CONFIG) -> HouseStyle:
    """The house style from the configuration; an uninstalled font falls back to DejaVu Sans,
    a missing logo file is left out."""
    return _house_style(str(config), config.stat().st_mtime)


# --- geometry --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Shapes:
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


def _build_shapes(repo: Repository) -> _Shapes:
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
            _TO_METRIC.transform(xy[:, 0], xy[:, 1])))
        geoms = shapely.orient_polygons(geoms)
        for aid, geom, bnd in zip(ids, geoms, shapely.bounds(geoms), strict=True):
            paths[aid] = _ring_path(geom)
            bounds[aid] = tuple(float(b) for b in bnd)  # type: ignore[assignment]
    return _Shapes(paths, bounds, by_level)


def _shapes(repo: Repository) -> _Shapes:
    return repo.memo("export_shapes_25832", lambda: _build_shapes(repo))


def _extent(shapes: _Shapes, ids: Sequence[str]) -> tuple[float, float, float, float]:
    b = np.array([shapes.bounds[a] for a in ids if a in shapes.bounds])
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _metric_point(lon: float, lat: float) -> tuple[float, float]:
    x, y = _TO_METRIC.transform(lon, lat)
    return float(x), float(y)


# --- names and texts -------------------------------------------------------------------------
def _slug(text: str) -> str:
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def export_filename(repo: Repository, state: ViewState, ext: str) -> str:
    """ASCII file name of a view's export, e.g.
    ``bildungsatlas_sgb2_quote_u15_2023_frankfurt_am_main.png``; a change map has both years
    (``2019_2023``), the overview ``uebersicht`` or the level shown (``gemeinden``)."""
    years = (f"{state.karte.vergleich}_{state.jahr}" if state.karte.vergleich is not None
             else str(state.jahr))
    if state.gebiet != ROOT:
        where = repo.area(state.gebiet).name
        if state.ebene:
            where += " " + repo.level(state.ebene).plural
    else:
        where = repo.level(state.ebene).plural if state.ebene else "uebersicht"
    parts = ["bildungsatlas", _slug(state.indikator), years, _slug(where)]
    return "_".join(p for p in parts if p) + "." + _slug(ext.lstrip("."))


def profile_filename(repo: Repository, area_id: str, year: int | None = None) -> str:
    """ASCII file name of an area profile, e.g. ``bildungsatlas_steckbrief_bockenheim_2023.pdf``."""
    parts = ["bildungsatlas", "steckbrief", _slug(repo.display_name(area_id))]
    if year is not None:
        parts.append(str(year))
    return "_".join(p for p in parts if p) + ".pdf"


def _german_date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _source_text(repo: Repository, key: str) -> str | None:
    src = repo.sources.get(key)
    if src is None:
        return None
    lic = src.licence.strip()
    if lic and lic not in src.text:
        return f"{src.text} ({lic})"
    return src.text


def attribution_lines(repo: Repository, ind_ids: Sequence[str], institutions: bool) -> list[str]:
    """Data source(s), geometry attribution (licence texts) and, with institutions, theirs."""
    inds = [repo.indicator(i) for i in dict.fromkeys(ind_ids)]
    lines = []
    real = list(dict.fromkeys(i.source for i in inds if not i.synthetic))
    if real:
        lines.append("Daten: " + "; ".join(real))
    if any(i.synthetic for i in inds):
        synth = _source_text(repo, SYNTHETIC_SOURCE) or SYNTHETIC_NOTE
        lines.append(f"Werte: {synth}")
    geo = [t for t in (_source_text(repo, k) for k in MAP_SOURCES) if t]
    if geo:
        lines.append("Geometrie und Gebietsschlüssel: " + " | ".join(geo))
    if institutions and (school := _source_text(repo, SCHOOLS_SOURCE)):
        lines.append(f"Einrichtungen: {school}")
    return lines


# --- drawing helpers -------------------------------------------------------------------------
@dataclass
class _Page:
    """A figure with a top-left origin in inches and the house style's font."""

    fig: Figure
    w: float
    h: float
    style: HouseStyle
    scale: float = 1.0  # text size factor (small pixel exports)
    artists: list[Any] = field(default_factory=list)

    def fx(self, x: float) -> float:
        return x / self.w

    def fy(self, y: float) -> float:
        return 1 - y / self.h

    def text(self, x: float, y: float, s: str, size: float, *, weight: str = "normal",
             color: str = TEXT, ha: str = "left", va: str = "top", style: str = "normal",
             **kw: Any) -> Any:
        # parse_math=False: a "$" in a name is text, never matplotlib math.
        return self.fig.text(self.fx(x), self.fy(y), s, fontsize=size * self.scale,
                             fontfamily=self.style.schrift, fontweight=weight, color=color,
                             ha=ha, va=va, fontstyle=style, parse_math=False, **kw)

    def rect(self, x: float, y: float, w: float, h: float, **kw: Any) -> Rectangle:
        r = Rectangle((self.fx(x), self.fy(y + h)), w / self.w, h / self.h,
                      transform=self.fig.transFigure, **kw)
        self.fig.add_artist(r)
        return r

    def hline(self, x0: float, x1: float, y: float, color: str = "#bbbbbb",
              lw: float = 0.6) -> None:
        self.fig.add_artist(Line2D([self.fx(x0), self.fx(x1)], [self.fy(y), self.fy(y)],
                                   transform=self.fig.transFigure, color=color, lw=lw))

    def line_h(self, size: float) -> float:
        """Line height in inches of text of ``size`` points."""
        return size * self.scale * 1.3 / 72


def _wrap(text: str, width_in: float, size: float, scale: float = 1.0) -> list[str]:
    """Wrap text to a width, estimating the average glyph width as 0.5 em."""
    chars = max(10, int(width_in * 72 / (size * scale * 0.47)))
    return textwrap.wrap(text, chars, break_on_hyphens=False) or [""]


def _logo(page: _Page, right: float, top: float, height: float) -> float:
    """Place the house logo with its top-right corner at (right, top); returns its width."""
    if page.style.logo is None:
        return 0.0
    from matplotlib.image import imread

    try:
        img = imread(str(page.style.logo))
    except (OSError, ValueError, SyntaxError):
        return 0.0
    ih, iw = img.shape[:2]
    width = height * iw / ih
    ax = page.fig.add_axes((page.fx(right - width), page.fy(top + height),
                            width / page.w, height / page.h))
    ax.imshow(img, interpolation="antialiased")
    ax.set_axis_off()
    return width


def _nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 × 10^n metres not above ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    for f in (5, 2, 1):
        if f * exp <= max_m:
            return f * exp
    return exp


def _km(metres: float) -> str:
    return format_number(metres / 1000, 0 if metres >= 1000 else 1) if metres >= 100 else (
        format_number(metres, 0))


class _MapFrame:
    """A map axes at an exact metric scale: limits fill the box at equal x/y scale."""

    def __init__(self, page: _Page, x: float, y: float, w: float, h: float,
                 extent: tuple[float, float, float, float], pad: float = 0.04) -> None:
        self.page, self.w_in, self.h_in = page, w, h
        minx, miny, maxx, maxy = extent
        dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        minx, maxx = minx - pad * dx, maxx + pad * dx
        miny, maxy = miny - pad * dy, maxy + pad * dy
        dx, dy = maxx - minx, maxy - miny
        if dy / dx > h / w:  # taller than the box: widen
            grow = dy * w / h - dx
            minx, maxx = minx - grow / 2, maxx + grow / 2
        else:
            grow = dx * h / w - dy
            miny, maxy = miny - grow / 2, maxy + grow / 2
        self.xlim, self.ylim = (minx, maxx), (miny, maxy)
        self.m_per_in = (maxx - minx) / w
        ax = page.fig.add_axes((page.fx(x), page.fy(y + h), w / page.w, h / page.h))
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_axis_off()
        self.ax = ax

    def frame(self, color: str = "#9a9a9a") -> None:
        self.ax.add_patch(Rectangle((0, 0), 1, 1, transform=self.ax.transAxes, fill=False,
                                    lw=0.6, edgecolor=color, clip_on=False, zorder=10))

    def areas(self, paths: Sequence[MplPath], face: Sequence[str] | str, edge: str = "#ffffff",
              lw: float = 0.4, hatch: str | None = None, hatch_color: str | None = None,
              zorder: float = 2) -> None:
        if not paths:
            return
        coll = PathCollection(list(paths), facecolors=face, edgecolors=edge, linewidths=lw,
                              hatch=hatch, zorder=zorder)
        if hatch and hatch_color:
            coll.set_hatchcolor(hatch_color)
            coll.set_hatch_linewidth(0.6)
        self.ax.add_collection(coll)

    def outlines(self, paths: Sequence[MplPath], color: str, lw: float, zorder: float = 4) -> None:
        if paths:
            self.ax.add_collection(PathCollection(list(paths), facecolors="none",
                                                  edgecolors=color, linewidths=lw,
                                                  zorder=zorder))

    def _axes_xy(self, x_in: float, y_in: float) -> tuple[float, float]:
        """Axes fraction of a point given in inches from the axes' bottom-left corner."""
        return x_in / self.w_in, y_in / self.h_in

    def scale_bar(self, print_scale: bool) -> None:
        """Alternating black/white bar in the lower left, with km labels (and the print scale)."""
        page = self.page
        length = _nice_length(self.m_per_in * min(1.8, self.w_in * 0.28))
        bar_in = length / self.m_per_in
        x0, y0, bh = 0.22, 0.3, 0.055
        segs = 4 if str(int(length))[0] in "12" else 5
        box_h = 0.62 if print_scale else 0.45
        self.ax.add_patch(Rectangle(self._axes_xy(x0 - 0.12, y0 - 0.18), (bar_in + 0.55) / self.w_in,
                                    box_h / self.h_in, transform=self.ax.transAxes,
                                    facecolor="white", edgecolor="none", alpha=0.85, zorder=11))
        for i in range(segs):
            self.ax.add_patch(Rectangle(self._axes_xy(x0 + i * bar_in / segs, y0),
                                        bar_in / segs / self.w_in, bh / self.h_in,
                                        transform=self.ax.transAxes, lw=0.5, edgecolor=TEXT,
                                        facecolor=TEXT if i % 2 == 0 else "white", zorder=12))
        unit = "km" if length >= 1000 else "m"
        for pos, val in ((0, 0.0), (bar_in / 2, length / 2), (bar_in, length)):
            label = _km(val) if unit == "km" else format_number(val, 0)
            self.ax.text(*self._axes_xy(x0 + pos, y0 + bh + 0.04), label, transform=self.ax.transAxes,
                         ha="center", va="bottom", fontsize=6.5 * page.scale, color=TEXT,
                         fontfamily=page.style.schrift, zorder=12)
        self.ax.text(*self._axes_xy(x0 + bar_in + 0.08, y0 + bh / 2), unit,
                     transform=self.ax.transAxes, ha="left", va="center",
                     fontsize=6.5 * page.scale, color=TEXT, fontfamily=page.style.schrift,
                     zorder=12)
        if print_scale:
            ratio = self.m_per_in / 0.0254
            digits = max(0, int(math.floor(math.log10(ratio))) - 1)
            ratio = round(ratio / 10 ** digits) * 10 ** digits
            self.ax.text(*self._axes_xy(x0, y0 - 0.06), f"Maßstab ca. 1:{format_number(ratio)}",
                         transform=self.ax.transAxes, ha="left", va="top",
                         fontsize=6 * page.scale, color=MUTED, fontfamily=page.style.schrift,
                         zorder=12)

    def north_arrow(self) -> None:
        """A north arrow in the upper right, turned to true north at the map centre."""
        cx, cy = sum(self.xlim) / 2, sum(self.ylim) / 2
        lon, lat = _TO_WGS84.transform(cx, cy)
        nx, ny = _TO_METRIC.transform(lon, lat + 0.05)
        angle = math.atan2(nx - cx, ny - cy)  # clockwise from grid north
        ux, uy = math.sin(angle), math.cos(angle)  # towards north
        px_, py_ = uy, -ux  # to the right of north
        size = 0.42 * self.page.scale
        bx, by = self.w_in - 0.4 * self.page.scale, self.h_in - 0.3 * self.page.scale - size
        tip = (bx + ux * size, by + uy * size)
        tail = (bx - ux * size * 0.05, by - uy * size * 0.05)
        left = (bx - px_ * size * 0.28 - ux * size * 0.18, by - py_ * size * 0.28 - uy * size * 0.18)
        right = (bx + px_ * size * 0.28 - ux * size * 0.18, by + py_ * size * 0.28 - uy * size * 0.18)
        for pts, face in (((tip, tail, left), TEXT), ((tip, tail, right), "white")):
            self.ax.add_patch(Polygon([self._axes_xy(*p) for p in pts], closed=True,
                                      transform=self.ax.transAxes, facecolor=face,
                                      edgecolor=TEXT, lw=0.6, zorder=12, clip_on=False))
        self.ax.text(*self._axes_xy(tip[0] + ux * 0.04, tip[1] + uy * 0.04), "N",
                     transform=self.ax.transAxes, ha="center", va="bottom",
                     fontsize=9 * self.page.scale, fontweight="bold", color=TEXT,
                     fontfamily=self.page.style.schrift, zorder=12,
                     rotation=-math.degrees(angle))


def _swatch(page: _Page, x: float, y: float, w: float, h: float, color: str,
            state: str | None = None) -> None:
    if state is None:
        page.rect(x, y, w, h, facecolor=color, edgecolor="#8a8a8a", lw=0.4)
        return
    face, hatch, hcolor = STATE_STYLE[state]
    r = page.rect(x, y, w, h, facecolor=face, edgecolor="#8a8a8a", lw=0.4, hatch=hatch)
    r.set_hatchcolor(hcolor)
    r.set_hatch_linewidth(0.6)


# --- map export ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Layout:
    w: float
    h: float
    dpi: float
    scale: float
    portrait: bool
    print_scale: bool


def _layout(fmt: str, paper: str, width_px: int | None, height_px: int | None) -> _Layout:
    if fmt not in FORMATS:
        raise ValueError(f"Das Format „{fmt}“ gibt es nicht; möglich: {', '.join(FORMATS)}.")
    if paper in PAPERS:
        w, h = PAPERS[paper]
        return _Layout(w, h, PRINT_DPI, 1.0, paper == "a4hoch", True)
    if paper != "px":
        raise ValueError(f"Das Papierformat „{paper}“ gibt es nicht; möglich: "
                         f"{', '.join([*PAPERS, 'px'])}.")
    if width_px is None or height_px is None:
        raise ValueError("Für „px“ fehlen Breite und Höhe in Pixeln.")
    if not (MIN_PX <= width_px <= MAX_PX and MIN_PX <= height_px <= MAX_PX):
        raise ValueError(f"Breite und Höhe müssen zwischen {MIN_PX} und {MAX_PX} Pixeln liegen.")
    portrait = height_px > width_px
    long_in = PAPERS["a4quer"][0]
    dpi = max(width_px, height_px) / long_in
    w, h = width_px / dpi, height_px / dpi
    # A squat slide (16:9) has less height than A4 landscape: keep text a little smaller.
    scale = min(1.0, 1.1 * (min(w, h) / PAPERS["a4quer"][1]) ** 0.5)
    return _Layout(w, h, dpi, scale, portrait, False)


def _legend_parts(page: _Page, md: MapData, inst_rows: int, width: float,
                  ) -> tuple[float, float]:
    """Heights in inches of the legend's two blocks (see `_draw_legend`): heading and classes;
    special states, institutions and notes."""
    lh = page.line_h
    row = lh(8.5) * 1.25
    head = len(_wrap(_legend_heading(md), width, 9.5, page.scale)) * lh(9.5) + lh(8) * 1.15
    synth = lh(7.5) * 1.6 if md.indicator.synthetic else 0
    first = head + synth + lh(6.5) + md.classification.k * row
    notes = sum(len(_wrap(n, width, 7, page.scale)) for n in legend_notes(md))
    second = (len(STATE_STYLE) + inst_rows) * row + row * 0.5 + 0.15 * page.scale + notes * lh(7)
    return first, second


def _legend_heading(md: MapData) -> str:
    unit = unit_in(md.unit)
    return f"{md.indicator.name}{' ' + unit if unit else ''}"


def _draw_legend(page: _Page, x: float, y: float, width: float, md: MapData,
                 inst: Sequence[tuple[str, str, int]],
                 second: tuple[float, float] | None = None) -> None:
    """Legend with its top-left corner at (x, y): heading, classes with counts, the special
    states with their patterns, institution types, notes. With ``second`` (x, y) the states
    and notes start a second column there."""
    lh = page.line_h
    for line in _wrap(_legend_heading(md), width, 9.5, page.scale):
        page.text(x, y, line, 9.5, weight="bold")
        y += lh(9.5)
    year = (f"Veränderung {md.title.rsplit(' ', 1)[-1]}" if "Veränderung" in md.title
            else md.title.rsplit(" ", 1)[-1])
    page.text(x, y, year, 8, color=MUTED)
    y += lh(8) * 1.15
    if md.indicator.synthetic:
        page.text(x + 0.03, y + 0.03, SYNTHETIC_NOTE, 7, weight="bold", color="white",
                  bbox={"boxstyle": "round,pad=0.25", "facecolor": SYNTH_COLOR,
                        "edgecolor": "none"})
        y += lh(7.5) * 1.6
    page.text(x + width, y, "Anzahl Gebiete", 6.5, ha="right", color=MUTED)
    y += lh(6.5)
    row = lh(8.5) * 1.25
    sw, sh = 0.34 * page.scale, row * 0.72

    def entry(label: str, n: int) -> None:
        page.text(x + sw + 0.1 * page.scale, y + sh / 2, label, 8.5, va="center")
        page.text(x + width, y + sh / 2, format_number(n), 8, va="center", ha="right",
                  color=MUTED)

    cls = md.classification
    for label, n, color in zip(legend_labels(md), cls.counts, md.colors, strict=True):
        _swatch(page, x, y, sw, sh, color)
        entry(label, n)
        y += row
    if second is not None:
        x, y = second
    else:
        y += row * 0.25
    for state in STATE_STYLE:
        _swatch(page, x, y, sw, sh, "", state)
        entry(STATE_LEGEND[state], md.states.count(state))
        y += row
    if inst:
        y += row * 0.25
        for name, color, n in inst:
            page.fig.add_artist(Line2D([page.fx(x + sw / 2)], [page.fy(y + sh / 2)], marker="o",
                                       ms=5 * page.scale, mfc=color, mec="white", mew=0.6,
                                       ls="none", transform=page.fig.transFigure))
            entry(f"{name} (Standorte)", n)
            y += row
    y += 0.15 * page.scale
    for note in legend_notes(md):
        for line in _wrap(note, width, 7, page.scale):
            page.text(x, y, line, 7, color=MUTED)
            y += lh(7)


def _footer(page: _Page, repo: Repository, lines: Sequence[str], x0: float, x1: float,
            bottom: float, created: dt.date, synthetic: bool) -> float:
    """Attribution lines and the creation line at the bottom; returns the footer's top y."""
    lh = page.line_h(6.5)
    wrapped = [w for line in lines for w in _wrap(line, x1 - x0, 6.5, page.scale)]
    made = f"Erstellt am {_german_date(created)} · {repo.settings.title}"
    if page.style.fusszeile:
        made += f" · {page.style.fusszeile}"
    top = bottom - (len(wrapped) + 1) * lh - 0.12 * page.scale
    page.hline(x0, x1, top, color="#9a9a9a", lw=0.5)
    y = top + 0.07 * page.scale
    for line in wrapped:
        page.text(x0, y, line, 6.5, color=MUTED)
        y += lh
    page.text(x0, y, made, 6.5, color=TEXT)
    if synthetic:
        page.text(x1, y, SYNTHETIC_NOTE, 6.5, color=SYNTH_COLOR, weight="bold", ha="right")
    return top


def _institution_points(repo: Repository, state: ViewState, ids: Sequence[str],
                        ) -> list[tuple[str, str, np.ndarray]]:
    """(plural name, colour, EPSG:25832 points) per institution type in the view."""
    shown = set(ids)
    under = state.gebiet
    pts: dict[str, list[tuple[float, float]]] = {}
    for inst in repo.institutions_in(under):
        if inst.lon is None or inst.lat is None:
            continue
        if state.arten and inst.type not in state.arten:
            continue
        if repo.shown_ancestor(inst.area_id, shown) is None:
            continue
        pts.setdefault(inst.type, []).append((inst.lon, inst.lat))
    out = []
    for typ, lonlat in pts.items():
        arr = np.array(lonlat)
        x, y = _TO_METRIC.transform(arr[:, 0], arr[:, 1])
        t = type_of(typ)
        out.append((t.plural, t.color, np.column_stack([x, y])))
    return out


def _parents_above(repo: Repository, ids: Sequence[str]) -> list[str]:
    """The distinct parents of the shown areas (their outlines structure the map)."""
    return list(dict.fromkeys(p for p in (repo.areas[a].parent_id for a in ids) if p != ROOT))


def _draw_map(page: _Page, frame: _MapFrame, repo: Repository, state: ViewState, md: MapData,
              labels: bool, inst_pts: Sequence[tuple[str, str, np.ndarray]]) -> None:
    shapes = _shapes(repo)
    ids = [a for a in md.area_ids if a in shapes.paths]
    many = len(ids) > 150
    edge_lw = 0.12 if many else 0.5
    # Context: neighbouring areas of the level of the view's parent, light grey.
    if state.gebiet != ROOT:
        lvl = repo.area(state.gebiet).level
        x0, x1 = frame.xlim
        y0, y1 = frame.ylim
        ctx = [a for a in shapes.by_level.get(lvl, ()) if a != state.gebiet
               and (b := shapes.bounds[a])[0] < x1 and b[2] > x0 and b[1] < y1 and b[3] > y0]
        frame.areas([shapes.paths[a] for a in ctx], "#eeeeee", edge="#ffffff", lw=0.8,
                    zorder=1)
        frame.ax.set_facecolor("white")
    pos = {a: i for i, a in enumerate(md.area_ids)}
    ok = [a for a in ids if md.states[pos[a]] == "ok" and md.classification.classes[pos[a]]
          is not None]
    frame.areas([shapes.paths[a] for a in ok],
                [md.colors[md.classification.classes[pos[a]]] for a in ok],  # type: ignore[index]
                lw=edge_lw)
    for state_id, (face, hatch, hcolor) in STATE_STYLE.items():
        sel = [a for a in ids if a not in ok and (md.states[pos[a]] == state_id or (
            state_id == "keine_daten" and md.states[pos[a]] == "ok"))]
        frame.areas([shapes.paths[a] for a in sel], face, lw=edge_lw, hatch=hatch,
                    hatch_color=hcolor, zorder=2.5)
    parents = [p for p in _parents_above(repo, ids) if p in shapes.paths]
    frame.outlines([shapes.paths[p] for p in parents], "#3a3a3a", 0.7 if many else 1.0)
    border = [shapes.paths[a] for a in md.borderline if a in shapes.paths]
    if border:  # a need index's borderline areas, dashed as on screen
        frame.ax.add_collection(PathCollection(border, facecolors="none", edgecolors="#111111",
                                               linewidths=1.4, linestyles=(0, (4, 3)),
                                               zorder=4.5))
    for _name, color, xy in inst_pts:
        size = 5 if len(xy) > 400 else 12
        frame.ax.scatter(xy[:, 0], xy[:, 1], s=size * page.scale ** 2, c=color,
                         edgecolors="white", linewidths=0.5 if len(xy) <= 400 else 0.3,
                         zorder=6)
    if labels:
        size = 7 if len(ids) <= 30 else 5.5 if len(ids) <= 90 else 3.2
        halo = [pe.withStroke(linewidth=1.8 if size > 4 else 1.0, foreground="white")]
        for a in ids:
            x, y = _metric_point(*repo.label_point(a))
            name = repo.areas[a].name
            if md.states[pos[a]] == "gesperrt":
                name += " ·"
            frame.ax.text(x, y, name, fontsize=size * page.scale, ha="center", va="center",
                          parse_math=False,
                          fontfamily=page.style.schrift, color=TEXT, zorder=7,
                          path_effects=halo, clip_on=True)


def render_map(repo: Repository, state: ViewState, fmt: str, paper: str,
               width_px: int | None = None, height_px: int | None = None,
               labels: bool = False, institutions: bool = False, *,
               style: HouseStyle | None = None, created: dt.date | None = None) -> bytes:
    """The view as a print-ready map (see module docstring).

    Parameters
    ----------
    fmt
        ``png`` (300 dpi on A4), ``svg`` or ``pdf``.
    paper
        ``a4quer``, ``a4hoch`` or ``px`` (then ``width_px`` × ``height_px`` pixels for PNG;
        vector formats get the same proportions).
    labels, institutions
        Area names; institution points of the view (of ``state.arten`` if set).
    style, created
        House style (default: ``house_style()``) and date of creation (default: today).

    Raises
    ------
    ValueError
        German message for an unknown format or paper, or a bad pixel size.
    """
    lay = _layout(fmt, paper, width_px, height_px)
    style = style or house_style()
    created = created or dt.date.today()
    md = compute_map(repo, state)
    shapes = _shapes(repo)
    ids = [a for a in md.area_ids if a in shapes.paths]
    if not ids:
        raise ValueError("Diese Ansicht zeigt keine Gebiete; es gibt nichts zu exportieren.")
    fig = Figure(figsize=(lay.w, lay.h), dpi=lay.dpi, facecolor="white")
    page = _Page(fig, lay.w, lay.h, style, lay.scale)
    s = lay.scale
    m = 0.45 * s  # margin
    # Header: title, subtitle, logo.
    logo_w = _logo(page, lay.w - m, m - 0.05 * s, 0.55 * s)
    title_w = lay.w - 2 * m - (logo_w + 0.2 if logo_w else 0)
    y = m
    for line in _wrap(md.title, title_w, 17, s)[:2]:
        page.text(m, y, line, 17, weight="bold", color=style.farbe_titel)
        y += page.line_h(17)
    label = view_label(repo, state, len(md.area_ids))
    unit = unit_in(md.unit)
    sub = label + (f" · Werte {unit}" if unit else "")
    page.text(m, y + 0.02, sub, 10.5, color=MUTED)
    y += page.line_h(10.5) + 0.18 * s
    page.hline(m, lay.w - m, y - 0.08 * s, color=style.farbe_titel, lw=1.2)
    map_top = y + 0.06 * s
    # Footer.
    inst_pts = _institution_points(repo, state, ids) if institutions else []
    lines = attribution_lines(repo, list(md.sources), bool(inst_pts))
    foot_top = _footer(page, repo, lines, m, lay.w - m, lay.h - m, created,
                       md.indicator.synthetic)
    inst_rows = [(name, color, len(xy)) for name, color, xy in inst_pts]
    map_bottom = foot_top - 0.15 * s
    extent = _extent(shapes, ids)
    if lay.portrait:
        col_gap = 0.5 * s
        leg_w = (lay.w - 2 * m - col_gap) / 2
        first, second = _legend_parts(page, md, len(inst_rows), leg_w)
        leg_h = max(first, second)
        map_h = map_bottom - map_top - leg_h - 0.3 * s
        frame = _MapFrame(page, m, map_top, lay.w - 2 * m, map_h, extent)
        leg_y = map_top + map_h + 0.3 * s
        _draw_legend(page, m, leg_y, leg_w, md, inst_rows,
                     second=(m + leg_w + col_gap, leg_y + page.line_h(9.5)))
    else:
        leg_w = min(2.9 * s, (lay.w - 2 * m) * 0.3)
        map_w = lay.w - 2 * m - leg_w - 0.3 * s
        frame = _MapFrame(page, m, map_top, map_w, map_bottom - map_top, extent)
        _draw_legend(page, m + map_w + 0.3 * s, map_top + 0.05 * s, leg_w, md, inst_rows)
    _draw_map(page, frame, repo, state, md, labels, inst_pts)
    frame.frame()
    frame.scale_bar(lay.print_scale)
    frame.north_arrow()
    return _save(fig, fmt, lay.dpi, md.title, label, created)


def _save(fig: Figure, fmt: str, dpi: float, title: str, subject: str,
          created: dt.date) -> bytes:
    buf = io.BytesIO()
    meta: dict[str, Any]
    if fmt == "pdf":
        meta = {"Title": title, "Subject": subject, "Creator": "Bildungsatlas",
                "CreationDate": dt.datetime.combine(created, dt.time(), dt.UTC)}
    elif fmt == "svg":
        meta = {"Title": title, "Description": subject, "Creator": "Bildungsatlas",
                "Date": created.isoformat()}
    else:
        meta = {"Title": title, "Description": subject, "Software": "Bildungsatlas"}
    fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", metadata=meta)
    return buf.getvalue()


# --- tables ----------------------------------------------------------------------------------
def _number(value: float, decimals: int) -> float | int:
    return int(round(value)) if decimals == 0 else round(value, decimals)


def _cell(value: float | None, state: str, decimals: int) -> float | int | str:
    """A published number, or the symbol of the state (never a suppressed number)."""
    if state != "ok" or value is None:
        return SYMBOL.get(state, SYMBOL["keine_daten"])
    return _number(value, decimals)


def view_table(repo: Repository, state: ViewState) -> tuple[list[str], list[list[Any]], dict]:
    """The current view's table: one row per area on the map (map order), then the parent
    (or the whole atlas).

    Columns: key, name, level, the value (a change map: both years and the change), for
    rates numerator and denominator, rank (1 = most need, among the published values), class
    and its bounds, and a note naming a special state. Special states are written as their
    symbol in every number column of the row.

    Returns ``(columns, rows, meta)``; ``meta`` holds title, view, year, classification,
    reference, suppression rule, indicator definitions, sources and the view's URL query.
    """
    md = compute_map(repo, state)
    ind = md.indicator
    dec = ind.decimals
    ids = list(md.area_ids)
    change = state.karte.vergleich is not None
    rate = ind.kind != "count" and ind.numerator in repo.indicators and (
        ind.denominator in repo.indicators)
    unit = f" ({ind.unit})" if ind.unit else ""
    cols = ["Schlüssel", "Gebiet", "Ebene"]
    if change:
        cols += [f"{ind.name} {state.karte.vergleich}{unit}", f"{ind.name} {state.jahr}{unit}",
                 f"Veränderung {state.karte.vergleich}–{state.jahr} ({md.unit})"]
    else:
        cols.append(f"{ind.name} {state.jahr}{unit}")
        if rate:
            cols += [f"Zähler: {repo.indicator(ind.numerator).name}",
                     f"Nenner: {repo.indicator(ind.denominator).name}"]
    cols += ["Rang (1 = größter Bedarf)", "Klasse", "Klassengrenzen", "Hinweis"]

    rule = md.rule
    labels = list(md.class_names) or class_labels(md.classification, dec)
    ranked = ranks(list(md.values), need_sign(ind))
    if change:
        old_st, old_raw = year_states(repo, ids, ind, state.karte.vergleich, state.gebiet, rule)
        new_st, new_raw = year_states(repo, ids, ind, state.jahr, state.gebiet, rule)
    rows: list[list[Any]] = []
    for i, aid in enumerate(ids):
        area = repo.areas[aid]
        st = md.states[i]
        row: list[Any] = [aid, area.name, repo.level(area.level).name]
        if change:
            row += [_cell(old_raw[i], old_st[i], dec), _cell(new_raw[i], new_st[i], dec),
                    _cell(md.values[i], st, dec)]
        else:
            row.append(_cell(md.values[i], st, dec))
            if rate:
                val = repo.value(aid, ind.id, state.jahr)
                row += [_cell(None if val is None else val.numerator, st, 0),
                        _cell(None if val is None else val.denominator, st, 0)]
        c = md.classification.classes[i]
        row += [ranked[i] if ranked[i] is not None else "",
                c + 1 if c is not None and st == "ok" else "",
                labels[c] if c is not None and st == "ok" else "",
                "" if st == "ok" else LABEL.get(st, st)]
        rows.append(row)
    # The parent (or the whole atlas) for reference, judged on its own (primary rule).
    ref = state.gebiet
    ref_name = repo.display_name(ref) + " (insgesamt)"
    ref_level = repo.level(repo.area(ref).level).name if ref != ROOT else "Gesamt"
    row = [ref if ref != ROOT else "", ref_name, ref_level]

    def ref_cell(year: int, with_parts: bool) -> list[Any]:
        val = repo.value(ref, ind.id, year)
        rst = reference_state(repo, ref, ind, year)
        out = [_cell(None if val is None else val.value, rst, dec)]
        if with_parts:
            out += [_cell(None if val is None else val.numerator, rst, 0),
                    _cell(None if val is None else val.denominator, rst, 0)]
        return out

    if change:
        old = ref_cell(state.karte.vergleich, False)[0]  # type: ignore[arg-type]
        new = ref_cell(state.jahr, False)[0]
        diff = (_number(new - old, dec) if isinstance(old, (int, float))
                and isinstance(new, (int, float)) else SYMBOL["keine_daten"])
        row += [old, new, diff]
    else:
        row += ref_cell(state.jahr, rate)
    row += ["", "", "", ""]
    rows.append(row)

    meta = _table_meta(repo, state, md, labels)
    return cols, rows, meta


def _indicator_definition(repo: Repository, ind_id: str) -> dict[str, str]:
    ind = repo.indicator(ind_id)
    direction = {"higher_better": "hoher Wert ist gut", "higher_worse": "hoher Wert ist "
                 "ungünstig (mehr Bedarf)", "neutral": "neutral"}.get(ind.direction, ind.direction)
    kind = {"count": "Anzahl", "rate": "Quote", "mean": "Mittelwert"}.get(ind.kind, ind.kind)
    out = {"Kennung": ind.id, "Name": ind.name, "Einheit": ind.unit, "Art": kind,
           "Beschreibung": ind.description, "Richtung": direction,
           "Dezimalstellen": str(ind.decimals), "Quelle": ind.source,
           "Synthetisch": "ja – synthetische Beispielwerte, keine amtlichen Daten"
           if ind.synthetic else "nein"}
    if ind.kind != "count" and ind.numerator:
        out["Berechnung"] = (f"{format_number(ind.factor)} × {ind.numerator} / {ind.denominator}"
                             " (aus summierten Zählern und Nennern, nie gemittelt)")
    return out


def _table_meta(repo: Repository, state: ViewState, md: MapData, labels: list[str]) -> dict:
    ind = md.indicator
    # A need index cites the indicators it is made of.
    ids = list(md.source_ids) or [ind.id] + [i for i in (ind.numerator, ind.denominator)
                                             if i in repo.indicators]
    rule = md.rule
    return {
        "titel": md.title,
        "ansicht": view_label(repo, state, len(md.area_ids)),
        "jahr": state.jahr,
        "vergleichsjahr": state.karte.vergleich,
        "einheit": md.unit,
        "klassifizierung": md.method,
        "klassen": [{"Klasse": i + 1, "Grenzen": lab, "Anzahl": n, "Farbe": col}
                    for i, (lab, n, col) in enumerate(zip(labels, md.classification.counts,
                                                          md.colors, strict=True))],
        "referenz": md.reference,
        "hinweis": md.classification.hint,
        "geheimhaltung": (
            f"Anzahlen unter {rule.threshold} und Quoten, deren Zähler unter {rule.threshold} "
            f"liegt, sind gesperrt ({SYMBOL['gesperrt']}); dazu sekundäre Sperrung, damit kein "
            "gesperrter Wert als Differenz zum übergeordneten Gebiet berechnet werden kann."
            + (f" Gebiete unter {format_number(rule.min_population)} Einwohnern sind nicht "
               f"bewertet ({SYMBOL['nicht_bewertet']})." if rule.min_population else "")
            + f" Keine Daten: {SYMBOL['keine_daten']}."),
        "indikatoren": [_indicator_definition(repo, i) for i in dict.fromkeys(ids)],
        "quellen": attribution_lines(repo, ids, False),
        "synthetisch": ind.synthetic,
        "erstellt": _german_date(dt.date.today()),
        "adresse": to_query(state),
    }


def _csv_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if "e" in text:
        text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def safe_text(value: str) -> str:
    """A text for a CSV cell that Excel never runs as a formula (OWASP: a leading ``=``, ``+``,
    ``@``, tab or CR, or ``-`` not followed by a digit, gets an apostrophe)."""
    if value[:1] in ("=", "+", "@", "\t", "\r") or (
            value[:1] == "-" and not value[1:2].isdigit()):
        return "'" + value
    return value


def texts_never_formulas(wb: Any) -> None:
    """openpyxl stores every text starting with ``=`` as a formula: store it as text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    c.data_type = "s"


def table_csv(repo: Repository, state: ViewState) -> bytes:
    """The view's table as CSV for German Excel: ``;``, decimal comma, no thousands separator,
    UTF-8 with BOM, CRLF line ends. Read back with ``pandas.read_csv(sep=";", decimal=",",
    encoding="utf-8-sig")`` (``na_values=["·", "–", "n. b."]`` gives floats)."""
    cols, rows, _meta = view_table(repo, state)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_text(c) for c in cols])
    for row in rows:
        writer.writerow([safe_text(v) if isinstance(v, str) else _csv_number(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def table_xlsx(repo: Repository, state: ViewState) -> bytes:
    """The view's table as XLSX: sheet "Daten" (numbers as numbers, special states as their
    symbols) and sheet "Metadaten" (definitions, sources, year, classification, rules)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    cols, rows, meta = view_table(repo, state)
    wb = Workbook()
    ws = wb.active
    ws.title = "Daten"
    ws.append(cols)
    bold = Font(bold=True)
    for c in ws[1]:
        c.font = bold
        c.alignment = Alignment(wrap_text=True, vertical="top")
    dec = repo.indicator(state.indikator).decimals
    for row in rows:
        ws.append(row)
        for c in ws[ws.max_row]:
            if isinstance(c.value, float):
                c.number_format = "0." + "0" * dec if dec else "0"
            elif isinstance(c.value, str) and c.value in SYMBOL.values():
                c.alignment = Alignment(horizontal="right")
    for c in ws[ws.max_row]:
        c.font = bold
    ws.freeze_panes = "C2"
    widths = [12, 28, 11] + [16] * (len(cols) - 7) + [12, 8, 18, 34]
    for i, w in enumerate(widths[: len(cols)]):
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = w
    ws.row_dimensions[1].height = 45

    ms = wb.create_sheet("Metadaten")
    head = Font(bold=True, size=12)
    fill = PatternFill("solid", fgColor="DDE6F0")

    def section(title: str) -> None:
        ms.append([])
        ms.append([title])
        ms.cell(ms.max_row, 1).font = head

    ms.append([meta["titel"]])
    ms.cell(1, 1).font = Font(bold=True, size=14)
    for key, value in (("Ansicht", meta["ansicht"]), ("Jahr", meta["jahr"]),
                       ("Vergleichsjahr", meta["vergleichsjahr"] or ""),
                       ("Einheit", meta["einheit"]),
                       ("Klassifizierung", meta["klassifizierung"]),
                       ("Mitte (zweiseitige Skala)", meta["referenz"]),
                       ("Hinweis", meta["hinweis"]),
                       ("Geheimhaltung", meta["geheimhaltung"]),
                       ("Synthetische Beispielwerte", "ja – keine amtlichen Daten"
                        if meta["synthetisch"] else "nein"),
                       ("Erstellt am", meta["erstellt"]),
                       ("Ansicht im Bildungsatlas", meta["adresse"])):
        ms.append([key, value])
    section("Klassen")
    ms.append(["Klasse", "Grenzen", "Anzahl Gebiete", "Farbe"])
    for c in ms[ms.max_row]:
        c.font, c.fill = bold, fill
    for k in meta["klassen"]:
        ms.append([k["Klasse"], k["Grenzen"], k["Anzahl"], k["Farbe"]])
        ms.cell(ms.max_row, 4).fill = PatternFill("solid", fgColor=k["Farbe"].lstrip("#"))
    for ind_def in meta["indikatoren"]:
        section(f"Indikator: {ind_def['Name']}")
        for key, value in ind_def.items():
            ms.append([key, value])
    section("Quellen")
    for line in meta["quellen"]:
        ms.append([line])
    section("Zeichen")
    for st, sym in SYMBOL.items():
        ms.append([sym, LABEL[st]])
    ms.column_dimensions["A"].width = 28
    ms.column_dimensions["B"].width = 100
    for r in ms.iter_rows():
        for c in r:
            if c.column == 2:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    texts_never_formulas(wb)
    wb.save(buf)
    return buf.getvalue()


# --- area profile ----------------------------------------------------------------------------
def _profile_year(repo: Repository, area_id: str) -> int:
    years = [y for ind in repo.indicators.values() for y in repo.years_for(ind.id)
             if repo.value(area_id, ind.id, y) is not None]
    return max(years) if years else max(y for ys in repo.years.values() for y in ys)


def _headline(rows: Sequence[Any]) -> list[Any]:
    """Rows without counts that only serve as numerator/denominator (kept: the population)."""
    parts = {p for r in rows if r.indicator.kind != "count"
             for p in (r.indicator.numerator, r.indicator.denominator) if p}
    return [r for r in rows if not (r.indicator.kind == "count" and r.indicator.id in parts
                                    and r.indicator.id != "einwohner")]


def _fmt_cell(value: float | None, state: str, decimals: int) -> str:
    if value is None or state != "ok":
        return SYMBOL.get(state, SYMBOL["keine_daten"])
    return format_number(value, decimals)


def _sparkline(page: _Page, x: float, y: float, w: float, h: float,
               trend: Sequence[tuple[int, float | None]], color: str) -> None:
    pts = [(yr, v) for yr, v in trend if v is not None]
    if len(pts) < 2:
        if pts:
            page.fig.add_artist(Line2D([page.fx(x + w)], [page.fy(y + h / 2)], marker="o",
                                       ms=2.2, color=color, transform=page.fig.transFigure))
        return
    y0, y1 = min(p[0] for p in pts), max(p[0] for p in pts)
    lo, hi = min(p[1] for p in pts), max(p[1] for p in pts)

    def xy(year: int, val: float) -> tuple[float, float]:
        fx = (year - y0) / (y1 - y0) if y1 > y0 else 0.5
        fy = (val - lo) / (hi - lo) if hi > lo else 0.5
        return page.fx(x + fx * w), page.fy(y + h - fy * h)

    segs, cur = [], []
    for yr, v in trend:
        if not y0 <= yr <= y1:
            continue
        if v is None:
            if len(cur) > 1:
                segs.append(cur)
            cur = []
        else:
            cur.append(xy(yr, v))
    if len(cur) > 1:
        segs.append(cur)
    page.fig.add_artist(LineCollection(segs, colors=color, linewidths=0.9,
                                       transform=page.fig.transFigure))
    lx, ly = xy(*pts[-1])
    page.fig.add_artist(Line2D([lx], [ly], marker="o", ms=2.2, color=color,
                               transform=page.fig.transFigure))


def _locator(page: _Page, repo: Repository, area_id: str, x: float, y: float, w: float,
             h: float) -> None:
    """The area among the areas of its map, in the house colour; the parent outlined."""
    shapes = _shapes(repo)
    peers = peers_of(repo, area_id)
    ids = [a for a in peers.ids if a in shapes.paths]
    frame = _MapFrame(page, x, y, w, h, _extent(shapes, ids), pad=0.05)
    others = [shapes.paths[a] for a in ids if a != peers.shown]
    frame.areas(others, "#dcdcdc", lw=0.4)
    own = area_id if area_id in shapes.paths else peers.shown
    frame.areas([shapes.paths[own]], page.style.farbe_titel, edge="#ffffff", lw=0.6, zorder=3)
    if peers.parent != ROOT and peers.parent in shapes.paths:
        frame.outlines([shapes.paths[peers.parent]], "#3a3a3a", 0.8)
    frame.frame("#c8c8c8")
    length = _nice_length(frame.m_per_in * w * 0.3)
    bar = length / frame.m_per_in
    fx0, fy0 = 0.1 / w, 0.12 / h
    frame.ax.add_line(Line2D([fx0, fx0 + bar / w], [fy0, fy0], transform=frame.ax.transAxes,
                             color=TEXT, lw=1.2, solid_capstyle="butt", zorder=12))
    frame.ax.text(fx0 + bar / w + 0.08 / w, fy0, f"{_km(length)} {'km' if length >= 1000 else 'm'}",
                  transform=frame.ax.transAxes, fontsize=6, va="center",
                  fontfamily=page.style.schrift, color=TEXT)


def render_profile_pdf(repo: Repository, area_id: str, year: int | None = None, *,
                       style: HouseStyle | None = None, created: dt.date | None = None) -> bytes:
    """One-page A4 PDF profile ("Steckbrief") of an area (see module docstring).

    ``year`` is the profile year (default: the newest year with a value for the area); an
    indicator without a value then shows its nearest year, marked. Raises
    `geodata.errors.UnknownAreaError` for an unknown area.
    """
    area = repo.area(area_id)
    style = style or house_style()
    created = created or dt.date.today()
    year = year if year is not None else _profile_year(repo, area_id)
    rows = profile_rows(repo, area_id, year)
    head = _headline(rows)
    peers = peers_of(repo, area_id)
    w, h = PAPERS["a4hoch"]
    fig = Figure(figsize=(w, h), dpi=PRINT_DPI, facecolor="white")
    page = _Page(fig, w, h, style)
    m = 0.55
    # Header.
    logo_w = _logo(page, w - m, m - 0.05, 0.5)
    page.text(m, m, "STECKBRIEF", 8, weight="bold", color=style.farbe_titel)
    page.text(m, m + 0.17, area.name, 20, weight="bold", color=style.farbe_titel)
    level = repo.level(area.level)
    above = repo.view_parent_above(area_id)
    sub = level.name + (f" in {repo.display_name(above)}" if above != ROOT else "")
    pop = repo.latest_value(area_id, "einwohner")
    facts = [sub, f"Schlüssel {area_id}"]
    if pop is not None:
        facts.append(f"{format_number(pop[1].value)} Einwohner ({pop[0]})")
    facts.append(f"Jahr {year}")
    page.text(m, m + 0.55, " · ".join(facts), 9.5, color=MUTED)
    del logo_w
    page.hline(m, w - m, m + 0.82, color=style.farbe_titel, lw=1.2)

    # Locator map and institutions side by side.
    top = m + 0.95
    loc_w, loc_h = 2.9, 2.3
    _locator(page, repo, area_id, m, top, loc_w, loc_h)
    n_peers = len(peers.ids)
    plural = repo.level(repo.areas[peers.shown].level).plural
    where = f" in {repo.display_name(peers.parent)}" if peers.parent != ROOT else ""
    peers_label = f"{n_peers} {plural}{where}"
    page.text(m, top + loc_h + 0.06, f"Lage unter den {peers_label}", 7, color=MUTED)
    ix = m + loc_w + 0.3
    iw = w - m - ix
    insts = repo.institutions_in(area_id)
    page.text(ix, top, f"Einrichtungen ({len(insts)})", 10, weight="bold")
    yy = top + 0.24
    max_lines = int((loc_h - 0.2) / page.line_h(7.5))
    if not insts:
        page.text(ix, yy, "Für dieses Gebiet sind keine Einrichtungen erfasst.", 7.5,
                  color=MUTED)
    else:
        lines: list[tuple[str, str, bool]] = []
        for typ, n in types_in(repo, area_id):
            lines.append((f"{typ.plural} ({n})", typ.color, True))
            for inst in (i for i in insts if i.type == typ.id):
                kind = str(inst.attrs.get("schulart", "")).replace(";", ", ")
                pupils = inst.attrs.get("schueler_insgesamt")
                extra = [kind] if kind else []
                if isinstance(pupils, (int, float)) and pupils:
                    extra.append(f"{format_number(pupils)} Schüler/-innen")
                lines.append((inst.name + (f" – {', '.join(extra)}" if extra else ""), "", False))
        two_cols = len(lines) > max_lines
        col_w = iw / 2 - 0.1 if two_cols else iw
        cap = max_lines * (2 if two_cols else 1)
        shown = lines if len(lines) <= cap else lines[: cap - 1]
        for k, (text, color, is_head) in enumerate(shown):
            cx = ix + (col_w + 0.2) * (k // max_lines if two_cols else 0)
            cy = yy + (k % max_lines) * page.line_h(7.5)
            chars = int(col_w * 72 / (7.5 * 0.5))
            text = text if len(text) <= chars else text[: chars - 1] + "…"
            page.text(cx, cy, text, 7.5, weight="bold" if is_head else "normal",
                      color=color or TEXT)
        if len(shown) < len(lines):
            rest = sum(1 for t in lines[len(shown):] if not t[2])
            k = len(shown)
            page.text(ix + (col_w + 0.2) * (k // max_lines if two_cols else 0),
                      yy + (k % max_lines) * page.line_h(7.5),
                      f"… und {rest} weitere", 7.5, color=MUTED, style="italic")

    # Indicator table.
    ty = top + loc_h + 0.4
    parent_label = repo.display_name(peers.parent) if peers.parent != ROOT else None
    cols: list[tuple[str, float, str]] = [("Indikator", 2.95, "left"), ("Wert", 0.62, "right")]
    if parent_label:
        cols.append((parent_label, 0.9, "right"))
    cols += [("Gesamt", 0.7, "right"), ("Rang", 0.62, "right"), ("Verlauf", 0.8, "left")]
    total = sum(c[1] for c in cols)
    stretch = (w - 2 * m) / total
    cols = [(n, cw * stretch, a) for n, cw, a in cols]
    n_lines = len(head) + len({r.indicator.topic for r in head})
    foot_reserve = 1.45
    row_h = min(0.215, (h - m - foot_reserve - ty - 0.45) / max(n_lines, 1))
    size = max(6.0, min(8.0, row_h * 72 / 1.55))
    page.text(m, ty, "Indikatoren im Vergleich", 10, weight="bold")
    ty += 0.25
    x = m
    for name, cw, align in cols:
        label = name if len(name) <= int(cw * 72 / (7 * 0.5)) else textwrap.shorten(
            name, int(cw * 72 / (7 * 0.5)), placeholder="…")
        page.text(x + (cw - 0.05 if align == "right" else 0), ty, label, 7, weight="bold",
                  ha=align, color=MUTED)
        x += cw
    ty += 0.2
    page.hline(m, w - m, ty - 0.03, color="#9a9a9a", lw=0.6)
    for topic in dict.fromkeys(r.indicator.topic for r in head):
        page.text(m, ty + 0.03, topic, size, weight="bold", color=style.farbe_titel)
        ty += row_h
        for r in (r for r in head if r.indicator.topic == topic):
            ind = r.indicator
            dec = ind.decimals
            if ind.synthetic:
                page.rect(m - 0.09, ty + 0.02, 0.035, row_h - 0.04, facecolor=SYNTH_COLOR,
                          edgecolor="none")
            unit = f" in {ind.unit}" if ind.unit and ind.kind != "count" and len(ind.unit) <= 3 \
                else ""
            name = ind.name + unit
            chars = int(cols[0][1] * 72 / (size * 0.5))
            name = name if len(name) <= chars else name[: chars - 1] + "…"
            cells = [name, _fmt_cell(r.value, r.state, dec)]
            if r.year != year and r.state == "ok":
                cells[1] = f"({r.year}) {cells[1]}"
            if parent_label:
                cells.append(_fmt_cell(r.parent_value, r.parent_state, dec))
            cells.append(_fmt_cell(r.overall_value, r.overall_state, dec))
            cells.append(f"{r.rank}/{r.rank_of}" if r.rank else "–")
            x = m
            for k, (_n, cw, align) in enumerate(cols[:-1]):
                page.text(x + (cw - 0.05 if align == "right" else 0), ty + row_h / 2, cells[k],
                          size, ha=align, va="center",
                          weight="bold" if k == 1 else "normal")
                x += cw
            _sparkline(page, x + 0.05, ty + row_h * 0.2, cols[-1][1] - 0.2, row_h * 0.6,
                       r.trend, style.farbe_titel)
            ty += row_h
            page.hline(m, w - m, ty, color="#e3e3e3", lw=0.4)

    # Notes and sources.
    notes = [
        f"Rang: unter den {peers_label} im selben Jahr, 1 = größter Bedarf (bei „hoch ist gut“ "
        "der niedrigste Wert). Verlauf: alle Jahre des Indikators, Punkt = letzter Wert. "
        "(Jahr) vor einem Wert: Wert aus diesem Jahr. "
        f"{SYMBOL['gesperrt']} = gesperrt (Geheimhaltung), {SYMBOL['nicht_bewertet']} = nicht "
        f"bewertet, {SYMBOL['keine_daten']} = keine Daten.",
    ]
    if any(r.indicator.synthetic for r in head):
        notes.append(f"Orange Kante: {SYNTHETIC_NOTE} (Demo).")
    ny = ty + 0.15
    for note in notes:
        for line in _wrap(note, w - 2 * m, 6.5):
            page.text(m, ny, line, 6.5, color=MUTED)
            ny += page.line_h(6.5)
    lines = attribution_lines(repo, [r.indicator.id for r in head], bool(insts))
    lines = [re.sub(r"^Daten: ", "Quellen der Werte: ", ln) for ln in lines]
    _footer(page, repo, lines, m, w - m,
            h - m + 0.1, created, any(r.indicator.synthetic for r in head))
    return _save(fig, "pdf", PRINT_DPI, f"Steckbrief {area.name} {year}", sub, created)
