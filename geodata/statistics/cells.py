"""The published atlas's value types: a published `Cell`, a `PublishedColumn`, the `Access`
protocol of the access check, and rounding as a person rounds (half up)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from geodata.model.entities import Indicator


@dataclass(frozen=True, slots=True)
class Cell:
    """One published value: ``value`` (rounded) when ``state`` is ``ok`` (or ``nicht_bewertet``:
    too small an area to classify, but no secret; the map and profile show only ``ok``); a
    rate's ``numerator`` and ``denominator`` where published; ``note`` for a partial total."""

    value: float | None
    state: str
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""
    missing: int = 0  # children without a value (a partial total)


MISSING_CELL = Cell(None, "keine_daten")


@dataclass(frozen=True)
class PublishedColumn:
    """Published values of several areas in one indicator and year (order as asked); a value
    is given where the state is ``ok`` or ``nicht_bewertet`` (see `Cell`)."""

    states: tuple[str, ...]
    values: tuple[float | None, ...]
    numerators: tuple[float | None, ...]
    denominators: tuple[float | None, ...]

    def cell(self, i: int) -> Cell:
        return Cell(self.values[i], self.states[i], self.numerators[i], self.denominators[i])


class Access(Protocol):
    """What the current user may see (`geodata.statistics.access`)."""

    @property
    def key(self) -> str: ...

    def sees(self, ind: Indicator, level: str | None = None) -> bool: ...

    def sees_everywhere(self, ind: Indicator) -> bool: ...

    # ``staff`` (intern or redaktion: drafts, internal indicators) and ``editor`` (redaktion:
    # import, restore, save and publish) are read with getattr, default False.


class _Everything:
    """No access check (scripts, tests, the computation itself): everything, and editing."""

    key = "alles"
    staff = True
    editor = True

    def sees(self, ind: Indicator, level: str | None = None) -> bool:
        return True

    def sees_everywhere(self, ind: Indicator) -> bool:
        return True


def round_half_up(value: float, decimals: int) -> float:
    """``value`` rounded to ``decimals`` places, halves away from zero, as a person rounds the
    decimal number (107 / 40 = 2,675 → 2,68, although the binary float is a hair below)."""
    scale = 10.0 ** decimals
    # Rounding the scaled value to 6 places first removes the binary representation error.
    out = math.floor(round(abs(value) * scale, 6) + 0.5) / scale
    return -out if value < 0 and out else out


def rounded_array(values: np.ndarray, decimals: int) -> np.ndarray:
    scale = 10.0 ** decimals
    # Rounding the scaled value to 6 places first removes the binary representation error.
    out = np.floor(np.round(np.abs(values) * scale, 6) + 0.5) / scale
    return np.where(values < 0, -out, out) + 0.0
