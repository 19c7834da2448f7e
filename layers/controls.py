"""The "Darstellung" controls (classification, colours, years, labels, presentation) and the
mapping between their values and the URL parameters of `geodata.views.mapoptions`.

Control values are turned into URL parameter strings and parsed by
`geodata.views.mapoptions.parse_options`, so typed input (e.g. manual breaks with a decimal comma)
is validated, with German notices, exactly like a hand-edited address.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from geodata.statistics.numfmt import number_param
from geodata.statistics.palettes import PALETTES
from geodata.statistics.published import PublishedAtlas
from geodata.views.mapoptions import METHODS, MapOptions, breaks_param
from geodata.views.state import ViewState
from layers import ids

# The control ids whose change re-reads all control values (see params_from_controls).
OPTION_CONTROLS = (ids.METHOD, ids.CLASSES, ids.BREAKS, ids.FIXED, ids.PALETTE, ids.REF_KIND,
                   ids.REF_VALUE, ids.COMPARE, ids.NAMES)


def _labelled(label: str, control: Any, control_id: str, extra: str = "") -> html.Div:
    return html.Div([html.Label(label, htmlFor=control_id), control],
                    className=f"ba-control {extra}".strip())


def options_panel() -> html.Details:
    """The collapsible "Darstellung" section of the header."""
    palettes = [{"label": f"{p.name} ({'zweiseitig' if p.kind == 'diverging' else 'einseitig'})",
                 "value": p.id} for p in PALETTES.values()]
    return html.Details(
        [
            html.Summary("Darstellung"),
            html.Div(
                [
                    _labelled("Klassifizierung", dcc.Dropdown(
                        id=ids.METHOD, clearable=False, searchable=False,
                        options=[{"label": name, "value": key}
                                 for key, (_m, name) in METHODS.items()]), ids.METHOD,
                        "ba-w-method"),
                    html.Div([html.Span("Klassen", className="ba-label", id="klassen-label"),
                              dcc.RadioItems(id=ids.CLASSES, inline=True, className="ba-seg",
                                             options=[{"label": str(k), "value": k}
                                                      for k in range(3, 8)])],
                             className="ba-control", role="group",
                             **{"aria-labelledby": "klassen-label"}),
                    _labelled("Grenzen (manuell)", dcc.Input(
                        id=ids.BREAKS, type="text", debounce=True, placeholder="z. B. 10;20,5;30",
                        className="ba-input"), ids.BREAKS),
                    _labelled("Farben", dcc.Dropdown(id=ids.PALETTE, options=palettes,
                                                     clearable=False, searchable=False),
                              ids.PALETTE, "ba-w-palette"),
                    _labelled("Mitte (zweiseitige Farben)", dcc.Dropdown(
                        id=ids.REF_KIND, clearable=False, searchable=False,
                        options=[{"label": "Gesamtwert", "value": "gesamt"},
                                 {"label": "übergeordnetes Gebiet", "value": "eltern"},
                                 {"label": "eigener Wert", "value": "zahl"}]), ids.REF_KIND,
                        "ba-w-ref"),
                    _labelled("eigener Wert", dcc.Input(id=ids.REF_VALUE, type="text",
                                                        debounce=True, placeholder="z. B. 12,5",
                                                        className="ba-input ba-w-num"),
                              ids.REF_VALUE),
                    _labelled("Veränderung seit", dcc.Dropdown(
                        id=ids.COMPARE, clearable=True, searchable=False,
                        placeholder="keine"), ids.COMPARE, "ba-w-compare"),
                    dcc.Checklist(id=ids.FIXED, className="ba-control ba-toggle",
                                  options=[{"label": " feste Klassen über alle Jahre",
                                            "value": "an"}]),
                    dcc.Checklist(id=ids.NAMES, className="ba-control ba-toggle",
                                  options=[{"label": " Gebietsnamen", "value": "an"}]),
                    html.Button("Präsentation", id=ids.PRESENT, n_clicks=0,
                                className="ba-button",
                                title="Großansicht für Beamer und Screenshots (Esc beendet)"),
                ],
                className="ba-options",
            ),
        ],
        className="ba-options-panel",
    )


def control_values(opt: MapOptions) -> dict[str, Any]:
    """The control values that show ``opt`` (for restoring a view from the URL)."""
    ref = opt.referenz
    numeric = ref is not None and ref not in ("gesamt", "eltern")
    return {
        ids.METHOD: opt.methode,
        ids.CLASSES: opt.klassen,
        ids.BREAKS: breaks_param(opt.grenzen),
        ids.FIXED: ["an"] if opt.fest else [],
        ids.PALETTE: opt.farben,
        ids.REF_KIND: "zahl" if numeric else (ref or "gesamt"),
        ids.REF_VALUE: number_param(float(ref)) if numeric and ref is not None else "",
        ids.COMPARE: opt.vergleich,
        ids.NAMES: ["an"] if opt.namen else [],
    }


def params_from_controls(values: dict[str, Any], present: bool) -> dict[str, str]:
    """URL parameters (strings) from the control values, for `parse_options`."""
    params: dict[str, str] = {}
    if values.get(ids.METHOD):
        params["methode"] = str(values[ids.METHOD])
    if values.get(ids.CLASSES):
        params["klassen"] = str(values[ids.CLASSES])
    if values.get(ids.METHOD) == "manuell":
        params["grenzen"] = str(values.get(ids.BREAKS) or "")
    if values.get(ids.FIXED):
        params["fest"] = "an"
    if values.get(ids.PALETTE):
        params["farben"] = str(values[ids.PALETTE])
    kind = values.get(ids.REF_KIND)
    if kind == "zahl":
        if values.get(ids.REF_VALUE):
            params["referenz"] = str(values[ids.REF_VALUE])
    elif kind:
        params["referenz"] = str(kind)
    if values.get(ids.COMPARE):
        params["vergleich"] = str(values[ids.COMPARE])
    if values.get(ids.NAMES):
        params["namen"] = "an"
    if present:
        params["praesentation"] = "an"
    return params


def level_options(repo: PublishedAtlas, state: ViewState) -> list[dict[str, str]]:
    """"Teilgebiete" plus every deeper level that has areas below the current view."""
    kids = repo.children_of(state.gebiet)
    if not kids:
        return []
    child_level = repo.area(kids[0]).level
    opts = [{"label": repo.level(child_level).plural, "value": ""}]
    below = {repo.area(a).level for a in repo.descendants(state.gebiet)} - {child_level}
    opts += [{"label": f"alle {lvl.plural}", "value": lvl.id}
             for lvl in repo.settings.levels if lvl.id in below]
    return opts if len(opts) > 1 else []  # no choice to offer: the control hides
