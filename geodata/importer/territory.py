"""Gebietsstand: values of keys that no longer exist, carried to their successor on request.

`geodata/gebietsaenderungen.csv` lists municipalities that were merged since the geometry's
vintage (old key → new key, kind, date). A table of an earlier year may still have rows for
them. Without being asked, the importer rejects such rows (and says what became of the key);
the successor's value of that year then covers only part of its present territory, so it is
stored as ``unvollstaendig`` and never summed into its Kreis. With ``gebietsstand`` (CLI
``--gebietsstand``, a checkbox on the upload page) they are carried (`carry_forward`):

- a count is added to the successor's own value of the same year (an *Eingliederung*: the
  successor existed before) or summed over all predecessors (a *Neubildung*); if a part is
  missing the sum is stored as ``unvollstaendig``, if a part is suppressed as suppressed;
- rates and means are not carried (they cannot be added): the successor's rate is computed
  again from the carried numerator and denominator, and a rate given for the successor
  itself in the same file (it refers to the old territory) is left out;
- every carried value is reported.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from geodata.statistics.numfmt import format_number

CHANGES = Path(__file__).resolve().parents[1] / "gebietsaenderungen.csv"

# One imported cell: area, indicator, year, value, numerator, denominator, status, line.
CellRow = tuple[str, str, int, float, float, float, str, int]


@dataclass(frozen=True)
class Change:
    """One row of the Gebietsänderungen: ``old`` became part of ``new``."""

    old: str
    old_name: str
    new: str
    new_name: str
    kind: str  # Neubildung | Eingliederung
    effective: str  # ISO date

    def sentence(self) -> str:
        """German: what became of the old key."""
        d = self.effective
        return (f"{self.old_name} ({self.old}) gibt es seit {d[8:10]}.{d[5:7]}.{d[:4]} nicht mehr "
                f"({self.kind}: {self.new} {self.new_name})")


def load_changes(path: Path = CHANGES) -> dict[str, Change]:
    """Old key → `Change`."""
    out = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out[r["ags_alt_2016"]] = Change(r["ags_alt_2016"], r["name_alt"], r["ags_neu_2023"],
                                            r["gv_name_neu"], r["art"], r["wirksam"])
    return out


def _n(x: float) -> str:
    return format_number(x, 0 if float(x).is_integer() else 2)


def carry_forward(cells: list[CellRow], old: list[CellRow], changes: Mapping[str, Change],
                  kinds: Mapping[str, str], names: Mapping[str, str]
                  ) -> tuple[list[CellRow], list[tuple[int, str]]]:
    """The imported cells with the old keys' cells carried to their successors (see module
    docstring), and German notes (line, text) on every carried value."""
    by_key = {(c[0], c[1], c[2]): c for c in cells}
    notes: list[tuple[int, str]] = []
    groups: dict[tuple[str, str, int], list[CellRow]] = {}
    for c in old:
        groups.setdefault((changes[c[0]].new, c[1], c[2]), []).append(c)
    preds: dict[str, list[str]] = {}
    for ch in changes.values():
        preds.setdefault(ch.new, []).append(ch.old)
    dropped: set[tuple[str, str, int]] = set()
    for (succ, ind, year), parts in sorted(groups.items()):
        sname = names.get(succ, succ)
        line = parts[0][7]
        if kinds.get(ind, "count") != "count":
            notes.append((line, f"Gebietsstand: „{ind}“ {year} von "
                          + ", ".join(f"{changes[p[0]].old_name} ({p[0]})" for p in parts)
                          + f" nicht auf {sname} ({succ}) übertragen: Quoten und Mittelwerte "
                          "lassen sich nicht addieren; sie werden aus den übertragenen Zählern "
                          "und Nennern neu berechnet."))
            if (succ, ind, year) in by_key:
                dropped.add((succ, ind, year))
            continue
        own = by_key.get((succ, ind, year))
        expected = set(preds.get(succ, []))
        if any(changes[o].kind == "Eingliederung" for o in expected):
            expected.add(succ)
        present = {p[0] for p in parts} | ({succ} if own is not None else set())
        items = [*parts, *([own] if own is not None else [])]
        suppressed = any(p[6] == "gesperrt" for p in items)
        with_value = [p for p in items if not math.isnan(p[3])]
        total = sum(p[3] for p in with_value)
        missing = sorted(expected - present)
        status = "gesperrt" if suppressed else ("unvollstaendig" if missing else "")
        terms = " + ".join(f"{_n(p[3])} ({names.get(p[0]) or changes[p[0]].old_name})"
                           if p[0] in changes else f"{_n(p[3])} ({sname})" for p in with_value)
        text = (f"Gebietsstand: {', '.join(f'{changes[p[0]].old_name} ({p[0]})' for p in parts)}"
                f" → {sname} ({succ}), „{ind}“ {year}: ")
        if suppressed:
            text += "ein Teil ist gesperrt, daher auch der übertragene Wert."
        else:
            text += f"{terms} = {_n(total)}."
        if missing:
            text += (" Es fehlt " + ", ".join(
                f"{changes[m].old_name} ({m})" if m in changes else f"{sname} ({m})"
                for m in missing) + ": der Wert deckt nicht das ganze heutige Gebiet ab und "
                "wird nicht zum übergeordneten Gebiet summiert.")
        notes.append((line, text))
        by_key[(succ, ind, year)] = (succ, ind, year, math.nan if suppressed else total,
                                     math.nan, math.nan, status, line)
    carried = {(succ, year) for succ, _ind, year in groups}
    for key in list(by_key):
        if (key[0], key[2]) in carried and kinds.get(key[1], "count") != "count":
            dropped.add(key)  # the successor's own rate refers to its old territory
    for key in dropped:
        by_key.pop(key, None)
    return list(by_key.values()), notes
