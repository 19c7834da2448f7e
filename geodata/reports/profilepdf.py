"""The Steckbrief PDF: one A4 page about one area.

A locator map, the indicator table with the parent and overall values, ranks among the areas
of the same map and a trend line per indicator, the institutions and the sources. Built on
`geodata.views.profile.profile_rows`, so suppressed values are symbols here too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from geodata.model.entities import ROOT
from geodata.model.institutions import types_in
from geodata.reports.mapframe import MapFrame, km_text, nice_length
from geodata.reports.printlegend import draw_footer, footer_height
from geodata.reports.printmap import PAPERS, PRINT_DPI, save_figure
from geodata.reports.shapes import print_shapes, shapes_extent
from geodata.reports.style import (
    MUTED,
    SYNTH_COLOR,
    TEXT,
    HouseStyle,
    Page,
    draw_logo,
    house_style,
)
from geodata.statistics.numfmt import format_number
from geodata.statistics.published import PublishedAtlas, published
from geodata.statistics.suppression import SYMBOL
from geodata.views.credits import SYNTHETIC_NOTE, attribution_lines
from geodata.views.profile import peers_of, profile_references, profile_rows


# --- area profile ----------------------------------------------------------------------------
def _row_name(row: Any) -> str:
    ind = row.indicator
    unit = f" in {ind.unit}" if ind.unit and ind.kind != "count" and len(ind.unit) <= 3 else ""
    return ind.name + unit


def _notes(peers_label: str, synthetic: bool, head: Sequence[Any]) -> list[str]:
    notes = [
        f"Rang: unter den {peers_label} im selben Jahr; bei Indikatoren mit Bedarfsrichtung "
        "1 = größter Bedarf (bei „hoch ist gut“ der niedrigste Wert), bei neutralen "
        "Indikatoren 1 = höchster Wert. "
        "Verlauf: alle Jahre des Indikators, Punkt = letzter Wert. "
        "(Jahr) vor einem Wert: Wert aus diesem Jahr. "
        f"{SYMBOL['gesperrt']} = gesperrt (Geheimhaltung), {SYMBOL['nicht_bewertet']} = nicht "
        f"bewertet, {SYMBOL['keine_daten']} = keine Daten.",
    ]
    partial = sorted({c.note for r in head for c in r.references if c.note and c.state == "ok"})
    if partial:
        notes.append("* Vergleichswert aus den Teilgebieten mit Wert: " + "; ".join(partial)
                     + ".")
    if synthetic:
        notes.append(f"Orange Kante: {SYNTHETIC_NOTE} (Demo).")
    return notes


def _origin_notes(rows: Sequence[Any]) -> list[str]:
    """What the values are, per value (provenance), each kind once with its indicators."""
    kinds: dict[str, list[str]] = {}
    for r in rows:
        if r.provenance is not None and r.provenance.label:
            kinds.setdefault(r.provenance.label, []).append(r.indicator.name)
    if not kinds:
        return []
    return ["Herkunft der Werte: " + "; ".join(
        f"{label}: {', '.join(dict.fromkeys(names))}" for label, names in kinds.items()) + "."]


def _profile_year(repo: PublishedAtlas, area_id: str) -> int:
    years = [y for ind in repo.indicators.values() for y in repo.value_years(area_id, ind.id)]
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


def _sparkline(page: Page, x: float, y: float, w: float, h: float,
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


def _locator(page: Page, repo: PublishedAtlas, area_id: str, x: float, y: float, w: float,
             h: float) -> None:
    """The area among the areas of its map, in the house colour; the parent outlined."""
    shapes = print_shapes(repo)
    peers = peers_of(repo, area_id)
    ids = [a for a in peers.ids if a in shapes.paths]
    frame = MapFrame(page, x, y, w, h, shapes_extent(shapes, ids), pad=0.05)
    others = [shapes.paths[a] for a in ids if a != peers.shown]
    frame.areas(others, "#dcdcdc", lw=0.4)
    own = area_id if area_id in shapes.paths else peers.shown
    frame.areas([shapes.paths[own]], page.style.farbe_titel, edge="#ffffff", lw=0.6, zorder=3)
    if peers.parent != ROOT and peers.parent in shapes.paths:
        frame.outlines([shapes.paths[peers.parent]], "#3a3a3a", 0.8)
    frame.frame("#c8c8c8")
    length = nice_length(frame.m_per_in * w * 0.3)
    bar = length / frame.m_per_in
    fx0, fy0 = 0.1 / w, 0.12 / h
    frame.ax.add_line(Line2D([fx0, fx0 + bar / w], [fy0, fy0], transform=frame.ax.transAxes,
                             color=TEXT, lw=1.2, solid_capstyle="butt", zorder=12))
    frame.ax.text(fx0 + bar / w + 0.08 / w, fy0, f"{km_text(length)} {'km' if length >= 1000 else 'm'}",
                  transform=frame.ax.transAxes, fontsize=6, va="center",
                  fontfamily=page.style.schrift, color=TEXT)


def render_profile_pdf(repo: PublishedAtlas, area_id: str, year: int | None = None, *,
                       style: HouseStyle | None = None, created: dt.date | None = None) -> bytes:
    """One-page A4 PDF profile ("Steckbrief") of an area (see module docstring).

    ``year`` is the profile year (default: the newest year with a value for the area); an
    indicator without a value then shows its nearest year, marked. Raises
    `geodata.model.errors.UnknownAreaError` for an unknown area.
    """
    fig, title, sub = profile_figure(repo, area_id, year, style=style, created=created)
    return save_figure(fig, "pdf", PRINT_DPI, title, sub, created or dt.date.today())


def profile_figure(repo: PublishedAtlas, area_id: str, year: int | None = None, *,
                   style: HouseStyle | None = None, created: dt.date | None = None,
                   ) -> tuple[Figure, str, str]:
    """The Steckbrief page as a figure: ``(figure, title, subtitle)`` (see
    `render_profile_pdf`)."""
    repo = published(repo)
    area = repo.area(area_id)
    style = style or house_style()
    created = created or dt.date.today()
    year = year if year is not None else _profile_year(repo, area_id)
    rows = profile_rows(repo, area_id, year)
    head = _headline(rows)
    peers = peers_of(repo, area_id)
    w, h = PAPERS["a4hoch"]
    fig = Figure(figsize=(w, h), dpi=PRINT_DPI, facecolor="white")
    page = Page(fig, w, h, style)
    m = 0.55
    # Header.
    logo_w = draw_logo(page, w - m, m - 0.05, 0.5)
    page.text(m, m, "STECKBRIEF", 8, weight="bold", color=style.farbe_titel)
    page.text(m, m + 0.17, area.name, 20, weight="bold", color=style.farbe_titel)
    level = repo.level(area.level)
    above = repo.view_parent_above(area_id)
    sub = level.name + (f" in {repo.display_name(above)}" if above != ROOT else "")
    pop = repo.latest(area_id, "einwohner")
    facts = [sub, f"Schlüssel {area_id}"]
    if pop is not None and pop[1].value is not None:
        facts.append(f"{format_number(pop[1].value)} Einwohner ({pop[0]})")
    elif pop is not None and pop[1].state == "gesperrt":
        facts.append(f"Einwohner {SYMBOL['gesperrt']} ({pop[0]}, gesperrt)")
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
    references = profile_references(repo, area_id)
    cols: list[tuple[str, float, str]] = [("Indikator", 2.95, "left"), ("Wert", 0.62, "right")]
    cols += [(label, 0.9 if k == 0 else 0.8, "right") for k, (_n, label) in enumerate(references)]
    cols += [("Rang", 0.62, "right"), ("Verlauf", 0.8, "left")]
    total = sum(c[1] for c in cols)
    stretch = (w - 2 * m) / total
    cols = [(n, cw * stretch, a) for n, cw, a in cols]
    # Room for the table: the page minus the footer and notes, both measured.
    synthetic = any(r.synthetic for r in head)  # per value (provenance), not per indicator
    lines = attribution_lines(repo, [r.indicator.id for r in head], bool(insts), [area.area_id],
                              year, provenances=[r.provenance for r in head])
    lines = [re.sub(r"^Daten: ", "Quellen der Werte: ", ln) for ln in lines]
    notes = _notes(peers_label, synthetic, head) + _origin_notes(head)
    notes_h = sum(len(page.wrap(n, w - 2 * m, 6.5)) for n in notes) * page.line_h(6.5)
    foot_top = h - m + 0.1 - footer_height(page, repo, lines, w - 2 * m, created, synthetic)
    headers = [page.wrap(name, cw - 0.08, 7, "bold") for name, cw, _a in cols]
    head_h = max(len(hl) for hl in headers) * page.line_h(7)
    # A name wider than its column takes two lines (the row grows), never an ellipsis.
    names = {r.indicator.id: _row_name(r) for r in head}
    wide = sum(1 for r in head if page.width(names[r.indicator.id], 8) > cols[0][1] - 0.08)
    n_lines = len(head) + len({r.indicator.topic for r in head}) + 0.7 * wide
    room = foot_top - 0.25 - notes_h - (ty + 0.25 + head_h + 0.08)
    row_h = min(0.215, room / max(n_lines, 1))
    size = max(5.5, min(8.0, row_h * 72 / 1.55))
    page.text(m, ty, "Indikatoren im Vergleich", 10, weight="bold")
    ty += 0.25
    x = m
    for (_name, cw, align), label_lines in zip(cols, headers, strict=True):
        for k, label in enumerate(label_lines):
            page.text(x + (cw - 0.05 if align == "right" else 0), ty + k * page.line_h(7),
                      label, 7, weight="bold", ha=align, color=MUTED)
        x += cw
    ty += head_h + 0.08
    page.hline(m, w - m, ty - 0.03, color="#9a9a9a", lw=0.6)
    for topic in dict.fromkeys(r.indicator.topic for r in head):
        page.text(m, ty + 0.03, topic, size, weight="bold", color=style.farbe_titel)
        ty += row_h
        for r in (r for r in head if r.indicator.topic == topic):
            ind = r.indicator
            dec = ind.decimals
            name_lines = page.wrap(names[ind.id], cols[0][1] - 0.08, size)
            this_h = row_h * (1 if len(name_lines) == 1 else 1.7)
            cells = ["", _fmt_cell(r.value, r.state, dec)]
            if r.year != year and r.state == "ok":
                cells[1] = f"({r.year}) {cells[1]}"
            cells += [_fmt_cell(c.value, c.state, dec) + ("*" if c.note and c.state == "ok"
                                                           else "") for c in r.references]
            cells.append(f"{r.rank}/{r.rank_of}" if r.rank else "–")
            if r.synthetic:
                page.rect(m - 0.09, ty + 0.02, 0.035, this_h - 0.04, facecolor=SYNTH_COLOR,
                          edgecolor="none")
            for k, line in enumerate(name_lines[:2]):
                page.text(m, ty + this_h / 2 + (k - (len(name_lines[:2]) - 1) / 2) *
                          page.line_h(size) * 0.9, line, size, va="center")
            x = m + cols[0][1]
            for k, (_n, cw, align) in enumerate(cols[1:-1], start=1):
                page.text(x + (cw - 0.05 if align == "right" else 0), ty + this_h / 2, cells[k],
                          size, ha=align, va="center",
                          weight="bold" if k == 1 else "normal")
                x += cw
            _sparkline(page, x + 0.05, ty + this_h / 2 - row_h * 0.3, cols[-1][1] - 0.2,
                       row_h * 0.6, r.trend, style.farbe_titel)
            ty += this_h
            page.hline(m, w - m, ty, color="#e3e3e3", lw=0.4)

    # Notes and sources.
    ny = ty + 0.15
    for note in notes:
        for line in page.wrap(note, w - 2 * m, 6.5):
            page.text(m, ny, line, 6.5, color=MUTED)
            ny += page.line_h(6.5)
    draw_footer(page, repo, lines, m, w - m, h - m + 0.1, created, synthetic)
    return fig, f"Steckbrief {area.name} {year}", sub
