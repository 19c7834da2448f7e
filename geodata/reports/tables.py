"""The current view's table: CSV for German Excel and XLSX with a metadata sheet.

`view_table` gives one row per area of the map (key, name, value as shown, state, class, and
for a rate its numerator and denominator where these counts are published) from the same
`MapData` as the screen, read through the published atlas (`geodata.statistics.published`). CSV:
``;``, decimal comma, UTF-8 with BOM, no thousands separator, texts guarded against formulas.
XLSX: the table as numbers plus a sheet "Metadaten" (indicator definitions, sources, year,
classification, suppression rule). A suppressed value is never written as a number: the
state's symbol (``·`` gesperrt, ``–`` keine Daten, ``n. b.`` nicht bewertet) stands in its
place.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from geodata.model.entities import ROOT
from geodata.statistics.classify import class_labels
from geodata.statistics.numfmt import format_number, german_date
from geodata.statistics.published import MISSING_CELL, Cell, PublishedAtlas, published
from geodata.statistics.suppression import LABEL, SYMBOL
from geodata.statistics.textsafe import safe_text, texts_never_formulas
from geodata.views.credits import attribution_lines
from geodata.views.mapdata import MapData, view_label
from geodata.views.mapview import compute_map
from geodata.views.profile import need_sign, rank_label, ranks
from geodata.views.state import ViewState, to_query


# --- tables ----------------------------------------------------------------------------------
def _number(value: float, decimals: int) -> float | int:
    return int(round(value)) if decimals == 0 else round(value, decimals)


def _cell(value: float | None, state: str, decimals: int) -> float | int | str:
    """A published number, or the symbol of the state (never a suppressed number)."""
    if state != "ok" or value is None:
        return SYMBOL.get(state, SYMBOL["keine_daten"])
    return _number(value, decimals)


def view_table(repo: PublishedAtlas, state: ViewState) -> tuple[list[str], list[list[Any]], dict]:
    """The current view's table: one row per area on the map (map order), then the parent
    (or the whole atlas).

    Columns: key, name, level, the value (a change map: both years and the change), for
    rates numerator and denominator, rank (1 = most need, among the published values), class
    and its bounds, and a note naming a special state. Special states are written as their
    symbol in every number column of the row.

    Returns ``(columns, rows, meta)``; ``meta`` holds title, view, year, classification,
    reference, suppression rule, indicator definitions, sources and the view's URL query.
    """
    repo = published(repo)
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
    cols += [rank_label(ind), "Klasse", "Klassengrenzen", "Hinweis", "Herkunft"]
    origins = list(md.origins) or [""] * len(ids)  # what each value is (issue 17)

    labels = list(md.class_names) or class_labels(md.classification, dec)
    ranked = ranks(list(md.values), need_sign(ind))
    index_view = bool(md.class_names) or ind.id.startswith("index:")
    if change:
        old_col = repo.column(ids, ind.id, state.karte.vergleich)  # type: ignore[arg-type]
        new_col = repo.column(ids, ind.id, state.jahr)
    elif rate and not index_view:
        counts = repo.column(ids, ind.id, state.jahr)
    rows: list[list[Any]] = []
    for i, aid in enumerate(ids):
        area = repo.areas[aid]
        st = md.states[i]
        row: list[Any] = [aid, area.name, repo.level(area.level).name]
        if change:
            row += [_cell(old_col.values[i], old_col.states[i], dec),
                    _cell(new_col.values[i], new_col.states[i], dec),
                    _cell(md.values[i], st, dec)]
        else:
            row.append(_cell(md.values[i], st, dec))
            if rate:
                # A count is shown where the control publishes it, whatever the rate's state
                # (it is published on its own anyway).
                row += [_count(counts.numerators[i], counts.states[i]),
                        _count(counts.denominators[i], counts.states[i])]
        c = md.classification.classes[i]
        row += [ranked[i] if ranked[i] is not None else "",
                c + 1 if c is not None and st == "ok" else "",
                labels[c] if c is not None and st == "ok" else "",
                "" if st == "ok" else LABEL.get(st, st), origins[i]]
        rows.append(row)
    # References: the parent (or the whole atlas), and each Land where the atlas covers
    # several, as the disclosure control publishes them.
    for ref in _reference_nodes(repo, state.gebiet) if not index_view else [state.gebiet]:
        rows.append(_reference_row(repo, state, ind.id, ref, change, rate and not index_view))

    meta = _table_meta(repo, state, md, labels)
    return cols, rows, meta


def _count(value: float | None, state: str) -> int | str:
    """A published count, or the symbol: "·" where the count is suppressed, "–" without data."""
    if value is not None:
        return int(round(value))
    return SYMBOL["keine_daten"] if state == "keine_daten" else SYMBOL["gesperrt"]


def _reference_nodes(repo: Any, gebiet: str) -> list[str]:
    """The view's parent (or the whole atlas), then the Länder under it where the atlas covers
    several (at the top: each Land)."""
    nodes = [gebiet]
    lands = repo.lands()
    if gebiet == ROOT:
        nodes += list(lands)
    elif (land := repo.land_of(gebiet)) is not None:
        nodes.append(land)
    return nodes


def _reference_row(repo: Any, state: ViewState, ind_id: str, ref: str, change: bool,
                   with_parts: bool) -> list[Any]:
    ind = repo.indicators.get(ind_id)  # a need index has no reference values
    dec = ind.decimals if ind is not None else 0

    def reference(year: int) -> Cell:
        return repo.reference(ref, ind_id, year) if ind is not None else MISSING_CELL

    if ref in repo.areas:
        level = repo.level(repo.area(ref).level).name
    else:
        level = "Land" if ref != ROOT else "Gesamt"
    row: list[Any] = [ref if ref in repo.areas else "", repo.display_name(ref) + " (insgesamt)",
                      level]

    def ref_cell(c: Cell) -> Any:
        return _cell(c.value, c.state, dec)

    now = reference(state.jahr)
    if change:
        old = reference(state.karte.vergleich)  # type: ignore[arg-type]
        a, b = ref_cell(old), ref_cell(now)
        diff = (_number(b - a, dec) if isinstance(a, (int, float))
                and isinstance(b, (int, float)) else SYMBOL["keine_daten"])
        row += [a, b, diff]
    else:
        row.append(ref_cell(now))
        if with_parts:
            row += [_count(now.numerator, now.state), _count(now.denominator, now.state)]
    prov = repo.provenance(ref, ind_id, state.jahr) if ind is not None else None
    row += ["", "", "", now.note, prov.label if prov is not None else ""]  # Herkunft (issue 17)
    return row


def _indicator_definition(repo: PublishedAtlas, ind_id: str) -> dict[str, str]:
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


def _table_meta(repo: Any, state: ViewState, md: MapData, labels: list[str]) -> dict:
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
            f"Anzahlen unter {rule.threshold} und Quoten, deren Zähler oder Nenner unter "
            f"{rule.threshold} liegt, sind gesperrt ({SYMBOL['gesperrt']}); dazu sekundäre "
            "Sperrung, damit kein gesperrter Wert als Differenz zu übergeordneten Gebieten "
            "(auf jeder Ebene), aus einer Quote und ihrem Zähler oder Nenner oder über "
            "Indikatoren mit gemeinsamem Zähler oder Nenner berechnet werden kann. Werte sind "
            "auf die Dezimalstellen des Indikators gerundet."
            + (f" Gebiete unter {format_number(rule.min_population)} Einwohnern sind nicht "
               f"bewertet ({SYMBOL['nicht_bewertet']})." if rule.min_population else "")
            + f" Keine Daten: {SYMBOL['keine_daten']}."),
        "indikatoren": [_indicator_definition(repo, i) for i in dict.fromkeys(ids)],
        "quellen": attribution_lines(repo, ids, False, list(md.area_ids), md.year)
        if md.year is not None else attribution_lines(repo, ids, False),
        "synthetisch": md.synthetic,
        "erstellt": german_date(dt.date.today()),
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


def table_csv(repo: PublishedAtlas, state: ViewState) -> bytes:
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


def table_xlsx(repo: PublishedAtlas, state: ViewState) -> bytes:
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
