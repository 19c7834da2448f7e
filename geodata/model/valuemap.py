"""The values of a `ValueTable` as read-only mappings, built on access: the shape of the
repository before values became columns, for code that iterates over everything."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from geodata.model.entities import Value
from geodata.model.values import ValueTable


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
