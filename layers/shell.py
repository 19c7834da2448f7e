"""The page shell: header with breadcrumb and controls, notice line, map, legend, panel."""

from __future__ import annotations

from dash import dcc, html

from geodata.model.entities import ROOT
from geodata.statistics.published import PublishedAtlas
from geodata.views.state import ViewState, breadcrumb
from layers import ids
from layers.choropleth import attribution, choropleth_map
from layers.controls import options_panel
from layers.panel import empty_panel

# German texts of Dash's dropdown (its defaults are English).
DROPDOWN_LABELS = {
    "select_all": "Alle wählen", "deselect_all": "Keine wählen",
    "selected_count": "{num_selected} gewählt", "search": "Suchen",
    "clear_search": "Suche leeren", "clear_selection": "Auswahl leeren",
    "no_options_found": "Nichts gefunden",
}


def indicator_options(repo: PublishedAtlas) -> list[dict[str, str]]:
    """Dropdown options sorted by topic, synthetic ones marked; the tooltip gives the definition."""
    inds = sorted(repo.indicators.values(), key=lambda i: (i.topic, i.name))
    return [
        # issue 17: "synthetisch" follows the values (an indicator may have official years)
        {"label": i.name + (f" ({tag})" if (tag := repo.synthetic_label(i.id)) else ""),
         "value": i.id,
         "title": f"{i.topic}: {i.description}"}
        for i in inds
    ]


def breadcrumb_items(repo: PublishedAtlas, state: ViewState) -> list:
    """Breadcrumb buttons; the current view is plain text with ``aria-current``."""
    chain = breadcrumb(state, repo)
    items: list = []
    for pos, area_id in enumerate(chain):
        name = repo.settings.overview_name if area_id == ROOT else repo.area(area_id).name
        if pos:
            items.append(html.Span("›", className="ba-crumb-sep", **{"aria-hidden": "true"}))
        if pos == len(chain) - 1:
            items.append(html.Span(name, className="ba-crumb-current",
                                   **{"aria-current": "page"}))
        else:
            items.append(html.Button(name, id=ids.crumb(area_id), className="ba-crumb",
                                     n_clicks=0))
    return items


EXPORTS = (
    ("Karte als PNG (A4 quer, 300 dpi)", "/export/karte.png", "papier=a4quer"),
    ("Karte als PNG (A4 hoch, 300 dpi)", "/export/karte.png", "papier=a4hoch"),
    ("Karte als PNG für Folien (1920 × 1080)", "/export/karte.png",
     "papier=px&breite=1920&hoehe=1080"),
    ("Karte als PDF (A4 quer)", "/export/karte.pdf", "papier=a4quer"),
    ("Karte als SVG (A4 quer)", "/export/karte.svg", "papier=a4quer"),
    ("Tabelle als CSV (Excel)", "/export/tabelle.csv", ""),
    ("Tabelle als XLSX mit Metadaten", "/export/tabelle.xlsx", ""),
    ("Bericht als Word (DOCX)", "/export/bericht.docx", ""),
    ("Bericht als PowerPoint (PPTX, 16:9)", "/export/bericht.pptx", ""),
)


def export_menu() -> html.Details:
    """Downloads of the current view (assets JS adds the view's query and shows progress),
    the selected area's one-page profile, and "Link kopieren"."""
    items = [html.Li(html.A(label, href=url, className="ba-export",
                            **{"data-export": url, "data-extra": extra}))
             for label, url, extra in EXPORTS]
    items.append(html.Li(html.A("Steckbrief des ausgewählten Gebiets (PDF)",
                                href="/export/steckbrief/", className="ba-export",
                                **{"data-export": "steckbrief", "data-extra": ""})))
    for fmt, label in (("pdf", "PDF"), ("docx", "Word")):
        items.append(html.Li(html.Button(
            f"Steckbriefe aller Gebiete der Karte ({label})", type="button",
            className="ba-export ba-serie", **{"data-serie": fmt})))
    items.append(html.Li(html.Button("Zum Berichtskorb hinzufügen", id="korb-dazu",
                                     className="ba-export", type="button")))
    items.append(html.Li(html.Button("Link kopieren", id="link-kopieren",
                                     className="ba-export ba-copy", type="button")))
    return html.Details([html.Summary("Export"),
                         html.Ul(items, className="ba-export-list")],
                        className="ba-options-panel ba-export-panel")


