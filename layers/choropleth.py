"""The choropleth: geometry by URL (once per set of areas), restyled through ``hideout``.

The browser paints with ``bildungsatlas.style`` (assets/bildungsatlas.js), which reads the
class of feature ``i`` from character ``i`` of ``hideout["k"]``. Switching indicator or year
therefore sends only this small dict, never geometry.
"""

from __future__ import annotations

from typing import TypedDict
from urllib.parse import quote

import dash_leaflet as dl
from dash import html

from geodata.model.entities import ROOT
from geodata.statistics.published import PublishedAtlas
from geodata.views.mapdata import MapData
from layers import ids

NO_DATA_CHAR = "-"
GEO_PREFIX = "/geo/gebiete/"
SCHOOLS_PREFIX = "/geo/schulen/"
LABELS_PREFIX = "/geo/namen/"


class Hideout(TypedDict):
    """What the JS style function reads (about one byte per area).

    k: one character per feature, in feature order: the class digit, or a special state
    ("-" keine Daten, "x" gesperrt, "n" nicht bewertet); c: colour per class; sel: outlined area
    ids (the first is the profile's); h: tooltip heading; s: 1 if the values are synthetic; v: URL of the tooltip texts
    (fetched on the first hover, so the restyle payload stays small); g: borderline area ids of
    a need index (outlined dashed).
    """

    k: str
    c: list[str]
    sel: list[str]
    h: str
    s: int
    v: str
    g: list[str]


STATE_CHARS = {"keine_daten": "-", "gesperrt": "x", "nicht_bewertet": "n"}


def _view_url(prefix: str, parent_id: str, level: str | None, version: str) -> str:
    url = prefix + (quote(parent_id) if parent_id != ROOT else "_") + ".json?v=" + version
    return url + (f"&ebene={quote(level)}" if level else "")


def geometry_url(parent_id: str, level: str | None, version: str) -> str:
    """URL of the GeoJSON of a view: the children of ``parent_id`` (the root is ``_``), or
    with ``level`` all its areas of that level. ``version`` (the data version) makes a new
    import a new URL, so browsers may cache each URL for good."""
    return _view_url(GEO_PREFIX, parent_id, level, version)


def schools_url(area_id: str, version: str, inst_type: str | None = None) -> str:
    """URL of the institution points in or below ``area_id`` (of one type if given)."""
    url = SCHOOLS_PREFIX + quote(area_id) + ".json?v=" + version
    return url + (f"&art={quote(inst_type)}" if inst_type else "")


def build_hideout(md: MapData, selected: list[str], values_url: str) -> Hideout:
    """The restyle payload of a map (see `Hideout`)."""
    chars = [
        str(c) if st == "ok" and c is not None else STATE_CHARS.get(st, "-")
        for c, st in zip(md.classification.classes, md.states, strict=True)
    ]
    return {
        "k": "".join(chars),
        "c": list(md.colors),
        "sel": selected,
        "h": md.title,
        "s": int(md.synthetic),
        "v": values_url,
        "g": list(md.borderline),
    }


SCHOOLS_SOURCE = "jedeschule"
MAP_SOURCES = ("bkg_vg250", "destatis_gvisys", "frankfurt_stadtteile", "karlsruhe_stadtteile")


def attribution(repo: PublishedAtlas) -> html.Div:
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
    schools = repo.sources.get(SCHOOLS_SOURCE)
    if schools is not None:  # shown by CSS while the school layer is on (.ba-schools-on)
        parts.append(html.Span([" | ", html.A(schools.text, href=schools.url, target="_blank",
                                              rel="noopener")], className="ba-attr-schools"))
    parts += [" | Karte: ", html.A("Leaflet", href="https://leafletjs.com", target="_blank",
                                    rel="noopener")]
    return html.Div(parts, className="ba-attribution")


def choropleth_map(repo: PublishedAtlas) -> dl.Map:
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
            hideout={"k": "", "c": [], "sel": None, "h": "", "s": 0, "v": ""},
            style={"variable": "bildungsatlas.style"},
            onEachFeature={"variable": "bildungsatlas.bindTooltip"},
            bubblingMouseEvents=False,
        ),
        dl.LayerGroup(id=ids.LABELS),
        dl.LayerGroup(id=ids.SCHOOLS),
        draw_control(),
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


def labels_layer(parent_id: str, level: str | None, version: str) -> dl.GeoJSON:
    """Area names at a point inside each area of the view."""
    return dl.GeoJSON(
        url=_view_url(LABELS_PREFIX, parent_id, level, version),
        pointToLayer={"variable": "bildungsatlas.labelMarker"},
        interactive=False,
    )


def institution_layer(area_id: str, version: str, type_id: str, color: str,
                      label: str) -> dl.GeoJSON:
    """Point layer of one institution type in or below ``area_id``, clustered when zoomed
    out (a cluster shows its count; a click on it zooms in)."""
    return dl.GeoJSON(
        id=ids.institutions(type_id),
        url=schools_url(area_id, version, type_id),
        cluster=True,
        zoomToBoundsOnClick=True,
        superClusterOptions={"radius": 48, "maxZoom": 13},
        hideout={"color": color, "label": label},
        pointToLayer={"variable": "bildungsatlas.schoolMarker"},
        clusterToLayer={"variable": "bildungsatlas.clusterMarker"},
        style={"variable": "bildungsatlas.schoolStyle"},
        onEachFeature={"variable": "bildungsatlas.bindSchoolTooltip"},
        bubblingMouseEvents=False,
    )


def draw_control() -> dl.FeatureGroup:
    """Rectangle and polygon tools: every area whose inner point lies in the drawn shape is
    selected (the shape itself is removed again by assets/bildungsatlas.js)."""
    return dl.FeatureGroup(dl.EditControl(
        id=ids.DRAW,
        position="topleft",
        draw={"rectangle": {"shapeOptions": {"color": "#c2410c", "weight": 2}},
              "polygon": {"shapeOptions": {"color": "#c2410c", "weight": 2}},
              "polyline": False, "circle": False, "marker": False, "circlemarker": False},
        edit={"edit": False, "remove": False},
    ), id=ids.DRAW_GROUP)
