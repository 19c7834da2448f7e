"""The table view: the map's areas as a sortable table (value, rank, class, state).

It is the keyboard and screen-reader route to every area: each row's name is a link that
selects the area (the map outlines it), a click anywhere on the row does the same
(assets/layout.js), and the column headers are buttons that sort (``aria-sort``).
Numbers come from `geodata.views.maptable.table_rows`, i.e. from the same `MapData` as the
map, so suppressed areas show "·" here too.
"""

from __future__ import annotations

from dataclasses import replace

from dash import html

from geodata.statistics.numfmt import format_number
from geodata.statistics.published import PublishedAtlas
from geodata.statistics.suppression import SYMBOL
from geodata.views.mapdata import view_label
from geodata.views.maptable import table_rows
from geodata.views.mapview import compute_map
from geodata.views.state import ViewState
from layers.links import nav_link

COLUMNS = (("name", "Gebiet", "text"), ("wert", "Wert", "num"), ("rang", "Rang", "num"),
           ("klasse", "Klasse", "num"), ("zustand", "Hinweis", "text"))


def panel_switch(state: ViewState) -> html.Nav:
    """"Gebietsprofil | Tabelle" at the top of the panel (links, so each has an address)."""
    items = []
    for on, text in ((False, "Gebietsprofil"), (True, "Tabelle der Gebiete")):
        current = state.tabelle == on
        items.append(nav_link(replace(state, tabelle=on), text,
                              "ba-switch" + (" ba-switch-on" if current else ""),
                              **{"aria-current": "page" if current else "false"}))
    return html.Nav(items, className="ba-switches", **{"aria-label": "Profil oder Tabelle"})


def _header(key: str, text: str, kind: str) -> html.Th:
    return html.Th(html.Button([text, html.Span(className="ba-sort-mark",
                                                **{"aria-hidden": "true"})],
                               type="button", className="ba-sort",
                               **{"data-sort-key": key, "data-sort-kind": kind}),
                   scope="col", className="ba-num" if kind == "num" else None,
                   **{"aria-sort": "ascending" if key == "name" else "none"})


def area_table(repo: PublishedAtlas, state: ViewState) -> list:
    """The panel body of the table view."""
    md = compute_map(repo, state)
    rows = table_rows(repo, state, md)
    selected = set(state.selection)
    body = []
    for r in sorted(rows, key=lambda r: r.name.casefold()):
        on = r.area_id in selected
        swatch = (html.Span(className="ba-swatch", style={"--c": md.colors[r.klass - 1]},
                            **{"aria-hidden": "true"}) if r.klass else None)
        value = (format_number(r.value, md.indicator.decimals) if r.value is not None
                 else SYMBOL.get(r.state, "–"))
        link = nav_link(replace(state, auswahl=r.area_id, weitere=(), einrichtung=None,
                                ansicht="steckbrief"), r.name, "ba-row-link",
                        **({"aria-current": "true"} if on else {}))
        body.append(html.Tr([
            html.Th(link, scope="row", **{"data-sort": r.name.casefold()}),
            html.Td(value, className="ba-num", **{"data-sort": "" if r.value is None
                                                  else repr(r.value)}),
            html.Td(str(r.rank) if r.rank else "–", className="ba-num",
                    **{"data-sort": str(r.rank or "")}),
            html.Td([swatch, f" {r.klass}" if r.klass else "–"], className="ba-num",
                    title=r.class_label or None, **{"data-sort": str(r.klass or "")}),
            html.Td(r.state_label, **{"data-sort": r.state_label}),
        ], className="ba-row-on" if on else None))
    label = view_label(repo, state, len(md.area_ids))
    out: list = [
        html.P(f"{md.title} – {label}. Spaltenköpfe sortieren; ein Gebietsname wählt das "
               "Gebiet auf der Karte aus. Rang 1 = größter Bedarf.", className="ba-footnote",
               id="tabelle-hinweis"),
    ]
    if state.auswahl:
        name = repo.areas[state.auswahl].name
        out.append(html.Div(nav_link(replace(state, tabelle=False, weitere=()),
                                     f"Profil von {name} öffnen", "ba-button ba-primary",
                                     id="tabelle-profil"), className="ba-actions"))
    out.append(html.Div(html.Table([
        html.Caption(f"{md.title}: {label}"),
        html.Thead(html.Tr([_header(k, f"{t} ({md.unit})" if k == "wert" and md.unit else t,
                                    kind) for k, t, kind in COLUMNS])),
        html.Tbody(body),
    ], className="ba-profile-table ba-area-table", id="gebietstabelle",
        **{"aria-describedby": "tabelle-hinweis"}), className="ba-table-wrap"))
    out.append(html.P(f"{SYMBOL['gesperrt']} = gesperrt (unter "
                      f"{format_number(md.rule.threshold)} Fällen, Geheimhaltung), "
                      f"{SYMBOL['nicht_bewertet']} = nicht bewertet, {SYMBOL['keine_daten']} = "
                      "keine Daten.", className="ba-footnote"))
    return out
