"""The naive baseline: how most Dash users would write this dashboard.

One ``dcc.Graph`` with a plotly ``choropleth_map`` (MapLibre, no tiles: ``white-bg``) whose
figure, the full GeoJSON of the shown areas included, is rebuilt by the one callback on every
change (indicator, year, click to drill or to open an area's profile). It reads the same
`Repository` (same areas, the same simplified display geometry, the same values) as the app,
so that the benchmark compares the architecture, not the data.

Run alone: ``python -m bench.naive_app [atlas.gpkg]`` (port 8060).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import plotly.express as px  # noqa: E402
import shapely  # noqa: E402
from dash import Dash, Input, Output, State, dcc, html  # noqa: E402

from geodata.model.entities import ROOT
from geodata.model.repository import Repository
from geodata.storage.gpkg import load_repository

GRAPH = "karte"
INDICATOR = "indikator"
YEAR = "jahr"
PARENT = "eltern"
PROFILE = "profil"
LEVEL = "ebene"


def _frames(repo: Repository) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A GeoDataFrame of all areas (display geometry, EPSG:4326) and the values, long."""
    ids = list(repo.areas)
    gdf = gpd.GeoDataFrame(
        {
            "area_id": ids,
            "name": [repo.areas[a].name for a in ids],
            "parent_id": [repo.areas[a].parent_id for a in ids],
            "level": [repo.areas[a].level for a in ids],
        },
        geometry=shapely.from_geojson([repo._display[a] for a in ids]),
        crs="EPSG:4326",
    )
    # The value table as most Dash code holds it: one long DataFrame with text columns.
    values = repo.table.to_frame()[["area_id", "indicator_id", "year", "value"]].astype(
        {"area_id": str, "indicator_id": str})
    return gdf, values


def _zoom_to_fit(minx: float, miny: float, maxx: float, maxy: float) -> float:
    """The zoom (MapLibre: 512-px world at zoom 0) at which the bounds fill 1400 × 650 px."""
    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    zx = math.log2(1400 * 360 / (512 * max(maxx - minx, 1e-6)))
    zy = math.log2(650 * 2 * math.pi / (512 * max(merc(maxy) - merc(miny), 1e-9)))
    return min(zx, zy) - 0.2


def create_naive_app(repo: Repository) -> Dash:
    """The baseline app over ``repo``."""
    gdf, values = _frames(repo)
    names = {i.id: i.name for i in repo.indicators.values()}
    default = repo.settings.default_indicator
    years = repo.years_for(default)
    app = Dash(__name__, title="Naiv")
    app.layout = html.Div([
        dcc.Dropdown(id=INDICATOR, options=[{"label": n, "value": i} for i, n in names.items()],
                     value=default, clearable=False),
        dcc.Dropdown(id=YEAR, options=list(years), value=years[-1], clearable=False),
        dcc.Dropdown(id=LEVEL, options=[{"label": lvl.plural, "value": lvl.id}
                                        for lvl in repo.settings.levels], value=None),
        dcc.Store(id=PARENT, data=ROOT),
        dcc.Graph(id=GRAPH, style={"height": "80vh"}),
        html.Div(id=PROFILE),
    ])

    @app.callback(
        Output(GRAPH, "figure"),
        Output(PARENT, "data"),
        Output(PROFILE, "children"),
        Input(INDICATOR, "value"),
        Input(YEAR, "value"),
        Input(GRAPH, "clickData"),
        Input(LEVEL, "value"),
        State(PARENT, "data"),
    )
    def update(indicator: str, year: int, click: dict | None, level: str | None, parent: str):
        profile: list = []
        clicked = (click or {}).get("points", [{}])[0].get("location")
        if clicked in repo.areas:
            if len(repo.children_of(clicked)) > 1:
                parent = clicked
            else:
                profile = [
                    html.H3(repo.areas[clicked].name),
                    html.Table([
                        html.Tr([html.Td(names[r.indicator_id]), html.Td(f"{r.value:.1f}")])
                        for r in values[(values.area_id == clicked)
                                        & (values.year == year)].itertuples()
                    ]),
                ]
        shown = gdf[gdf.level == level] if level else gdf[gdf.parent_id == parent]
        data = shown.merge(
            values[(values.indicator_id == indicator) & (values.year == year)],
            on="area_id", how="left",
        )
        minx, miny, maxx, maxy = shown.total_bounds
        fig = px.choropleth_map(
            data,
            geojson=data.__geo_interface__,
            locations="area_id",
            featureidkey="properties.area_id",
            color="value",
            hover_name="name",
            color_continuous_scale="YlGnBu",
            map_style="white-bg",
            center={"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2},
            zoom=_zoom_to_fit(minx, miny, maxx, maxy),
        )
        fig.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0})
        return fig, parent, profile

    return app


if __name__ == "__main__":
    gpkg = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    application = create_naive_app(load_repository(gpkg) if gpkg else load_repository())
    application.run(port=8060, debug=False, use_reloader=False)
