"""Official downloads as they come: GENESIS/Regionalstatistik CSV exports and the attribution
that official files carry.

A GENESIS CSV export (``www.regionalstatistik.de``, ``www-genesis.destatis.de``) has title
lines, a header of several rows (a group heading, the categories, their subdivisions, a unit
row such as ``Anzahl``) above the data, leading columns without any heading (year, region
code, region name, sometimes a category such as the school type), the symbols ``-``, ``.``,
``x``, ``/`` in cells, and a long footer after a line of underscores: notes, the copyright
with the licence, and the ``Stand``. Read here without manual preparation:

- `footer_start`: where the footer begins (a row that is only underscores);
- `merge_header`: the header rows joined into one name per column (``ohne
  Hauptschulabschluss – weiblich``; parts every value column shares, such as the unit row,
  are dropped), and names for the unnamed leading columns from their content (``Jahr``,
  ``Schlüssel``, ``Name``, ``Merkmal``);
- `attribution_of`: the copyright line and licence found in a file's text (GENESIS footer,
  the ``Impressum`` sheet of a Destatis workbook), used as the imported values' source.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

Cell = str | float | int | None

_RULE = re.compile(r"^_{3,}$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_CODE = re.compile(r"^(DG|\d{1,12})$")


@dataclass(frozen=True)
class Attribution:
    """What an official file says about itself: copyright text, licence id, edition."""

    text: str = ""
    licence: str = ""
    note: str = ""  # e.g. "Stand: 13.03.2025"
    official: bool = False


def _filled(cells: Sequence[Cell]) -> list[Cell]:
    return [c for c in cells if c not in (None, "")]


def footer_start(rows: Sequence[tuple[int, list[Cell]]]) -> int | None:
    """Index of the first row that is only a line of underscores (GENESIS footer), or None."""
    for i, (_line, cells) in enumerate(rows):
        filled = _filled(cells)
        if len(filled) == 1 and _RULE.match(str(filled[0]).strip()):
            return i
    return None


def _texty(cell: Cell) -> bool:
    return isinstance(cell, str) and not re.fullmatch(r"[-+]?[\d.,\s]+%?", cell)


def merge_header(rows: Sequence[tuple[int, list[Cell]]], h: int) -> tuple[list[str], int]:
    """Header names from row ``h`` and the header rows below it, and how many rows below
    ``h`` belong to the header.

    A row below belongs to the header while its leading cells are empty where the header
    row's are (the data rows fill them: year, code, name) and all its filled cells are text.
    """
    head = list(rows[h][1])
    lead = next((i for i, c in enumerate(head) if c not in (None, "")), 0)
    block = [head]
    k = h + 1
    while lead and k < len(rows):
        cells = rows[k][1]
        filled = _filled(cells)
        if (len(filled) < 1 or any(c not in (None, "") for c in cells[:lead])
                or not all(_texty(c) for c in filled)):
            break
        block.append(list(cells))
        k += 1
    width = max(len(r) for r in block)
    parts: list[list[str]] = []
    for j in range(width):
        col: list[str] = []
        for r in block:
            text = re.sub(r"\s+", " ", str(r[j])).strip() if j < len(r) and r[j] not in (
                None, "") else ""
            if text and (not col or col[-1] != text):
                col.append(text)
        parts.append(col)
    named = [j for j, p in enumerate(parts) if p]
    if len(block) > 1 and len(named) >= 2:
        common = set(parts[named[0]])
        for j in named[1:]:
            common &= set(parts[j])
        for j in named:
            kept = [p for p in parts[j] if p not in common]
            parts[j] = kept or parts[j][-1:]
    names = [" – ".join(p) for p in parts]
    if lead:
        data = [r for _n, r in rows[k:k + 60]]
        taken: set[str] = set()
        for j in range(lead):
            names[j] = _lead_name([r[j] if j < len(r) else None for r in data], taken)
            taken.add(names[j])
    return names, k - h - 1


def _lead_name(cells: list[Cell], taken: set[str]) -> str:
    """A name for an unnamed leading column, from its content."""
    vals = [str(int(c)) if isinstance(c, float) and c.is_integer() else str(c).strip()
            for c in cells if c not in (None, "")]
    if not vals:
        return ""
    if all(_YEAR.match(v) for v in vals) and "Jahr" not in taken:
        return "Jahr"
    if sum(bool(_CODE.match(v)) for v in vals) >= 0.9 * len(vals) and "Schlüssel" not in taken:
        return "Schlüssel"
    if len(set(vals)) < 0.5 * len(vals) and "Name" in taken:
        return "Merkmal"
    return "Name" if "Name" not in taken else "Merkmal"


_LICENCES = (
    (re.compile(r"datenlizenz deutschland.{0,40}namensnennung.{0,30}2[.,]0", re.I | re.S),
     "dl-de/by-2-0"),
    (re.compile(r"dl-de/by-2-0", re.I), "dl-de/by-2-0"),
    (re.compile(r"dl-de/zero-2-0|datenlizenz deutschland.{0,20}zero", re.I | re.S),
     "dl-de/zero-2-0"),
    (re.compile(r"\bODbL\b|Open Database License", re.I), "ODbL"),
    (re.compile(r"CC[- ]BY[- ]4\.0", re.I), "CC BY 4.0"),
)
_OFFICIAL = re.compile(r"Statistische[n]? (Ämter|Amt|Bundesamt)|Statistisches Bundesamt|"
                       r"Destatis|Statistisches Landesamt|Bundesministerium|"
                       r"Bundesagentur für Arbeit|Bundesinstitut", re.I)


def attribution_of(texts: Sequence[str]) -> Attribution:
    """The copyright line (with the sentence after it), the licence and the ``Stand`` found
    in a file's free text (footer lines, an imprint sheet); empty if there is none."""
    joined = [re.sub(r"\s+", " ", t).strip() for t in texts if t and str(t).strip()]
    text = ""
    for i, t in enumerate(joined):
        if t.startswith("©") or t.lower().startswith("(c)") or "©" in t[:3]:
            text = t
            nxt = joined[i + 1] if i + 1 < len(joined) else ""
            if nxt.startswith(("Vervielfältigung", "Dieses Werk")) and nxt not in text:
                text += " " + nxt
            break
    everything = " ".join(joined)
    licence = next((lic for pattern, lic in _LICENCES if pattern.search(everything)), "")
    stand = re.search(r"Stand:?\s*(\d{1,2}\.\d{1,2}\.\d{4})", everything)
    return Attribution(text=text, licence=licence,
                       note=f"Stand: {stand.group(1)}" if stand else "",
                       official=bool(text and _OFFICIAL.search(text)))
