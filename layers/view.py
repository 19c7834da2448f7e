"""Everything the map shows for one view state: hideout, legend, labels, viewport."""

from __future__ import annotations

from dataclasses import dataclass

from geodata.classify import classify_quantiles
from geodata.repository import ROOT, Repository
from geodata.state import ViewState
from layers.choropleth import Hideout, build_hideout
from layers.legend import legend

LEGEND_WIDTH_PX = 370  # legend width (assets/bildungsatlas.css) plus margins


@dataclass(frozen=True)
class MapView:
    """The restyle part of a view (no geometry)."""

    hideout: Hideout
    legend: list
    year_options: list[dict[str, object]]
    title: str


def view_label(repo: Repository, gebiet: str) -> str:
    """E.g. "14 Gemeinden in Groß-Gerau", "70 Kreise"."""
    kids = repo.children_of(gebiet)
    if not kids:
        return repo.display_name(gebiet)
    level = repo.level(repo.area(kids[0]).level)
    label = f"{len(kids)} {level.plural if len(kids) != 1 else level.name}"
    return label if gebiet == ROOT else f"{label} in {repo.area(gebiet).name}"


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


def map_view(repo: Repository, state: ViewState) -> MapView:
    """Classify the current indicator and year over the areas in view."""
    kids = repo.children_of(state.gebiet)
    ind = repo.indicator(state.indikator)
    values = repo.values_for(kids, ind.id, state.jahr)
    cls = classify_quantiles(values, k=5)
    selected = repo.shown_ancestor(state.auswahl, state.gebiet) if state.auswahl else None
    label = view_label(repo, state.gebiet)
    years = repo.years_for(ind.id, kids) or repo.years_for(ind.id)
    return MapView(
        hideout=build_hideout(values, cls, ind, state.jahr, selected),
        legend=legend(repo, ind, state.jahr, cls, label),
        year_options=[{"label": str(y), "value": y} for y in years],
        title=f"Karte: {ind.name} {state.jahr} – {label}",
    )