def report_basket() -> html.Details:
    """The report basket: views collected with "Zum Berichtskorb hinzufügen", kept in the
    browser (localStorage), reordered and downloaded as one file (assets/reports.js)."""
    return html.Details([
        html.Summary(["Berichtskorb (", html.Span("0", id="korb-zahl"), ")"]),
        html.Div([
            html.P("Noch leer: „Export › Zum Berichtskorb hinzufügen“ legt die Ansicht "
                   "hinein.", id="korb-leer", className="ba-footnote"),
            html.Ol(id="korb-liste", className="ba-korb-liste"),
            html.Div([html.Button(label, type="button", className="ba-button ba-korb-laden",
                                  **{"data-format": fmt})
                      for fmt, label in (("docx", "Word"), ("pptx", "PowerPoint"),
                                         ("pdf", "PDF"))]
                     + [html.Button("Korb leeren", id="korb-leeren", type="button",
                                    className="ba-button")], className="ba-actions"),
        ], className="ba-export-list ba-korb"),
    ], className="ba-options-panel ba-korb-panel")


def export_toast() -> html.Div:
    """Progress and result of a download, as a toast at the bottom of the window (filled and
    hidden again by assets/layout.js; polite, so a screen reader reads it)."""
    return html.Div([html.Span(id="export-status", className="ba-toast-text"),
                     html.Progress(id="export-fortschritt", max=1, value=0, hidden=True,
                                   className="ba-toast-progress",
                                   **{"aria-label": "Fortschritt"}),
                     html.Button("×", id="toast-zu", type="button", className="ba-toast-close",
                                 title="Hinweis schließen",
                                 **{"aria-label": "Hinweis schließen"})],
                    id="export-toast", className="ba-toast", role="status",
                    **{"aria-live": "polite", "hidden": True})


def account(repo: PublishedAtlas) -> list:
    """Who is signed in, with the role, and "Abmelden"; "Anmelden" for an anonymous visitor
    where sign-in is set up (nothing on a local app without sign-in)."""
    access = repo.access
    mode = getattr(access, "sign_in", "")
    user = getattr(access, "user", "")
    roles = {"oeffentlich": "öffentlich", "intern": "intern", "redaktion": "Redaktion"}
    if user and mode in ("lokal", "oidc"):
        return [html.Form([html.Span(f"{user} ({roles.get(access.key, access.key)})",
                                     className="ba-account-name", id="angemeldet"),
                           html.Button("Abmelden", type="submit", className="ba-button")],
                          action="/abmelden", method="post", className="ba-account")]
    if user and mode == "proxy":
        return [html.Span(f"{user} ({roles.get(access.key, access.key)})",
                          className="ba-account-name", id="angemeldet")]
    if mode in ("lokal", "oidc"):
        return [html.A("Anmelden", href="/anmelden", id="anmelden",
                       className="ba-import-link")]
    return []


def import_link(repo: PublishedAtlas) -> list:
    """The link to the upload page, shown to the Redaktion when the app runs on the versioned
    data store."""
    if not getattr(repo, "imports_enabled", False) or not repo.editor:
        return []
    return [html.A("Daten importieren", href="/daten-importieren/", className="ba-import-link"),
            html.A("Protokoll", href="/protokoll", className="ba-import-link",
                   title="Wer hat wann importiert, wiederhergestellt, gespeichert")]


