"""Navigation: the URL is the single source of the view.

One callback takes every navigation input (address bar, controls, map click, Zurück,
breadcrumb), computes the next `ViewState` with the pure transitions of `geodata.state`, writes
the canonical URL and renders. Only what changed is sent: geometry travels by URL and only when
the set of areas changes; an indicator or year switch sends the ``hideout`` and the legend.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from geodata.repository import ROOT, Repository
from geodata.state import ViewState, drill, fit_year, goto, parse_query, to_query, up
from layers import ids
from layers.choropleth import geometry_url, schools_layer
from layers.panel import area_panel, empty_panel
from layers.shell import area_options, breadcrumb_items
from layers.view import map_view, viewport


def _next_state(
    repo: Repository, search: str | None, trigger: Any, inputs: dict[str, Any]
) -> tuple[ViewState, list[str]]:
    """The state after the triggering input, with German notices."""
    state, notes = parse_query(search, repo)
    if trigger in (None, ids.URL):
        return state, notes
    if trigger == ids.INDICATOR and inputs["indicator"] in repo.indicators:
        state = replace(state, indikator=inputs["indicator"])
    elif trigger == ids.YEAR and isinstance(inputs["year"], int):
        state = replace(state, jahr=inputs["year"])
    elif trigger == ids.SCHOOLS_TOGGLE:
        state = replace(state, schulen="an" in (inputs["schools"] or []))
    elif trigger == ids.CHOROPLETH:
        clicked = ((inputs["click"] or {}).get("properties") or {}).get("id")
        if clicked:
            state = drill(state, str(clicked), repo)
    elif trigger == ids.AREA_PICK and inputs["picked"]:
        state = drill(state, str(inputs["picked"]), repo)
    elif trigger == ids.BACK:
        state = up(state, repo)
    elif isinstance(trigger, dict) and trigger.get("type") == ids.CRUMB_TYPE:
        state = goto(state, str(trigger.get("area", ROOT)), repo)
    return fit_year(state, repo)


def register(app: Dash, repo: Repository) -> None:
    """Register the navigation callback."""

    # Normalising the address must not add a history entry (dcc.Location always pushes),
    # else the browser's Back button would land on the raw address and bounce forward again.
    app.clientside_callback(
        ClientsideFunction(namespace="bildungsatlas", function_name="replaceSearch"),
        Output(ids.URL_REPLACED, "data"),
        Input(ids.URL_REPLACE, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.URL_REPLACE, "data"),
        Output(ids.INDICATOR, "value"),
        Output(ids.YEAR, "value"),
        Output(ids.YEAR, "options"),
        Output(ids.SCHOOLS_TOGGLE, "value"),
        Output(ids.CHOROPLETH, "url"),
        Output(ids.CHOROPLETH, "hideout"),
        Output(ids.MAP, "viewport"),
        Output(ids.LEGEND, "children"),
        Output(ids.BREADCRUMB, "children"),
        Output(ids.BACK, "disabled"),
        Output(ids.NOTICE, "children"),
        Output(ids.PANEL, "children"),
        Output(ids.PANEL_KEY, "data"),
        Output(ids.SCHOOLS, "children"),
        Output(ids.VIEW_TITLE, "children"),
        Output(ids.AREA_PICK, "options"),
        Output(ids.AREA_PICK, "value"),
        Output(ids.RENDERED, "data"),
        Input(ids.URL, "search"),
        Input(ids.INDICATOR, "value"),
        Input(ids.YEAR, "value"),
        Input(ids.SCHOOLS_TOGGLE, "value"),
        Input(ids.CHOROPLETH, "n_clicks"),
        Input(ids.BACK, "n_clicks"),
        Input(ids.AREA_PICK, "value"),
        Input({"type": ids.CRUMB_TYPE, "area": ALL}, "n_clicks"),
        State(ids.CHOROPLETH, "clickData"),
        State(ids.CHOROPLETH, "url"),
        State(ids.PANEL_KEY, "data"),
        State(ids.RENDERED, "data"),
    )
    def update_view(search, indicator, year, schools, _map_clicks, _back, picked, _crumbs,
                    click, shown_url, panel_key, rendered):
        trigger = ctx.triggered_id
        if trigger == ids.URL and search == rendered:
            raise PreventUpdate  # the address caught up with the view on screen
        if isinstance(trigger, dict) and not ctx.triggered[0]["value"]:
            raise PreventUpdate  # new breadcrumb buttons appearing, not a click
        if trigger == ids.AREA_PICK and not picked:
            raise PreventUpdate  # the picker being reset
        inputs = {"indicator": indicator, "year": year, "schools": schools, "click": click,
                  "picked": picked}
        state, notes = _next_state(repo, search, trigger, inputs)

        query = to_query(state)
        new_geo = geometry_url(state.gebiet)
        geo_changed = new_geo != shown_url
        first = trigger is None or panel_key is None  # first render of this page
        mv = map_view(repo, state)
        key = f"{state.auswahl}|{state.jahr}"
        panel: Any = no_update
        if key != panel_key:
            panel = area_panel(repo, state.auswahl, state.jahr) if state.auswahl else empty_panel()
        schools_children: Any = no_update
        if geo_changed or first or trigger in (ids.SCHOOLS_TOGGLE, ids.URL):
            show = state.schulen and state.gebiet != ROOT
            schools_children = [schools_layer(state.gebiet)] if show else []
        url_changed = query != (search or "")
        from_address = trigger in (None, ids.URL)  # the address itself: replace, don't push
        return (
            query if url_changed and not from_address else no_update,
            query if url_changed and from_address else no_update,
            state.indikator,
            state.jahr,
            mv.year_options,
            ["an"] if state.schulen else [],
            new_geo if geo_changed else no_update,
            mv.hideout,
            viewport(repo, state.gebiet, animate=not first) if geo_changed or first else no_update,
            mv.legend,
            breadcrumb_items(repo, state) if geo_changed or first else no_update,
            state.gebiet == ROOT,
            [html.P(n) for n in notes],
            panel,
            key,
            schools_children,
            mv.title,
            area_options(repo, state) if geo_changed or first else no_update,
            None if trigger == ids.AREA_PICK else no_update,
            query,
        )
