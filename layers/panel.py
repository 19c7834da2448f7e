"""The area panel ("Gebietsprofil"): name, level, parent, population, indicators, schools."""

from __future__ import annotations

from itertools import groupby

from dash import html

from geodata.mapdata import area_state
from geodata.numfmt import format_number
from geodata.repository import ROOT, Indicator, Institution, Repository
from geodata.suppression import LABEL, SYMBOL
from layers.legend import SYNTHETIC_LABEL, synthetic_badge

POPULATION = "einwohner"


def _shown_year(repo: Repository, area_id: str, ind: Indicator, year: int) -> int | None:
    """The map's year if the area has a value then, else its newest year with a value."""
    if repo.value(area_id, ind.id, year) is not None:
        return year
    latest = repo.latest_value(area_id, ind.id)
    return None if latest is None else latest[0]


def _value_cell(repo: Repository, area_id: str, ind: Indicator, year: int | None,
                map_year: int) -> html.Td:
    """The value for ``year``, marked with the year when it is not the map's year."""
    val = None if year is None else repo.value(area_id, ind.id, year)
    if val is None:
        return html.Td("–", className="ba-num ba-missing", title="keine Daten")
    state = area_state(repo, area_id, ind, year) if year is not None else "keine_daten"
    if state != "ok":  # never the number of a suppressed or unrated value
        return html.Td(SYMBOL[state], className="ba-num ba-missing", title=LABEL[state])
    if year == map_year:
        return html.Td(format_number(val.value, ind.decimals), className="ba-num")
    return html.Td(
        [format_number(val.value, ind.decimals), html.Sup(str(year), className="ba-year-note")],
        className="ba-num",
        title=f"Wert von {year}; für {map_year} liegt kein Wert vor",
    )


def _indicator_rows(
    repo: Repository, area_id: str, parent: str, year: int
) -> tuple[list, int]:
    """Table rows grouped by topic, and how many indicators were left out for lack of data."""
    rows: list = []
    with_data = [i for i in repo.indicators.values() if _shown_year(repo, area_id, i, year)]
    ordered = sorted(with_data, key=lambda i: i.topic)  # sorted() is stable: catalogue order
    for topic, inds in groupby(ordered, key=lambda i: i.topic):
        rows.append(html.Tr(html.Th(topic, colSpan=3, scope="colgroup", className="ba-topic")))
        for ind in inds:
            shown = _shown_year(repo, area_id, ind, year)
            name: list = [ind.name]
            if ind.unit and ind.kind != "count":  # a count's name says what it counts
                name.append(html.Span(f" in {ind.unit}", className="ba-unit"))
            if ind.synthetic:
                name += [" ", synthetic_badge()]
            rows.append(
                html.Tr(
                    [
                        html.Th(name, scope="row", title=ind.description),
                        # The comparison uses the same year as the area's own value.
                        _value_cell(repo, area_id, ind, shown, year),
                        _value_cell(repo, parent, ind, shown, year),
                    ]
                )
            )
    return rows, len(repo.indicators) - len(with_data)


def _school_item(inst: Institution) -> html.Li:
    pupils = inst.attrs.get("schueler_insgesamt")
    detail = [str(inst.attrs.get("schulart", "")).replace(";", ", ")]
    if isinstance(pupils, (int, float)):
        detail.append(f"{format_number(pupils)} Schüler/-innen")
    return html.Li([html.Span(inst.name, className="ba-school-name"),
                    html.Span(" · ".join(d for d in detail if d), className="ba-school-detail")])


def area_panel(repo: Repository, area_id: str, year: int) -> list:
    """Panel children for one area; ``year`` is the map's year."""
    area = repo.area(area_id)
    level = repo.level(area.level)
    parent = repo.view_parent_above(area_id)
    parent_name = repo.display_name(parent)
    pop = repo.latest_value(area_id, POPULATION)
    pop_text = "keine Angabe"
    if pop is not None:
        pop_year, pop_val = pop
        pop_text = f"{format_number(pop_val.value)} ({pop_year})"
    schools = [i for i in repo.institutions_in(area_id) if i.type == "schule"]
    kind = area.kind if area.kind and area.kind != level.name else ""
    subtitle = level.name + (f" ({kind})" if kind else "")
    if area.parent_id != ROOT:
        subtitle += f" in {repo.area(area.parent_id).name}"
    rows, n_hidden = _indicator_rows(repo, area_id, parent, year)
    hidden_note = (
        f" {n_hidden} Indikatoren ohne Werte für dieses Gebiet sind ausgeblendet."
        if n_hidden else ""
    )
    real_sources = sorted({i.source for i in repo.indicators.values() if not i.synthetic})
    return [
        html.H2(area.name, id="profil-titel", className="ba-panel-title"),
        html.Div(subtitle, className="ba-panel-sub"),
        html.Dl(
            [html.Dt("Einwohner"), html.Dd(pop_text, className="ba-num"),
             html.Dt("Schlüssel"), html.Dd(area.area_id)],
            className="ba-facts",
        ),
        html.Table(
            [
                html.Caption(f"Indikatoren {year} im Vergleich"),
                html.Colgroup([html.Col(className="ba-col-name"), html.Col(), html.Col()]),
                html.Thead(html.Tr([html.Th("Indikator", scope="col"),
                                    html.Th(area.name, scope="col", className="ba-num"),
                                    html.Th(parent_name, scope="col", className="ba-num")])),
                html.Tbody(rows),
            ],
            className="ba-profile-table",
        ),
        html.P([synthetic_badge(), f" = {SYNTHETIC_LABEL}, erzeugt für die Demo – keine "
                "amtlichen Daten. Hochgestellt: Jahr eines Werts, wenn es für "
                f"{year} keinen gibt.{hidden_note}"], className="ba-footnote"),
        html.Details(
            [html.Summary("Quellen der amtlichen Werte"),
             html.Ul([html.Li(s) for s in real_sources])],
            className="ba-footnote",
        ),
        html.H3(f"Schulen ({len(schools)})", className="ba-panel-h3"),
        html.Ul([_school_item(s) for s in schools], className="ba-school-list")
        if schools else html.P("Keine Schulen erfasst.", className="ba-footnote"),
        html.P("Schuldaten: Schuljahr 2015/16 (jedeschule.de, nach amtlichen "
               "Schulverzeichnissen).", className="ba-footnote"),
    ]


def empty_panel() -> list:
    """Panel children when no area is selected."""
    return [
        html.H2("Gebietsprofil", className="ba-panel-title"),
        html.P("Klicken Sie auf ein Gebiet: Kreise und Städte mit Stadtteilen öffnen die "
               "nächste Ebene, jedes Gebiet zeigt hier sein Profil."),
        html.P("Esc oder „Zurück“ gehen eine Ebene nach oben."),
    ]
