"""Reading spreadsheets as they come out of German offices (CSV and XLSX).

Handled without asking: UTF-8, UTF-8 with BOM and Latin-1/Windows-1252; ``;``, ``,``, tab or
``|`` as separator; title lines above the header and notes below the data; a header of
several rows and a footer after a line of underscores (GENESIS exports, see
`geodata.importer.official`); decimal comma with thousands dots (or decimal point); ``-``,
``.``, ``x``, ``/``, ``…``, ``-9999`` and empty cells as markers (`MISSING_MARKERS`; which of
them mean "suppressed" is `SUPPRESSED_MARKERS`). In a workbook with several sheets the one
named by the caller is read, else the one holding the most keys of the atlas. Nothing is
executed: CSV is parsed with the ``csv`` module, XLSX with openpyxl in read-only mode (values
only, formulas are not evaluated).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from geodata.importer.official import Attribution, attribution_of, footer_start, merge_header
from geodata.importer.report import Report

MAX_ROWS = 200_000
MAX_COLUMNS = 500
MAX_UNPACKED = 300 * 1024 * 1024  # an XLSX is a ZIP archive: refuse decompression bombs
SEPARATORS = (";", "\t", ",", "|")
SEPARATOR_NAMES = {";": "Semikolon", "\t": "Tabulator", ",": "Komma", "|": "senkrechter Strich"}
# Marker → German meaning (official tables: "." secret/unknown, "-" nothing, "x" not sensible).
MISSING_MARKERS = {
    "": "leer", "-": "„-“ (nichts vorhanden)", "–": "„–“ (nichts vorhanden)",
    "—": "„—“ (nichts vorhanden)", ".": "„.“ (gesperrt oder unbekannt)",
    "x": "„x“ (Tabellenfach gesperrt)", "…": "„…“ (Angabe fällt später an)",
    "...": "„...“ (Angabe fällt später an)", "/": "„/“ (keine Angabe)", "na": "„NA“",
    "n.a.": "„n. a.“", "k.a.": "„k. A.“", "-9999": "„-9999“ (fehlender Wert)",
}
# Markers that mean "the value exists but is not published" (GENESIS: "." = Zahlenwert
# unbekannt oder geheim zu halten, "/" = keine Angabe, da Zahlenwert nicht sicher genug):
# such a cell is stored as suppressed. Every other marker (and an empty cell) means "no value".
SUPPRESSED_MARKERS = frozenset({".", "/"})

_COMMA_DEC = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+$")
_POINT_DEC = re.compile(r"^[-+]?\d+\.\d+$")
_GERMAN_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+$")
_INT = re.compile(r"^[-+]?\d+$")


class TableError(Exception):
    """A file that cannot be read as a table at all; ``str(err)`` is German."""


Cell = str | float | int | None


@dataclass
class RawTable:
    """Header and data rows of one sheet; every row keeps its line number in the file."""

    file: str
    header: list[str]
    rows: list[tuple[int, list[Cell]]]
    decimal: str  # "," or "."
    description: str  # how the file was read, in German
    title: str = ""  # the title lines above the header, joined
    attribution: Attribution = field(default_factory=Attribution)
    sheet: str = ""  # the sheet read (XLSX)
    sheets: tuple[str, ...] = ()  # all sheets of the workbook (XLSX)

    def column(self, name: str) -> list[Cell]:
        idx = self.header.index(name)
        return [cells[idx] if idx < len(cells) else None for _line, cells in self.rows]


def decode(data: bytes) -> tuple[str, str]:
    """Text and the name of the detected encoding (UTF-8 with BOM, UTF-8, Windows-1252)."""
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8", errors="strict"), "UTF-8 mit BOM"
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16"), "UTF-16"
    except UnicodeDecodeError as err:
        raise TableError(f"Die Datei kündigt am Anfang eine Unicode-Kodierung an, enthält aber "
                         f"bei Byte {err.start + 1} ein ungültiges Zeichen.") from err
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        # Every byte is defined in Latin-1; Windows-1252 adds €, „“ and – in 0x80–0x9f.
        try:
            return data.decode("cp1252"), "Latin-1 (Windows-1252)"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "Latin-1 (ISO 8859-1)"


def _split(text: str, sep: str) -> list[tuple[int, list[str]]]:
    """Rows with the physical line number where each starts (quoted newlines allowed)."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=sep, quotechar='"', strict=False)
    rows: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            raise TableError(f"Zeile {start}: die CSV-Struktur ist kaputt (Meldung des "
                             f"CSV-Lesers: „{err}“).") from err
        if len(rows) >= MAX_ROWS:
            raise TableError(f"Die Datei hat mehr als {MAX_ROWS} Zeilen.")
        rows.append((start, [c.strip() for c in row]))
    return rows


