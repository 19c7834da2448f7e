"""Which map a view shows: its indicator, or the need index (or its budget split) it names.

`compute_map` is what every output of a view draws from (the web map, its legend and
tooltips, the JSON API, the print map and the tables): `geodata.views.indexmap` for
``state.index`` (the budget split on the tab ``verteilung``), else
`geodata.views.mapdata.indicator_map`. The choice lives here, above both, so that the
indicator map never depends on the need index.
"""

from __future__ import annotations

from geodata.statistics.published import PublishedAtlas, published
from geodata.views.indexmap import allocation_map, index_map
from geodata.views.mapdata import MapData, indicator_map
from geodata.views.state import ViewState


def compute_map(repo: PublishedAtlas, state: ViewState) -> MapData:
    """The `MapData` of the view: a need index, its budget split, or the indicator."""
    repo = published(repo)
    if state.index:
        return (allocation_map if state.index_tab == "verteilung" else index_map)(repo, state)
    return indicator_map(repo, state)


def suggest_manual_breaks(repo: PublishedAtlas, state: ViewState) -> tuple[float, ...]:
    """The current map's inner class boundaries, rounded to the indicator's decimals: the
    starting point when a user switches to manual breaks."""
    md = compute_map(repo, state)
    rounded = sorted({round(b, md.indicator.decimals) for b in md.classification.breaks})
    return tuple(rounded)


# --- legend texts (shared by the screen's legend and the exports) ------------------------------
