"""The need index's budget split in the side panel (tab "Verteilung") and an area's amount in
its explanation: settings form, table with amount, Gießkanne and difference, downloads.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from dash import dcc, html

from geodata.index.allocation import (
    METHODS,
    UNITS,
    UNRATED_RULES,
    Allocation,
    allocation_params,
)
from geodata.statistics.numfmt import format_number
from geodata.statistics.published import PublishedAtlas
from geodata.views.indexmap import IndexBundle, index_allocation
from geodata.views.state import ViewState
from layers.ids import ALLOC_ERRORS, COMPUTE, vid
from layers.index_form import form_field, form_number, form_radio
from layers.links import nav_link


# --- allocation -------------------------------------------------------------------------------
def _alloc_form(repo: PublishedAtlas, state: ViewState, b: IndexBundle) -> html.Div:
    s = state.verteilung
    # Only counts that the index's areas have (the chosen one always stays selectable).
    heads = [{"label": i.name, "value": i.id} for i in repo.indicators.values()
             if i.kind == "count" and (i.id == s.koepfe or repo.years_for(
                 i.id, b.result.area_ids))]
    return html.Div([
        form_field("Budget", dcc.Input(id=vid("budget"), value=format_number(s.budget),
                                   className="ba-input")),
        form_field("Einheit", dcc.Dropdown(id=vid("einheit"), value=s.einheit, clearable=False,
                                       searchable=False,
                                       options=[{"label": v, "value": k}
                                                for k, v in UNITS.items()])),
        form_field("Sockel je Kopf (%)", dcc.Input(id=vid("sockel"), value=form_number(s.sockel, 1),
                                               className="ba-input"),
               "Anteil, der gleichmäßig je Kopf verteilt wird"),
        form_field("Köpfe", dcc.Dropdown(id=vid("koepfe"), value=s.koepfe, options=heads,
                                     clearable=False)),
        form_radio("Rest nach Bedarf", vid("verfahren"), s.verfahren, METHODS),
        form_field("Klassenfaktoren", dcc.Input(id=vid("faktoren"), value="; ".join(
            form_number(f) for f in s.faktoren), placeholder="1; 1,5; 2; 2,5", className="ba-input"),
            "je Klasse ab Klasse 1; leer: 1; 1,5; 2; …"),
        form_radio("Nicht bewertete Gebiete (gesperrte oder fehlende Werte)", vid("unbewertet"),
                   s.unbewertet, {k: v[0].upper() + v[1:] for k, v in UNRATED_RULES.items()}),
    ], className="ba-form-grid")


def _alloc_table(repo: PublishedAtlas, a: Allocation, classes: dict[str, int]) -> html.Table:
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


def index_allocation_panel(repo: PublishedAtlas, state: ViewState, b: IndexBundle) -> list:
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
        used = "; ".join(form_number(f) for f in state.verteilung.multipliers(b.result.k).values())
        a = replace(a, notes=(*a.notes, f"Angegeben sind {len(factors)} Klassenfaktoren, der "
                              f"Index hat {b.result.k} Klassen; verwendet: {used}."))
    q = urlencode(allocation_params(state.verteilung), safe=";,")
    share = form_number(state.verteilung.sockel, 1)
    winners = sum(1 for r in a.rows if r.difference > 0)
    losers = sum(1 for r in a.rows if r.difference < 0)
    classes = {x: sc.cls for x, sc in b.result.scores.items()}
    return [
        *form,
        *_unrated_list(repo, a),
        html.P([f"{format_number(a.budget)} {a.unit}: Sockel {format_number(a.base_budget)} "
                f"{a.unit} ({share} % je Kopf), nach Bedarf {format_number(a.need_budget)} "
                f"{a.unit} ({METHODS[a.method]}). ",
                html.Strong(f"{winners} Gebiete erhalten mehr, {losers} weniger"),
                " als bei gleicher Verteilung je Kopf (Gießkanne). Beträge auf ganze "
                f"{a.unit} gerundet; die Summe ist genau das Budget."
                + (f" Köpfe: {a.heads_label}." if a.heads_label else "")],
               className="ba-footnote", id="verteilung-summe"),
        *[html.P(n, className="ba-footnote ba-warning" if n.startswith("Achtung") else
                 "ba-footnote", role="alert" if n.startswith("Achtung") else None)
          for n in a.notes],
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


def _unrated_list(repo: PublishedAtlas, a: Allocation) -> list:
    """The areas the index could not rate for a suppressed or missing input: why, and how
    their amount was set; a high-need one is marked."""
    if not a.unrated:
        return []
    rows = [html.Tr([html.Th(repo.areas[u.area_id].name, scope="row"),
                     html.Td(u.reason), html.Td(u.rule + (" · höchste Bedarfsklasse nach den "
                                                          "veröffentlichten Indikatoren"
                                                          if u.high_need else ""),
                                                className="ba-plus" if u.high_need else None)])
            for u in a.unrated]
    return [html.Table([
        html.Caption(f"Nicht bewertet ({len(a.unrated)}): Betrag nach der gewählten Regel"),
        html.Thead(html.Tr([html.Th("Gebiet", scope="col"), html.Th("Grund", scope="col"),
                            html.Th("Betrag", scope="col")])),
        html.Tbody(rows)], className="ba-profile-table ba-plain ba-ix-wrap",
        id="verteilung-unbewertet")]


# --- explanation in an area's profile ------------------------------------------------------------
def area_amount(repo: PublishedAtlas, state: ViewState, b: IndexBundle, area_id: str) -> list:
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
