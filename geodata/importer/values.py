"""Indicator tables: column mapping (proposed, correctable), wide or long layout, key and
name matching, missing markers and the checks for impossible values."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geodata.importer.keys import AreaIndex, fold, restore_key
from geodata.importer.report import Report
from geodata.importer.report import sentence as _sentence
from geodata.importer.tabular import RawTable, parse_number
from geodata.statistics.numfmt import format_number

CHANGES = Path(__file__).resolve().parents[1] / "gebietsaenderungen.csv"

ROLE_LABELS = {
    "schluessel": "Gebietsschlüssel",
    "name": "Gebietsname",
    "ebene": "Ebene / Satzart",
    "jahr": "Jahr",
    "indikator": "Indikator (Langformat)",
    "wert": "Wert (Langformat)",
    "zaehler": "Zähler (Langformat)",
    "nenner": "Nenner (Langformat)",
    "ignorieren": "nicht übernehmen",
}
_KEY_NAMES = {"schluessel", "gebietsschluessel", "ags", "ars", "gemeindeschluessel", "key",
              "kreisschluessel", "areaid", "gebietsid", "id", "gkz", "kennziffer", "quarterid",
              "regionalschluessel", "schl", "code"}
_NAME_NAMES = {"name", "gebiet", "gebietsname", "gemeinde", "gemeindename", "stadtteil",
               "quartier", "bezeichnung", "kreis", "ortsteil", "stadtbezirk", "bezirk",
               "sozialraum", "quartername", "gvname", "region"}
_LEVEL_NAMES = {"ebene", "satzart", "gebietsart", "regionalebene", "level", "typ", "gebietsebene"}
_YEAR_NAMES = {"jahr", "year", "berichtsjahr", "stichtag", "zeit"}
_IND_NAMES = {"indikator", "merkmal", "kennzahl", "variable", "indicator", "indicatorid"}
_VALUE_NAMES = {"wert", "value", "anzahl", "werte"}
_NOT_AREAS = {"insgesamt", "summe", "zusammen", "gesamt", "total", "deutschland"}
# GV-ISys "Satzart" codes and common words for rows that are not areas of the atlas.
SATZART = {"10": "Land", "20": "Regierungsbezirk", "30": "Region", "40": "kreis",
           "50": "Gemeindeverband", "60": "gemeinde"}
PERCENT_UNITS = {"%", "prozent"}
KIND_NAMES = {"count": "Anzahl", "rate": "Quote", "mean": "Mittelwert"}


@dataclass
class ValueOptions:
    """What the file does not say itself (CLI flags or the upload form)."""

    mapping: dict[str, str] | None = None  # column → role; None: proposed automatically
    year: int | None = None  # year of all values when there is no year column
    indicator: str | None = None  # indicator of all values (wide by year, or long w/o column)
    level: str | None = None  # level of all rows when there is no level column
    within: str | None = None  # match names only below this area (e.g. a city)


@dataclass
class ValueResult:
    values: pd.DataFrame
    new_indicators: dict[str, dict[str, str]] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)


def _year(cell: object) -> int | None:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return int(cell) if cell == cell and float(cell).is_integer() and 1900 <= cell <= 2100 else None
    m = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", str(cell or ""))
    return int(m.group(1)) if m else None


def slug(text: str) -> str:
    """An indicator id from a column name: ``Kinder in Kitas`` → ``kinder_in_kitas``."""
    s = re.sub(r"[^a-z0-9]+", "_", str(text).casefold().translate(
        str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))).strip("_")
    return (s or "indikator")[:60]


def _catalogue_lookup(catalogue: pd.DataFrame) -> dict[str, str]:
    out = {}
    for cid, name in zip(catalogue["id"].astype(str), catalogue["name"].astype(str), strict=True):
        out[fold(cid)] = cid
        out[fold(name)] = cid
    return out


def propose_mapping(table: RawTable, catalogue: pd.DataFrame,
                    options: ValueOptions | None = None) -> dict[str, str]:
    """A role for every column (see `ROLE_LABELS`; ``wert:<indikator>:<jahr>`` for a column of
    values in the wide layout, either part empty when it comes from elsewhere)."""
    options = options or ValueOptions()
    lookup = _catalogue_lookup(catalogue)
    mapping: dict[str, str] = {}
    taken: set[str] = set()

    def numeric_share(col: str) -> float:
        cells = [c for c in table.column(col) if c not in (None, "")]
        if not cells:
            return 0.0
        return sum(parse_number(c, table.decimal)[0] != "ungueltig" for c in cells) / len(cells)

    for col in table.header:
        f = fold(col)
        role = "ignorieren"
        year = _year(col) if re.fullmatch(r"\D{0,12}(19|20)\d\d\D{0,3}", col.strip()) else None
        if f in _KEY_NAMES or "schluessel" in f or f.startswith(("ags", "ars")):
            role = "schluessel"
        elif f in _NAME_NAMES or f.endswith("name"):
            role = "name"
        elif f in _LEVEL_NAMES:
            role = "ebene"
        elif f in _YEAR_NAMES:
            role = "jahr"
        elif f in _IND_NAMES:
            role = "indikator"
        elif f in _VALUE_NAMES:
            role = "wert"
        elif f in {"zaehler", "numerator"}:
            role = "zaehler"
        elif f in {"nenner", "denominator"}:
            role = "nenner"
        elif year is not None and fold(re.sub(r"(19|20)\d\d", "", col)) in ("", "jahr"):
            role = f"wert:{options.indicator or ''}:{year}"
        elif f in lookup:
            role = f"wert:{lookup[f]}:"
        else:
            m = re.fullmatch(r"(.*?)[\s_]*((?:19|20)\d\d)", col.strip())
            if m and fold(m.group(1)) in lookup:
                role = f"wert:{lookup[fold(m.group(1))]}:{m.group(2)}"
            elif numeric_share(col) >= 0.8:
                base = m.group(1) if m else col
                role = f"wert:{slug(base)}:{m.group(2) if m else ''}"
        if role in ROLE_LABELS and role != "ignorieren" and role in taken:
            role = "ignorieren"
        taken.add(role)
        mapping[col] = role
    return mapping


def merge_mapping(proposed: dict[str, str], corrections: dict[str, str] | None) -> dict[str, str]:
    """The proposed mapping with the user's corrections on top: columns not named keep their
    proposed role, except a single role (key, name, year …) that a correction gives to another
    column."""
    if not corrections:
        return dict(proposed)
    taken = {r for r in corrections.values() if r in ROLE_LABELS and r != "ignorieren"}
    out = {c: corrections.get(c, "ignorieren" if r in taken else r) for c, r in proposed.items()}
    for c, r in corrections.items():
        out.setdefault(c, r)  # a column the file lacks: reported by the caller
    return out


def read_metadata(table: RawTable, report: Report) -> dict[str, dict[str, str]]:
    """Catalogue rows for new indicators from a metadata file (columns as in
    ``geodata/indikatoren.csv``; at least ``id`` and ``name``)."""
    cols = {fold(c): c for c in table.header}
    if "id" not in cols or "name" not in cols:
        report.error(table.file, "Die Metadaten-Datei braucht die Spalten „id“ und „name“ "
                     "(weitere wie in geodata/indikatoren.csv).")
        return {}
    out: dict[str, dict[str, str]] = {}
    for line, cells in table.rows:
        row = {fold(h): ("" if c is None else str(c)) for h, c in zip(table.header, cells, strict=True)}
        if not row["id"]:
            report.error(table.file, "Die Zeile hat keine id.", line, cols["id"])
            continue
        out[row["id"]] = {k: row.get(k, "") for k in
                          ("id", "name", "unit", "topic", "description", "source", "direction",
                           "decimals", "kind", "numerator", "denominator", "factor", "synthetic")}
    return out


def _changes() -> dict[str, str]:
    """Old key → German sentence on what became of it (Gebietsänderungen since 2016)."""
    out = {}
    with CHANGES.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[r["ags_alt_2016"]] = (f"{r['name_alt']} ({r['ags_alt_2016']}) gibt es seit "
                                      f"{r['wirksam'][8:10]}.{r['wirksam'][5:7]}.{r['wirksam'][:4]} "
                                      f"nicht mehr ({r['art']}: {r['ags_neu_2023']} "
                                      f"{r['gv_name_neu']})")
    return out


def _level_of_cell(cell: object, idx: AreaIndex) -> tuple[str | None, str]:
    """(level id or None, German name of what the row is)."""
    raw = str(cell if cell is not None else "").strip()
    if isinstance(cell, float) and cell.is_integer():
        raw = str(int(cell))
    mapped = SATZART.get(raw, raw)
    for lvl in idx.levels:
        if fold(mapped) in {fold(lvl.id), fold(lvl.name), fold(lvl.plural)}:
            return lvl.id, lvl.name
    return None, mapped or "leer"


def import_values(table: RawTable, idx: AreaIndex, catalogue: pd.DataFrame, report: Report,
                  options: ValueOptions | None = None,
                  metadata: dict[str, dict[str, str]] | None = None) -> ValueResult:
    """Read the values of an indicator table (rows with errors are rejected and reported)."""
    options = options or ValueOptions()
    metadata = metadata or {}
    f = table.file
    counts = report.file(f)
    mapping = merge_mapping(propose_mapping(table, catalogue, options), options.mapping)
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
    if report.errors and any(i.file == f and not i.line for i in report.errors):
        counts.read += len(table.rows)
        counts.rejected += len(table.rows)
        return ValueResult(_empty(), {}, mapping)

    known = set(catalogue["id"].astype(str))
    cat_rows = {str(r["id"]): r for r in catalogue.fillna("").to_dict("records")}
    new_inds: dict[str, dict[str, str]] = {}
    all_levels = [lvl.id for lvl in idx.levels]
    changes = _changes()
    seen: dict[tuple[str, str, int], int] = {}
    markers: Counter[str] = Counter()
    out_rows: list[tuple[str, str, int, float, float, float]] = []
    col_i = {c: i for i, c in enumerate(table.header)}

    def cell(cells: list, role: str) -> object:
        return cells[col_i[by_role[role]]] if role in by_role else None

    for line, cells in table.rows:
        counts.read += 1
        problems: list[tuple[str, str]] = []  # (column, reason)
        key_raw, name_raw = cell(cells, "schluessel"), cell(cells, "name")
        name = "" if name_raw is None else str(name_raw)
        levels = all_levels if options.level is None else [options.level]
        if "ebene" in by_role:
            lvl, what = _level_of_cell(cell(cells, "ebene"), idx)
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
        if "schluessel" in by_role:
            col = by_role["schluessel"]
            if key_raw in (None, ""):
                problems.append((col, "kein Gebietsschlüssel"))
            else:
                area_id = idx.find_key(key_raw, levels)
                if area_id is None:
                    shown = str(key_raw)
                    restored = [k for lid in levels if (k := _restore(key_raw, idx, lid))]
                    why = next((changes[k] for k in restored if k in changes), None)
                    msg = f"Schlüssel „{shown}“" + (f" („{name}“)" if name else "")
                    msg += " ist im Gebietsstand des Atlas unbekannt"
                    if why:
                        msg += f": {why}"
                    elif name and (same := idx.find_name(name, levels)):
                        msg += f"; ein Gebiet dieses Namens hat den Schlüssel {same[0]}"
                    problems.append((col, msg))
                elif name and fold(idx.names[area_id]) not in fold(name) \
                        and fold(name) not in fold(idx.names[area_id]):
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
            row_ind = _catalogue_lookup(catalogue).get(fold(raw_ind)) or (slug(raw_ind) if raw_ind else None)
            if row_ind is None:
                problems.append((by_role["indikator"], "kein Indikator angegeben"))

        found: list[tuple[str, str, int, float, float, float]] = []
        num_den: dict[str, float] = {}
        for role in ("zaehler", "nenner"):
            if role in by_role:
                kind, val = parse_number(cell(cells, role), table.decimal)
                if kind == "zahl":
                    num_den[role] = float(val)  # type: ignore[arg-type]
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
            kind, val = parse_number(raw, table.decimal)
            if kind == "fehlt" and not num_den:
                markers[str(val)] += 1
                continue
            if kind == "ungueltig":
                problems.append((col, f"„{raw}“ ist keine Zahl"))
                continue
            if ind_id not in known and ind_id not in new_inds:
                given = {k: v for k, v in metadata.get(ind_id, {}).items() if str(v).strip()}
                new_inds[ind_id] = {**_proposed_meta(ind_id, col, f), **given}
            meta = cat_rows.get(ind_id) or new_inds[ind_id]
            num, den = num_den.get("zaehler", math.nan), num_den.get("nenner", math.nan)
            value = float(val) if kind == "zahl" else math.nan
            factor = float(meta.get("factor") or 1)
            if math.isnan(value) and not math.isnan(num) and not math.isnan(den) and den:
                value = factor * num / den
            problems += [(col, p) for p in _impossible(value, num, den, meta)]
            found.append((area_id or "", ind_id, year, value, num, den))
        # numerator greater than its denominator, both imported in this row (wide layout)
        row_vals = {ind: v for _a, ind, _y, v, _n, _d in found}
        for ind_id, meta in cat_rows.items():
            if meta.get("kind") != "rate":  # a mean (pupils per school) may exceed 1
                continue
            n_id, d_id = meta.get("numerator"), meta.get("denominator")
            if n_id in row_vals and d_id in row_vals and row_vals[n_id] > row_vals[d_id]:
                problems.append(("", f"Zähler „{n_id}“ ({_de(row_vals[n_id])}) ist größer als "
                                 f"der Nenner „{d_id}“ ({_de(row_vals[d_id])}) von „{ind_id}“"))
        dups = sorted({(seen[(a, i, y)], a, y) for a, i, y, *_r in found if (a, i, y) in seen})
        for first, a, y in dups:
            problems.append(("", f"doppelt: Gebiet {a}, Jahr {y} steht schon in Zeile {first}"))
        if problems:
            counts.rejected += 1
            for column, reason in problems:
                report.error(f, _sentence(reason) + " Zeile abgelehnt.", line, column)
            continue
        if not found:
            counts.skipped += 1
            continue
        for row in found:
            seen[(row[0], row[1], row[2])] = line
        counts.imported += 1
        out_rows.extend(found)
    if markers:
        report.note(f, "Zellen ohne Wert (nicht importiert): "
                    + ", ".join(f"{n}× {m}" for m, n in sorted(markers.items())) + ".")
    for ind_id, meta in new_inds.items():
        if ind_id in metadata:
            report.note(f, f"Neuer Indikator „{ind_id}“ („{meta['name']}“) mit den angegebenen "
                        "Metadaten.")
        else:
            report.warning(f, f"Neuer Indikator „{ind_id}“: Metadaten vorgeschlagen (Name "
                           f"„{meta['name']}“, Art {KIND_NAMES.get(meta['kind'], meta['kind'])}"
                           ", Richtung neutral); bitte im "
                           "Formular oder mit einer Metadaten-Datei ergänzen.")
    values = pd.DataFrame(out_rows, columns=["area_id", "indicator_id", "year", "value",
                                             "numerator", "denominator"]) if out_rows else _empty()
    return ValueResult(values, new_inds, mapping)


def _restore(raw: object, idx: AreaIndex, level_id: str) -> str | None:
    return restore_key(raw, idx.level(level_id))


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
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    whole, _sep, frac = text.partition(".")
    return format_number(float(whole), 0) + ("," + frac if frac else "")


def _proposed_meta(ind_id: str, column: str, file: str) -> dict[str, str]:
    name = column if not column.startswith("Spalte ") else ind_id
    return {"id": ind_id, "name": re.sub(r"[\s_]*(19|20)\d\d$", "", name) or ind_id,
            "unit": "", "topic": "Eigene Daten",
            "description": f"Importiert aus {file}.", "source": file, "direction": "neutral",
            "decimals": "1", "kind": "count", "numerator": "", "denominator": "", "factor": "",
            "synthetic": "0"}


def describe_role(role: str) -> str:
    """German label of a role (for the report and the mapping dropdowns)."""
    if role.startswith("wert:"):
        _w, ind, yr = (role.split(":", 2) + ["", ""])[:3]
        return f"Werte von „{ind or '(Indikator aus Angabe)'}“" + (f", Jahr {yr}" if yr else "")
    return ROLE_LABELS.get(role, role)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"area_id": pd.Series(dtype=str), "indicator_id": pd.Series(dtype=str),
                         "year": pd.Series(dtype="int64"), "value": pd.Series(dtype=float),
                         "numerator": pd.Series(dtype=float), "denominator": pd.Series(dtype=float)})
