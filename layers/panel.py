"""The side panel: an area's profile ("Steckbrief"), its charts and institutions; the
comparison of several selected areas and their combination ("Sozialraum"); an institution.

Every tab and action is a link to the view's URL, so each panel state has an
address, the Back button walks through them, and a middle click opens a new tab.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from dash import dcc, html

from geodata.model.entities import ROOT, Institution
from geodata.model.institutions import type_of, types_in
from geodata.statistics.numfmt import format_number
from geodata.statistics.published import POPULATION, PublishedAtlas, published
from geodata.views.profile import (
    ProfileRow,
    area_description,
    combined_population,
    combined_references,
    combined_rows,
    peers_of,
    profile_references,
    profile_rows,
)
from geodata.views.state import MULTI_TABS, SINGLE_TABS, ViewState
from layers import ids
from layers.charts import charts
from layers.index_form import index_list, new_index_panel
from layers.index_view import index_explanation, index_panel
from layers.legend import SYNTHETIC_LABEL, synthetic_badge
from layers.links import nav_link, tab_nav
from layers.profile_view import cell, headline_split, profile_table
from layers.table_view import area_table, panel_switch

HEADLINE = ("einwohner", "sgb2_quote_u15", "sprachfoerderbedarf", "betreuungsquote_u3",
            "quote_ohne_abschluss")


def _peers_label(repo: PublishedAtlas, area_id: str) -> str:
    peers = peers_of(repo, area_id)
    plural = repo.level(repo.areas[peers.shown].level).plural
    where = f" in {repo.display_name(peers.parent)}" if peers.parent != ROOT else ""
    return f"{len(peers.ids)} {plural}{where}"


def _population_text(repo: PublishedAtlas, area_id: str) -> str:
    pop = repo.latest(area_id, POPULATION)
    if pop is None:
        return "Einwohner: keine Angabe"
    if pop[1].value is None:
        return f"Einwohner: · gesperrt ({pop[0]})"
    return f"{format_number(pop[1].value)} Einwohner ({pop[0]})"


def _footnote(year: int) -> html.P:
    return html.P([html.Span("▌", className="ba-synth-mark", **{"aria-hidden": "true"}),
                   f"Orange Kante: {SYNTHETIC_LABEL} (Demo, keine amtlichen Daten). "
                   "Rang unter den Gebieten derselben Karte: 1 = größter Bedarf bei "
                   "Indikatoren mit Bedarfsrichtung, 1 = höchster Wert bei neutralen "
                   "(Ausländeranteil, Einwohner …); Abw. = Abweichung vom Mittel in "
                   "Standardabweichungen (rechts/orange = mehr Bedarf, grau = neutral). "
                   f"Kleine Jahreszahl: Wert aus diesem Jahr statt {year}. * = Vergleichswert "
                   "aus den Teilgebieten mit Wert (siehe Hinweis am Wert). "
                   "· = gesperrt, n. b. = nicht bewertet."], className="ba-footnote")


def _sources(rows: Sequence[ProfileRow]) -> html.Details:
    """The sources of the values in this profile (each value carries its own), each once,
    with what its values are ("amtlich: …")."""
    out: dict[str, str] = {}
    for r in rows:
        prov = r.provenance
        if prov is None:
            continue
        for text in prov.texts():
            out.setdefault(text, prov.label)
    lines = [f"{label}: {text}" if label else text for text, label in out.items()]
    return html.Details([html.Summary("Quellen der Werte"),
                         html.Ul([html.Li(s) for s in lines])], className="ba-footnote")


def steckbrief(repo: PublishedAtlas, state: ViewState) -> list:
    """Profile of the first selected area."""
    area_id = state.auswahl or ""
    n_inst = len(repo.institutions_in(area_id))
    rows = profile_rows(repo, area_id, state.jahr)
    return [
        *(index_explanation(repo, state, area_id) if state.index else []),
        html.P(f"{_population_text(repo, area_id)} · {n_inst} Einrichtungen · "
               f"Schlüssel {area_id}", className="ba-facts-line"),
        *profile_table(rows, state.jahr, "Wert",
                       [label for _n, label in profile_references(repo, area_id)],
                       _peers_label(repo, area_id)),
        _footnote(state.jahr),
        _sources(rows),
    ]


def _combined_name(repo: PublishedAtlas, members: tuple[str, ...]) -> str:
    names = [repo.areas[a].name for a in members]
    return " + ".join(names) if len(names) <= 3 else f"{names[0]} + {len(names) - 1} weitere"


def sozialraum(repo: PublishedAtlas, state: ViewState) -> list:
    """Profile of the selection taken together (summed counts, recomputed rates)."""
    members = state.selection
    rows = combined_rows(repo, members, state.jahr)
    pop_row = next((r for r in rows if r.indicator.id == POPULATION), None)
    pop = combined_population(repo, members, pop_row.year) if pop_row else None
    return [
        html.Div([
            # The label wraps the field: its accessible name (dcc.Input takes no aria-*).
            html.Label([html.Span("Name des Sozialraums (steht in der Adresse und in den "
                                  "Exporten)", className="ba-form-label"),
                        dcc.Input(id=ids.sozialraum_name(), type="text",
                                  value=state.name or "", debounce=True, maxLength=60,
                                  placeholder="z. B. Sozialraum West",
                                  className="ba-input ba-sozialraum-name")],
                       className="ba-sozialraum-label"),
        ], className="ba-field ba-sozialraum-feld"),
        html.Div([
            html.A("Steckbrief des Sozialraums (Word)", href="/export/bericht.docx",
                   className="ba-button ba-export ba-inline-export",
                   **{"data-export": "/export/bericht.docx", "data-extra": ""}),
            html.A("Tabelle des Sozialraums (CSV)", href="/export/sozialraum.csv",
                   className="ba-button ba-export ba-inline-export",
                   **{"data-export": "/export/sozialraum.csv", "data-extra": ""}),
        ], className="ba-actions"),
        html.P(["Zusammengefasst aus ", html.Strong(f"{len(members)} Gebieten"), ": ",
                ", ".join(repo.areas[a].name for a in members), ". Anzahlen sind summiert, "
                "Quoten aus summierten Zählern und Nennern neu berechnet (nicht gemittelt)."],
               className="ba-footnote"),
        html.Dl([html.Dt("Einwohner"),
                 html.Dd(f"{format_number(pop)} ({pop_row.year})" if pop is not None and pop_row
                         else "keine Angabe", id="sozialraum-einwohner")],
                className="ba-facts"),
        *profile_table(rows, state.jahr, "Sozialraum",
                       [label for _n, label in combined_references(repo, members)], "",
                       ranked=False),
        _footnote(state.jahr),
    ]


def vergleich(repo: PublishedAtlas, state: ViewState) -> list:
    """The selected areas side by side (headline indicators of the profile year)."""
    members = state.selection
    per_area = {a: {r.indicator.id: r for r in profile_rows(repo, a, state.jahr)}
                for a in members}
    first_rows = [r for rows in per_area.values() for r in rows.values()]
    head, _ = headline_split(list({r.indicator.id: r for r in first_rows}.values()))
    order = [i for i in repo.indicators if i in {r.indicator.id for r in head}]
    body = []
    for ind_id in order:
        ind = repo.indicators[ind_id]
        synth = any(r.synthetic for r in (per_area[a].get(ind_id) for a in members) if r)
        cells = [html.Th([ind.name] + ([" ", synthetic_badge()] if synth else []),
                         scope="row", title=ind.description)]
        for a in members:
            row = per_area[a].get(ind_id)
            cells.append(cell(row.value, row.state, ind.decimals,
                              row.year if row.year != state.jahr else None) if row
                         else cell(None, "keine_daten", ind.decimals))
        body.append(html.Tr(cells))
    remove = [
        html.Li([repo.areas[a].name, " ",
                 nav_link(state_without(state, a), "×", "ba-remove",
                       title=f"{repo.areas[a].name} aus der Auswahl entfernen",
                       **{"aria-label": f"{repo.areas[a].name} aus der Auswahl entfernen"})])
        for a in members
    ]
    return [
        html.Ul(remove, className="ba-chips"),
        html.Div([
            nav_link(replace(state, ansicht="sozialraum"), "Als Sozialraum zusammenfassen",
                  "ba-button ba-primary", id="sozialraum-bilden"),
            nav_link(replace(state, auswahl=None, weitere=(), ansicht="steckbrief"),
                  "Auswahl aufheben", "ba-button"),
        ], className="ba-actions"),
        html.Div(html.Table([
            html.Caption(f"{len(members)} Gebiete im Vergleich, {state.jahr}",
                         className="ba-sr-only"),
            html.Thead(html.Tr([html.Th("Indikator", scope="col")] +
                               [html.Th(repo.areas[a].name, scope="col", className="ba-num")
                                for a in members])),
            html.Tbody(body),
        ], className="ba-profile-table ba-compare"), className="ba-scroll-x"),
        html.P("Strg- oder Umschalt-Klick auf der Karte fügt Gebiete hinzu oder entfernt "
               "sie; „Rechteck“ und „Vieleck“ wählen alle Gebiete in einer Fläche.",
               className="ba-footnote"),
    ]


def state_without(state: ViewState, area_id: str) -> ViewState:
    """The state with one area removed from the selection."""
    rest = [a for a in state.selection if a != area_id]
    tab = state.ansicht if len(rest) > 1 else "steckbrief"
    return replace(state, auswahl=rest[0] if rest else None, weitere=tuple(rest[1:]),
                   ansicht=tab)


def _inst_line(inst: Institution) -> str:
    parts = [str(inst.attrs.get("schulart", "")).replace(";", ", ")]
    pupils = inst.attrs.get("schueler_insgesamt")
    if isinstance(pupils, (int, float)) and pupils:
        parts.append(f"{format_number(pupils)} Schüler/-innen")
    return " · ".join(p for p in parts if p)


def einrichtungen(repo: PublishedAtlas, state: ViewState) -> list:
    """The area's institutions by type; each opens its panel."""
    area_id = state.auswahl or ""
    by_type: dict[str, list[Institution]] = defaultdict(list)
    for inst in repo.institutions_in(area_id):
        by_type[inst.type].append(inst)
    if not by_type:
        return [html.P("Für dieses Gebiet sind keine Einrichtungen erfasst.",
                       className="ba-footnote")]
    out: list = []
    for typ, _n in types_in(repo, area_id):
        insts = by_type[typ.id]
        out.append(html.H3(f"{typ.plural} ({len(insts)})", className="ba-panel-h3"))
        out.append(html.Ul([
            html.Li([nav_link(replace(state, einrichtung=inst.inst_id, schulen=True), inst.name,
                           "ba-inst-link"),
                     html.Span(_inst_line(inst), className="ba-school-detail")])
            for inst in insts], className="ba-school-list"))
    out.append(html.P("Schuldaten: Schuljahr 2015/16 (jedeschule.de, nach amtlichen "
                      "Schulverzeichnissen).", className="ba-footnote"))
    return out


