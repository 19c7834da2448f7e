"""Column roles of an indicator table: the proposal from the header and the cells, the user's
corrections, and what each value column holds.

`propose_mapping` gives every column a role (`ROLE_LABELS`, or ``wert:<indicator>:<year>``
for a column of values). `classify_column` says what a numeric column holds, so that only
counts are ever summed up the hierarchy:

========== =============================================== ===============================
class      recognised by                                   proposed as
========== =============================================== ===============================
anzahl     whole numbers, or a header such as "Anzahl"     count (summed up)
anteil     "%", "Prozent", "Anteil", "Quote", "Rate"       rate in % (published, not summed)
dichte     "je", "pro", "Dichte", "km²", "Minuten", "Ø",   mean (published, not summed)
           or decimals that are not shares
kennung    "ID", "Nr.", "Nummer", "Code", "Kennziffer"     not imported
plz        "PLZ", "Postleitzahl"                           not imported
koordinate "lon", "lat", "x", "y", "Rechtswert", "Breite"  not imported
========== =============================================== ===============================

Official headers such as the Deutschlandatlas's ``Indikatorkürzel: kbetr_u3 … im Jahr 2024
in %`` give the indicator id, the name, the year and the unit (`header_info`); a correction
may name such a column by its code (``kbetr_u3=wert:betreuungsquote_u3:2024``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from geodata.importer.keys import fold
from geodata.importer.tabular import RawTable, parse_number

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
               "sozialraum", "quartername", "gvname", "region", "kreisname"}
_LEVEL_NAMES = {"ebene", "satzart", "gebietsart", "regionalebene", "level", "typ", "gebietsebene"}
_YEAR_NAMES = {"jahr", "year", "berichtsjahr", "stichtag", "zeit"}
_IND_NAMES = {"indikator", "merkmal", "kennzahl", "variable", "indicator", "indicatorid"}
_VALUE_NAMES = {"wert", "value", "anzahl", "werte"}
KIND_NAMES = {"count": "Anzahl", "rate": "Quote", "mean": "Mittelwert"}
_CODE = re.compile(r"Indikatork(?:ü|ue)rzel:\s*([A-Za-z0-9_]+)\s*(.*)", re.S)


@dataclass(frozen=True)
class HeaderInfo:
    """What an official column header says: indicator code, name, year, unit."""

    code: str = ""
    name: str = ""
    year: int | None = None
    unit: str = ""


def header_info(col: str) -> HeaderInfo:
    """Code, name, year and unit of a header like ``Indikatorkürzel: kbetr_u3 Anteil … im
    Jahr 2024 in %`` (empty `HeaderInfo` for any other header)."""
    m = _CODE.match(col.strip())
    if not m:
        return HeaderInfo()
    code, text = m.group(1), re.sub(r"\s+", " ", m.group(2)).strip()
    year = None
    span = re.search(r"(?:19|20)\d\d\s*-\s*(\d\d)\b", text)  # "2021-24": the last year
    if span:
        year = 2000 + int(span.group(1))
    else:
        years = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text)
        year = int(years[-1]) if years else None
    unit = ""
    if re.search(r"in\s*%\s*$|in Prozent\s*$", text):
        unit = "%"
    elif (u := re.search(r"\bin (Minuten|€|1\.000 €|Euro)\s*$", text)):
        unit = u.group(1)
    name = re.sub(r"\s*(im Jahr|in den Jahren|im Dezember|zwischen|von)\s+(19|20)\d\d.*$",
                  "", text).strip(" ,")
    name = re.sub(r"\s+in\s*(%|Minuten|€)\s*$", "", name).strip()
    return HeaderInfo(code, name or code, year, unit)


@dataclass(frozen=True)
class ColumnClass:
    """What a column holds (see module docstring) and why, in German."""

    kind: str  # anzahl | anteil | dichte | kennung | plz | koordinate | text
    reason: str

    @property
    def importable(self) -> bool:
        return self.kind in {"anzahl", "anteil", "dichte"}


_ID_TOKENS = ("id", "nr", "nummer", "kennung", "kennziffer", "code", "objectid", "fid", "gkz")
_COORD_NAMES = {"lon", "lat", "lng", "long", "laenge", "breite", "x", "y", "rechtswert",
                "hochwert", "easting", "northing", "laengengrad", "breitengrad", "xkoord",
                "ykoord", "xcoord", "ycoord", "koordinatex", "koordinatey", "geolaenge",
                "geobreite"}


def _tokens(col: str) -> list[str]:
    low = col.casefold().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    return [t for t in re.split(r"[^a-z0-9%²]+", low) if t]


def classify_column(col: str, cells: list, decimal: str) -> ColumnClass:
    """What a value column holds (see module docstring)."""
    toks = _tokens(col)
    f = fold(col)
    info = header_info(col)
    if f in _COORD_NAMES or "koordinat" in f or "rechtswert" in f or "hochwert" in f:
        return ColumnClass("koordinate", "Koordinate")
    if "plz" in toks or "postleitzahl" in f:
        return ColumnClass("plz", "Postleitzahl")
    if any(t in _ID_TOKENS for t in toks) and not info.code:
        return ColumnClass("kennung", "Kennung oder Nummer")
    text = " ".join(toks)
    if (info.unit == "%" or "%" in col or any(t in toks for t in ("prozent", "anteil", "quote",
                                                                  "rate", "anteile"))
            or re.search(r"\bje 100\b", text) or f.startswith("anteil")):
        return ColumnClass("anteil", "Anteil in %: wird nicht summiert")
    if (re.search(r"\b(je|pro|per)\b", text) or any(t in f for t in ("dichte", "km2", "km²"))
            or info.unit in {"Minuten", "€", "1.000 €", "Euro"} or "minuten" in toks
            or any(t in toks for t in ("durchschnitt", "mittel", "mittelwert", "median", "index",
                                       "alter", "fahrzeit"))):
        return ColumnClass("dichte", "Dichte, Verhältnis oder Mittelwert: wird nicht summiert")
    numbers = [v for c in cells if c not in (None, "")
               for k, v in [parse_number(c, decimal)] if k == "zahl"]
    if numbers and any(abs(v - round(v)) > 1e-9 for v in numbers):  # type: ignore[arg-type]
        return ColumnClass("dichte", "Dezimalzahlen, keine Anzahl: wird nicht summiert")
    if numbers and all(-180 <= v <= 180 for v in numbers) and "anzahl" not in toks and \
            len(numbers) > 3 and len({round(v) for v in numbers}) == 1:  # type: ignore[arg-type]
        return ColumnClass("dichte", "kaum schwankende Werte: wird nicht summiert")
    return ColumnClass("anzahl", "Anzahl: wird summiert")


def slug(text: str) -> str:
    """An indicator id from a column name: ``Kinder in Kitas`` → ``kinder_in_kitas``."""
    s = re.sub(r"[^a-z0-9]+", "_", str(text).casefold().translate(
        str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))).strip("_")
    return (s or "indikator")[:60]


def catalogue_lookup(catalogue: pd.DataFrame) -> dict[str, str]:
    """Folded id or name → indicator id."""
    out = {}
    for cid, name in zip(catalogue["id"].astype(str), catalogue["name"].astype(str), strict=True):
        out[fold(cid)] = cid
        out[fold(name)] = cid
    return out


def _year_of(cell: object) -> int | None:
    m = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", str(cell or ""))
    return int(m.group(1)) if m else None


def propose_mapping(table: RawTable, catalogue: pd.DataFrame, indicator: str | None = None,
                    ) -> dict[str, str]:
    """A role for every column (see `ROLE_LABELS`; ``wert:<indikator>:<jahr>`` for a column of
    values in the wide layout, either part empty when it comes from elsewhere). ``indicator``:
    the indicator of all values (columns named by year then belong to it)."""
    lookup = catalogue_lookup(catalogue)
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
        year = _year_of(col) if re.fullmatch(r"\D{0,12}(19|20)\d\d\D{0,3}", col.strip()) else None
        info = header_info(col)
        if info.code:
            ind = lookup.get(fold(info.code), slug(info.code))
            role = f"wert:{ind}:{info.year or ''}"
        elif f in _KEY_NAMES or "schluessel" in f or f.startswith(("ags", "ars", "krs", "gkz")):
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
            role = f"wert:{indicator or ''}:{year}"
        elif f in lookup:
            role = f"wert:{lookup[f]}:"
        else:
            m = re.fullmatch(r"(.*?)[\s_]*((?:19|20)\d\d)", col.strip())
            if m and fold(m.group(1)) in lookup:
                role = f"wert:{lookup[fold(m.group(1))]}:{m.group(2)}"
            elif numeric_share(col) >= 0.8:
                cls = classify_column(col, table.column(col), table.decimal)
                if cls.importable:
                    base = m.group(1) if m else col
                    role = f"wert:{slug(base)}:{m.group(2) if m else ''}"
        if role in ROLE_LABELS and role != "ignorieren" and role in taken:
            role = "ignorieren"
        taken.add(role)
        mapping[col] = role
    return mapping


def resolve_column(name: str, header: list[str]) -> str | None:
    """The column a user means: the exact name, the name spelt loosely, an official code
    (``kbetr_u3``), or the only column whose name contains it."""
    if name in header:
        return name
    folded = {fold(c): c for c in header}
    if fold(name) in folded:
        return folded[fold(name)]
    by_code = [c for c in header if header_info(c).code.casefold() == name.strip().casefold()]
    if len(by_code) == 1:
        return by_code[0]
    inside = [c for c in header if fold(name) and fold(name) in fold(c)]
    return inside[0] if len(inside) == 1 else None


def merge_mapping(proposed: dict[str, str], corrections: dict[str, str] | None,
                  header: list[str] | None = None) -> dict[str, str]:
    """The proposed mapping with the user's corrections on top: columns not named keep their
    proposed role, except a single role (key, name, year …) that a correction gives to another
    column. A correction may name a column loosely (`resolve_column`, given ``header``)."""
    if not corrections:
        return dict(proposed)
    if header is not None:
        corrections = {(resolve_column(c, header) or c): r for c, r in corrections.items()}
    taken = {r for r in corrections.values() if r in ROLE_LABELS and r != "ignorieren"}
    out = {c: corrections.get(c, "ignorieren" if r in taken else r) for c, r in proposed.items()}
    for c, r in corrections.items():
        out.setdefault(c, r)  # a column the file lacks: reported by the caller
    return out


def describe_role(role: str) -> str:
    """German label of a role (for the report and the mapping dropdowns)."""
    if role.startswith("wert:"):
        _w, ind, yr = (role.split(":", 2) + ["", ""])[:3]
        return f"Werte von „{ind or '(Indikator aus Angabe)'}“" + (f", Jahr {yr}" if yr else "")
    return ROLE_LABELS.get(role, role)


def proposed_meta(ind_id: str, column: str, file: str, cls: ColumnClass | None) -> dict[str, str]:
    """Catalogue entry proposed for a new indicator from its column (see `classify_column`)."""
    info = header_info(column)
    name = info.name or (column if not column.startswith("Spalte ") else ind_id)
    kind, unit, factor, decimals = "count", "", "", "0"
    if cls is not None and cls.kind == "anteil":
        kind, unit, factor, decimals = "rate", "%", "100", "1"
    elif cls is not None and cls.kind == "dichte":
        kind, unit, factor, decimals = "mean", info.unit, "1", "1"
    return {"id": ind_id, "name": re.sub(r"[\s_]*(19|20)\d\d$", "", name) or ind_id,
            "unit": unit, "topic": "Eigene Daten",
            "description": f"Importiert aus {file}.", "source": file, "direction": "neutral",
            "decimals": decimals, "kind": kind, "numerator": "", "denominator": "",
            "factor": factor, "synthetic": "0"}
