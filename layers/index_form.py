"""The need index's list of saved indices and its definition form (tab "Definition").

Numbers are shown with a decimal comma; `geodata.views.indexform` turns the filled form back
into an `IndexDefinition`.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from dash import dcc, html

from geodata.index.atlas import check_definition
from geodata.index.definition import (
    CLASSINGS,
    STANDARDISATIONS,
    IndexDefinition,
    default_definition,
    preset_direction,
)
from geodata.index.files import definition_files, earlier_versions
from geodata.model.entities import ROOT
from geodata.statistics.numfmt import format_number
from geodata.statistics.published import PublishedAtlas
from geodata.views.indexmap import index_bundle, uses_hidden
from geodata.views.state import ViewState
from layers.ids import DIRECTION, ERRORS, SAVE, USE, WEIGHT, fid
from layers.links import nav_link


def form_number(x: float, decimals: int = 2) -> str:
    """A number for a form field: German, without trailing zeros ("1,5", "300")."""
    text = format_number(x, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


# --- list of saved indices ---------------------------------------------------------------------
def index_list(repo: PublishedAtlas, state: ViewState) -> list:
    """The saved indices, each a link that shows it; and a link to define a new one."""
    items = []
    for path, d, errors in definition_files():
        if d is not None and uses_hidden(repo, d):
            continue  # an index of internal indicators is not shown to the public at all
        errors = errors or check_definition(repo, d)
        if d is None or errors:  # shown with the reason, never silently left out
            items.append(html.Li([html.Span(d.name if d else path.name, className="ba-inst-link"),
                                  html.Span(f"nicht nutzbar: {errors[0]}",
                                            className="ba-school-detail ba-error-text")]))
            continue
        where = repo.display_name(d.gebiet) if d.gebiet in repo.areas else "ganzer Atlas"
        n = len(d.indicators)
        items.append(html.Li([
            nav_link(replace(state, index=path.stem, ansicht="ergebnis", auswahl=None,
                             gebiet=ROOT, ebene=None), d.name, "ba-inst-link"),
            html.Span(f"{where}, {d.year} · {n} {'Indikator' if n == 1 else 'Indikatoren'} · "
                      f"Version {d.version}, {d.author}", className="ba-school-detail")]))
    new = replace(state, index=None, ansicht="definition", auswahl=None, weitere=())
    return [
        html.H2("Bedarfsindizes", className="ba-panel-title", id="profil-titel"),
        html.P("Ein Bedarfsindex (Sozial-, Chancen- oder Bildungsbedarfsindex) fasst mehrere "
               "Indikatoren zu einer Kennzahl je Gebiet zusammen und teilt die Gebiete in "
               "Klassen; daraus lässt sich ein Budget nach Bedarf verteilen.",
               className="ba-footnote"),
        html.Ul(items, className="ba-school-list", id="index-liste") if items else html.P(
            "Noch kein Index gespeichert."),
        html.Div(nav_link(new, "Neuen Index anlegen", "ba-button ba-primary",
                          id="index-neu"), className="ba-actions"),
    ]


# --- the definition form ----------------------------------------------------------------------
def _parents(repo: PublishedAtlas) -> list[dict[str, str]]:
    """Areas whose children a map shows, the whole atlas first."""
    opts = [{"label": f"{repo.settings.overview_name} (oberste Ebene)", "value": ROOT}]
    for aid, area in repo.areas.items():
        if repo.is_view_parent(aid):
            opts.append({"label": f"{area.name} ({repo.level(area.level).name})", "value": aid})
    return opts


def labelled_dropdown(dropdown: dcc.Dropdown, label: str) -> html.Div:
    """Dash's dropdown names itself by its value only; assets JS puts this hidden label in
    front of that name (``data-ba-labelledby``), so a screen reader says "Gebiet: Frankfurt"."""
    key = dropdown.id if isinstance(dropdown.id, str) else "-".join(
        str(v) for v in dropdown.id.values())
    lbl = f"ba-lbl-{key}"
    return html.Div([html.Span(label, id=lbl, className="ba-sr-only"), dropdown],
                    **{"data-ba-labelledby": lbl})


def form_field(label: str, control: object, hint: str = "", group: bool = False) -> html.Div:
    """A labelled field; a group of radio buttons is labelled by ARIA, not by <label>."""
    extra = [html.Div(hint, className="ba-hint")] if hint else []
    if isinstance(control, dcc.Dropdown):
        control = labelled_dropdown(control, label)
        return html.Div([html.Span(label, className="ba-form-label", **{"aria-hidden": "true"}),
                         control, *extra], className="ba-form-field")
    if group:
        return html.Div([html.Span(label, className="ba-form-label"), control, *extra],
                        className="ba-form-field", role="group", **{"aria-label": label})
    return html.Div([html.Label([html.Span(label, className="ba-form-label"), control]),
                     *extra], className="ba-form-field")


def form_radio(label: str, id_: dict[str, str], value: str, options: dict[str, str]) -> html.Div:
    """A group of radio buttons (German labels) as a form field."""
    return form_field(label, dcc.RadioItems(
        id=id_, value=value, options=[{"label": f" {v}", "value": k} for k, v in options.items()],
        labelClassName="ba-radio-label"), group=True)


def _years(repo: PublishedAtlas) -> list[int]:
    return sorted({y for ys in repo.years.values() for y in ys})


def _draft(repo: PublishedAtlas, state: ViewState) -> IndexDefinition:
    """What the form starts with: the shown index, or a new one for the current view."""
    if state.index:
        return index_bundle(repo, state.index).definition
    d = default_definition()
    gebiet = state.gebiet if state.gebiet == ROOT or repo.is_view_parent(state.gebiet) else (
        d.gebiet)
    place = repo.areas[gebiet].name if gebiet in repo.areas else repo.settings.overview_name
    return replace(d, name=f"Bedarfsindex {place}", author="Bildungsbüro", version="1.0",
                   description="", gebiet=gebiet, ebene=state.ebene)


def definition_form(repo: PublishedAtlas, state: ViewState) -> list:
    """The form (prefilled); "Speichern" validates, saves and shows the index."""
    d = _draft(repo, state)
    chosen = {i.id: i for i in d.indicators}
    rows = []
    for ind in repo.indicators.values():
        if ind.kind == "count":
            continue
        spec = chosen.get(ind.id)
        direction = spec.direction if spec else preset_direction(ind.direction)
        rows.append(html.Tr([
            html.Td(dcc.Checklist(id={"type": USE, "id": ind.id},
                                  options=[{"label": html.Span(f"{ind.name} im Index",
                                                               className="ba-sr-only"),
                                            "value": "an"}],
                                  value=["an"] if spec else [], className="ba-toggle",
                                  inputClassName="ba-check"),
                    className="ba-ix-use"),
            html.Th(ind.name, scope="row", title=ind.description),
            html.Td(labelled_dropdown(dcc.Dropdown(
                id={"type": DIRECTION, "id": ind.id},
                options=[{"label": "hoch = mehr Bedarf", "value": 1},
                         {"label": "hoch = weniger Bedarf", "value": -1}],
                value=direction, clearable=False, searchable=False,
                placeholder="bitte wählen", className="ba-ix-dir"), f"Richtung {ind.name}")),
            html.Td(html.Label([html.Span(f"Gewicht {ind.name}", className="ba-sr-only"),
                                dcc.Input(id={"type": WEIGHT, "id": ind.id}, type="text",
                                          value=form_number(spec.weight) if spec else "1",
                                          className="ba-input ba-ix-weight")])),
        ]))
    c = d.classing
    years = _years(repo)
    levels = [{"label": "Teilgebiete des Gebiets", "value": ""}] + [
        {"label": f"alle {lvl.plural} darin", "value": lvl.id} for lvl in repo.settings.levels]
    return [
        html.P("Richtung und Gewicht je Indikator; gleiche Gewichte sind voreingestellt. "
               "Zahlen mit Dezimalkomma.", className="ba-footnote"),
        html.Div([
            form_field("Name", dcc.Input(id=fid("name"), value=d.name, className="ba-input")),
            form_field("Autor/-in", dcc.Input(id=fid("autor"), value=d.author,
                                         className="ba-input")),
            form_field("Version", dcc.Input(id=fid("version"), value=d.version,
                                       className="ba-input")),
            form_field("Beschreibung", dcc.Textarea(id=fid("beschreibung"), value=d.description,
                                               className="ba-input", rows=2)),
            form_field("Gebiet", dcc.Dropdown(id=fid("gebiet"), options=_parents(repo),
                                          value=d.gebiet, clearable=False)),
            form_field("Bewertet werden", dcc.Dropdown(id=fid("ebene"), options=levels,
                                                   value=d.ebene or "", clearable=False,
                                                   searchable=False)),
            form_field("Indexjahr", dcc.Dropdown(id=fid("jahr"), options=years, value=d.year,
                                             clearable=False, searchable=False)),
            form_field("Basisjahr (Mittel und Streuung einfrieren)", dcc.Dropdown(
                id=fid("basisjahr"), options=[{"label": "keines", "value": ""}] + [
                    {"label": str(y), "value": y} for y in years],
                value=d.base_year or "", clearable=False, searchable=False)),
        ], className="ba-form-grid"),
        html.Table([html.Caption("Indikatoren"),
                    html.Thead(html.Tr([html.Th("Im Index", scope="col"),
                                        html.Th("Indikator", scope="col"),
                                        html.Th("Richtung", scope="col"),
                                        html.Th("Gewicht", scope="col")])),
                    html.Tbody(rows)], className="ba-profile-table ba-plain ba-ix-wrap ba-ix-table"),
        html.Div([
            form_radio("Standardisierung", fid("standardisierung"), d.standardisation, STANDARDISATIONS),
            form_field("Mindesteinwohnerzahl", dcc.Input(
                id=fid("mindest_einwohner"), value=form_number(d.min_population, 0),
                className="ba-input"), "Kleinere Gebiete werden nicht bewertet (0: alle)."),
            form_field("Ausreißer kappen bei |z| >", dcc.Input(
                id=fid("winsorisieren"), value="" if d.winsorize is None else form_number(d.winsorize),
                className="ba-input"), "leer: nicht kappen"),
            form_radio("Klassen", fid("klassen"), c.method, CLASSINGS),
            form_field("Grenzen (SD)", dcc.Input(id=fid("grenzen"), value="; ".join(
                form_number(x) for x in c.cutoffs), className="ba-input"),
                "für Standardabweichungen, z. B. -1; 1; 1,5"),
            form_field("Anzahl der Klassen", dcc.Input(id=fid("anzahl"), value=str(c.k),
                                                   className="ba-input"), "für Quantile"),
            form_field("Anteil oberste Klasse (%)", dcc.Input(
                id=fid("anteil"), value=form_number(100 * c.share, 1), className="ba-input"),
                "für einen festen Anteil"),
        ], className="ba-form-grid"),
        html.Div(id=ERRORS, role="alert", className="ba-form-errors"),
        html.Div([html.Button("Speichern und berechnen", id=SAVE, n_clicks=0,
                              className="ba-button ba-primary")] if repo.editor else [
            html.P(["Speichern darf nur die Redaktion. ",
                    html.A("Anmelden", href="/anmelden", className="ba-inline-link")],
                   className="ba-footnote", id="index-nur-lesen")], className="ba-actions"),
        *_earlier(state),
    ]


def _earlier(state: ViewState) -> list:
    """Links to the kept earlier versions of the index being edited (saving never overwrites
    one: a new version number is required)."""
    if not state.index:
        return []
    old = earlier_versions(state.index)
    if not old:
        return [html.P("Speichern legt eine neue Version an (neue Versionsnummer nötig); die "
                       "bisherige bleibt lesbar.", className="ba-footnote")]
    links: list = []
    for v, _d in old:
        links += [", " if links else "", html.A(f"Version {v}", href=f"/index/{state.index}/"
                                                f"version/{quote(v, safe='')}.json", className="ba-inline-link")]
    return [html.P(["Frühere Versionen (unverändert, JSON): ", *links, ". Speichern legt eine "
                    "neue Version an."], className="ba-footnote", id="index-versionen")]


def new_index_panel(repo: PublishedAtlas, state: ViewState) -> list:
    """The form for a new index."""
    return [html.H2("Neuer Bedarfsindex", id="profil-titel", className="ba-panel-title"),
            html.Div(nav_link(replace(state, ansicht="indizes"), "‹ Gespeicherte Indizes",
                              "ba-inst-link"), className="ba-panel-sub"),
            *definition_form(repo, state)]
