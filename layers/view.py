"""Everything the map shows for one view state: hideout, legend, labels, viewport."""

from __future__ import annotations

from dataclasses import dataclass

from geodata.classify import class_labels as labels_for
from geodata.mapdata import MapData, compute_map
from geodata.repository import ROOT, Repository
from geodata.state import ViewState, to_query
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


def view_label(repo: Repository, state: ViewState, n_areas: int) -> str:
    """E.g. "14 Gemeinden in Groß-Gerau", "70 Kreise", "1528 Gemeinden"."""
    if state.ebene:
        level = repo.level(state.ebene)
    else:
        kids = repo.children_of(state.gebiet)
        if not kids:
            return repo.display_name(state.gebiet)
        level = repo.level(repo.area(kids[0]).level)
    label = f"{n_areas} {level.plural if n_areas != 1 else level.name}"
    return label if state.gebiet == ROOT else f"{label} in {repo.area(state.gebiet).name}"


def viewport(repo: Repository, area_id: str, animate: bool) -> dict[str, object]:
    """Map viewport that fits ``area_id`` (the root: everything)."""
    s, w, n, e = repo.bounds[area_id]
    return {
        "bounds": [[s, w], [n, e]],
        "transition": "flyToBounds" if animate else "fitBounds",
        # The legend sits bottom-left over the map: keep the areas clear of it.
        "options": {"paddingTopLeft": [LEGEND_WIDTH_PX, 24], "paddingBottomRight": [24, 36],
                    "duration": 0.6},
    }


def class_labels(md: MapData) -> list[str]:
    """German range label per class; only short units (%, €) repeat, the title has the rest."""
    return labels_for(md.classification, md.indicator.decimals,
                      md.unit if len(md.unit) <= 3 else "")


def map_view(repo: Repository, state: ViewState) -> MapView:
    """Classify the current indicator and year over the areas in view."""
    md = compute_map(repo, state)
    shown = set(md.area_ids)
    selected = list(dict.fromkeys(
        a for a in (repo.shown_ancestor(s, shown) for s in state.selection) if a))
    label = view_label(repo, state, len(md.area_ids))
    years = repo.years_for(md.indicator.id, md.area_ids) or repo.years_for(md.indicator.id)
    return MapView(
        hideout=build_hideout(md, selected, VALUES_URL + to_query(state)),
        legend=legend(md, class_labels(md), label),
        year_options=[{"label": str(y), "value": y} for y in years],
        title=f"Karte: {md.title} – {label}",
    )
