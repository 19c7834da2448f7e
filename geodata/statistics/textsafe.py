"""Text that leaves the atlas in a spreadsheet: never a formula.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR as
a formula (CSV injection, OWASP). `safe_text` prefixes such a text with an apostrophe (a
genuine negative number stays a number); `texts_never_formulas` stops openpyxl from storing a
text that starts with ``=`` as a formula.
"""

from __future__ import annotations

import re
from typing import Any


def cell_text(text: str) -> str:
    """Text for a spreadsheet cell that Excel never reads as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A genuine negative number as the atlas writes it ("-2", "-2,5", "-1.234,5"); the atlas never
# writes a leading "+", so "+49" keeps its apostrophe.
_NUMBER = re.compile(r"-[0-9]+(?:[.,][0-9]+)*")


def safe_text(value: str) -> str:
    """A text for a CSV cell that Excel never runs as a formula (OWASP): a leading ``=``,
    ``+``, ``-``, ``@``, tab or CR gets an apostrophe, unless the whole text is a genuine
    negative number ("-2,5" stays a number; "-2+3+cmd|…" does not)."""
    if value[:1] in FORMULA_START and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def texts_never_formulas(wb: Any) -> None:
    """openpyxl stores every text starting with ``=`` as a formula: store it as text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    c.data_type = "s"
