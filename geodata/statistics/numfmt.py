"""German number formatting: decimal comma, thousands dot (``12.345,6``).
"""

from __future__ import annotations

import datetime as dt
import math
import re

MISSING = "–"


def format_number(value: float | None, decimals: int = 0) -> str:
    """Format a number the German way.

    Parameters
    ----------
    value
        The number; ``None`` or NaN gives the missing-value dash.
    decimals
        Digits after the decimal comma (rounded half away from zero is not guaranteed;
        Python's round-half-even on the binary value applies, as in every spreadsheet).

    Returns
    -------
    str
        E.g. ``format_number(12345.678, 1) == "12.345,7"``, ``format_number(-0.04, 1) == "0,0"``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text[1:].replace(",", "")) == 0:
        text = text[1:]  # no "-0,0"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_value(value: float | None, decimals: int, unit: str) -> str:
    """Format a value with its unit (``"12,3 %"``, ``"1.234 Personen"``)."""
    text = format_number(value, decimals)
    if text == MISSING or not unit:
        return text
    return f"{text} {unit}"


def parse_number(text: str) -> float | None:
    """A number in German or plain notation ("12,5", "1.234,5", "12.5"), or None. A dot
    followed by three digits is a thousands separator ("1.234" = 1234) unless the part before
    it is 0 ("0.125" = 0.125)."""
    t = text.strip().replace(" ", "")
    # ASCII digits only (``\d`` would take "²" or Arabic-Indic digits), at most 30 of them.
    if len(t) > 40 or not re.fullmatch(
            r"[-+]?([1-9][0-9]{0,2}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?|[-+]?[0-9]+\.[0-9]+", t):
        return None
    if "," in t or re.fullmatch(r"[-+]?[1-9][0-9]{0,2}(\.[0-9]{3})+", t):
        t = t.replace(".", "").replace(",", ".")
    value = float(t)
    return value if math.isfinite(value) else None


def ascii_int(text: str | None, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high`` written with ASCII digits only
    ("²", "٣", "1e3", " 7" are not), else None."""
    if text is None or not re.fullmatch(r"[0-9]{1,12}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def number_param(value: float) -> str:
    """A number for the URL in German notation without thousands dots ("1234,5", "10")."""
    return format_number(value, 6).rstrip("0").rstrip(",").replace(".", "")


def german_date(day: dt.date) -> str:
    """A date as Germans write it: ``02.12.2026``."""
    return day.strftime("%d.%m.%Y")
