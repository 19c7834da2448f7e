"""The table view of a map: one row per area on the map, with the same numbers as the map.

Every row comes from the view's `MapData` (`geodata.views.mapview.compute_map`), so value,
special state and class are exactly those of the map and its tooltip; suppressed and
unrated areas show their symbol, never a number. The rank is the competition rank among the
published values (1 = most need, as in the profile and the table export).
"""

from __future__ import annotations

from dataclasses import dataclass

from geodata.statistics.published import PublishedAtlas
from geodata.statistics.suppression import LABEL
from geodata.views.mapdata import MapData, legend_labels
from geodata.views.mapview import compute_map
from geodata.views.profile import need_sign, ranks
from geodata.views.state import ViewState


@dataclass(frozen=True)
class TableRow:
    """One area of the map."""

    area_id: str
    name: str
    value: float | None  # None unless the state is "ok"
    text: str  # the value as the tooltip shows it, or the state's label
    rank: int | None
    klass: int | None  # 1-based class, None outside the classes
    class_label: str  # the class's range as in the legend
    state: str  # "ok", "keine_daten", "gesperrt", "nicht_bewertet"
    state_label: str  # "" for "ok"


def table_rows(repo: PublishedAtlas, state: ViewState, md: MapData | None = None) -> list[TableRow]:
    """The rows in map order (the browser sorts them)."""
    md = md or compute_map(repo, state)
    labels = legend_labels(md)
    ranked = ranks(list(md.values), need_sign(md.indicator))
    rows = []
    for i, aid in enumerate(md.area_ids):
        st = md.states[i]
        c = md.classification.classes[i] if st == "ok" else None
        rows.append(TableRow(
            area_id=aid, name=repo.areas[aid].name,
            value=md.values[i] if st == "ok" else None, text=md.texts[i],
            rank=ranked[i] if st == "ok" else None,
            klass=None if c is None else c + 1,
            class_label="" if c is None else labels[c],
            state=st, state_label="" if st == "ok" else LABEL.get(st, st)))
    return rows
