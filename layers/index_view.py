"""The need index in the side panel: saved indices, the definition form, the result with its
sensitivity, the budget split, and an area's explanation in its profile.

Panel states (``ansicht`` without a selected area, see `geodata.state`): ``indizes`` lists
the saved indices, ``definition`` is the form (a new index, or the shown one's to change),
``ergebnis`` the result and ``verteilung`` the budget split.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from dash import dcc, html

from geodata.allocation import (
    METHODS,
    UNITS,
    Allocation,
    AllocationSettings,
    allocation_params,
)
from geodata.indexmap import IndexBundle, index_allocation, index_bundle, index_palette
from geodata.needindex import (
    CLASSINGS,
    STANDARDISATIONS,
    DefinitionError,
    IndexDefinition,
    check_definition,
    default_definition,
    definition_files,
    preset_direction,
)
from geodata.numfmt import format_number
from geodata.palettes import class_colors
from geodata.repository import ROOT, Repository
from geodata.state import INDEX_TABS, ViewState
from layers.links import nav_link, tab_nav

# Pattern-matching ids: the form exists only while its tab is open, and callbacks on ALL of a
# type accept an empty page (fixed ids would be "nonexistent" elsewhere).
FIELD, ALLOC_FIELD, BUTTON, MESSAGE = "ix-feld", "ix-vfeld", "ix-knopf", "ix-meldung"
FIELD_IDS = ("name", "autor", "version", "beschreibung", "gebiet", "ebene", "jahr", "basisjahr",
             "standardisierung", "mindest_einwohner", "winsorisieren", "klassen", "grenzen",
             "anzahl", "anteil")
ALLOC_IDS = ("budget", "einheit", "sockel", "koepfe", "verfahren", "faktoren")
USE, DIRECTION, WEIGHT = "ix-use", "ix-dir", "ix-w"
SAVE = {"type": BUTTON, "name": "speichern"}
COMPUTE = {"type": BUTTON, "name": "verteilen"}
ERRORS = {"type": MESSAGE, "name": "definition"}
ALLOC_ERRORS = {"type": MESSAGE, "name": "verteilung"}


def fid(name: str) -> dict[str, str]:
    """Dash id of a definition form field."""
    return {"type": FIELD, "name": name}


def vid(name: str) -> dict[str, str]:
    """Dash id of an allocation form field."""
    return {"type": ALLOC_FIELD, "name": name}


def _num(x: float, decimals: int = 2) -> str:
    """A number for a form field: German, without trailing zeros ("1,5", "300")."""
    text = format_number(x, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _signed(x: float) -> str:
    text = format_number(x, 2)
    return ("+" + text if x > 0 and text != "0,00" else text).replace("-", "−")


def leave_index(state: ViewState) -> ViewState:
    """The state without the index (back to the indicator map)."""
    return replace(state, index=None, ansicht="steckbrief", auswahl=None, weitere=())


# --- list of saved indices ---------------------------------------------------------------------
def index_list(repo: Repository, state: ViewState) -> list:
    """The saved indices, each a link that shows it; and a link to define a new one."""
    items = []
    for path, d, errors in definition_files():
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
def _parents(repo: Repository) -> list[dict[str, str]]:
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


def _field(label: str, control: object, hint: str = "", group: bool = False) -> html.Div:
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


def _radio(label: str, id_: dict[str, str], value: str, options: dict[str, str]) -> html.Div:
    """A group of radio buttons (German labels) as a form field."""
    return _field(label, dcc.RadioItems(
        id=id_, value=value, options=[{"label": f" {v}", "value": k} for k, v in options.items()],
        labelClassName="ba-radio-label"), group=True)


def _years(repo: Repository) -> list[int]:
    return sorted({y for ys in repo.years.values() for y in ys})


def _draft(repo: Repository, state: ViewState) -> IndexDefinition:
    """What the form starts with: the shown index, or a new one for the current view."""
    if state.index:
        return index_bundle(repo, state.index).definition
    d = default_definition()
    gebiet = state.gebiet if state.gebiet == ROOT or repo.is_view_parent(state.gebiet) else (
        d.gebiet)
    place = repo.areas[gebiet].name if gebiet in repo.areas else repo.settings.overview_name
    return replace(d, name=f"Bedarfsindex {place}", author="Bildungsbüro", version="1.0",
                   description="", gebiet=gebiet, ebene=state.ebene)


def definition_form(repo: Repository, state: ViewState) -> list:
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
                                          value=_num(spec.weight) if spec else "1",
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
            _field("Name", dcc.Input(id=fid("name"), value=d.name, className="ba-input")),
            _field("Autor/-in", dcc.Input(id=fid("autor"), value=d.author,
                                         className="ba-input")),
            _field("Version", dcc.Input(id=fid("version"), value=d.version,
                                       className="ba-input")),
            _field("Beschreibung", dcc.Textarea(id=fid("beschreibung"), value=d.description,
                                               className="ba-input", rows=2)),
            _field("Gebiet", dcc.Dropdown(id=fid("gebiet"), options=_parents(repo),
                                          value=d.gebiet, clearable=False)),
            _field("Bewertet werden", dcc.Dropdown(id=fid("ebene"), options=levels,
                                                   value=d.ebene or "", clearable=False,
                                                   searchable=False)),
            _field("Indexjahr", dcc.Dropdown(id=fid("jahr"), options=years, value=d.year,
                                             clearable=False, searchable=False)),
            _field("Basisjahr (Mittel und Streuung einfrieren)", dcc.Dropdown(
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
            _radio("Standardisierung", fid("standardisierung"), d.standardisation, STANDARDISATIONS),
            _field("Mindesteinwohnerzahl", dcc.Input(
                id=fid("mindest_einwohner"), value=_num(d.min_population, 0),
                className="ba-input"), "Kleinere Gebiete werden nicht bewertet (0: alle)."),
            _field("Ausreißer kappen bei |z| >", dcc.Input(
                id=fid("winsorisieren"), value="" if d.winsorize is None else _num(d.winsorize),
                className="ba-input"), "leer: nicht kappen"),
            _radio("Klassen", fid("klassen"), c.method, CLASSINGS),
            _field("Grenzen (SD)", dcc.Input(id=fid("grenzen"), value="; ".join(
                _num(x) for x in c.cutoffs), className="ba-input"),
                "für Standardabweichungen, z. B. -1; 1; 1,5"),
            _field("Anzahl der Klassen", dcc.Input(id=fid("anzahl"), value=str(c.k),
                                                   className="ba-input"), "für Quantile"),
            _field("Anteil oberste Klasse (%)", dcc.Input(
                id=fid("anteil"), value=_num(100 * c.share, 1), className="ba-input"),
                "für einen festen Anteil"),
        ], className="ba-form-grid"),
        html.Div(id=ERRORS, role="alert", className="ba-form-errors"),
        html.Div([html.Button("Speichern und berechnen", id=SAVE, n_clicks=0,
                              className="ba-button ba-primary")], className="ba-actions"),
    ]


# --- result ------------------------------------------------------------------------------------
def _class_table(repo: Repository, state: ViewState, b: IndexBundle) -> html.Table:
    res = b.result
    colors = class_colors(index_palette(state), res.k, "higher_worse") if res.k else []
    counts = [sum(1 for sc in res.scores.values() if sc.cls == c) for c in range(1, res.k + 1)]
    rows = [html.Tr([html.Td(html.Span(className="ba-swatch", style={"--c": colors[c]})),
                     html.Th(f"Klasse {c + 1}: {res.class_labels[c]}", scope="row"),
                     html.Td(str(counts[c]), className="ba-num")]) for c in range(res.k)]
    rows.append(html.Tr([html.Td(""), html.Th("nicht bewertet", scope="row"),
                         html.Td(str(len(res.excluded)), className="ba-num")]))
    return html.Table([html.Caption("Klassen (Klasse 1 = geringster Bedarf)"),
                       html.Tbody(rows)],
                      className="ba-profile-table ba-plain ba-ix-wrap ba-ix-classes")


def _sensitivity_table(repo: Repository, b: IndexBundle) -> list:
    sens = b.sensitivity
    if len(b.definition.indicators) < 2:
        return [html.P("Empfindlichkeit: Mit nur einem Indikator ändert kein Gewicht die "
                       "Reihenfolge; die Prüfung braucht mindestens zwei Indikatoren.",
                       className="ba-footnote", id="index-sensitivitaet")]
    rows = []
    for v in sens.variants:
        names = ", ".join(repo.areas[a].name for a in v.changed[:4]) + (
            f" und {len(v.changed) - 4} weitere" if len(v.changed) > 4 else "")
        rows.append(html.Tr([html.Th(v.label, scope="row"),
                             html.Td(str(len(v.changed)), className="ba-num"),
                             html.Td(names or "–", className="ba-school-detail")]))
    border = [repo.areas[a].name for a in sens.borderline]
    return [
        html.Table([
            html.Caption("Empfindlichkeit: Gebiete mit anderer Klasse je Variante"),
            html.Thead(html.Tr([html.Th("Variante", scope="col"),
                                html.Th("Anzahl", scope="col", className="ba-num"),
                                html.Th("Gebiete", scope="col")])),
            html.Tbody(rows)], className="ba-profile-table ba-plain ba-ix-wrap",
            id="index-sensitivitaet"),
        html.P([html.Strong("Grenzfälle "),
                f"(andere Klasse in mindestens {sens.threshold} von {len(sens.variants)} "
                "Varianten, auf der Karte gestrichelt umrandet): ",
                ", ".join(border) if border else "keine"], className="ba-footnote",
               id="index-grenzfaelle"),
    ]


def index_result(repo: Repository, state: ViewState, b: IndexBundle) -> list:
    """Summary, class counts, exclusions, sensitivity and the method sheet link."""
    d, res = b.definition, b.result
    excluded = [html.Li(f"{repo.areas[a].name}: {ex.text}") for a, ex in res.excluded.items()]
    weights = sum(i.weight for i in d.indicators)
    inds = [html.Li(f"{repo.indicator(i.id).name}: Gewicht {format_number(100 * i.weight / weights, 0)} %"
                    f", {'hoch = mehr Bedarf' if i.direction == 1 else 'hoch = weniger Bedarf'}")
            for i in d.indicators]
    return [
        html.Dl([html.Dt("Autor/-in"), html.Dd(d.author), html.Dt("Stand"),
                 html.Dd(f"{d.date}, Version {d.version}"),
                 html.Dt("Indexjahr"), html.Dd(str(res.year or d.year) + (
                     f" (Basisjahr {d.base_year})" if d.base_year else "")),
                 html.Dt("Verfahren"), html.Dd(STANDARDISATIONS[d.standardisation])],
                className="ba-facts"),
        html.Ul(inds, className="ba-ix-inds"),
        *[html.P(n, className="ba-footnote") for n in res.notes],
        _class_table(repo, state, b),
        html.P("Ein Klick auf ein Gebiet zeigt, wie sein Indexwert zustande kommt.",
               className="ba-footnote"),
        *_sensitivity_table(repo, b),
        html.Details([html.Summary(f"Nicht bewertet ({len(excluded)})"),
                      html.Ul(excluded)], className="ba-footnote") if excluded else "",
        html.Div([
            html.A("Methodenblatt (druckbar)", href=f"/index/{b.slug}/methode",
                   target="_blank", rel="noopener", className="ba-button",
                   id="index-methode"),
            html.A("Definition (JSON)", href=f"/index/{b.slug}.json", className="ba-button",
                   download=f"{b.slug}.json"),
            nav_link(leave_index(state), "Zur Indikatorkarte", "ba-button"),
        ], className="ba-actions"),
    ]


# --- allocation -------------------------------------------------------------------------------
def _alloc_form(repo: Repository, state: ViewState, b: IndexBundle) -> html.Div:
    s = state.verteilung
    # Only counts that the index's areas have (the chosen one always stays selectable).
    heads = [{"label": i.name, "value": i.id} for i in repo.indicators.values()
             if i.kind == "count" and (i.id == s.koepfe or repo.years_for(
                 i.id, b.result.area_ids))]
    return html.Div([
        _field("Budget", dcc.Input(id=vid("budget"), value=format_number(s.budget),
                                   className="ba-input")),
        _field("Einheit", dcc.Dropdown(id=vid("einheit"), value=s.einheit, clearable=False,
                                       searchable=False,
                                       options=[{"label": v, "value": k}
                                                for k, v in UNITS.items()])),
        _field("Sockel je Kopf (%)", dcc.Input(id=vid("sockel"), value=_num(s.sockel, 1),
                                               className="ba-input"),
               "Anteil, der gleichmäßig je Kopf verteilt wird"),
        _field("Köpfe", dcc.Dropdown(id=vid("koepfe"), value=s.koepfe, options=heads,
                                     clearable=False)),
        _radio("Rest nach Bedarf", vid("verfahren"), s.verfahren, METHODS),
        _field("Klassenfaktoren", dcc.Input(id=vid("faktoren"), value="; ".join(
            _num(f) for f in s.faktoren), placeholder="1; 1,5; 2; 2,5", className="ba-input"),
            "je Klasse ab Klasse 1; leer: 1; 1,5; 2; …"),
    ], className="ba-form-grid")


def _alloc_table(repo: Repository, a: Allocation, classes: dict[str, int]) -> html.Table:
    u = a.unit
    rows = []
    for r in sorted(a.rows, key=lambda r: (-r.difference, repo.areas[r.area_id].name)):
        diff_cls = "ba-num ba-plus" if r.difference > 0 else (
            "ba-num ba-minus" if r.difference < 0 else "ba-num")
        rows.append(html.Tr([
            html.Th(repo.areas[r.area_id].name, scope="row", title=r.note or None),
            html.Td(format_number(r.heads) if r.heads is not None else "·", className="ba-num"),
            html.Td(str(classes.get(r.area_id, "n. b.")), className="ba-num"),
            html.Td(format_number(r.total), className="ba-num"),
            html.Td(format_number(r.even), className="ba-num"),
            html.Td(("+" if r.difference > 0 else "") + format_number(r.difference),
                    className=diff_cls),
        ]))
    total = html.Tr([html.Th("Summe", scope="row"),
                     html.Td(format_number(sum(r.heads or 0 for r in a.rows)),
                             className="ba-num"), html.Td(""),
                     html.Td(format_number(sum(r.total for r in a.rows)), className="ba-num"),
                     html.Td(format_number(sum(r.even for r in a.rows)), className="ba-num"),
                     html.Td(format_number(sum(r.difference for r in a.rows)),
                             className="ba-num")], className="ba-sum-row")
    return html.Table([
        html.Caption(f"Beträge in {u} (Sockel + Bedarfsanteil), Gewinner zuerst"),
        html.Thead(html.Tr([html.Th("Gebiet", scope="col"),
                            html.Th("Köpfe", scope="col", className="ba-num"),
                            html.Th("Klasse", scope="col", className="ba-num"),
                            html.Th("Betrag", scope="col", className="ba-num",
                                    title="Sockel + Bedarfsanteil"),
                            html.Th("Gießkanne", scope="col", className="ba-num"),
                            html.Th("Differenz", scope="col", className="ba-num")])),
        html.Tbody([*rows, total])], className="ba-profile-table ba-plain ba-ix-wrap ba-alloc",
        id="verteilung-tabelle")


def index_allocation_panel(repo: Repository, state: ViewState, b: IndexBundle) -> list:
    """Settings, the split's sums, the table, exports."""
    form = [_alloc_form(repo, state, b),
            html.Div(id=ALLOC_ERRORS, role="alert", className="ba-form-errors"),
            html.Div(html.Button("Verteilen", id=COMPUTE, n_clicks=0,
                                 className="ba-button ba-primary"), className="ba-actions")]
    try:
        a = index_allocation(repo, b, state)
    except ValueError as err:
        return [*form, html.P(str(err), role="alert", className="ba-error-text")]
    factors = state.verteilung.faktoren
    if a.method == "klassen" and factors and len(factors) != b.result.k:
        used = "; ".join(_num(f) for f in state.verteilung.multipliers(b.result.k).values())
        a = replace(a, notes=(*a.notes, f"Angegeben sind {len(factors)} Klassenfaktoren, der "
                              f"Index hat {b.result.k} Klassen; verwendet: {used}."))
    q = urlencode(allocation_params(state.verteilung), safe=";,")
    share = _num(state.verteilung.sockel, 1)
    winners = sum(1 for r in a.rows if r.difference > 0)
    losers = sum(1 for r in a.rows if r.difference < 0)
    classes = {x: sc.cls for x, sc in b.result.scores.items()}
    return [
        *form,
        html.P([f"{format_number(a.budget)} {a.unit}: Sockel {format_number(a.base_budget)} "
                f"{a.unit} ({share} % je Kopf), nach Bedarf {format_number(a.need_budget)} "
                f"{a.unit} ({METHODS[a.method]}). ",
                html.Strong(f"{winners} Gebiete erhalten mehr, {losers} weniger"),
                " als bei gleicher Verteilung je Kopf (Gießkanne). Beträge auf ganze "
                f"{a.unit} gerundet; die Summe ist genau das Budget."],
               className="ba-footnote", id="verteilung-summe"),
        *[html.P(n, className="ba-footnote") for n in a.notes],
        _alloc_table(repo, a, classes),
        html.Div([
            html.A("CSV", href=f"/index/{b.slug}/verteilung.csv?{q}", className="ba-button",
                   download=""),
            html.A("Excel (XLSX)", href=f"/index/{b.slug}/verteilung.xlsx?{q}",
                   className="ba-button", download=""),
        ], className="ba-actions"),
        html.P("Die Karte zeigt die Differenz zur Gießkanne (orange = mehr).",
               className="ba-footnote"),
    ]