ATTR_LABELS = {"schulart": "Schulart", "schueler_insgesamt": "Schüler/-innen",
               "schueler_grundschule": "davon Grundschule"}


def institution_panel(repo: PublishedAtlas, state: ViewState) -> list:
    """An institution: name, type, address, its figures, and its area's headline figures."""
    inst = repo.institution(state.einrichtung or "")
    if inst is None:
        return empty_panel()
    typ = type_of(inst.type)
    a = inst.attrs
    address = ", ".join(p for p in (str(a.get("strasse", "")),
                                    f"{a.get('plz', '')} {a.get('ort', '')}".strip()) if p)
    figures = []
    for key, label in ATTR_LABELS.items():
        if key in a and a[key] not in (None, ""):
            val = a[key]
            text = format_number(val) if isinstance(val, (int, float)) else str(val).replace(
                ";", ", ")
            figures += [html.Dt(label), html.Dd(text)]
    area_id = inst.area_id
    rows = {r.indicator.id: r for r in profile_rows(repo, area_id, state.jahr)}
    head = []
    for ind_id in HEADLINE:
        r = rows.get(ind_id)
        if r is None:
            continue
        ind = r.indicator
        unit = f" {ind.unit}" if ind.unit and ind.kind != "count" else ""
        label: list = [ind.name]
        if r.synthetic:
            label.append(html.Span(" (synthetische Beispielwerte)", className="ba-sr-only"))
        value = (html.Td(([html.Span(str(r.year), className="ba-year-note"), " "]
                          if r.year != state.jahr else []) +
                         [format_number(r.value, ind.decimals) + unit], className="ba-num")
                 if r.value is not None else cell(None, r.state, ind.decimals))
        head.append(html.Tr([html.Th(label, scope="row", title=ind.name), value],
                            className="ba-synth-row" if r.synthetic else None))
    back = replace(state, einrichtung=None, auswahl=area_id, weitere=(), ansicht="steckbrief")
    return [
        html.H2(inst.name, id="profil-titel", className="ba-panel-title"),
        html.Div(f"{typ.name} in {repo.areas[area_id].name}", className="ba-panel-sub"),
        html.Dl([html.Dt("Adresse"), html.Dd(address or "keine Angabe"), *figures],
                className="ba-facts", id="einrichtung-daten"),
        html.H3(["Lage: ", nav_link(back, repo.areas[area_id].name, "ba-inst-link")],
                className="ba-panel-h3"),
        html.Table(html.Tbody(head), className="ba-profile-table ba-plain ba-headline"),
        html.Div(nav_link(back, "Gebietsprofil öffnen", "ba-button"), className="ba-actions"),
        html.P("Schuldaten: jedeschule.de / Open Knowledge Foundation Deutschland (2016), nach "
               "amtlichen Schulverzeichnissen; Lizenz vor Veröffentlichung prüfen.",
               className="ba-footnote"),
    ]


