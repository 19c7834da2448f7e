"""The choropleth: geometry by URL (once per set of areas), restyled through ``hideout``.

The browser paints with ``bildungsatlas.style`` (assets/bildungsatlas.js), which reads the
class of feature ``i`` from character ``i`` of ``hideout["k"]``. Switching indicator or year
therefore sends only this small dict, never geometry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict
from urllib.parse import quote

import dash_leaflet as dl
from dash import html

from geodata.classify import Classification
from geodata.numfmt import format_value
from geodata.repository import ROOT, Indicator, Repository
from layers import ids
from layers.palette import class_colors

NO_DATA_CHAR = "-"
GEO_PREFIX = "/geo/gebiete/"
SCHOOLS_PREFIX = "/geo/schulen/"


class Hideout(TypedDict):
    """What the JS style function reads.

    k: one character per feature (class digit, or "-" for no data), in feature order;
    t: tooltip text of the value per feature; c: colour per class; sel: outlined area id;
    h: tooltip heading (indicator and year); s: 1 if the values are synthetic.
    """

    k: str
    t: list[str]
    c: list[str]
    sel: str | None
    h: str
    s: int


def geometry_url(parent_id: str) -> str:
    """URL of the GeoJSON of the children of ``parent_id`` (the root is ``_``)."""
    return GEO_PREFIX + (quote(parent_id) if parent_id != ROOT else "_") + ".json"


def schools_url(area_id: str) -> str:
    """URL of the school points in or below ``area_id``."""
    return SCHOOLS_PREFIX + quote(area_id) + ".json"


def build_hideout(
    values: Sequence[float | None],
    cls: Classification,
    ind: Indicator,
    year: int,
    selected: str | None,
) -> Hideout:
    """The restyle payload for one indicator and year over the features in view order."""
    return {
        "k": "".join(NO_DATA_CHAR if c is None else str(c) for c in cls.classes),
        "t": [format_value(v, ind.decimals, ind.unit) if v is not None else "keine Daten"
              for v in values],
        "c": class_colors(cls.k, ind.direction),
        "sel": selected,
        "h": f"{ind.name} {year}",
        "s": int(ind.synthetic),
    }


MAP_SOURCES = ("bkg_vg250", "destatis_gvisys", "frankfurt_stadtteile", "karlsruhe_stadtteile")


def attribution(repo: Repository) -> html.Div:
    """The attribution line on the map: geometry and key sources, as their licences require."""
    parts: list = []
    for key in MAP_SOURCES:
        src = repo.sources.get(key)
        if src is None:
            continue
        if parts:
            parts.append(" | ")
        parts.append(html.A(src.text, href=src.url, target="_blank", rel="noopener")
                     if src.url else src.text)
    parts += [" | Karte: ", html.A("Leaflet", href="https://leafletjs.com", target="_blank",
                                    rel="noopener")]
    return html.Div(parts, className="ba-attribution")


def choropleth_map(repo: Repository) -> dl.Map:
    """The map with the (initially empty) area layer and the school layer group."""
    bounds = repo.bounds[ROOT]
    children: list = []
    if repo.settings.tile_url:
        children.append(
            dl.TileLayer(url=repo.settings.tile_url, attribution=repo.settings.tile_attribution)
        )
    children += [
        dl.GeoJSON(
            id=ids.CHOROPLETH,
            # No URL yet: the first callback sets it from the address bar. (dash-leaflet
            # ignores prop changes while a load is in flight, so a start-view URL here would
            # race with a deep link's geometry.)
            hideout={"k": "", "t": [], "c": [], "sel": None, "h": "", "s": 0},
            style={"variable": "bildungsatlas.style"},
            onEachFeature={"variable": "bildungsatlas.bindTooltip"},
            bubblingMouseEvents=False,
        ),
        dl.LayerGroup(id=ids.SCHOOLS),
    ]
    return dl.Map(
        id=ids.MAP,
        children=children,
        center=[(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2],
        zoom=7,
        zoomSnap=0.25,
        zoomDelta=0.5,
        minZoom=5,
        maxZoom=16,
        className="ba-map",
        attributionControl=False,  # our own line (layers.choropleth.attribution) names all sources
        style={"height": "100%", "width": "100%"},
    )


def schools_layer(area_id: str) -> dl.GeoJSON:
    """Point layer of the schools in or below ``area_id``."""
    return dl.GeoJSON(
        url=schools_url(area_id),
        pointToLayer={"variable": "bildungsatlas.schoolMarker"},
        style={"variable": "bildungsatlas.schoolStyle"},
        onEachFeature={"variable": "bildungsatlas.bindSchoolTooltip"},
        bubblingMouseEvents=False,
    )