def index_panel(repo: Repository, state: ViewState) -> list:
    """The panel of the shown index (tabs: result, definition, allocation)."""
    try:
        b = index_bundle(repo, state.index or "")
    except DefinitionError as err:
        return [html.H2("Bedarfsindex", className="ba-panel-title"),
                html.P("; ".join(err.errors), role="alert")]
    d = b.definition
    tab = state.index_tab or "ergebnis"
    n = len(b.result.area_ids)
    where = repo.display_name(d.gebiet) if d.gebiet in repo.areas else "ganzer Atlas"
    body = {"ergebnis": lambda: index_result(repo, state, b),
            "definition": lambda: definition_form(repo, state),
            "verteilung": lambda: index_allocation_panel(repo, state, b)}[tab]()
    return [
        html.H2(d.name, id="profil-titel", className="ba-panel-title"),
        html.Div(f"Bedarfsindex · {n} Gebiete · {where} · {b.result.year or d.year}",
                 className="ba-panel-sub"),
        tab_nav(state, INDEX_TABS, tab, "Bedarfsindex"),
        html.Div(body, className="ba-tab-body", role="region",
                 **{"aria-labelledby": "profil-titel"}),
    ]


def new_index_panel(repo: Repository, state: ViewState) -> list:
    """The form for a new index."""
    return [html.H2("Neuer Bedarfsindex", id="profil-titel", className="ba-panel-title"),
            html.Div(nav_link(replace(state, ansicht="indizes"), "‹ Gespeicherte Indizes",
                              "ba-inst-link"), className="ba-panel-sub"),
            *definition_form(repo, state)]


