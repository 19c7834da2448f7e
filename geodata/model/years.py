"""Year helpers shared by the views and the need index.
"""

from __future__ import annotations

from collections.abc import Sequence


def nearest_year(years: Sequence[int], year: int) -> int | None:
    """``year`` if listed, else the newest earlier one, else the oldest later one."""
    if not years:
        return None
    if year in years:
        return year
    earlier = [y for y in years if y < year]
    return earlier[-1] if earlier else min(years)
