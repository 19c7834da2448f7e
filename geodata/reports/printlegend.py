"""The legend and footer of a print map: classes with their colours and counts, the special
states with their patterns, method and class count, reference value, the confidentiality
rule, and the footer with sources, date and house style text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from matplotlib.lines import Line2D

from geodata.reports.style import (
    MUTED,
    STATE_LEGEND,
    STATE_STYLE,
    SYNTH_COLOR,
    TEXT,
    Page,
    swatch,
)
from geodata.statistics.numfmt import format_number, german_date
from geodata.statistics.published import PublishedAtlas
from geodata.views.credits import SYNTHETIC_NOTE
from geodata.views.mapdata import MapData, legend_labels, legend_notes, unit_in


def legend_parts(page: Page, md: MapData, inst_rows: int, width: float,
                  ) -> tuple[float, float]:
    """Heights in inches of the legend's two blocks (see `draw_legend`): heading and classes;
    special states, institutions and notes."""
    lh = page.line_h
    row = lh(8.5) * 1.25
    head = len(page.wrap(_legend_heading(md), width, 9.5, "bold")) * lh(9.5) + lh(8) * 1.15
    synth = lh(7.5) * 1.6 if md.synthetic else 0
    first = head + synth + lh(6.5) + md.classification.k * row
    notes = sum(len(page.wrap(n, width, 7)) for n in legend_notes(md))
    second = (len(STATE_STYLE) + inst_rows) * row + row * 0.5 + 0.15 * page.scale + notes * lh(7)
    return first, second


def _legend_heading(md: MapData) -> str:
    unit = unit_in(md.unit)
    return f"{md.indicator.name}{' ' + unit if unit else ''}"


def draw_legend(page: Page, x: float, y: float, width: float, md: MapData,
                 inst: Sequence[tuple[str, str, int]],
                 second: tuple[float, float] | None = None) -> None:
    """Legend with its top-left corner at (x, y): heading, classes with counts, the special
    states with their patterns, institution types, notes. With ``second`` (x, y) the states
    and notes start a second column there."""
    lh = page.line_h
    for line in page.wrap(_legend_heading(md), width, 9.5, "bold"):
        page.text(x, y, line, 9.5, weight="bold")
        y += lh(9.5)
    year = (f"Veränderung {md.title.rsplit(' ', 1)[-1]}" if "Veränderung" in md.title
            else md.title.rsplit(" ", 1)[-1])
    page.text(x, y, year, 8, color=MUTED)
    y += lh(8) * 1.15
    if md.synthetic:
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
        swatch(page, x, y, sw, sh, color)
        entry(label, n)
        y += row
    if second is not None:
        x, y = second
    else:
        y += row * 0.25
    for state in STATE_STYLE:
        swatch(page, x, y, sw, sh, "", state)
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
        for line in page.wrap(note, width, 7):
            page.text(x, y, line, 7, color=MUTED)
            y += lh(7)


def _footer_lines(page: Page, repo: PublishedAtlas, lines: Sequence[str], width: float,
                  created: dt.date, synthetic: bool) -> tuple[list[str], list[str], bool]:
    """(wrapped sources, wrapped creation line, synthetic note beside the last line)."""
    wrapped = [w for line in lines for w in page.wrap(line, width, 6.5)]
    made = f"Erstellt am {german_date(created)} · {repo.settings.title}"
    if page.style.fusszeile:
        made += f" · {page.style.fusszeile}"
    # The creation line and the synthetic note share the last line only when both fit.
    made_lines = page.wrap(made, width, 6.5)
    note_w = page.width(SYNTHETIC_NOTE, 6.5, "bold") if synthetic else 0.0
    beside = synthetic and len(made_lines) == 1 and (
        page.width(made_lines[0], 6.5) + note_w + 0.2 * page.scale <= width)
    return wrapped, made_lines, beside


def footer_height(page: Page, repo: PublishedAtlas, lines: Sequence[str], width: float,
                  created: dt.date, synthetic: bool) -> float:
    """Height in inches that `draw_footer` will take."""
    wrapped, made_lines, beside = _footer_lines(page, repo, lines, width, created, synthetic)
    extra = 0 if beside or not synthetic else 1
    return (len(wrapped) + len(made_lines) + extra) * page.line_h(6.5) + 0.12 * page.scale


def draw_footer(page: Page, repo: PublishedAtlas, lines: Sequence[str], x0: float, x1: float,
            bottom: float, created: dt.date, synthetic: bool) -> float:
    """Attribution lines and the creation line at the bottom; returns the footer's top y."""
    lh = page.line_h(6.5)
    wrapped, made_lines, beside = _footer_lines(page, repo, lines, x1 - x0, created, synthetic)
    top = bottom - footer_height(page, repo, lines, x1 - x0, created, synthetic)
    page.hline(x0, x1, top, color="#9a9a9a", lw=0.5)
    y = top + 0.07 * page.scale
    for line in wrapped:
        page.text(x0, y, line, 6.5, color=MUTED)
        y += lh
    for line in made_lines:
        page.text(x0, y, line, 6.5, color=TEXT)
        y += lh
    if synthetic:
        page.text(x1, y - lh if beside else y, SYNTHETIC_NOTE, 6.5, color=SYNTH_COLOR,
                  weight="bold", ha="right")
    return top