# --- explanation in an area's profile ------------------------------------------------------------
def _area_amount(repo: Repository, state: ViewState, b: IndexBundle, area_id: str) -> list:
    """The area's line of the budget split with the address's settings."""
    try:
        a = index_allocation(repo, b, state)
    except ValueError:
        return []
    row = next((r for r in a.rows if r.area_id == area_id), None)
    if row is None or row.heads is None:
        return []
    u = a.unit
    sign = "+" if row.difference > 0 else ""
    return [html.P([html.Strong("Verteilung: "),
                    f"{format_number(row.total)} {u} von {format_number(a.budget)} {u} "
                    f"(Gießkanne {format_number(row.even)} {u}, Differenz {sign}"
                    f"{format_number(row.difference)} {u}).", " ",
                    nav_link(replace(state, auswahl=None, weitere=(), ansicht="verteilung"),
                             "Verteilung ansehen", "ba-inst-link")], id="index-betrag")]


def index_explanation(repo: Repository, state: ViewState, area_id: str) -> list:
    """Why the area has its class: each indicator's standardised value × weight as a bar."""
    try:
        b = index_bundle(repo, state.index or "")
    except DefinitionError:
        return []
    res = b.result
    tab = "verteilung" if state.verteilung != AllocationSettings() else "ergebnis"
    title = html.H3(["Bedarfsindex: ", nav_link(replace(state, auswahl=None, weitere=(),
                                                        ansicht=tab),
                                                 b.definition.name, "ba-inst-link")],
                    className="ba-panel-h3")
    sc = res.scores.get(area_id)
    if sc is None:
        ex = res.excluded.get(area_id)
        text = ex.text if ex else "nicht im Index (liegt nicht im bewerteten Gebiet)"
        return [html.Section([title, html.P(text[0].upper() + text[1:] + ".")],
                             className="ba-ix-explain", id="index-erklaerung")]
    # z-values are centred at 0; percentile ranks and min-max values at 0.5 (an average
    # area), so a bar shows how much an indicator raises or lowers the need.
    centred = b.definition.standardisation == "z"
    shift = {c.indicator_id: 0.0 if centred else 0.5 * c.weight for c in sc.contributions}
    scale = max(abs(c.value - shift[c.indicator_id]) for c in sc.contributions) or 1.0
    symbol = {"z": "z", "perzentil": "Perzentilrang", "minmax": "skaliert"}[
        b.definition.standardisation]
    bars = []
    for c in sorted(sc.contributions, key=lambda c: -(c.value - shift[c.indicator_id])):
        label = repo.indicator(c.indicator_id).name
        bar = c.value - shift[c.indicator_id]
        width = f"{50 * abs(bar) / scale:.1f}%"
        side = "ba-ix-pos" if bar >= 0 else "ba-ix-neg"
        flipped = " (umgedreht)" if c.direction == -1 else ""
        bars.append(html.Div([
            html.Div(label, className="ba-ix-label"),
            html.Div(html.Span(className=f"ba-ix-bar {side}", style={"width": width}),
                     className="ba-ix-track"),
            html.Div(_signed(c.value), className="ba-ix-val ba-num"),
            html.Div(f"Wert {format_number(c.raw, repo.indicator(c.indicator_id).decimals)}"
                     f" → {symbol} {_signed(c.directed)}{flipped} × Gewicht "
                     f"{format_number(c.weight, 2)}", className="ba-ix-detail"),
        ], className="ba-ix-row", role="listitem"))
    border = sc.area_id in b.sensitivity.borderline
    how = ("Balken nach rechts (orange) erhöhen den Bedarf, nach links (blau) senken ihn."
           if centred else "Balken: Abstand zu einem mittleren Gebiet (Wert 0,5 × Gewicht); "
           "nach rechts (orange) mehr, nach links (blau) weniger Bedarf.")
    return [html.Section([
        title,
        html.P([html.Strong(f"Klasse {sc.cls} von {res.k}"),
                f" ({res.class_labels[sc.cls - 1]}), Rang {sc.rank} von {len(res.scores)}. "
                f"Indexwert {_signed(sc.value)} = Summe der Beiträge"
                + (" · Grenzfall: die Klasse hängt an den Gewichten." if border else ".")]),
        html.Div(bars, className="ba-ix-bars", role="list",
                 **{"aria-label": "Beiträge der Indikatoren zum Indexwert"}),
        html.P(how, className="ba-footnote"),
        *_area_amount(repo, state, b, area_id),
    ], className="ba-ix-explain", id="index-erklaerung")]
