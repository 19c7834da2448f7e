"""What the rows and columns of an indicator table are, beyond their values: metadata files,
level cells (GV-ISys "Satzart"), keys in the long form of Kreise, a category column that
splits the rows of one area, and keys outside the atlas (other Länder, areas above its
levels)."""

from __future__ import annotations

import re
from collections import Counter

from geodata.importer.keys import AreaIndex, fold
from geodata.importer.report import Report
from geodata.importer.tabular import RawTable, parse_number

# GV-ISys "Satzart" codes and common words for rows that are not areas of the atlas.
SATZART = {"10": "Land", "20": "Regierungsbezirk", "30": "Region", "40": "kreis",
           "50": "Gemeindeverband", "60": "gemeinde"}
# Region codes above the atlas's levels in official tables: Deutschland, a Land (2 digits),
# a Regierungsbezirk (3 digits), a Region (4 digits).
_ABOVE = re.compile(r"^(DG|DE|\d{2,4})$")


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


def level_of_cell(cell: object, idx: AreaIndex) -> tuple[str | None, str]:
    """(level id or None, German name of what the row is)."""
    raw = str(cell if cell is not None else "").strip()
    if isinstance(cell, float) and cell.is_integer():
        raw = str(int(cell))
    mapped = SATZART.get(raw, raw)
    for lvl in idx.levels:
        if fold(mapped) in {fold(lvl.id), fold(lvl.name), fold(lvl.plural)}:
            return lvl.id, lvl.name
    return None, mapped or "leer"


def file_level(table: RawTable, col: str | None, idx: AreaIndex) -> tuple[str, bool] | None:
    """(level, long form) of a key column whose keys are Kreise written with 8 digits
    (``06411000``): more of them are Kreise in that form than areas of any level as they
    are. None otherwise (rows are matched level by level, as usual)."""
    if col is None:
        return None
    keys = [c for c in table.column(col) if c not in (None, "")]
    levels = [lvl.id for lvl in idx.levels]
    plain = Counter(lid for k in keys for lid in levels if idx.find_key(k, [lid]))
    longs = Counter(lid for k in keys for lid in levels
                    if not idx.find_key(k, [lid]) and idx.find_key(k, [lid], long_form=True))
    for lid, n in longs.items():
        if n + plain.get(lid, 0) > max([v for k, v in plain.items() if k != lid] or [0]):
            return lid, True
    return None


def category_column(table: RawTable, by_role: dict[str, str]) -> str | None:
    """A text column that splits the rows of one area and year into several (GENESIS
    tables by school type, sex …), if the rows repeat per area and year."""
    key = by_role.get("schluessel") or by_role.get("name")
    if key is None:
        return None
    year = by_role.get("jahr")
    ids = list(zip(table.column(key), table.column(year) if year else [None] * len(table.rows),
                   strict=True))
    if len(set(ids)) * 2 > len(ids) or len(ids) < 4:
        return None
    used = set(by_role.values())
    for col in table.header:
        if col in used:
            continue
        vals = [str(c) for c in table.column(col) if c not in (None, "")]
        if vals and 1 < len(set(vals)) <= 40 and all(
                parse_number(v, table.decimal)[0] == "ungueltig" for v in set(vals)):
            return col
    return None


def same_place(a: str, b: str) -> bool:
    """Names of the same place in different official spellings ("Darmstadt, Wissenschafts-
    stadt" and "Darmstadt, kreisfreie Stadt"; "Groß-Gerau, Landkreis" and "Groß-Gerau")."""
    return fold(a.split(",")[0]) == fold(b.split(",")[0])


def outside_kind(raw: object, restored: list[str], idx: AreaIndex) -> str:
    """What a key outside the atlas is ("" if it looks like an error of this atlas's keys):
    an area above the atlas's levels (Deutschland, Land, Regierungsbezirk) or one of
    another Land."""
    text = str(int(raw) if isinstance(raw, float) and raw.is_integer() else raw).strip()
    if restored:
        return "" if idx.inside(restored[0]) else "anderer Länder"
    if _ABOVE.match(text):
        return "übergeordneter Gebiete (Deutschland, Länder, Bezirke)"
    return ""
