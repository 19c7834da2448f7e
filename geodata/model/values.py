"""All values of an atlas as columns: `ValueTable`.

A national atlas has about two million values (31,400 areas × 13 indicators × 5 years). Held
as one Python object each they need over a gigabyte per worker; here they are six numpy
arrays, sorted by (indicator, year, area):

- ``area`` (int32) and ``indicator`` (int16): codes into the tuples `ValueTable.area_ids` and
  `ValueTable.indicator_ids`; ``year`` (int16);
- ``value``, ``numerator`` and ``denominator`` (float64; NaN = no numerator/denominator);
- ``source`` (int16): the value's provenance, a code into `ValueTable.source_ids` (ids of the
  ``sources`` table; ``""`` = none recorded, the indicator's own source applies; a value
  summed from children of several sources has the ids joined by ``+``);
- ``status`` (int8): how the value came about, a code into `STATUS` (given, territorially
  incomplete, summed from its children, computed from numerator and denominator).

Each (indicator, year) is one contiguous *group* of rows whose area codes are sorted, so the
values of all areas of a view are read at once (`ValueTable.column`: one dictionary lookup
per area for its code, then one ``searchsorted`` over the group) and a single value by
bisection (`ValueTable.get`). Of two rows for the same area, indicator and year the later one
counts (as when a table is read into a dictionary).

A cell the source publishes as suppressed (``.`` in official tables) is stored as a row
without a value and the status ``gesperrt``; so is a rate whose numerator or denominator is
suppressed (``gesperrt-teil``). Such *withheld* cells are kept apart from the values (a few
small sorted arrays), so every reader of values sees only values; `ValueTable.column` says
per area whether its cell is withheld (`Column.withheld`), and the map shows it as
"gesperrt", never as "keine Daten". Any other row without a value is not stored.

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
PROVENANCE_COLUMNS = ("source", "status")
# How a value came about (the ``status`` column; code = position). "" = given as it is;
# "gesperrt" = published as suppressed (no value); "unvollstaendig" = given, but for a
# territory smaller than today's area (a merged municipality missing), so never summed up;
# "summe" = sum of the children; "quote" = factor × numerator / denominator;
# "gesperrt-teil" = a rate whose numerator or denominator is suppressed (no value).
STATUS = ("", "gesperrt", "unvollstaendig", "summe", "quote", "gesperrt-teil")
GIVEN_STATUS = frozenset({"", "gesperrt", "unvollstaendig"})
WITHHELD_STATUS = frozenset({"gesperrt", "gesperrt-teil"})
_WITHHELD_CODES = np.array([STATUS.index(s) for s in sorted(WITHHELD_STATUS)], dtype=np.int8)


class Column(NamedTuple):
    """The values of several areas of one indicator and year, in the order asked for.

    ``found`` is False where an area has no value; there ``value``, ``numerator`` and
    ``denominator`` are NaN (as they are where a value has no numerator or denominator).
    ``withheld`` is True where the cell is stored as suppressed (it has no value then)."""

    found: np.ndarray
    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    withheld: np.ndarray | None = None

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


def status_codes(col: pd.Series | None, n: int) -> np.ndarray:
    """``status`` texts as codes into `STATUS` (missing or unknown text: given, 0)."""
    if col is None:
        return np.zeros(n, dtype=np.int8)
    lookup = {s: i for i, s in enumerate(STATUS)}
    text = col.fillna("").astype(str)
    return np.fromiter((lookup.get(t, 0) for t in text), dtype=np.int8, count=n)


def _key(ind: np.ndarray, year: np.ndarray, area: np.ndarray) -> np.ndarray:
    """One sortable int64 key per row: indicator, year (offset to stay positive), area."""
    return ((ind.astype(np.int64) << 48) | ((year.astype(np.int64) + 32768) << 32)
            | area.astype(np.int64))


class ValueTable:
    """Immutable columnar store of all values (see module docstring).

    Build it with `ValueTable.from_frame` (a long table: ``area_id``, ``indicator_id``,
    ``year``, ``value``, ``numerator``, ``denominator``, optionally ``source`` and
    ``status``) or from arrays.
    """

    __slots__ = ("area_ids", "indicator_ids", "source_ids", "area", "indicator", "year", "value",
                 "numerator", "denominator", "source", "status", "_area_code", "_groups",
                 "_years", "_codes", "_by_area", "_area_start", "_of_area", "w_key",
                 "w_source", "w_status")

    def __init__(self, area_ids: Sequence[str], indicator_ids: Sequence[str],
                 area: np.ndarray, indicator: np.ndarray, year: np.ndarray,
                 value: np.ndarray, numerator: np.ndarray, denominator: np.ndarray,
                 source: np.ndarray | None = None, status: np.ndarray | None = None,
                 source_ids: Sequence[str] = ("",)) -> None:
        """Arrays of equal length; codes index ``area_ids``, ``indicator_ids`` and
        ``source_ids`` (``status`` indexes `STATUS`). Rows are sorted here (if they are not
        already), of duplicates the last one kept, rows without a value dropped unless their
        status says the cell is withheld (then they are kept apart, see module docstring)."""
        n = len(np.asarray(value))
        value = np.asarray(value, dtype=np.float64)
        source = np.zeros(n, np.int16) if source is None else np.asarray(source)
        status = np.zeros(n, np.int8) if status is None else np.asarray(status)
        if not len(source_ids):
            source_ids = ("",)
        keep = (np.asarray(area) >= 0) & (np.asarray(indicator) >= 0)
        keep &= ~np.isnan(value) | np.isin(status, _WITHHELD_CODES)
        cols = [np.asarray(c)[keep] if not keep.all() else np.asarray(c)
                for c in (area, indicator, year, value, numerator, denominator, source, status)]
        key = _key(cols[1], cols[2], cols[0])
        if len(key) > 1 and not bool(np.all(key[1:] >= key[:-1])):
            order = np.argsort(key, kind="stable")  # equal keys keep their order
            key = key[order]
            cols = [c[order] for c in cols]
        if len(key) > 1 and (same := key[1:] == key[:-1]).any():
            last = np.append(~same, True)  # of equal keys the last one
            cols = [c[last] for c in cols]
            key = key[last]
        withheld = np.isin(cols[7], _WITHHELD_CODES)
        if withheld.any():
            w_key, w_source, w_status = key[withheld], cols[6][withheld], cols[7][withheld]
            cols = [c[~withheld] for c in cols]
        else:
            w_key = np.empty(0, np.int64)
            w_source, w_status = np.empty(0, np.int16), np.empty(0, np.int8)
        del key
        self._set(area_ids, indicator_ids, *cols, source_ids=source_ids, w_key=w_key,
                  w_source=w_source, w_status=w_status)

    @classmethod
    def from_sorted(cls, area_ids: Sequence[str], indicator_ids: Sequence[str],
                    area: np.ndarray, indicator: np.ndarray, year: np.ndarray,
                    value: np.ndarray, numerator: np.ndarray,
                    denominator: np.ndarray, source: np.ndarray | None = None,
                    status: np.ndarray | None = None, source_ids: Sequence[str] = ("",),
                    w_key: np.ndarray | None = None, w_source: np.ndarray | None = None,
                    w_status: np.ndarray | None = None) -> ValueTable:
        """From the arrays of another `ValueTable` (e.g. its disk cache): already sorted,
        without duplicates or missing values, so nothing is copied or checked again."""
        table = cls.__new__(cls)
        n = len(area)
        table._set(area_ids, indicator_ids, area, indicator, year, value, numerator,
                   denominator, np.zeros(n, np.int16) if source is None else source,
                   np.zeros(n, np.int8) if status is None else status,
                   source_ids=source_ids or ("",),
                   w_key=np.empty(0, np.int64) if w_key is None else w_key,
                   w_source=np.empty(0, np.int16) if w_source is None else w_source,
                   w_status=np.empty(0, np.int8) if w_status is None else w_status)
        return table

    def _set(self, area_ids: Sequence[str], indicator_ids: Sequence[str], area: np.ndarray,
             indicator: np.ndarray, year: np.ndarray, value: np.ndarray,
             numerator: np.ndarray, denominator: np.ndarray, source: np.ndarray,
             status: np.ndarray, *, source_ids: Sequence[str], w_key: np.ndarray,
             w_source: np.ndarray, w_status: np.ndarray) -> None:
        self.area_ids = tuple(area_ids)
        self.indicator_ids = tuple(indicator_ids)
        self.source_ids = tuple(source_ids)
        self.area = _frozen(area, np.int32)
        self.indicator = _frozen(indicator, np.int16)
        self.year = _frozen(year, np.int16)
        self.value = _frozen(value, np.float64)
        self.numerator = _frozen(numerator, np.float64)
        self.denominator = _frozen(denominator, np.float64)
        self.source = _frozen(source, np.int16)
        self.status = _frozen(status, np.int8)
        self.w_key = _frozen(w_key, np.int64)
        self.w_source = _frozen(w_source, np.int16)
        self.w_status = _frozen(w_status, np.int8)
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
        if "source" in df.columns and n:
            source, source_ids = _codes(df["source"].fillna(""))
        else:
            source, source_ids = np.zeros(n, np.int16), ("",)
        return cls(area_ids, ind_ids, area, ind, year, floats("value"), floats("numerator"),
                   floats("denominator"), source.astype(np.int16),
                   status_codes(df["status"] if "status" in df.columns else None, n),
                   source_ids)

    def to_frame(self) -> pd.DataFrame:
        """The long table (``area_id`` and ``indicator_id`` as categorical columns; ``source``
        and ``status`` as text), withheld cells included (rows without a value)."""
        w_ind, w_year, w_area = self._unkey(self.w_key)
        cat = pd.Categorical.from_codes
        return pd.DataFrame({
            "area_id": cat(np.concatenate([self.area, w_area]), categories=list(self.area_ids)),
            "indicator_id": cat(np.concatenate([self.indicator, w_ind]),
                                categories=list(self.indicator_ids)),
            "year": np.concatenate([self.year, w_year]).astype(np.int64),
            "value": np.concatenate([self.value, np.full(len(w_area), np.nan)]),
            "numerator": np.concatenate([self.numerator, np.full(len(w_area), np.nan)]),
            "denominator": np.concatenate([self.denominator, np.full(len(w_area), np.nan)]),
            "source": np.asarray(self.source_ids, dtype=object)[
                np.concatenate([self.source, self.w_source]).astype(np.int64)],
            "status": np.asarray(STATUS, dtype=object)[
                np.concatenate([self.status, self.w_status]).astype(np.int64)],
        })

    @staticmethod
    def _unkey(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indicator codes, years, area codes) of sort keys (see `_key`)."""
        key = key.astype(np.int64)
        return ((key >> 48).astype(np.int32), ((key >> 32) & 0xFFFF).astype(np.int64) - 32768,
                (key & 0xFFFFFFFF).astype(np.int32))

    # --- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.area)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(getattr(self, n).nbytes for n in ("area", "indicator", "year", "value",
                                                     "numerator", "denominator", "source",
                                                     "status", "w_key", "w_source",
                                                     "w_status"))

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
        withheld = self._withheld_rows(area_ids, indicator_id, year) >= 0
        if not len(self.value):
            return Column(found, nan, nan.copy(), nan.copy(), withheld)
        return Column(found, np.where(found, self.value[safe], np.nan),
                      np.where(found, self.numerator[safe], np.nan),
                      np.where(found, self.denominator[safe], np.nan), withheld)

    # --- provenance ------------------------------------------------------------------------
    def _withheld_rows(self, area_ids: Sequence[str], indicator_id: str,
                       year: int) -> np.ndarray:
        """Index into the withheld arrays of each area's cell (-1: not withheld)."""
        out = np.full(len(area_ids), -1, dtype=np.int64)
        if not len(self.w_key) or not len(area_ids):
            return out
        try:
            ind = self.indicator_ids.index(indicator_id)
        except ValueError:
            return out
        codes = self.codes(area_ids)
        keys = _key(np.full(len(codes), ind), np.full(len(codes), year), np.maximum(codes, 0))
        pos = np.searchsorted(self.w_key, keys)
        inside = pos < len(self.w_key)
        hit = np.zeros(len(codes), dtype=bool)
        hit[inside] = self.w_key[pos[inside]] == keys[inside]
        hit &= codes >= 0
        out[hit] = pos[hit]
        return out

    def withheld_mask(self, area_ids: Sequence[str], indicator_id: str,
                      year: int) -> np.ndarray:
        """Per area, whether its cell is stored as suppressed (it then has no value)."""
        return self._withheld_rows(area_ids, indicator_id, year) >= 0

    def withheld(self, area_id: str, indicator_id: str, year: int) -> bool:
        """Whether the cell is stored as suppressed (it then has no value)."""
        return bool(self._withheld_rows((area_id,), indicator_id, year)[0] >= 0)

    def origin(self, area_id: str, indicator_id: str, year: int) -> tuple[str, str] | None:
        """``(source id, status)`` of a cell with a value or a withheld cell; None if there
        is neither. The source id is ``""`` when none was recorded."""
        rows = self.rows((area_id,), indicator_id, year)
        if rows[0] >= 0:
            r = int(rows[0])
            return self.source_ids[int(self.source[r])], STATUS[int(self.status[r])]
        w = int(self._withheld_rows((area_id,), indicator_id, year)[0])
        if w >= 0:
            return self.source_ids[int(self.w_source[w])], STATUS[int(self.w_status[w])]
        return None

    def origins(self, area_ids: Sequence[str], indicator_id: str,
                year: int) -> list[tuple[str, str] | None]:
        """`origin` of several areas at once (one column read)."""
        rows = self.rows(area_ids, indicator_id, year)
        wrows = self._withheld_rows(area_ids, indicator_id, year)
        ids = self.source_ids
        # only the rows asked for (never the whole columns as Python lists: 1.8 million rows
        # on a national atlas)
        safe, wsafe = np.maximum(rows, 0), np.maximum(wrows, 0)
        src = self.source[safe].tolist() if len(self.source) else [0] * len(rows)
        st = self.status[safe].tolist() if len(self.status) else [0] * len(rows)
        wsrc = self.w_source[wsafe].tolist() if len(self.w_source) else [0] * len(rows)
        wst = self.w_status[wsafe].tolist() if len(self.w_status) else [0] * len(rows)
        out: list[tuple[str, str] | None] = []
        for i, (r, w) in enumerate(zip(rows.tolist(), wrows.tolist(), strict=True)):
            if r >= 0:
                out.append((ids[src[i]], STATUS[st[i]]))
            elif w >= 0:
                out.append((ids[wsrc[i]], STATUS[wst[i]]))
            else:
                out.append(None)
        return out

    def source_ids_of(self, indicator_id: str) -> tuple[str, ...]:
        """The distinct source ids of an indicator's values (all years), sorted."""
        rows = np.flatnonzero(self.indicator == self.indicator_ids.index(indicator_id)) \
            if indicator_id in self.indicator_ids else np.empty(0, np.int64)
        codes = np.unique(self.source[rows]).tolist() if len(rows) else []
        return tuple(sorted(self.source_ids[c] for c in codes))

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
