"""Text that leaves the atlas in a spreadsheet: never a formula.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR as
a formula (CSV injection, OWASP). `safe_text` prefixes such a text with an apostrophe (a
genuine negative number stays a number); `texts_never_formulas` stops openpyxl from storing a
text that starts with ``=`` as a formula.
"""

from __future__ import annotations

from typing import Any


def cell_text(text: str) -> str:
    """Text for a spreadsheet cell that Excel never reads as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def safe_text(value: str) -> str:
    """A text for a CSV cell that Excel never runs as a formula (OWASP: a leading ``=``, ``+``,
    ``@``, tab or CR, or ``-`` not followed by a digit, gets an apostrophe)."""
    if value[:1] in ("=", "+", "@", "\t", "\r") or (
            value[:1] == "-" and not value[1:2].isdigit()):
        return "'" + value
    return value


def texts_never_formulas(wb: Any) -> None:
    """openpyxl stores every text starting with ``=`` as a formula: store it as text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    c.data_type = "s"