def render_panel(repo: PublishedAtlas, state: ViewState) -> list:
    """The panel for the state (see module docstring), below the switch between profile and
    the table view of the map's areas."""
    repo = published(repo)
    if state.tabelle:
        return [panel_switch(state), html.H2("Tabelle der Gebiete", id="profil-titel",
                                             className="ba-panel-title"),
                *area_table(repo, state)]
    return [panel_switch(state), *_panel(repo, state)]


def _panel(repo: PublishedAtlas, state: ViewState) -> list:
    if state.einrichtung:
        return institution_panel(repo, state)
    sel = state.selection
    if not sel:
        tab = state.index_tab
        if tab is None:
            return empty_panel()
        if state.index:
            return index_panel(repo, state)
        return index_list(repo, state) if tab == "indizes" else new_index_panel(repo, state)
    if len(sel) > 1:
        title = (f"Sozialraum „{state.name}“" if state.name and state.ansicht == "sozialraum"
                 else f"{len(sel)} Gebiete ausgewählt")
        sub = _combined_name(repo, sel)
        tabs = MULTI_TABS
        body = {"vergleich": vergleich, "sozialraum": sozialraum}.get(state.ansicht)
        name = "Sozialraum"
    else:
        title, sub = repo.areas[sel[0]].name, area_description(repo, sel[0])
        n = len(repo.institutions_in(sel[0]))
        tabs = {**SINGLE_TABS, "einrichtungen": f"Einrichtungen ({n})"}
        body = {"steckbrief": steckbrief, "einrichtungen": einrichtungen}.get(state.ansicht)
        name = repo.areas[sel[0]].name
    content = body(repo, state) if body else charts(repo, state, name)
    return [
        html.H2(title, id="profil-titel", className="ba-panel-title"),
        html.Div(sub, className="ba-panel-sub"),
        tab_nav(state, tabs),
        html.Div(content, className="ba-tab-body", role="region",
                 **{"aria-labelledby": "profil-titel"}),
    ]


def empty_panel() -> list:
    """Panel children when no area is selected."""
    return [
        html.H2("Gebietsprofil", className="ba-panel-title"),
        html.P("Klicken Sie auf ein Gebiet: Kreise und Städte mit Stadtteilen öffnen die "
               "nächste Ebene, jedes Gebiet zeigt hier seinen Steckbrief."),
        html.P("Strg- oder Umschalt-Klick wählt mehrere Gebiete zum Vergleich; „Suchen“ "
               "findet Gebiete und Einrichtungen nach Namen."),
        html.P("Esc oder „Zurück“ gehen eine Ebene nach oben."),
    ]
