"""What a report says about one view, independent of the file format: title, map picture,
legend, the view's table, the selected area's profile, sources and date.

`view_content` gathers it from the same functions as every other output (`compute_map`,
`view_table`, `profile_rows`, `attribution_lines`), so a Word or PowerPoint report shows the
numbers of the CSV export, with suppressed values as their symbol ("·"). Numbers are text in
German format (``12.345,6``) because a report table is read, not computed with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from geodata.reports.printmap import render_map
from geodata.reports.style import STATE_LEGEND
from geodata.reports.tables import view_table
from geodata.statistics.numfmt import format_number, german_date
from geodata.statistics.published import PublishedAtlas
from geodata.statistics.suppression import SYMBOL
from geodata.views.credits import SYNTHETIC_NOTE, attribution_lines
from geodata.views.mapdata import legend_labels, legend_notes, unit_in, view_label
from geodata.views.mapview import compute_map
from geodata.views.profile import (
    combined_references,
    combined_rows,
    profile_references,
    profile_rows,
)
from geodata.views.state import ViewState

MAX_TABLE_ROWS = 400  # longer tables: the first rows and a note (the CSV has them all)
MAX_VIEWS = 12  # a report basket holds at most this many views


@dataclass(frozen=True)
class LegendRow:
    """One legend entry: a class (``color``) or a special state (``state``)."""

    label: str
    count: int
    color: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class ViewContent:
    """Everything a report shows of one view."""

    title: str
    subtitle: str
    map_png: bytes
    alt_text: str
    legend_title: str
    legend: tuple[LegendRow, ...]
    legend_notes: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  # per column: right-aligned numbers
    truncated: int  # rows left out (0: the whole table)
    profile_title: str
    profile_columns: tuple[str, ...]
    profile_rows: tuple[tuple[str, ...], ...]
    sources: tuple[str, ...]
    stand: str
    synthetic: bool


def cell_text(value: object, decimals: int) -> str:
    """A table cell as text: integers without decimals, other numbers with the indicator's
    decimals, in German format; symbols and names as they are."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_number(value, 0)
    if isinstance(value, float):
        return format_number(value, decimals)
    return str(value)


def profile_table(repo: PublishedAtlas, state: ViewState) -> tuple[str, tuple[str, ...], tuple]:
    """(title, columns, rows as text) of the selected area's profile; empty without one
    selected area."""
    if not state.auswahl:
        return "", (), ()
    if state.weitere:  # a Sozialraum: the areas taken together (no rank: it has no peers)
        if state.ansicht != "sozialraum":
            return "", (), ()
        return sozialraum_table(repo, state)
    area_id = state.auswahl
    refs = profile_references(repo, area_id)
    cols = ("Indikator", "Wert", *(label for _n, label in refs), "Rang")
    return (f"Steckbrief {repo.areas[area_id].name} {state.jahr}", cols,
            _rows(profile_rows(repo, area_id, state.jahr), state.jahr, True))


def sozialraum_name(repo: PublishedAtlas, state: ViewState) -> str:
    """The Sozialraum's name from the address, or its members' names."""
    names = [repo.areas[a].name for a in state.selection]
    return state.name or (" + ".join(names) if len(names) <= 3
                          else f"{names[0]} + {len(names) - 1} weitere")


def sozialraum_table(repo: PublishedAtlas, state: ViewState) -> tuple[str, tuple[str, ...], tuple]:
    """(title, columns, rows) of the selected areas taken together (summed counts, rates
    recomputed from summed numerators and denominators)."""
    members = state.selection
    refs = combined_references(repo, members)
    cols = ("Indikator", "Sozialraum", *(label for _n, label in refs))
    rows = _rows(combined_rows(repo, members, state.jahr), state.jahr, False)
    return f"Sozialraum {sozialraum_name(repo, state)} {state.jahr}", cols, rows


PARTIAL_NOTE = ("* Vergleichswert aus den Teilgebieten mit Wert (das übergeordnete Gebiet hat "
                "selbst keinen); gesperrte Werte sind „·“.")


def partial_note(rows: Sequence[Sequence[str]]) -> str:
    """The footnote of a profile table that has a "*" reference, else ""."""
    return PARTIAL_NOTE if any(c.endswith("*") for r in rows for c in r[2:]) else ""