def page(repo: PublishedAtlas) -> html.Div:
    """The whole page; the first callback fills it from the URL."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.PANEL_KEY, data=None),
            # Canonical address to put in place of the current one (no new history entry).
            dcc.Store(id=ids.URL_REPLACE, data=None),
            dcc.Store(id=ids.URL_REPLACED, data=None),
            dcc.Store(id=ids.RENDERED, data=None),  # query of the view on screen
            dcc.Store(id=ids.CLICK_MODS, data=0),  # set by assets JS on every map click
            dcc.Store(id=ids.DRAWN, data=None),  # set by assets JS when a shape is drawn
            html.Header(
                [
                    html.Div(
                        [
                            html.H1(repo.settings.title, className="ba-title"),
                            # Phones: the controls fold away (assets/layout.js).
                            html.Button("Steuerung", id="steuerung-knopf", type="button",
                                        className="ba-controls-toggle",
                                        **{"aria-expanded": "false",
                                           "aria-controls": "steuerung"}),
                            html.Nav(id=ids.BREADCRUMB, className="ba-breadcrumb",
                                     **{"aria-label": "Ebenen"}),
                            html.A("Bedarfsindex", id=ids.INDEX_LINK, href="/?ansicht=indizes",
                                   className="ba-import-link ba-nav",
                                   title="Bedarfsindizes: anlegen, zeigen, Budget verteilen"),
                            *import_link(repo),
                            *account(repo),
                        ],
                        className="ba-head-left",
                    ),
                    html.Div(
                        [
                            html.Button("‹ Zurück", id=ids.BACK, n_clicks=0,
                                        className="ba-back", disabled=True,
                                        title="Eine Ebene nach oben (Esc)"),
                            html.Div(
                                [
                                    html.Label("Indikator", htmlFor=ids.INDICATOR),
                                    dcc.Dropdown(id=ids.INDICATOR,
                                                 options=indicator_options(repo),
                                                 clearable=False, searchable=True,
                                                 labels=DROPDOWN_LABELS,
                                                 className="ba-indicator"),
                                ],
                                className="ba-control ba-control-indicator",
                            ),
                            html.Div(
                                [
                                    html.Label("Suchen", htmlFor=ids.SEARCH),
                                    dcc.Input(id=ids.SEARCH, type="search", value="",
                                              placeholder="Gebiet oder Einrichtung …",
                                              autoComplete="off", n_submit=0,
                                              className="ba-input ba-search"),
                                    html.Div(id=ids.SEARCH_RESULTS, className="ba-hits",
                                             role="status", **{"aria-live": "polite"}),
                                ],
                                className="ba-control ba-control-search",
                            ),
                            html.Div(
                                [
                                    html.Span("Ebene", className="ba-label", id="ebene-label"),
                                    dcc.RadioItems(id=ids.LEVEL, options=[], value="",
                                                   inline=True, className="ba-seg"),
                                ],
                                className="ba-control",
                                role="group",
                                **{"aria-labelledby": "ebene-label"},
                            ),
                            html.Div(
                                [
                                    html.Span("Jahr", className="ba-label", id="jahr-label"),
                                    html.Div([
                                        html.Button("‹", id=ids.YEAR_PREV, n_clicks=0,
                                                    className="ba-step",
                                                    title="Voriges Jahr",
                                                    **{"aria-label": "Voriges Jahr"}),
                                        dcc.RadioItems(id=ids.YEAR, options=[], inline=True,
                                                       className="ba-years ba-seg"),
                                        html.Button("›", id=ids.YEAR_NEXT, n_clicks=0,
                                                    className="ba-step",
                                                    title="Nächstes Jahr",
                                                    **{"aria-label": "Nächstes Jahr"}),
                                    ], className="ba-year-row"),
                                ],
                                className="ba-control ba-control-year",
                                role="group",
                                **{"aria-labelledby": "jahr-label"},
                            ),
                            dcc.Checklist(
                                id=ids.SCHOOLS_TOGGLE,
                                options=[{"label": " Einrichtungen", "value": "an"}],
                                value=[],
                                className="ba-control ba-toggle",
                            ),
                            options_panel(),
                            export_menu(),
                            report_basket(),
                            # Presentation mode: the header becomes the strip above the map.
                            html.Button("Beenden (Esc)", id=ids.PRESENT_EXIT, n_clicks=0,
                                        className="ba-present-exit",
                                        title="Präsentation beenden (Esc)"),
                            html.P(["Tasten: ", html.Kbd("←"), " ", html.Kbd("→"), " Jahr · ",
                                    html.Kbd("Rücktaste"), " eine Ebene zurück · ",
                                    html.Kbd("Esc"), " Präsentation beenden"],
                                   className="ba-shortcuts"),
                        ],
                        className="ba-controls",
                        id="steuerung",
                    ),
                ],
                className="ba-header",
            ),
            html.Main(
                [
                    html.Div(
                        [
                            # Visible only in presentation mode (large, on the map).
                            html.H2(id=ids.VIEW_TITLE, className="ba-view-title"),
                            # An overlay, so that a notice never resizes the map.
                            html.Div(id=ids.NOTICE, className="ba-notice", role="status",
                                     **{"aria-live": "polite"}),
                            choropleth_map(repo),
                            attribution(repo),
                            html.Div(id=ids.LEGEND, className="ba-legend",
                                     **{"aria-label": "Legende"}),
                            html.Div([html.Span("Einrichtungen", className="ba-label",
                                                id="arten-label"),
                                      dcc.Checklist(id=ids.INST_FILTER, options=[], value=[],
                                                    className="ba-toggle")],
                                     className="ba-inst-filter", role="group",
                                     **{"aria-labelledby": "arten-label"}),
                        ],
                        className="ba-mapwrap",
                    ),
                    html.Aside([
                        # Phones: the panel is a bottom sheet that can be pulled up.
                        html.Button("Profil größer", id="blatt-knopf", type="button",
                                    className="ba-sheet-toggle",
                                    **{"aria-expanded": "false",
                                       "aria-controls": ids.PANEL}),
                        html.Div(empty_panel(), id=ids.PANEL, className="ba-panel-body"),
                    ], className="ba-panel", **{"aria-label": "Gebietsprofil"}),
                ],
                className="ba-main",
            ),
            export_toast(),
        ],
        id=ids.APP,
        className="ba-app",
    )
