"""All values of an atlas as columns: `ValueTable`.

A national atlas has about two million values (31,400 areas × 13 indicators × 5 years). Held
as one Python object each they need over a gigabyte per worker; here they are six numpy
arrays, sorted by (indicator, year, area):

- ``area`` (int32) and ``indicator`` (int16): codes into the tuples `ValueTable.area_ids` and
  `ValueTable.indicator_ids`; ``year`` (int16);
- ``value``, ``numerator`` and ``denominator`` (float64; NaN = no numerator/denominator).

Each (indicator, year) is one contiguous *group* of rows whose area codes are sorted, so the
values of all areas of a view are read at once (`ValueTable.column`: one dictionary lookup
per area for its code, then one ``searchsorted`` over the group) and a single value by
bisection (`ValueTable.get`). A row without a value is not stored; of two rows for the same
area, indicator and year the later one counts (as when a table is read into a dictionary).

The arrays are never written after construction (they are flagged read-only), so a
`ValueTable` can be shared by threads, and by gunicorn workers forked after ``--preload``:
their pages stay shared copy-on-write, since reading an array never touches its buffer's
pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from geodata.model.entities import Value

_KEPT_CODES = 256
_KEPT_AREAS = 4096
VALUE_COLUMNS = ("area_id", "indicator_id", "year", "value", "numerator", "denominator")


class Column(NamedTuple):
    """The values of several areas of one indicator and year, in the order asked for.

    ``found`` is False where an area has no value; there ``value``, ``numerator`` and
    ``denominator`` are NaN (as they are where a value has no numerator or denominator)."""

    found: np.ndarray
    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray

    def values(self) -> list[float | None]:
        """The values as Python floats, None where there is none."""
        return [float(v) if f else None for f, v in zip(self.found, self.value, strict=True)]


def _optional(x: float) -> float | None:
    return None if x != x else float(x)  # NaN → None


def _codes(col: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes and their labels of a text column (categorical columns are free)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return (np.asarray(col.cat.codes, dtype=np.int32),
                tuple(str(c) for c in col.cat.categories))
    codes, labels = pd.factorize(col.astype(str), sort=False)
    return np.asarray(codes, dtype=np.int32), tuple(str(c) for c in labels)


class ValueTable:
    """Immutable columnar store of all values (see module docstring).

    Build it with `ValueTable.from_frame` (a long table: ``area_id``, ``indicator_id``,
    ``year``, ``value``, ``numerator``, ``denominator``) or `ValueTable.from_arrays`.
    """

    __slots__ = ("area_ids", "indicator_ids", "area", "indicator", "year", "value",
                 "numerator", "denominator", "_area_code", "_groups", "_years", "_codes",
                 "_by_area", "_area_start", "_of_area")

    def __init__(self, area_ids: Sequence[str], indicator_ids: Sequence[str],
                 area: np.ndarray, indicator: np.ndarray, year: np.ndarray,
                 value: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> None:
        """Arrays of equal length; codes index ``area_ids`` and ``indicator_ids``. Rows are
        sorted here (if they are not already), rows without a value dropped and, of
        duplicates, the last one kept."""
        value = np.asarray(value, dtype=np.float64)
        keep = ~np.isnan(value) & (np.asarray(area) >= 0) & (np.asarray(indicator) >= 0)
        cols = [np.asarray(c)[keep] if not keep.all() else np.asarray(c)
                for c in (area, indicator, year, value, numerator, denominator)]
        area_, ind_, year_ = (c.astype(np.int64) for c in cols[:3])
        # One sortable key per row: indicator, year (offset to stay positive), area.
        key = (ind_ << 48) | ((year_ + 32768) << 32) | area_
        del area_, ind_, year_
        if len(key) > 1 and not bool(np.all(key[1:] >= key[:-1])):
            order = np.argsort(key, kind="stable")  # equal keys keep their order
            key = key[order]
            cols = [c[order] for c in cols]
        if len(key) > 1 and (same := key[1:] == key[:-1]).any():
            last = np.append(~same, True)  # of equal keys the last one
            cols = [c[last] for c in cols]
        del key
        self._set(area_ids, indicator_ids, *cols)

    @classmethod
    def from_sorted(cls, area_ids: Sequence[str], indicator_ids: Sequence[str],
                    area: np.ndarray, indicator: np.ndarray, year: np.ndarray,
                    value: np.ndarray, numerator: np.ndarray,
                    denominator: np.ndarray) -> ValueTable:
        """From the arrays of another `ValueTable` (e.g. its disk cache): already sorted,
        without duplicates or missing values, so nothing is copied or checked again."""
        table = cls.__new__(cls)
        table._set(area_ids, indicator_ids, area, indicator, year, value, numerator,
                   denominator)
        return table

    def _set(self, area_ids: Sequence[str], indicator_ids: Sequence[str], area: np.ndarray,
             indicator: np.ndarray, year: np.ndarray, value: np.ndarray,
             numerator: np.ndarray, denominator: np.ndarray) -> None:
        self.area_ids = tuple(area_ids)
        self.indicator_ids = tuple(indicator_ids)
        self.area = _frozen(area, np.int32)
        self.indicator = _frozen(indicator, np.int16)
        self.year = _frozen(year, np.int16)
        self.value = _frozen(value, np.float64)
        self.numerator = _frozen(numerator, np.float64)
        self.denominator = _frozen(denominator, np.float64)
        self._area_code = {a: i for i, a in enumerate(self.area_ids)}
        self._codes: dict[tuple[str, ...], np.ndarray] = {}  # codes of recent id tuples
        # The rows of each area (by area code), for reading one area's values: a profile
        # reads all indicators and years of a few areas.
        self._by_area = _frozen(np.argsort(self.area, kind="stable"), np.int32)
        self._area_start = _frozen(np.concatenate(
            [[0], np.cumsum(np.bincount(self.area, minlength=len(self.area_ids)))]), np.int64)
        self._of_area: dict[int, dict[tuple[str, int], Value]] = {}
        groups: dict[tuple[str, int], tuple[int, int]] = {}
        years: dict[str, list[int]] = {}
        n = len(self.area)
        if n:
            ind, yr = self.indicator, self.year
            starts = np.flatnonzero(np.append(True, (ind[1:] != ind[:-1]) | (yr[1:] != yr[:-1])))
            stops = np.append(starts[1:], n)
            for s, e in zip(starts.tolist(), stops.tolist(), strict=True):
                ind_id, y = self.indicator_ids[int(ind[s])], int(yr[s])
                groups[(ind_id, y)] = (s, e)
                years.setdefault(ind_id, []).append(y)
        self._groups = groups
        self._years = {k: tuple(sorted(v)) for k, v in years.items()}

    # --- construction ----------------------------------------------------------------------
    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> ValueTable:
        """From a long table with the columns of `VALUE_COLUMNS` (``numerator`` and
        ``denominator`` may be missing or empty)."""
        n = len(df)
        area, area_ids = _codes(df["area_id"]) if n else (np.empty(0, np.int32), ())
        ind, ind_ids = _codes(df["indicator_id"]) if n else (np.empty(0, np.int32), ())

        def floats(name: str) -> np.ndarray:
            if name not in df.columns:
                return np.full(n, np.nan)
            return pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=np.float64,
                                                                      na_value=np.nan)
        year = df["year"].to_numpy(dtype=np.int64) if n else np.empty(0, np.int64)
        return cls(area_ids, ind_ids, area, ind, year, floats("value"), floats("numerator"),
                   floats("denominator"))

    def to_frame(self) -> pd.DataFrame:
        """The long table (``area_id`` and ``indicator_id`` as categorical columns)."""
        return pd.DataFrame({
            "area_id": pd.Categorical.from_codes(self.area, categories=list(self.area_ids)),
            "indicator_id": pd.Categorical.from_codes(self.indicator,
                                                      categories=list(self.indicator_ids)),
            "year": self.year.astype(np.int64),
            "value": self.value, "numerator": self.numerator,
            "denominator": self.denominator,
        })

    # --- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.area)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(getattr(self, n).nbytes for n in ("area", "indicator", "year", "value",
                                                     "numerator", "denominator"))

    def groups(self) -> Iterator[tuple[str, int]]:
        """Every (indicator, year) with at least one value."""
        return iter(self._groups)

    def years(self, indicator_id: str) -> tuple[int, ...]:
        """Years with at least one value of the indicator, ascending."""
        return self._years.get(indicator_id, ())

    def indicators(self) -> tuple[str, ...]:
        """Indicator ids with at least one value."""
        return tuple(self._years)

    def code(self, area_id: str) -> int:
        """The area's code (-1: no value at all)."""
        return self._area_code.get(area_id, -1)

    def group(self, indicator_id: str, year: int) -> tuple[int, int]:
        """Row range (start, stop) of one indicator and year; (0, 0) if it has no value."""
        return self._groups.get((indicator_id, year), (0, 0))

    def get(self, area_id: str, indicator_id: str, year: int) -> Value | None:
        """One area's value, or None."""
        code = self._area_code.get(area_id)
        if code is None:
            return None
        return self.of_area(code).get((indicator_id, year))

    def of_area(self, code: int) -> Mapping[tuple[str, int], Value]:
        """All values of one area (by its code) as ``{(indicator, year): Value}``; the last
        few thousand areas asked for are kept."""
        found = self._of_area.get(code)
        if found is None:
            rows = self._by_area[self._area_start[code]:self._area_start[code + 1]].tolist()
            ind_ids = self.indicator_ids
            found = {
                (ind_ids[i], y): Value(v, _optional(n), _optional(d))
                for i, y, v, n, d in zip(self.indicator[rows].tolist(), self.year[rows].tolist(),
                                         self.value[rows].tolist(),
                                         self.numerator[rows].tolist(),
                                         self.denominator[rows].tolist(), strict=True)}
            if len(self._of_area) >= _KEPT_AREAS:
                self._of_area.clear()  # a simple bound (a few MB)
            self._of_area[code] = found
        return found

    def codes(self, area_ids: Sequence[str]) -> np.ndarray:
        """The codes of the areas (-1: no value at all). The codes of a view's tuple of ids
        are kept: a map asks for the same areas for every indicator and year."""
        key = area_ids if isinstance(area_ids, tuple) else None
        if key is not None and (hit := self._codes.get(key)) is not None:
            return hit
        get = self._area_code.get
        codes = np.fromiter((get(a, -1) for a in area_ids), dtype=np.int64,
                            count=len(area_ids))
        if key is not None:
            codes.flags.writeable = False
            if len(self._codes) >= _KEPT_CODES:
                self._codes.clear()  # a simple bound; the views of one session come back
            self._codes[key] = codes
        return codes

    def rows(self, area_ids: Sequence[str], indicator_id: str, year: int) -> np.ndarray:
        """Row index of each area's value (-1 where it has none), in the order given."""
        start, stop = self._groups.get((indicator_id, year), (0, 0))
        out = np.full(len(area_ids), -1, dtype=np.int64)
        if start == stop or not len(area_ids):
            return out
        codes = self.codes(area_ids)
        codes_in_group = self.area[start:stop]
        pos = np.searchsorted(codes_in_group, codes)
        inside = pos < len(codes_in_group)
        hit = np.zeros(len(area_ids), dtype=bool)
        hit[inside] = codes_in_group[pos[inside]] == codes[inside]
        hit &= codes >= 0
        out[hit] = start + pos[hit]
        return out

    def column(self, area_ids: Sequence[str], indicator_id: str, year: int) -> Column:
        """Value, numerator and denominator of several areas at once (see `Column`)."""
        rows = self.rows(area_ids, indicator_id, year)
        found = rows >= 0
        safe = np.where(found, rows, 0)
        nan = np.full(len(rows), np.nan)
        if not len(self.value):
            return Column(found, nan, nan.copy(), nan.copy())
        return Column(found, np.where(found, self.value[safe], np.nan),
                      np.where(found, self.numerator[safe], np.nan),
                      np.where(found, self.denominator[safe], np.nan))

    def areas_with_values(self, indicator_id: str, year: int) -> tuple[str, ...]:
        """The ids of the areas that have a value of the indicator in the year."""
        start, stop = self._groups.get((indicator_id, year), (0, 0))
        ids = self.area_ids
        return tuple(ids[c] for c in self.area[start:stop].tolist())

    def group_items(self, indicator_id: str, year: int) -> Iterator[tuple[str, Value]]:
        """(area id, value) of every value of one indicator and year, by area code."""
        start, stop = self._groups.get((indicator_id, year), (0, 0))
        ids = self.area_ids
        for c, v, n, d in zip(self.area[start:stop].tolist(), self.value[start:stop].tolist(),
                              self.numerator[start:stop].tolist(),
                              self.denominator[start:stop].tolist(), strict=True):
            yield ids[c], Value(v, _optional(n), _optional(d))