def _pick_separator(text: str) -> str:
    """The separator that gives most lines the same number (≥ 2) of fields."""
    sample = "\n".join(text.splitlines()[:400])
    best, best_score = ";", (-1, 0)
    for rank, sep in enumerate(SEPARATORS):
        try:
            counts = Counter(len(r) for _n, r in _split(sample, sep) if any(r))
        except TableError:
            continue
        multi = {k: v for k, v in counts.items() if k >= 2}
        if not multi:
            continue
        width, n = max(multi.items(), key=lambda kv: (kv[1], kv[0]))
        score = (n, -rank)
        if score > best_score:
            best, best_score = sep, score
    if best_score[0] < 1:
        raise TableError("In der Datei sind keine Spalten zu erkennen (kein Trennzeichen "
                         "; , Tabulator oder | gefunden).")
    return best


def _is_numberish(cell: Cell) -> bool:
    if isinstance(cell, (int, float)):
        return True
    s = str(cell or "").replace(" ", "").replace("\u00a0", "")
    return bool(s) and bool(re.fullmatch(r"[-+]?[\d.,]+%?", s)) and any(c.isdigit() for c in s)


def _find_header(rows: list[tuple[int, list[Cell]]]) -> int:
    """Index of the header row: the first row with ≥ 2 filled, mostly non-numeric cells,
    at least half as wide as the table, followed by a row of data."""
    width = Counter(sum(1 for c in r if c not in (None, "")) for _n, r in rows).most_common()
    widest = max((w for w, _c in width), default=0)
    for i, (_line, cells) in enumerate(rows):
        filled = [c for c in cells if c not in (None, "")]
        if len(filled) < 2 or len(filled) * 2 < min(widest, len(cells)):
            continue
        texty = sum(1 for c in filled if not _is_numberish(c) or re.fullmatch(r"(19|20)\d\d", str(c)))
        if texty * 2 >= len(filled) and any(
            sum(1 for c in r if c not in (None, "")) >= 2 for _n, r in rows[i + 1:i + 4]
        ):
            return i
    raise TableError("Keine Kopfzeile gefunden: erwartet wird eine Zeile mit Spaltennamen "
                     "(z. B. „Schlüssel;Name;Wert“) über den Daten.")


def _unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for i, raw in enumerate(names):
        name = re.sub(r"\s+", " ", raw).strip() or f"Spalte {i + 1}"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _decimal_mode(rows: list[tuple[int, list[Cell]]]) -> str:
    comma = point = 0
    for _n, cells in rows:
        for c in cells:
            if not isinstance(c, str):
                continue
            s = c.replace(" ", "").replace("\u00a0", "").rstrip("%")
            if _COMMA_DEC.match(s):
                comma += 1
            elif _POINT_DEC.match(s) and not _GERMAN_THOUSANDS.match(s):
                point += 1
    return "." if point > comma else ","