def _rows(rows: list, year: int, ranked: bool) -> tuple:
    """The rows as text: value, every labelled reference (a total of the children that have
    a value marked "*"), the rank."""
    out = []
    for r in rows:
        dec = r.indicator.decimals

        def fmt(value: float | None, st: str, dec: int = dec) -> str:
            return format_number(value, dec) if value is not None and st == "ok" else (
                SYMBOL.get(st, SYMBOL["keine_daten"]))

        value = fmt(r.value, r.state)
        if r.year != year and r.state == "ok":
            value = f"{value} ({r.year})"
        unit = f" ({r.indicator.unit})" if r.indicator.unit else ""
        row = [r.indicator.name + unit, value]
        row += [fmt(c.value, c.state) + ("*" if c.note and c.state == "ok" else "")
                for c in r.references]
        if ranked:
            row.append(f"{r.rank}/{r.rank_of}" if r.rank else "–")
        out.append(tuple(row))
    return tuple(out)


def view_content(repo: PublishedAtlas, state: ViewState, created: dt.date,
                 map_px: tuple[int, int] = (1890, 1260)) -> ViewContent:
    """The content of one view; the map picture is ``map_px`` pixels (1890 × 1260 fills
    16 cm of a Word page at 300 dpi)."""
    md = compute_map(repo, state)
    label = view_label(repo, state, len(md.area_ids))
    unit = unit_in(md.unit)
    png = render_map(repo, state, "png", "px", map_px[0], map_px[1],
                     labels=state.karte.namen, institutions=state.schulen, created=created)
    cols, rows, _meta = view_table(repo, state)
    dec = md.indicator.decimals
    text_rows = tuple(tuple(cell_text(v, dec) for v in row) for row in rows[:MAX_TABLE_ROWS])
    numeric = tuple(any(isinstance(r[i], (int, float)) and not isinstance(r[i], bool)
                        for r in rows) for i in range(len(cols)))
    legend = [LegendRow(lbl, n, color) for lbl, n, color in
              zip(legend_labels(md), md.classification.counts, md.colors, strict=True)]
    legend += [LegendRow(STATE_LEGEND[st], md.states.count(st), state=st)
               for st in ("keine_daten", "gesperrt", "nicht_bewertet")]
    sources = attribution_lines(repo, list(md.sources), state.schulen,  # the values shown
                                list(md.area_ids) if md.year is not None else None, md.year)
    ptitle, pcols, prows = profile_table(repo, state)
    alt = (f"Karte: {md.title}, {label}. {len(md.classification.counts)} Klassen: "
           + "; ".join(f"{r.label} ({r.count} Gebiete)" for r in legend if r.color)
           + (f". {SYNTHETIC_NOTE}." if md.synthetic else "."))
    return ViewContent(
        title=md.title, subtitle=label + (f" · Werte {unit}" if unit else ""),
        map_png=png, alt_text=alt,
        legend_title=f"{md.indicator.name}{' ' + unit if unit else ''}",
        legend=tuple(legend), legend_notes=tuple(legend_notes(md)),
        columns=tuple(cols), rows=text_rows, numeric=numeric,
        truncated=max(0, len(rows) - MAX_TABLE_ROWS),
        profile_title=ptitle, profile_columns=pcols, profile_rows=prows,
        sources=tuple(sources),
        stand=f"Stand: Atlasversion {repo.version}, erstellt am {german_date(created)}",
        synthetic=md.synthetic,
    )


def sozialraum_csv(repo: PublishedAtlas, state: ViewState) -> bytes:
    """The Sozialraum's profile as CSV for German Excel (``;``, decimal comma, UTF-8 with BOM;
    symbols for suppressed values), with its members and the sources below."""
    import csv
    import io

    from geodata.statistics.textsafe import safe_text

    if len(state.selection) < 2:
        raise ValueError("Ein Sozialraum braucht mindestens zwei ausgewählte Gebiete.")
    title, cols, rows = sozialraum_table(repo, state)
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    out.writerow([safe_text(title)])
    out.writerow([safe_text(c) for c in cols])
    for row in rows:
        out.writerow([safe_text(v.replace(".", "")) if v[:1].isdigit() else safe_text(v)
                      for v in row])
    out.writerow([])
    out.writerow(["Gebiete"] + [safe_text(f"{repo.areas[a].name} ({a})")
                                for a in state.selection])
    ind_ids = [i for i in repo.indicators]
    for line in attribution_lines(repo, ind_ids, False):
        out.writerow([safe_text(line)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
