"""The German validation report of an import.

Every import (successful or not) produces one `Report`: counts of rows read, imported and
rejected, and one `Issue` per finding with file, line, column and reason. ``Fehler`` block the
import (the row is rejected; a file-level error rejects the whole file), ``Warnung`` and
``Hinweis`` do not. Besides, the report lists every stored cell the import changes
(`CellChange`: replaced, newly suppressed, cleared) and every area it renames or removes; the
text shows the first few of each kind, the CSV all of them. The report is shown as text
(never HTML) and downloadable as CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

ERROR = "Fehler"
WARNING = "Warnung"
NOTE = "Hinweis"


def count(n: int, one: str, many: str) -> str:
    """``1 Warnung``, ``2 Warnungen``."""
    return f"{n} {one if n == 1 else many}"


def sentence(text: str) -> str:
    """``text`` ending in a full stop (unless it ends with ``.``, ``?`` or ``!`` already)."""
    return text if text.endswith((".", "?", "!")) else text + "."


@dataclass(frozen=True)
class Issue:
    """One finding: severity, where (file, line, column; 0/"" = not applicable) and why."""

    severity: str
    file: str
    line: int
    column: str
    message: str

    def text(self) -> str:
        """One German report line, e.g. ``Fehler: werte.csv, Zeile 7, Spalte „Wert“: …``."""
        where = [self.file] if self.file else []
        if self.line:
            where.append(f"Zeile {self.line}")
        if self.column:
            where.append(f"Spalte „{self.column}“")
        prefix = f"{self.severity}: " + (", ".join(where) + ": " if where else "")
        return prefix + self.message


CHANGE_KINDS = {
    "ersetzt": ("ersetzter Wert", "ersetzte Werte"),
    "gesperrt": ("neu gesperrter Wert", "neu gesperrte Werte"),
    "geleert": ("gelöschter Wert", "gelöschte Werte"),
    "umbenannt": ("umbenanntes Gebiet", "umbenannte Gebiete"),
    "entfernt": ("entferntes Gebiet", "entfernte Gebiete"),
}
SHOWN_CHANGES = 10  # per kind in the text; the CSV has all


@dataclass(frozen=True)
class CellChange:
    """One change to what is stored: ``kind`` (`CHANGE_KINDS`), where, and old → new."""

    kind: str
    area: str  # "Südstadt (08212000-003)"
    what: str  # indicator and year, e.g. "Kinder unter 3 Jahren 2023" ("" for areas)
    old: str
    new: str

    def text(self) -> str:
        where = f"{self.area}, {self.what}" if self.what else self.area
        return f"{where}: {self.old} → {self.new}"


@dataclass
class FileCounts:
    """Rows read, imported and rejected in one file."""

    read: int = 0
    imported: int = 0
    rejected: int = 0
    skipped: int = 0  # not areas (e.g. Land rows) or only missing-value markers


@dataclass
class Report:
    """Everything an import found, in the order it was found."""

    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, FileCounts] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    partial: bool = False  # rejected rows are left out by choice ("fehlerhafte Zeilen auslassen")
    changes: list[CellChange] = field(default_factory=list)

    def add(self, severity: str, file: str, message: str, line: int = 0, column: str = "") -> None:
        """Record one finding."""
        self.issues.append(Issue(severity, file, line, column, message))

    def error(self, file: str, message: str, line: int = 0, column: str = "") -> None:
        self.add(ERROR, file, message, line, column)

    def warning(self, file: str, message: str, line: int = 0, column: str = "") -> None:
        self.add(WARNING, file, message, line, column)

    def note(self, file: str, message: str, line: int = 0, column: str = "") -> None:
        self.add(NOTE, file, message, line, column)

    def file(self, name: str) -> FileCounts:
        """The row counts of one file (created on first use)."""
        return self.counts.setdefault(name, FileCounts())

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when nothing blocks the import."""
        return not self.errors or (self.partial and all(i.line for i in self.errors))

    def merge(self, other: Report) -> None:
        """Append another report's findings and counts."""
        self.issues.extend(other.issues)
        for name, c in other.counts.items():
            mine = self.file(name)
            mine.read += c.read
            mine.imported += c.imported
            mine.rejected += c.rejected
            mine.skipped += c.skipped
        self.summary.extend(other.summary)
        self.changes.extend(other.changes)

    def change_lines(self, shown: int = SHOWN_CHANGES) -> list[str]:
        """Per kind of change: a count line and the first ``shown`` changes."""
        out = []
        for kind, (one, many) in CHANGE_KINDS.items():
            items = [c for c in self.changes if c.kind == kind]
            if not items:
                continue
            out.append(f"{count(len(items), one, many)}:")
            out += [f"  {c.text()}" for c in items[:shown]]
            if len(items) > shown:
                out.append(f"  … und {len(items) - shown} weitere (alle im Bericht als CSV)")
        return out

    def count_lines(self) -> list[str]:
        """``datei.csv: 12 Zeilen gelesen, 9 übernommen, 2 abgelehnt, 1 übersprungen`` per file."""
        return [
            f"{name}: {count(c.read, 'Zeile', 'Zeilen')} gelesen, {c.imported} übernommen, "
            f"{c.rejected} abgelehnt"
            + (f", {c.skipped} übersprungen" if c.skipped else "")
            for name, c in self.counts.items()
        ]

    def status(self) -> str:
        """One German sentence on the outcome of the check."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        if n_err and self.ok:
            return (f"Prüfung bestanden mit {count(n_warn, 'Warnung', 'Warnungen')}; {n_err} "
                    "Fehler in einzelnen Zeilen: diese Zeilen werden ausgelassen.")
        if n_err:
            return (f"Prüfung fehlgeschlagen: {n_err} Fehler, "
                    f"{count(n_warn, 'Warnung', 'Warnungen')}. "
                    "Es wurde nichts geschrieben.")
        if n_warn:
            return f"Prüfung bestanden mit {count(n_warn, 'Warnung', 'Warnungen')}."
        return "Prüfung bestanden ohne Fehler und Warnungen."

    def lines(self) -> list[str]:
        """The whole report as German text lines."""
        return [self.status(), *self.count_lines(), *self.summary, *self.change_lines(),
                *(i.text() for i in self.issues)]

    def text(self) -> str:
        return "\n".join(self.lines())

    def to_csv(self) -> str:
        """The findings as CSV for German Excel (``;``; the caller adds a BOM if needed)."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Schwere", "Datei", "Zeile", "Spalte", "Meldung"])
        for c_line in self.count_lines() + self.summary:
            writer.writerow(["Übersicht", "", "", "", _cell(c_line)])
        for ch in self.changes:
            writer.writerow(["Änderung", "", "", "", _cell(f"{CHANGE_KINDS[ch.kind][0]}: "
                                                           f"{ch.text()}")])
        for i in self.issues:
            writer.writerow([i.severity, _cell(i.file), i.line or "", _cell(i.column),
                             _cell(i.message)])
        return out.getvalue()


def _cell(text: str) -> str:
    """Text from uploaded files must not become a spreadsheet formula (CSV injection)."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
