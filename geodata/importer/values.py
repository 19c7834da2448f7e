"""Indicator tables: column mapping (proposed, correctable; `geodata.importer.columns`), wide
or long layout, key and name matching, cell semantics, the Gebietsstand, and the checks for
impossible values.

Every cell of a value column says something about its area, indicator and year (see
`geodata.importer.tabular.read_cell`): a number is the new value; a suppression marker
(``.``, ``/``) says the value exists but is not published, and is stored as suppressed; an
empty cell or ``-``, ``x``, ``…`` says there is no value. All three replace what is stored
for that cell (`geodata.importer.merge`). Rows of areas outside the atlas (other Länder of a
national table) and of areas above its levels (Deutschland, Länder, Regierungsbezirke) are
skipped with a note, not rejected.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from geodata.importer.columns import (  # noqa: F401  (re-exported for the upload page)
    KIND_NAMES,
    ROLE_LABELS,
    catalogue_lookup,
    classify_column,
    describe_role,
    merge_mapping,
    propose_mapping,
    proposed_meta,
    resolve_column,
    slug,
)
from geodata.importer.keys import AreaIndex, fold, restore_key
from geodata.importer.official import Attribution
from geodata.importer.report import Report, count
from geodata.importer.report import sentence as _sentence
from geodata.importer.rowkinds import (  # noqa: F401  (read_metadata: re-exported for core)
    category_column,
    file_level,
    level_of_cell,
    outside_kind,
    read_metadata,
    same_place,
)
from geodata.importer.tabular import RawTable, parse_number, read_cell
from geodata.importer.territory import CellRow, carry_forward, load_changes
from geodata.statistics.numfmt import format_number

_NOT_AREAS = {"insgesamt", "summe", "zusammen", "gesamt", "total", "deutschland"}
PERCENT_UNITS = {"%", "prozent"}
VALUE_FRAME = ["area_id", "indicator_id", "year", "value", "numerator", "denominator", "status"]


@dataclass
class ValueOptions:
    """What the file does not say itself (CLI flags or the upload form)."""

    mapping: dict[str, str] | None = None  # column → role; None: proposed automatically
    year: int | None = None  # year of all values when there is no year column
    indicator: str | None = None  # indicator of all values (wide by year, or long w/o column)
    level: str | None = None  # level of all rows when there is no level column
    within: str | None = None  # match names only below this area (e.g. a city)
    sheet: str | None = None  # the sheet of a workbook (default: the one with the keys)
    only: dict[str, str] | None = None  # read only rows whose column has this value
    carry: bool = False  # carry values of old keys to their successor (Gebietsstand)


@dataclass
class ValueResult:
    """Imported cells (``status``: "" value, "gesperrt", "leer" = no value, "unvollstaendig")."""

    values: pd.DataFrame
    new_indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    attribution: Attribution = field(default_factory=Attribution)


def _year(cell: object) -> int | None:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return int(cell) if cell == cell and float(cell).is_integer() and 1900 <= cell <= 2100 else None
    m = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", str(cell or ""))
    return int(m.group(1)) if m else None






def import_values(table: RawTable, idx: AreaIndex, catalogue: pd.DataFrame, report: Report,
                  options: ValueOptions | None = None,
                  metadata: dict[str, dict[str, str]] | None = None) -> ValueResult:
    """Read the values of an indicator table (rows with errors are rejected and reported)."""
    options = options or ValueOptions()
    metadata = metadata or {}
    f = table.file
    counts = report.file(f)
    mapping = merge_mapping(propose_mapping(table, catalogue, options.indicator),
                            options.mapping, table.header)
    unknown_cols = set(mapping) - set(table.header)
    for col in sorted(unknown_cols):
        report.error(f, f"Die Zuordnung nennt die Spalte „{col}“, die es in der Datei nicht gibt.")
    for col in table.header:
        mapping.setdefault(col, "ignorieren")
    by_role: dict[str, str] = {}
    value_cols: dict[str, tuple[str, str]] = {}
    for col, role in mapping.items():
        if role.startswith("wert:"):
            _w, ind, yr = (role.split(":", 2) + ["", ""])[:3]
            if yr.strip() and not (yr.strip().isdigit() and 1900 <= int(yr) <= 2100):
                report.error(f, f"Die Zuordnung „{role}“ nennt kein gültiges Jahr („{yr}“); "
                             f"erwartet z. B. „wert:{ind or 'indikator'}:2023“.", column=col)
                continue
            value_cols[col] = (ind, yr.strip())
        elif role in ROLE_LABELS and role != "ignorieren":
            if role in by_role:
                report.error(f, f"Die Rolle „{ROLE_LABELS[role]}“ ist zwei Spalten zugeordnet "
                             f"(„{by_role[role]}“ und „{col}“).")
            by_role[role] = col
        elif role != "ignorieren":
            report.error(f, f"Unbekannte Zuordnung „{role}“.", column=col)
    report.summary.append(f"{f}: gelesen als {table.description or 'Tabelle'}; Zuordnung: "
                          + ", ".join(f"„{c}“ → {describe_role(r)}" for c, r in mapping.items()))
    classes = {col: classify_column(col, table.column(col), table.decimal)
               for col in table.header if col not in unknown_cols}
    skipped_kinds = [(c, classes[c]) for c, r in mapping.items() if r == "ignorieren"
                     and c in classes and classes[c].kind in {"plz", "koordinate", "kennung"}
                     and any(parse_number(v, table.decimal)[0] == "zahl"
                             for v in table.column(c)[:50] if v not in (None, ""))]
    for col, cls in skipped_kinds:
        report.note(f, f"Spalte „{col}“ nicht übernommen: {cls.reason} (keine Messgröße).",
                    column=col)
    if "wert" in by_role:
        value_cols[by_role["wert"]] = ("", "")
    if not value_cols:
        report.error(f, "Keine Spalte mit Werten gefunden: ordnen Sie mindestens einer Spalte "
                     "einen Indikator oder „Wert“ zu.")
    if "schluessel" not in by_role and "name" not in by_role:
        report.error(f, "Weder eine Schlüssel- noch eine Namensspalte gefunden: so lassen sich "
                     "die Zeilen keinem Gebiet zuordnen.")
    within = options.within
    if within is not None and str(within).strip():
        within = idx.find_key(str(within).strip(), [lvl.id for lvl in idx.levels])
        if within is None:
            report.error(f, f"Das Gebiet „{options.within}“ (alle Namen liegen darin) ist im "
                         "Atlas unbekannt; bitte den Schlüssel prüfen (z. B. 08212000).")
    else:
        within = None
    only: dict[int, str] = {}
    col_i = {c: i for i, c in enumerate(table.header)}
    for name, wanted in (options.only or {}).items():
        col = resolve_column(name, table.header)
        if col is None:
            report.error(f, f"Die Auswahl „{name}={wanted}“ nennt die Spalte „{name}“, die es in "
                         "der Datei nicht gibt.")
            continue
        present = sorted({str(c) for c in table.column(col) if c not in (None, "")})
        if fold(wanted) not in {fold(v) for v in present}:
            report.error(f, f"Die Auswahl „{name}={wanted}“: in der Spalte „{col}“ kommt "
                         f"„{wanted}“ nicht vor (vorhanden: {', '.join(present[:12])}"
                         + (" …" if len(present) > 12 else "") + ").")
            continue
        only[col_i[col]] = fold(wanted)
    if not only and (cat := category_column(table, by_role)):
        shown = sorted({str(c) for c in table.column(cat) if c not in (None, "")})
        report.error(f, f"Die Datei hat mehrere Zeilen je Gebiet und Jahr, unterschieden durch "
                     f"die Spalte „{cat}“ ({', '.join(shown[:8])}" + (" …" if len(shown) > 8
                                                                     else "")
                     + "). Bitte wählen, welche Zeilen gelten: Kommandozeile "
                     f"--nur \"{cat}={shown[0]}\", Import-Seite „Nur Zeilen mit“.")
    if report.errors and any(i.file == f and not i.line for i in report.errors):
        counts.read += len(table.rows)
        counts.rejected += len(table.rows)
        return ValueResult(_empty(), {}, mapping, table.attribution)

    known = set(catalogue["id"].astype(str))
    cat_rows = {str(r["id"]): r for r in catalogue.fillna("").to_dict("records")}
    lookup = catalogue_lookup(catalogue)
    new_inds: dict[str, dict[str, str]] = {}
    all_levels = [lvl.id for lvl in idx.levels]
    long_form = False
    if options.level is None and "ebene" not in by_role:
        guess = file_level(table, by_role.get("schluessel"), idx)
        if guess is not None:
            all_levels, long_form = [guess[0]], True
            report.note(f, f"Schlüssel mit acht Stellen (z. B. „06411000“) als Schlüssel der "
                        f"Ebene {idx.level(guess[0]).name} gelesen (die Datei enthält "
                        f"{idx.level(guess[0]).plural}).")
    changes = load_changes()
    seen: dict[tuple[str, str, int], int] = {}
    markers: Counter[tuple[str, str]] = Counter()
    outside: Counter[str] = Counter()
    not_selected = 0
    unusual: dict[str, list[tuple[int, float]]] = {}  # published rates outside 0–100 %
    mapped = {ind for ind, _yr in value_cols.values() if ind}
    out_rows: list[CellRow] = []
    old_rows: list[CellRow] = []
    rejected_old: dict[tuple[str, int], list[str]] = {}

    def cell(cells: list, role: str) -> object:
        return cells[col_i[by_role[role]]] if role in by_role else None

    for line, cells in table.rows:
        counts.read += 1
        if only and any(fold(cells[i]) != v for i, v in only.items()):
            counts.skipped += 1
            not_selected += 1
            continue
        problems: list[tuple[str, str]] = []  # (column, reason)
        key_raw, name_raw = cell(cells, "schluessel"), cell(cells, "name")
        name = "" if name_raw is None else str(name_raw)
        levels = all_levels if options.level is None else [options.level]
        if "ebene" in by_role:
            lvl, what = level_of_cell(cell(cells, "ebene"), idx)
            if lvl is None:
                counts.skipped += 1
                report.note(f, f"Keine Gebietszeile (Ebene „{what}“), nicht importiert"
                            + (f": „{name}“" if name else "") + ".", line, by_role["ebene"])
                continue
            levels = [lvl]
        if key_raw in (None, "") and fold(name) in _NOT_AREAS:
            counts.skipped += 1
            report.note(f, f"Summenzeile „{name}“ ist kein Gebiet, nicht importiert.", line)
            continue
        area_id = None
        old_key = None
        if "schluessel" in by_role:
            col = by_role["schluessel"]
            if key_raw in (None, ""):
                problems.append((col, "kein Gebietsschlüssel"))
            else:
                area_id = idx.find_key(key_raw, levels, long_form)
                if area_id is None:
                    shown = str(key_raw)
                    restored = [k for lid in levels
                                if (k := restore_key(key_raw, idx.level(lid), long_form))]
                    change = next((changes[k] for k in restored if k in changes), None)
                    if change is not None and change.new in idx.names:
                        if options.carry:
                            old_key = change.old
                        else:
                            problems.append((col, f"Schlüssel „{shown}“"
                                             + (f" („{name}“)" if name else "")
                                             + " ist im Gebietsstand des Atlas unbekannt: "
                                             + change.sentence()))
                    elif outside_kind(key_raw, restored, idx) and "ebene" not in by_role:
                        counts.skipped += 1
                        outside[outside_kind(key_raw, restored, idx)] += 1
                        continue
                    else:
                        msg = f"Schlüssel „{shown}“" + (f" („{name}“)" if name else "")
                        msg += " ist im Gebietsstand des Atlas unbekannt"
                        if name and (same := idx.find_name(name, levels)):
                            msg += f"; ein Gebiet dieses Namens hat den Schlüssel {same[0]}"
                        problems.append((col, msg))
                elif name and fold(idx.names[area_id]) not in fold(name) \
                        and fold(name) not in fold(idx.names[area_id]) \
                        and not same_place(name, idx.names[area_id]):
                    report.warning(f, f"Der Name „{name}“ passt nicht zum Schlüssel {area_id} "
                                   f"(im Atlas „{idx.names[area_id]}“).", line,
                                   by_role.get("name", ""))
        else:
            col = by_role["name"]
            if not name:
                problems.append((col, "kein Gebietsname"))
            else:
                hits = idx.find_name(name, levels, within)
                if len(hits) == 1:
                    area_id = hits[0]
                elif len(hits) > 1:
                    problems.append((col, f"Der Name „{name}“ ist mehrdeutig ({', '.join(hits[:5])})"
                                     "; bitte eine Schlüsselspalte verwenden"))
                else:
                    sugg = idx.suggest(name, levels, within)
                    problems.append((col, f"Kein Gebiet heißt „{name}“"
                                     + (f" – meinten Sie „{sugg}“?" if sugg else "")))
        year_cell = cell(cells, "jahr")
        row_year = _year(year_cell) if "jahr" in by_role else options.year
        if "jahr" in by_role and row_year is None:
            problems.append((by_role["jahr"], f"„{year_cell}“ ist keine Jahreszahl"))
        row_ind = None
        if "indikator" in by_role:
            raw_ind = str(cell(cells, "indikator") or "")
            row_ind = lookup.get(fold(raw_ind)) or (slug(raw_ind) if raw_ind else None)
            if row_ind is None:
                problems.append((by_role["indikator"], "kein Indikator angegeben"))

        found: list[CellRow] = []
        num_den: dict[str, float] = {}
        num_den_state = ""
        for role in ("zaehler", "nenner"):
            if role in by_role:
                kind, val = read_cell(cell(cells, role), table.decimal)
                if kind == "zahl":
                    num_den[role] = float(val)  # type: ignore[arg-type]
                elif kind == "gesperrt":
                    num_den_state = "gesperrt"
                elif kind == "ungueltig":
                    problems.append((by_role[role], f"„{cell(cells, role)}“ ist keine Zahl"))
        for col, (ind, yr) in value_cols.items():
            ind_id = ind or row_ind or options.indicator
            year = int(yr) if yr else row_year
            if not ind_id:
                problems.append((col, "Zu welchem Indikator gehört der Wert? Spalte zuordnen "
                                 "oder Indikator angeben"))
                continue
            if year is None:
                if "jahr" not in by_role:  # else the year cell is reported already
                    problems.append((col, "kein Jahr: Jahresspalte zuordnen oder Jahr angeben"))
                continue
            raw = cells[col_i[col]]
            kind, val = read_cell(raw, table.decimal)
            if kind == "ungueltig":
                problems.append((col, f"„{raw}“ ist keine Zahl"))
                continue
            if ind_id not in known and ind_id not in new_inds:
                given = {k: v for k, v in metadata.get(ind_id, {}).items() if str(v).strip()}
                new_inds[ind_id] = {**proposed_meta(ind_id, col, f, classes.get(col)), **given}
            meta = cat_rows.get(ind_id) or new_inds[ind_id]
            num, den = num_den.get("zaehler", math.nan), num_den.get("nenner", math.nan)
            status = ""
            value = float(val) if kind == "zahl" else math.nan  # type: ignore[arg-type]
            factor = float(meta.get("factor") or 1)
            if kind != "zahl":
                if not math.isnan(num) and not math.isnan(den) and den:
                    value = factor * num / den
                elif num_den_state == "gesperrt":
                    status = "gesperrt"
                else:
                    status = kind  # "gesperrt" or "leer"
                    markers[(str(val), kind)] += 1
            elif num_den_state == "gesperrt":
                num = den = math.nan
            published = (meta.get("kind") == "rate" and math.isnan(num) and math.isnan(den)
                         and not {meta.get("numerator"), meta.get("denominator")} <= mapped)
            if published and not math.isnan(value) and (value < 0 or (factor == 100
                                                                       and value > 100)):
                # an official rate may leave 0–100 % (children cared for in another Kreis,
                # a change in %): kept as published, reported once per column
                unusual.setdefault(col, []).append((line, value))
            else:
                problems += [(col, p) for p in _impossible(value, num, den, meta)]
            found.append((area_id or old_key or "", ind_id, year, value, num, den, status, line))
        # numerator greater than its denominator, both imported in this row (wide layout)
        row_vals = {c[1]: c[3] for c in found if not math.isnan(c[3])}
        for ind_id, meta in cat_rows.items():
            if meta.get("kind") != "rate":  # a mean (pupils per school) may exceed 1
                continue
            n_id, d_id = meta.get("numerator"), meta.get("denominator")
            if n_id in row_vals and d_id in row_vals and row_vals[n_id] > row_vals[d_id]:
                problems.append(("", f"Zähler „{n_id}“ ({_de(row_vals[n_id])}) ist größer als "
                                 f"der Nenner „{d_id}“ ({_de(row_vals[d_id])}) von „{ind_id}“"))
        dups = sorted({(seen[(c[0], c[1], c[2])], c[0], c[2]) for c in found
                       if (c[0], c[1], c[2]) in seen})
        for first, a, y in dups:
            problems.append(("", f"doppelt: Gebiet {a}, Jahr {y} steht schon in Zeile {first}"))
        if problems:
            counts.rejected += 1
            for column, reason in problems:
                report.error(f, _sentence(reason) + " Zeile abgelehnt.", line, column)
            if old_key is None and "schluessel" in by_role and area_id is None:
                restored = [k for lid in levels
                            if (k := restore_key(key_raw, idx.level(lid), long_form))]
                change = next((changes[k] for k in restored if k in changes), None)
                if change is not None and change.new in idx.names and row_year is not None:
                    rejected_old.setdefault((change.new, row_year), []).append(change.old)
            continue
        for c in found:
            seen[(c[0], c[1], c[2])] = line
        if not any(c[6] != "leer" for c in found):
            counts.skipped += 1
        else:
            counts.imported += 1
        (old_rows if old_key else out_rows).extend(found)
    for col, hits in unusual.items():
        shown = ", ".join(f"Zeile {ln}: {_de(v)}" for ln, v in hits[:3])
        report.warning(f, f"{count(len(hits), 'Wert', 'Werte')} außerhalb von 0 bis 100 % ("
                       f"{shown}{' …' if len(hits) > 3 else ''}); übernommen, wie veröffentlicht "
                       "(eine Quote ohne Zähler und Nenner, z. B. Betreuung in einem anderen "
                       "Kreis oder eine Veränderung in %). Bitte prüfen.", column=col)
    if outside:
        report.summary.append(f"{f}: {count_rows(sum(outside.values()))} außerhalb der Ebenen "
                              "oder des Gebiets des Atlas übersprungen ("
                              + ", ".join(f"{n}× {what}" for what, n in sorted(outside.items()))
                              + ").")
    if not_selected:
        report.summary.append(f"{f}: {count_rows(not_selected)} nicht ausgewählt (--nur "
                              + ", ".join(f"{table.header[i]}={v}" for i, v in only.items())
                              + ").")
    kinds = {str(r["id"]): str(r.get("kind") or "count") for r in cat_rows.values()}
    kinds.update({k: str(v.get("kind") or "count") for k, v in new_inds.items()})
    if old_rows:
        out_rows, notes = carry_forward(out_rows, old_rows, changes, kinds, idx.names)
        for line, text in notes:
            report.note(f, text, line)
    for (succ, year), olds in sorted(rejected_old.items()):
        hit = False
        for i, c in enumerate(out_rows):
            if c[0] == succ and c[2] == year and c[6] == "":
                out_rows[i] = (*c[:6], "unvollstaendig", c[7])
                hit = True
        if hit:
            names = ", ".join(f"{changes[o].old_name} ({o})" for o in sorted(set(olds)))
            report.warning(f, f"{idx.names.get(succ, succ)} ({succ}) {year}: die Werte beziehen "
                           f"sich auf das Gebiet ohne {names} und werden nicht zum "
                           "übergeordneten Gebiet summiert. Um die Werte auf den heutigen "
                           "Gebietsstand zu übertragen: --gebietsstand (Import-Seite: "
                           "„Gebietsstand übertragen“).")
    out_rows = _without_recomputed_rates(out_rows, value_cols, cat_rows, report, f)
    if markers:
        sup = [(m, n) for (m, k), n in sorted(markers.items()) if k == "gesperrt"]
        empty = [(m, n) for (m, k), n in sorted(markers.items()) if k == "leer"]
        parts = []
        if sup:
            parts.append(", ".join(f"{n}× {m}" for m, n in sup) + " als gesperrt übernommen")
        if empty:
            parts.append(", ".join(f"{n}× {m}" for m, n in empty) + " ohne Wert")
        report.note(f, "Zellen ohne Zahl: " + "; ".join(parts) + " (ein bisheriger Wert dieser "
                    "Zellen wird ersetzt).")
    for ind_id, meta in new_inds.items():
        if ind_id in metadata:
            report.note(f, f"Neuer Indikator „{ind_id}“ („{meta['name']}“) mit den angegebenen "
                        "Metadaten.")
        else:
            report.warning(f, f"Neuer Indikator „{ind_id}“: Metadaten vorgeschlagen (Name "
                           f"„{meta['name']}“, Art {KIND_NAMES.get(meta['kind'], meta['kind'])}"
                           + (", wird nicht summiert" if meta["kind"] != "count" else "")
                           + ", Richtung neutral); bitte im "
                           "Formular oder mit einer Metadaten-Datei ergänzen.")
    values = pd.DataFrame([c[:7] for c in out_rows], columns=VALUE_FRAME) if out_rows \
        else _empty()
    return ValueResult(values, new_inds, mapping, table.attribution)


def count_rows(n: int) -> str:
    return f"{n} {'Zeile' if n == 1 else 'Zeilen'}"




def _without_recomputed_rates(rows: list[CellRow], value_cols: dict[str, tuple[str, str]],
                              cat_rows: dict, report: Report, f: str) -> list[CellRow]:
    """Rates given in a file that also has both their counts are computed from those counts
    (the given figure is rounded); the given cells are left out, once reported."""
    mapped = {ind for ind, _yr in value_cols.values() if ind}
    recomputed = {ind for ind, meta in cat_rows.items()
                  if meta.get("kind") in {"rate", "mean"} and ind in mapped
                  and meta.get("numerator") in mapped and meta.get("denominator") in mapped}
    if not recomputed:
        return rows
    for ind in sorted(recomputed):
        report.note(f, f"„{ind}“ wird aus Zähler „{cat_rows[ind]['numerator']}“ und Nenner "
                    f"„{cat_rows[ind]['denominator']}“ der Datei berechnet; die Spalte selbst "
                    "wird nur geprüft.")
    return [c for c in rows if c[1] not in recomputed]

def _impossible(value: float, num: float, den: float, meta: dict) -> list[str]:
    out = []
    kind = str(meta.get("kind") or "count")
    factor = float(meta.get("factor") or 1)
    if not math.isnan(value) and value < 0 and kind in {"count", "rate"}:
        out.append(f"negativer Wert {_de(value)} bei einer "
                   f"{'Anzahl' if kind == 'count' else 'Quote'}")
    if kind == "rate" and factor == 100 and not math.isnan(value) and value > 100:
        out.append(f"Anteil {_de(value)} % liegt über 100 %")
    if not math.isnan(num) and not math.isnan(den):
        if num < 0 or den < 0:
            out.append("negativer Zähler oder Nenner")
        if kind == "rate" and num > den:
            out.append(f"Zähler {_de(num)} ist größer als der Nenner {_de(den)}")
        if den == 0:
            out.append("Nenner ist 0")
    return out


def _de(x: float) -> str:
    """A number in German notation with as many decimals as it has (at most 4)."""
    text = f"{abs(x):.4f}".rstrip("0").rstrip(".")
    whole, _sep, frac = text.partition(".")
    sign = "-" if x < 0 and text != "0" else ""
    return sign + format_number(float(whole), 0) + ("," + frac if frac else "")


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"area_id": pd.Series(dtype=str), "indicator_id": pd.Series(dtype=str),
                         "year": pd.Series(dtype="int64"), "value": pd.Series(dtype=float),
                         "numerator": pd.Series(dtype=float), "denominator": pd.Series(dtype=float),
                         "status": pd.Series(dtype=str)})
