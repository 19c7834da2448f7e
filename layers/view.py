"""Everything the map shows for one view state: hideout, legend, labels, viewport."""

from __future__ import annotations

from dataclasses import dataclass

from geodata.statistics.published import PublishedAtlas, published
from geodata.views.mapdata import legend_labels, view_label
from geodata.views.mapview import compute_map
from geodata.views.state import ViewState, to_query
from layers.choropleth import Hideout, build_hideout
from layers.legend import legend

LEGEND_WIDTH_PX = 370  # legend width (assets/bildungsatlas.css) plus margins
VALUES_URL = "/api/karte"


@dataclass(frozen=True)
class MapView:
    """The restyle part of a view (no geometry)."""

    hideout: Hideout
    legend: list
    year_options: list[dict[str, object]]
    title: str


def viewport(repo: PublishedAtlas, area_id: str, animate: bool) -> dict[str, object]:
    """Map viewport that fits ``area_id`` (the root: everything)."""
    s, w, n, e = repo.bounds[area_id]
    return {
        "bounds": [[s, w], [n, e]],
        "transition": "flyToBounds" if animate else "fitBounds",
        # assets/layout.js replaces the padding by the part of the map that legend,
        # attribution and controls leave free (baFit), now and after every change of size.
        "options": {"paddingTopLeft": [LEGEND_WIDTH_PX, 24], "paddingBottomRight": [24, 36],
                    "duration": 0.6, "baFit": True},
    }


def map_view(repo: PublishedAtlas, state: ViewState) -> MapView:
    """Classify the current indicator and year over the areas in view."""
    repo = published(repo)
    md = compute_map(repo, state)
    shown = set(md.area_ids)
    selected = list(dict.fromkeys(
        a for a in (repo.shown_ancestor(s, shown) for s in state.selection) if a))
    label = view_label(repo, state, len(md.area_ids))
    years = repo.years_for(md.indicator.id, md.area_ids) or repo.years_for(md.indicator.id)
    return MapView(
        hideout=build_hideout(md, selected, VALUES_URL + to_query(state)),
        legend=legend(md, legend_labels(md), label),
        year_options=[{"label": str(y), "value": y} for y in years],
        title=f"Karte: {md.title} – {label}",
    )