def _clip(text: str, n: int = 160) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _structure(file: str, rows: list[tuple[int, list[Cell]]], how: str, report: Report,
               extra_text: list[str] | None = None) -> RawTable:
    """Find the header, drop title lines above and notes below (reported), build the table.
    ``extra_text``: more free text of the file (an imprint sheet) to look for attribution."""
    rows = [(n, r) for n, r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        raise TableError("Die Datei enthält keine Daten.")
    footer: list[tuple[int, list[Cell]]] = []
    cut = footer_start(rows)
    if cut is not None and cut > 1:
        footer, rows = rows[cut:], rows[:cut]
        report.note(file, f"Fußbereich unter der Trennlinie ({len(footer)} Zeilen mit "
                    "Erläuterungen, Quellenangabe und Stand) nicht importiert.", footer[0][0])
    h = _find_header(rows)
    titles = []
    for line, cells in rows[:h]:
        text = "; ".join(str(c) for c in cells if c not in (None, ""))
        titles.append(text)
        report.note(file, f"Titelzeile übersprungen: „{_clip(text)}“", line)
    if len(rows[h][1]) > MAX_COLUMNS:
        raise TableError(f"Die Datei hat mehr als {MAX_COLUMNS} Spalten.")
    header_cells, merged = merge_header(rows, h)
    if merged:
        report.note(file, f"Kopfzeile aus {merged + 1} Zeilen zusammengesetzt (Zeilen "
                    f"{rows[h][0]}–{rows[h + merged][0]}); Spalten ohne Überschrift nach "
                    "ihrem Inhalt benannt.", rows[h][0])
    while header_cells and header_cells[-1] in (None, ""):
        header_cells = header_cells[:-1]
    header = _unique([str(c or "") for c in header_cells])
    data = rows[h + 1 + merged:]
    free = [str(c) for _n, cells in footer for c in cells if c not in (None, "")]
    # Notes below the data: trailing rows without any number-like cell. One filled cell is a
    # footnote; several text cells (a note split at the separator) are left out with a
    # warning; a row with a number in it is data (e.g. "Knielingen;;;;12,5").
    end = len(data)
    while end > 0 and len(header) > 1:
        filled = [c for c in data[end - 1][1] if c not in (None, "")]
        if not filled or any(_is_numberish(c) for c in filled) \
                or len(filled) > max(1, len(header) // 2):
            break
        end -= 1
    for line, cells in data[end:]:
        filled = [str(c) for c in cells if c not in (None, "")]
        text = _clip("; ".join(filled))
        if len(filled) == 1:
            report.note(file, f"Fußnote unter den Daten, nicht importiert: „{text}“", line)
        else:
            report.warning(file, f"Zeile unter den Daten mit {len(filled)} Textfeldern und "
                           f"ohne Zahl als Fußnote behandelt, nicht importiert: „{text}“. "
                           "Falls das Daten sind, bitte die Datei prüfen.", line)
    body = []
    for line, cells in data[:end]:
        extra = [c for c in cells[len(header):] if c not in (None, "")]
        if extra:
            report.error(file, f"Die Zeile hat {len(cells)} Felder, die Kopfzeile {len(header)} "
                         "(Trennzeichen im Wert? Dezimalkomma ohne Anführungszeichen?). "
                         "Zeile abgelehnt.", line)
            report.file(file).rejected += 1
            report.file(file).read += 1
            continue
        body.append((line, list(cells[:len(header)]) + [None] * (len(header) - len(cells))))
    free += [str(c) for _n, cells in data[end:] for c in cells if c not in (None, "")]
    attribution = attribution_of([*free, *(extra_text or []), *titles])
    return RawTable(file, header, body, _decimal_mode(body), how, title=_clip(" ".join(titles), 300),
                    attribution=attribution)


def _cells(row: tuple) -> list[Cell]:
    cells: list[Cell] = []
    for v in row[:MAX_COLUMNS + 1]:
        if v is None:
            cells.append(None)
        elif isinstance(v, bool):
            cells.append(str(v))
        elif isinstance(v, (int, float)):
            cells.append(v)
        else:
            cells.append(str(v).strip())
    return cells


def _sheet_rows(ws) -> list[tuple[int, list[Cell]]]:
    rows: list[tuple[int, list[Cell]]] = []
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if n > MAX_ROWS:
            raise TableError(f"Das Blatt „{ws.title}“ hat mehr als {MAX_ROWS} Zeilen.")
        rows.append((n, _cells(row)))
    return rows


KeyScore = Callable[[Cell], bool]


def _pick_sheet(wb, file: str, report: Report, key_score: KeyScore | None) -> tuple[str, str]:
    """The sheet to read when none is named, and why (German): the one with the most cells
    that are keys of the atlas (``key_score``), else the first one that holds a table."""
    names = list(wb.sheetnames)
    scores: dict[str, int] = {}
    for ws in wb.worksheets:
        n = 0
        wide = 0
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            if i >= MAX_ROWS:
                break
            if key_score is not None:
                n += sum(1 for v in row[:4] if v is not None and key_score(v))
            elif sum(1 for v in row if v is not None) >= 2:
                wide += 1
        scores[ws.title] = n if key_score is not None else wide
    best = max(names, key=lambda name: (scores[name], -names.index(name)))
    if key_score is not None and scores[best] > 0:
        others = sorted(((v, k) for k, v in scores.items() if v and k != best), reverse=True)
        why = f"enthält {scores[best]} Gebietsschlüssel des Atlas"
        if others:
            why += "; weitere Blätter mit Schlüsseln: " + ", ".join(
                f"„{k}“ ({v})" for v, k in others[:6]) + (" …" if len(others) > 6 else "")
        return best, why
    return best, "das erste Blatt mit einer Tabelle"


def _read_xlsx(data: bytes, file: str, report: Report, sheet: str | None = None,
               key_score: KeyScore | None = None) -> RawTable:
    import openpyxl  # noqa: PLC0415  (only needed for spreadsheets)

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a broken file
        raise TableError(f"Die Excel-Datei ist nicht lesbar ({type(err).__name__}).") from err
    try:
        names = tuple(wb.sheetnames)
        if sheet:
            if sheet not in names:
                raise TableError(f"Das Blatt „{sheet}“ gibt es in der Mappe nicht; vorhanden: "
                                 + ", ".join(f"„{n}“" for n in names) + ".")
            chosen = sheet
            if len(names) > 1:
                report.note(file, f"Die Mappe hat {len(names)} Blätter; gelesen wird „{chosen}“ "
                            "(so gewählt).")
        elif len(names) == 1:
            chosen = names[0]
        else:
            chosen, why = _pick_sheet(wb, file, report, key_score)
            report.note(file, f"Die Mappe hat {len(names)} Blätter; gelesen wird „{chosen}“ "
                        f"({why}). Ein anderes Blatt wählen: --blatt NAME bzw. Auswahl „Blatt“.")
        rows = _sheet_rows(wb[chosen])
        imprint = [str(c) for name in names if re.search(r"impressum|vorblatt|quelle", name, re.I)
                   and name != chosen for _n, cells in _sheet_rows(wb[name])[:60]
                   for c in cells if c not in (None, "")]
    except TableError:
        raise
    except Exception as err:  # broken sheet XML
        raise TableError(f"Das Excel-Blatt ist nicht lesbar ({type(err).__name__}).") from err
    finally:
        wb.close()
    how = "Excel-Datei (XLSX)" + (f", Blatt „{chosen}“" if len(names) > 1 else ", erstes Blatt")
    table = _structure(file, rows, how, report, extra_text=imprint)
    table.sheet, table.sheets = chosen, names
    return table


def read_table(data: bytes, file: str, report: Report, sheet: str | None = None,
               key_score: KeyScore | None = None) -> RawTable:
    """Read a CSV or XLSX file; raises `TableError` (German) when it is not a table.
    ``sheet``: the sheet of a workbook to read (default: see `_pick_sheet`)."""
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError) as err:
            raise TableError("Die Datei sieht wie ein ZIP-Archiv aus, ist aber beschädigt.") from err
        if "xl/workbook.xml" in names:
            unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
            if unpacked > MAX_UNPACKED:
                raise TableError(f"Die Excel-Datei ist entpackt größer als "
                                 f"{MAX_UNPACKED // 2**20} MB.")
            return _read_xlsx(data, file, report, sheet, key_score)
        raise TableError("Ein ZIP-Archiv ist keine Tabelle (erwartet: CSV oder XLSX).")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError("Alte Excel-Dateien (XLS) werden nicht gelesen: bitte als XLSX oder "
                         "CSV speichern.")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError("Die Datei ist keine Textdatei (CSV) und keine Excel-Datei (XLSX).")
    text, encoding = decode(data)
    sep = _pick_separator(text)
    table = _structure(file, list(_split(text, sep)), "", report)
    table.description = (f"CSV, Zeichenkodierung {encoding}, Trennzeichen "
                         f"{SEPARATOR_NAMES[sep]}, Dezimal"
                         f"{'komma' if table.decimal == ',' else 'punkt'}")
    return table


def parse_number(cell: Cell, decimal: str) -> tuple[str, float | str | None]:
    """``("zahl", 1234.5)``, ``("fehlt", "„.“ (gesperrt …)")`` or ``("ungueltig", None)``."""
    if cell is None:
        return "fehlt", MISSING_MARKERS[""]
    if isinstance(cell, (int, float)):
        if cell == -9999:
            return "fehlt", MISSING_MARKERS["-9999"]
        return ("zahl", float(cell)) if cell == cell else ("fehlt", MISSING_MARKERS[""])
    s = str(cell).replace("\u00a0", "").replace(" ", "").strip()
    if s.casefold() in MISSING_MARKERS:
        return "fehlt", MISSING_MARKERS[s.casefold()]
    if s in ("-9999", "-9999.0", "-9999,0"):
        return "fehlt", MISSING_MARKERS["-9999"]
    s = s.rstrip("%")
    if decimal == ",":
        if _COMMA_DEC.match(s) or _GERMAN_THOUSANDS.match(s) or _INT.match(s):
            return "zahl", float(s.replace(".", "").replace(",", "."))
    else:
        if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", s):
            s = s.replace(",", "")
        if _POINT_DEC.match(s) or _INT.match(s):
            return "zahl", float(s)
    return "ungueltig", None


def read_cell(cell: Cell, decimal: str) -> tuple[str, float | str | None]:
    """What a value cell says: ``("zahl", 12.0)``, ``("gesperrt", marker)`` for a value that
    exists but is not published (`SUPPRESSED_MARKERS`), ``("leer", marker)`` for no value
    (empty, ``-``, ``x`` …) or ``("ungueltig", None)``."""
    kind, val = parse_number(cell, decimal)
    if kind != "fehlt":
        return kind, val
    marker = "" if cell is None else str(cell).replace("\u00a0", "").strip().casefold()
    return ("gesperrt" if marker in SUPPRESSED_MARKERS else "leer"), val