def _frozen(arr: np.ndarray, dtype: type) -> np.ndarray:
    """A read-only, contiguous array of ``dtype`` (no copy if it is one already)."""
    arr = np.ascontiguousarray(arr, dtype=dtype)
    arr.flags.writeable = False
    return arr


class GroupView(Mapping[str, Value]):
    """The values of one indicator and year as a read-only mapping ``area id → Value``."""

    __slots__ = ("_table", "_key")

    def __init__(self, table: ValueTable, key: tuple[str, int]) -> None:
        self._table, self._key = table, key

    def __getitem__(self, area_id: str) -> Value:
        val = self._table.get(area_id, *self._key)
        if val is None:
            raise KeyError(area_id)
        return val

    def __contains__(self, area_id: object) -> bool:
        return isinstance(area_id, str) and self._table.get(area_id, *self._key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._table.areas_with_values(*self._key))

    def __len__(self) -> int:
        start, stop = self._table.group(*self._key)
        return stop - start

    def items(self):  # type: ignore[override]  # one pass instead of a lookup per key
        return dict(self._table.group_items(*self._key)).items()


class ValuesView(Mapping[tuple[str, int], Mapping[str, Value]]):
    """All values as a read-only mapping ``(indicator, year) → {area id → Value}``: the shape
    of the repository before values became columns, for code that iterates over everything
    (comparisons, the benchmark's naive app). Builds `Value` objects on access."""

    __slots__ = ("_table",)

    def __init__(self, table: ValueTable) -> None:
        self._table = table

    def __getitem__(self, key: tuple[str, int]) -> Mapping[str, Value]:
        if key not in self._table._groups:
            raise KeyError(key)
        return GroupView(self._table, key)

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return self._table.groups()

    def __len__(self) -> int:
        return len(self._table._groups)
