"""Navigation: the URL is the single source of the view.

One callback takes every input that changes the view (address bar, controls, map click,
Zurück, breadcrumb), computes the next `ViewState` with the pure transitions of
`geodata.views.state`, writes the canonical URL and renders. Only what changed is sent: geometry
travels by URL and only when the set of areas changes; an indicator, year or classification
switch sends the ``hideout`` (about one byte per area) and the legend.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from geodata.model.entities import ROOT
from geodata.model.institutions import types_in
from geodata.statistics.published import PublishedAtlas
from geodata.views.mapoptions import breaks_param, parse_options
from geodata.views.mapview import suggest_manual_breaks
from geodata.views.search import search as find
from geodata.views.selection import areas_in_shape
from geodata.views.state import (
    ViewState,
    drill,
    fit_index,
    fit_level,
    fit_year,
    goto,
    open_area,
    open_institution,
    parse_query,
    select,
    to_query,
    toggle_selection,
    up,
    view_areas,
)
from layers import ids
from layers.charts import default_scatter_indicator
from layers.choropleth import geometry_url, institution_layer, labels_layer
from layers.controls import OPTION_CONTROLS, control_values, level_options, params_from_controls
from layers.panel import render_panel
from layers.shell import breadcrumb_items
from layers.view import map_view, viewport


def _step_year(state: ViewState, repo: PublishedAtlas, step: int) -> ViewState:
    years = repo.years_for(state.indikator, view_areas(state, repo))
    if state.jahr not in years:
        return state
    pos = years.index(state.jahr) + step
    return replace(state, jahr=years[pos]) if 0 <= pos < len(years) else state


def _open_hit(state: ViewState, repo: PublishedAtlas, kind: str, item_id: str) -> ViewState:
    """Jump to a search result: an area (its profile), or an institution (its panel)."""
    if kind == "einrichtung":
        return open_institution(state, item_id, repo, jump=True)
    return open_area(state, item_id, repo)


def _clicked_institution(trigger: dict[str, Any]) -> dict[str, Any]:
    """The clickData of the institution layer that was clicked."""
    for item in ctx.args_grouping["inst_click"]:
        if item["id"] == trigger:
            return item["value"] or {}
    return {}


def _next_state(
    repo: PublishedAtlas, search: str | None, trigger: Any, inp: dict[str, Any]
) -> tuple[ViewState, list[str]]:
    """The state after the triggering input, with German notices."""
    state, notes = parse_query(search, repo)
    if trigger in (None, ids.URL):
        return state, notes
    notes = []
    if trigger == ids.INDICATOR and inp["indicator"] in repo.indicators:
        state = replace(state, indikator=inp["indicator"], index=None)
    elif trigger == ids.YEAR and isinstance(inp["year"], int):
        state = replace(state, jahr=inp["year"])
    elif trigger in (ids.YEAR_PREV, ids.YEAR_NEXT):
        state = _step_year(state, repo, -1 if trigger == ids.YEAR_PREV else 1)
    elif trigger == ids.SCHOOLS_TOGGLE:
        state = replace(state, schulen="an" in (inp["schools"] or []))
    elif trigger == ids.CHOROPLETH:
        clicked = ((inp["click"] or {}).get("properties") or {}).get("id")
        if clicked and inp["mods"]:
            state = toggle_selection(state, str(clicked), repo)
        elif clicked:
            state = drill(state, str(clicked), repo)
    elif trigger == ids.DRAWN and inp["drawn"]:
        found, note = areas_in_shape(repo, view_areas(state, repo),
                                     (inp["drawn"] or {}).get("geometry"))
        state = select(state, found) if found else state
        notes = [note]
    elif trigger == ids.SEARCH:
        hits = find(repo, inp["search_text"] or "", limit=1)
        if hits:
            state = _open_hit(state, repo, hits[0].kind, hits[0].id)
        else:
            notes = [f"Die Suche nach „{(inp['search_text'] or '')[:40]}“ hat nichts gefunden."]
    elif isinstance(trigger, dict) and trigger.get("type") == ids.HIT_TYPE:
        state = _open_hit(state, repo, str(trigger.get("kind")), str(trigger.get("id")))
    elif isinstance(trigger, dict) and trigger.get("type") == ids.CHART_TYPE:
        point = ((ctx.triggered[0]["value"] or {}).get("points") or [{}])[0]
        if point.get("customdata") in repo.areas:
            state = select(state, [str(point["customdata"])])
    elif isinstance(trigger, dict) and trigger.get("type") == ids.SCATTER_TYPE:
        picked = ctx.triggered[0]["value"]
        # The picker appearing with the suggested indicator is no choice (no URL change).
        if picked in repo.indicators and picked != default_scatter_indicator(repo, state):
            state = replace(state, streuung=picked)
    elif isinstance(trigger, dict) and trigger.get("type") == ids.INST_TYPE:
        props = _clicked_institution(trigger).get("properties") or {}
        if props.get("id") and not props.get("cluster"):
            state = open_institution(state, str(props["id"]), repo)
    elif trigger == ids.INST_FILTER:
        chosen = tuple(inp["inst_filter"] or ())
        present = tuple(t.id for t, _n in types_in(repo, state.gebiet))
        state = replace(state, schulen=bool(chosen),
                        arten=() if not chosen or set(chosen) >= set(present) else chosen)
    elif trigger == ids.BACK:
        state = up(state, repo)
    elif trigger == ids.LEVEL:
        state, notes = fit_level(replace(state, ebene=inp["level"] or None), repo)
    elif trigger in (*OPTION_CONTROLS, ids.PRESENT, ids.PRESENT_EXIT):
        present = state.karte.praesentation
        if trigger in (ids.PRESENT, ids.PRESENT_EXIT):
            present = trigger == ids.PRESENT
        params = params_from_controls(inp["controls"], present)
        if trigger == ids.PRESENT and not state.karte.praesentation:
            params["fest"] = "an"  # in a meeting a colour means the same in every year
        if params.get("methode") == "manuell" and not params.get("grenzen"):
            # Start from the boundaries on screen instead of refusing an empty field.
            params["grenzen"] = breaks_param(suggest_manual_breaks(repo, state))
        state = replace(state, karte=parse_options(params, notes))
    elif isinstance(trigger, dict) and trigger.get("type") == ids.SOZIALRAUM_NAME_TYPE:
        state, notes = parse_query(to_query(replace(state, name=None)) + "&" + urlencode(
            {"name": ctx.triggered[0]["value"] or ""}), repo)  # checked like the address
    elif isinstance(trigger, dict) and trigger.get("type") == ids.CRUMB_TYPE:
        state = goto(state, str(trigger.get("area", ROOT)), repo)
    state, more = fit_year(state, repo)
    state, left = fit_index(state, repo)
    return state, notes + more + left


def _panel_key(state: ViewState) -> str:
    """What the panel shows depends on; an unchanged key sends no panel."""
    charts = state.ansicht == "diagramme"
    if state.tabelle:  # the table shows the map's numbers: any change of the map counts
        return "tabelle|" + to_query(replace(state, karte=replace(state.karte,
                                                                  praesentation=False)))
    return "|".join([",".join(state.selection), state.ansicht, state.name or "", state.einrichtung or "",
                     str(state.jahr), state.indikator if charts else "",
                     state.streuung or "" if charts else "", state.index or "",
                     repr(state.verteilung) if state.index_tab == "verteilung" else "",
                     state.gebiet if state.index_tab == "definition" else ""])


def register(app: Dash, repo: PublishedAtlas) -> None:
    """Register the navigation callback."""
    # Normalising the address must not add a history entry (dcc.Location always pushes),
    # else the browser's Back button would land on the raw address and bounce forward again.
    app.clientside_callback(
        ClientsideFunction(namespace="bildungsatlas", function_name="replaceSearch"),
        Output(ids.URL_REPLACED, "data"),
        Input(ids.URL_REPLACE, "data"),
        prevent_initial_call=True,
    )
    controls_out = {c: Output(c, "value") for c in OPTION_CONTROLS}
    controls_in = {c: Input(c, "value") for c in OPTION_CONTROLS}

    @app.callback(
        output={
            "search": Output(ids.URL, "search"),
            "replace": Output(ids.URL_REPLACE, "data"),
            "rendered": Output(ids.RENDERED, "data"),
            "indicator": Output(ids.INDICATOR, "value"),
            "year": Output(ids.YEAR, "value"),
            "year_options": Output(ids.YEAR, "options"),
            "compare_options": Output(ids.COMPARE, "options"),
            "schools_toggle": Output(ids.SCHOOLS_TOGGLE, "value"),
            "level": Output(ids.LEVEL, "value"),
            "level_options": Output(ids.LEVEL, "options"),
            "controls": controls_out,
            "geo": Output(ids.CHOROPLETH, "url"),
            "hideout": Output(ids.CHOROPLETH, "hideout"),
            "viewport": Output(ids.MAP, "viewport"),
            "legend": Output(ids.LEGEND, "children"),
            "crumbs": Output(ids.BREADCRUMB, "children"),
            "back_disabled": Output(ids.BACK, "disabled"),
            "notice": Output(ids.NOTICE, "children"),
            "panel": Output(ids.PANEL, "children"),
            "panel_key": Output(ids.PANEL_KEY, "data"),
            "schools": Output(ids.SCHOOLS, "children"),
            "labels": Output(ids.LABELS, "children"),
            "title": Output(ids.VIEW_TITLE, "children"),
            "search_text": Output(ids.SEARCH, "value"),
            "inst_filter_options": Output(ids.INST_FILTER, "options"),
            "inst_filter": Output(ids.INST_FILTER, "value"),
            "app_class": Output(ids.APP, "className"),
            "index_link": Output(ids.INDEX_LINK, "href"),
        },
        inputs={
            "search": Input(ids.URL, "search"),
            "indicator": Input(ids.INDICATOR, "value"),
            "year": Input(ids.YEAR, "value"),
            "schools": Input(ids.SCHOOLS_TOGGLE, "value"),
            "map_clicks": Input(ids.CHOROPLETH, "n_clicks"),
            "back": Input(ids.BACK, "n_clicks"),
            "search_submit": Input(ids.SEARCH, "n_submit"),
            "hits": Input({"type": ids.HIT_TYPE, "kind": ALL, "id": ALL}, "n_clicks"),
            "drawn": Input(ids.DRAWN, "data"),
            "charts": Input({"type": ids.CHART_TYPE, "name": ALL}, "clickData"),
            "scatter": Input({"type": ids.SCATTER_TYPE, "name": ALL}, "value"),
            "inst_clicks": Input({"type": ids.INST_TYPE, "art": ALL}, "n_clicks"),
            "inst_filter": Input(ids.INST_FILTER, "value"),
            "level": Input(ids.LEVEL, "value"),
            "controls": controls_in,
            "present": Input(ids.PRESENT, "n_clicks"),
            "present_exit": Input(ids.PRESENT_EXIT, "n_clicks"),
            "year_prev": Input(ids.YEAR_PREV, "n_clicks"),
            "year_next": Input(ids.YEAR_NEXT, "n_clicks"),
            "crumbs": Input({"type": ids.CRUMB_TYPE, "area": ALL}, "n_clicks"),
            "sozialraum_name": Input({"type": ids.SOZIALRAUM_NAME_TYPE, "name": ALL}, "value"),
        },
        state={
            "click": State(ids.CHOROPLETH, "clickData"),
            "shown_url": State(ids.CHOROPLETH, "url"),
            "panel_key": State(ids.PANEL_KEY, "data"),
            "rendered": State(ids.RENDERED, "data"),
            "mods": State(ids.CLICK_MODS, "data"),
            "search_text": State(ids.SEARCH, "value"),
            "inst_click": State({"type": ids.INST_TYPE, "art": ALL}, "clickData"),
        },
    )
    def update_view(**inp: Any) -> dict[str, Any]:
        trigger = ctx.triggered_id
        if inp["panel_key"] is None:
            trigger = None  # the page's first render is always from the address (a store
            # mounting may report itself as changed)
        search = inp["search"]
        if isinstance(trigger, dict) and not ctx.triggered[0]["value"] and (
                trigger.get("type") != ids.SOZIALRAUM_NAME_TYPE):
            raise PreventUpdate  # new breadcrumb buttons appearing, not a click
        if trigger == ids.SEARCH and not (inp["search_text"] or "").strip():
            raise PreventUpdate  # Enter in an empty search box
        if trigger == ids.URL and search == inp["rendered"]:
            raise PreventUpdate  # the address caught up with the view on screen
        state, notes = _next_state(repo, search, trigger, inp)

        query = to_query(state)
        new_geo = geometry_url(state.gebiet, state.ebene, repo.version)
        geo_changed = new_geo != inp["shown_url"]
        first = trigger is None or inp["panel_key"] is None  # first render of this page
        from_address = trigger in (None, ids.URL)  # the address itself: replace, don't push
        restore = first or from_address  # controls must show what the address says
        url_changed = query != (search or "")
        mv = map_view(repo, state)
        key = _panel_key(state)
        panel: Any = no_update
        if key != inp["panel_key"]:
            panel = render_panel(repo, state)
        schools: Any = no_update
        inst_types = types_in(repo, state.gebiet) if state.gebiet != ROOT else []
        if geo_changed or restore or trigger in (ids.SCHOOLS_TOGGLE, ids.INST_FILTER) or (
                isinstance(trigger, dict) and trigger.get("type") == ids.HIT_TYPE):
            show = state.schulen and state.gebiet != ROOT
            schools = [institution_layer(state.gebiet, repo.version, t.id, t.color, t.plural)
                       for t, _n in inst_types
                       if show and (not state.arten or t.id in state.arten)]
        labels: Any = no_update
        if geo_changed or restore or trigger == ids.NAMES:
            labels = [labels_layer(state.gebiet, state.ebene, repo.version)] if state.karte.namen else []
        nu = no_update
        return {
            "search": query if url_changed and not from_address else nu,
            "replace": query if url_changed and from_address else nu,
            "rendered": query,
            "indicator": state.indikator,
            "year": state.jahr,
            "year_options": mv.year_options,
            # Set with the value, else the dropdown drops a restored comparison year.
            "compare_options": [o for o in mv.year_options if o["value"] != state.jahr],
            "schools_toggle": ["an"] if state.schulen else [],
            "level": state.ebene or "",
            "level_options": level_options(repo, state) if geo_changed or restore else nu,
            "controls": control_values(state.karte) if restore or trigger in (
                ids.METHOD, ids.PALETTE, ids.PRESENT) else {c: nu for c in OPTION_CONTROLS},
            "geo": new_geo if geo_changed else nu,
            "hideout": mv.hideout,
            "viewport": viewport(repo, state.gebiet, animate=not first)
            if geo_changed or first else nu,
            "legend": mv.legend,
            "crumbs": breadcrumb_items(repo, state) if geo_changed or first else nu,
            "back_disabled": state.gebiet == ROOT and not state.ebene,
            "notice": [html.P(n) for n in notes],
            "panel": panel,
            "panel_key": key,
            "schools": schools,
            "labels": labels,
            "title": mv.title,
            "search_text": "" if trigger == ids.SEARCH or (
                isinstance(trigger, dict) and trigger.get("type") == ids.HIT_TYPE) else nu,
            "inst_filter_options": [{"label": f" {t.plural} ({n})", "value": t.id}
                                    for t, n in inst_types] if geo_changed or restore else nu,
            "inst_filter": [t.id for t, _n in inst_types
                            if state.schulen and (not state.arten or t.id in state.arten)],
            "app_class": " ".join(
                ["ba-app"] + (["ba-present"] if state.karte.praesentation else [])
                + (["ba-schools-on"] if state.schulen and state.gebiet != ROOT else [])
                + (["ba-selecting"] if len(state.selection) > 1 else [])
                + (["ba-index-on"] if state.index else [])),
            "index_link": "/" + to_query(replace(state, index=None, auswahl=None, weitere=(),
                                                 einrichtung=None, ansicht="indizes")),
        }
