"""The print map: PNG (300 dpi), SVG or PDF of the current view, rendered on the server.

`render_map` draws from `geodata.views.mapview.compute_map`, so it has the same classes,
colours and special states as the screen. Paper: A4 landscape (``a4quer``), A4 portrait
(``a4hoch``) or a pixel size for slides (``px``). The page carries title and subtitle, the map
frame (`geodata.reports.mapframe`: scale bar, print scale, north arrow), the legend
(`geodata.reports.printlegend`), the attribution the licences require, "synthetische
Beispielwerte" where that applies, the date of creation and the house style's footer and logo
(`geodata.reports.style`); optionally area names, institution points and the neighbouring
areas in grey. A suppressed area keeps its pattern: no value is ever drawn as a colour it does
not have.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from geodata.model.entities import ROOT
from geodata.model.institutions import type_of
from geodata.reports.mapframe import MapFrame
from geodata.reports.printlegend import draw_footer, draw_legend, legend_parts
from geodata.reports.shapes import TO_METRIC, metric_point, print_shapes, shapes_extent
from geodata.reports.style import (
    MUTED,
    STATE_STYLE,
    TEXT,
    HouseStyle,
    Page,
    draw_logo,
    house_style,
)
from geodata.statistics.published import PublishedAtlas, published
from geodata.views.credits import attribution_lines
from geodata.views.labels import LINE_HEIGHT, Label, area_weight, shown_at
from geodata.views.mapdata import MapData, unit_in, view_label
from geodata.views.mapview import compute_map
from geodata.views.state import ViewState

FORMATS = ("png", "svg", "pdf")
# A4 (297 × 210 mm) is 3508 × 2480 px at 300 dpi (rounded to whole pixels); matplotlib
# truncates the figure's pixel size, so the inches are a quarter pixel more.
A4_IN = ((round(297 / 25.4 * 300) + 0.25) / 300, (round(210 / 25.4 * 300) + 0.25) / 300)
PAPERS = {"a4quer": A4_IN, "a4hoch": A4_IN[::-1]}  # inches
PRINT_DPI = 300
MIN_PX, MAX_PX = 320, 10000


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


def _institution_points(repo: PublishedAtlas, state: ViewState, ids: Sequence[str],
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
        x, y = TO_METRIC.transform(arr[:, 0], arr[:, 1])
        t = type_of(typ)
        out.append((t.plural, t.color, np.column_stack([x, y])))
    return out


def _parents_above(repo: PublishedAtlas, ids: Sequence[str]) -> list[str]:
    """The distinct parents of the shown areas (their outlines structure the map)."""
    return list(dict.fromkeys(p for p in (repo.areas[a].parent_id for a in ids) if p != ROOT))


def _draw_map(page: Page, frame: MapFrame, repo: PublishedAtlas, state: ViewState, md: MapData,
              labels: bool, inst_pts: Sequence[tuple[str, str, np.ndarray]]) -> None:
    shapes = print_shapes(repo)
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
        _draw_names(page, frame, repo, md, ids)


def _draw_names(page: Page, frame: MapFrame, repo: PublishedAtlas, md: MapData,
                ids: Sequence[str]) -> None:
    """Area names placed as on screen (`geodata.views.labels`): the largest areas first, a
    name that would overlap another moves a line up or down or is left out."""
    size = 7 if len(ids) <= 30 else 5.5 if len(ids) <= 90 else 3.2
    pt = size * page.scale
    # A light box instead of a stroked halo: a path effect would turn the name into outlines
    # (no longer text in PDF and SVG).
    halo = {"boxstyle": "round,pad=0.12", "facecolor": "white", "alpha": 0.72,
            "edgecolor": "none"}
    pos = {a: i for i, a in enumerate(md.area_ids)}
    x0, y1 = frame.xlim[0], frame.ylim[1]
    per_pt = frame.m_per_in / 72  # metres per point on the page
    names, where = [], {}
    for a in ids:
        x, y = metric_point(*repo.label_point(a))
        name = repo.areas[a].name + (" ·" if md.states[pos[a]] == "gesperrt" else "")
        where[a] = (x, y, name)
        # Anchors and boxes in points on the page (y down), as the screen uses pixels.
        names.append(Label(a, (x - x0) / per_pt, (y1 - y) / per_pt,
                           page.width(name, size) * 72, LINE_HEIGHT * pt,
                           area_weight(repo, a)))
    for a, dy in shown_at(names).items():
        x, y, name = where[a]
        frame.ax.text(x, y - dy * per_pt, name, fontsize=pt, ha="center", va="center",
                      parse_math=False, fontfamily=page.style.schrift, color=TEXT, zorder=7,
                      bbox=halo, clip_on=True)


def render_map(repo: PublishedAtlas, state: ViewState, fmt: str, paper: str,
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
    fig, dpi, title, label = map_figure(repo, state, fmt, paper, width_px, height_px, labels,
                                        institutions, style=style, created=created)
    return save_figure(fig, fmt, dpi, title, label, created or dt.date.today())


def map_figure(repo: PublishedAtlas, state: ViewState, fmt: str, paper: str,
               width_px: int | None = None, height_px: int | None = None,
               labels: bool = False, institutions: bool = False, *,
               style: HouseStyle | None = None, created: dt.date | None = None,
               ) -> tuple[Figure, float, str, str]:
    """The print map as a figure (for `render_map`, and for reports that put several pages
    into one file): ``(figure, dpi, title, subtitle)``. Arguments as `render_map`."""
    repo = published(repo)
    lay = _layout(fmt, paper, width_px, height_px)
    style = style or house_style()
    created = created or dt.date.today()
    md = compute_map(repo, state)
    shapes = print_shapes(repo)
    ids = [a for a in md.area_ids if a in shapes.paths]
    if not ids:
        raise ValueError("Diese Ansicht zeigt keine Gebiete; es gibt nichts zu exportieren.")
    fig = Figure(figsize=(lay.w, lay.h), dpi=lay.dpi, facecolor="white")
    page = Page(fig, lay.w, lay.h, style, lay.scale)
    s = lay.scale
    m = 0.45 * s  # margin
    # Header: title, subtitle, logo.
    logo_w = draw_logo(page, lay.w - m, m - 0.05 * s, 0.55 * s)
    title_w = lay.w - 2 * m - (logo_w + 0.2 if logo_w else 0)
    y = m
    # Every line of title and subtitle is drawn (measured wrapping); the map frame below
    # shrinks to make room instead of cutting the year off the title.
    for line in page.wrap(md.title, title_w, 17, "bold"):
        page.text(m, y, line, 17, weight="bold", color=style.farbe_titel)
        y += page.line_h(17)
    label = view_label(repo, state, len(md.area_ids))
    unit = unit_in(md.unit)
    sub = label + (f" · Werte {unit}" if unit else "")
    for line in page.wrap(sub, lay.w - 2 * m, 10.5):
        page.text(m, y + 0.02, line, 10.5, color=MUTED)
        y += page.line_h(10.5)
    y += 0.18 * s
    page.hline(m, lay.w - m, y - 0.08 * s, color=style.farbe_titel, lw=1.2)
    map_top = y + 0.06 * s
    # Footer.
    inst_pts = _institution_points(repo, state, ids) if institutions else []
    lines = attribution_lines(repo, list(md.sources), bool(inst_pts),
                              list(md.area_ids) if md.year is not None else None, md.year)
    foot_top = draw_footer(page, repo, lines, m, lay.w - m, lay.h - m, created, md.synthetic)
    inst_rows = [(name, color, len(xy)) for name, color, xy in inst_pts]
    map_bottom = foot_top - 0.15 * s
    extent = shapes_extent(shapes, ids)
    side_w = min(2.9 * s, (lay.w - 2 * m) * 0.3)
    side = sum(legend_parts(page, md, len(inst_rows), side_w))
    # Landscape: the legend beside the map, unless it is taller than the room there; then,
    # as in portrait, in two columns below the map (the frame shrinks).
    if lay.portrait or side + 0.05 * s > map_bottom - map_top:
        col_gap = 0.5 * s
        leg_w = (lay.w - 2 * m - col_gap) / 2
        first, second = legend_parts(page, md, len(inst_rows), leg_w)
        leg_h = max(first, second + page.line_h(9.5))
        map_h = max(map_bottom - map_top - leg_h - 0.3 * s, 0.5 * s)
        frame = MapFrame(page, m, map_top, lay.w - 2 * m, map_h, extent)
        leg_y = map_top + map_h + 0.3 * s
        draw_legend(page, m, leg_y, leg_w, md, inst_rows,
                     second=(m + leg_w + col_gap, leg_y + page.line_h(9.5)))
    else:
        leg_w = side_w
        map_w = lay.w - 2 * m - leg_w - 0.3 * s
        frame = MapFrame(page, m, map_top, map_w, map_bottom - map_top, extent)
        draw_legend(page, m + map_w + 0.3 * s, map_top + 0.05 * s, leg_w, md, inst_rows)
    _draw_map(page, frame, repo, state, md, labels, inst_pts)
    frame.frame()
    frame.scale_bar(lay.print_scale)
    frame.north_arrow()
    return fig, lay.dpi, md.title, label


def save_figure(fig: Figure, fmt: str, dpi: float, title: str, subject: str,
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
    try:
        fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", metadata=meta)
    finally:
        # Release the figure's canvas, artists and pixel buffer at once (an 8000 × 8000 PNG
        # holds ~250 MiB until the garbage collector finds the reference cycles).
        fig.clear()
        fig.canvas = None  # type: ignore[assignment]
    return buf.getvalue()
