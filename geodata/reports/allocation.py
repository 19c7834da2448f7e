"""The budget split of a need index as files: CSV for German Excel and XLSX with its settings.

Amounts are whole euros or hours; names are guarded against formulas
(`geodata.statistics.textsafe`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from geodata.index.allocation import Allocation
from geodata.statistics.numfmt import format_number
from geodata.statistics.textsafe import cell_text, texts_never_formulas


def allocation_csv(allocation: Allocation, names: Mapping[str, str] | None = None,
                   need_decimals: int = 2) -> bytes:
    """The allocation table as CSV for German Excel (see module docstring)."""
    names = names or {}
    u = allocation.unit
    need_head = "Bedarfsklasse" if allocation.method == "klassen" else "Indexwert"
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    heads = f"Köpfe ({allocation.heads_label})" if allocation.heads_label else "Köpfe"
    w.writerow(["Gebiet-ID", "Gebiet", heads, need_head, "Bedarfsfaktor", f"Sockel ({u})",
                f"Bedarfsanteil ({u})", f"Gesamt ({u})", f"Gießkanne je Kopf ({u})",
                f"Differenz ({u})", "Hinweis"])

    def num(x: float | None, decimals: int, trim: bool = False) -> str:
        if x is None:
            return ""
        text = format_number(x, decimals).replace(".", "")
        return text.rstrip("0").rstrip(",") if trim and "," in text else text

    for r in allocation.rows:
        need_dec = 0 if allocation.method == "klassen" else need_decimals
        w.writerow([
            cell_text(r.area_id), cell_text(names.get(r.area_id, "")), num(r.heads, 0),
            num(r.need, need_dec), num(r.factor, 4, trim=True), str(r.base), str(r.need_amount),
            str(r.total), str(r.even), str(r.difference), cell_text(r.note),
        ])
    rows = allocation.rows
    w.writerow(["", "Summe", num(sum(r.heads or 0 for r in rows), 0), "", "",
                str(sum(r.base for r in rows)), str(sum(r.need_amount for r in rows)),
                str(sum(r.total for r in rows)), str(sum(r.even for r in rows)),
                str(sum(r.difference for r in rows)), ""])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def allocation_xlsx(allocation: Allocation, names: Mapping[str, str],
                    settings: Sequence[tuple[str, str]]) -> bytes:
    """The allocation table as XLSX: sheet "Verteilung" (numbers as numbers, a sum row) and
    sheet "Einstellungen" (index, budget, base share, method, …: ``settings`` as label/value)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    text = allocation_csv(allocation, names).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    wb = Workbook()
    ws = wb.active
    ws.title = "Verteilung"
    bold = Font(bold=True)
    ws.append(rows[0])
    for r in allocation.rows:
        ws.append([r.area_id, names.get(r.area_id, ""), r.heads, r.need, r.factor, r.base,
                   r.need_amount, r.total, r.even, r.difference, r.note])
    ws.append(["", "Summe", sum(r.heads or 0 for r in allocation.rows), None, None,
               *(sum(getattr(r, f) for r in allocation.rows)
                 for f in ("base", "need_amount", "total", "even", "difference")), ""])
    for c in (*ws[1], *ws[ws.max_row]):
        c.font = bold
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=10):
        for c in row:
            c.number_format = "#,##0"
    for col, width in zip("ABCDEFGHIJK", (14, 28, 10, 12, 12, 14, 16, 14, 16, 14, 40),
                          strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C2"
    meta = wb.create_sheet("Einstellungen")
    for label, value in settings:
        meta.append([label, value])
        meta.cell(meta.max_row, 1).font = bold
    meta.column_dimensions["A"].width = 28
    meta.column_dimensions["B"].width = 80

    texts_never_formulas(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
