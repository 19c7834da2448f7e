"""The need index in the side panel: saved indices, the definition form, the result with its
sensitivity, the budget split, and an area's explanation in its profile.

Panel states (``ansicht`` without a selected area, see `geodata.views.state`): ``indizes`` lists
the saved indices, ``definition`` is the form (a new index, or the shown one's to change),
``ergebnis`` the result and ``verteilung`` the budget split.
"""

from __future__ import annotations

from dataclasses import replace

from dash import html

from geodata.index.allocation import (
    AllocationSettings,
)
from geodata.index.definition import (
    STANDARDISATIONS,
    DefinitionError,
)
from geodata.statistics.numfmt import format_number
from geodata.statistics.palettes import class_colors
from geodata.statistics.published import PublishedAtlas
from geodata.views.indexmap import IndexBundle, index_bundle, index_palette
from geodata.views.state import INDEX_TABS, ViewState
from layers.allocation_view import area_amount, index_allocation_panel
from layers.index_form import definition_form
from layers.links import nav_link, tab_nav


def _signed(x: float) -> str:
    text = format_number(x, 2)
    return ("+" + text if x > 0 and text != "0,00" else text).replace("-", "−")


def leave_index(state: ViewState) -> ViewState:
    """The state without the index (back to the indicator map)."""
    return replace(state, index=None, ansicht="steckbrief", auswahl=None, weitere=())


# --- result ------------------------------------------------------------------------------------
def _class_table(repo: PublishedAtlas, state: ViewState, b: IndexBundle) -> html.Table:
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


def _sensitivity_table(repo: PublishedAtlas, b: IndexBundle) -> list:
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


def index_result(repo: PublishedAtlas, state: ViewState, b: IndexBundle) -> list:
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


def index_panel(repo: PublishedAtlas, state: ViewState) -> list:
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


def index_explanation(repo: PublishedAtlas, state: ViewState, area_id: str) -> list:
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
        extra = []
        part = res.partial.get(area_id)
        if part is not None:
            extra.append(html.P(
                f"Teilindex aus den {len(part.used)} von {len(b.definition.indicators)} "
                f"Indikatoren mit veröffentlichtem Wert: {_signed(part.value)} (Klasse "
                f"{part.cls} von {res.k}); die Verteilung kann ihn für den Bedarfsanteil "
                "nutzen (Reiter „Verteilung“).", className="ba-footnote",
                id="index-teilindex"))
        return [html.Section([title, html.P(text[0].upper() + text[1:] + "."), *extra],
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
        *area_amount(repo, state, b, area_id),
    ], className="ba-ix-explain", id="index-erklaerung")]
