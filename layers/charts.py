"""Charts of the panel, linked to the map: the indicator over time (area, parent, whole
atlas), the peers as a sorted bar chart, and a scatter of two indicators over the peers with
Pearson's r. Figures are plain plotly dicts; points carry the area id as ``customdata`` so
that a click selects the area on the map. Suppressed and unrated values are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape as html_escape

from dash import dcc, html

from geodata.model.entities import ROOT, Indicator
from geodata.statistics.numfmt import format_number
from geodata.statistics.published import PublishedAtlas, published
from geodata.views.profile import combined_value, need_sign, peers_of
from geodata.views.state import ViewState
from layers import ids

ACCENT = "#1f4e79"
OTHER = "#b8c2cc"
HIGHLIGHT = "#c2410c"
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def _layout(title: str, height: int, **extra: object) -> dict:
    return {
        "title": {"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left"},
        "height": height,
        "margin": {"l": 44, "r": 8, "t": 30, "b": 30},
        "separators": ",.",  # German decimal comma and thousands dot
        "font": {"family": "system-ui, sans-serif", "size": 11},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff",
        "showlegend": False, **extra,
    }


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation coefficient; None for fewer than 3 pairs or no spread."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return None if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)


def peer_values(repo: PublishedAtlas, parent: str, peers: Sequence[str], ind: Indicator,
                year: int) -> dict[str, float]:
    """The shown ("ok") values of the peers in one year, as published."""
    repo = published(repo)
    del parent  # the published atlas judges every area among all its sums
    col = repo.column(peers, ind.id, year, counts=False)
    return {a: v for a, v, s in zip(peers, col.values, col.states, strict=True)
            if s == "ok" and v is not None}


def _series(repo: PublishedAtlas, area_ids: Sequence[str], ind: Indicator,
            combined: bool) -> list[float | None]:
    out: list[float | None] = []
    for y in repo.years_for(ind.id):
        if combined:
            val, st = combined_value(repo, area_ids, ind, y)
            out.append(val.value if val is not None and st == "ok" else None)
            continue
        peers = peers_of(repo, area_ids[0])
        shown = peer_values(repo, peers.parent, peers.ids, ind, y)
        out.append(shown.get(peers.shown))
    return out


def esc(text: str) -> str:
    """A name as plotly text: plotly reads ``<b>``, ``<a href>`` and ``<br>`` in texts, so an
    area or indicator name is escaped (shown as typed, never as markup)."""
    return html_escape(text, quote=False)


def time_figure(repo: PublishedAtlas, state: ViewState, name: str) -> dict:
    """The map's indicator over all years for the selection, its parent and the atlas."""
    repo = published(repo)
    ind = repo.indicator(state.indikator)
    years = list(repo.years_for(ind.id))
    sel = state.selection
    combined = len(sel) > 1
    parent = peers_of(repo, sel[0]).parent
    name = esc(name)
    traces = [{"x": years, "y": _series(repo, sel, ind, combined), "name": name,
               "mode": "lines+markers", "line": {"color": HIGHLIGHT, "width": 3},
               "hovertemplate": "%{x}: %{y:,." + str(ind.decimals) + "f}<extra>" + name +
                                "</extra>"}]
    lands = {repo.land_of(a) for a in sel}
    land = lands.pop() if len(lands) == 1 else None
    refs = [(parent, "dash")] if parent != ROOT else []
    refs.append((land, "dashdot") if land else (ROOT, "dot"))
    for area, dash in refs:
        label = esc(repo.display_name(area))
        vals = [repo.reference(area, ind.id, y).value for y in years]
        traces.append({"x": years, "y": vals, "name": label, "mode": "lines+markers",
                       "line": {"color": ACCENT if dash == "dash" else "#6b7280", "dash": dash},
                       "hovertemplate": "%{x}: %{y:,." + str(ind.decimals) + "f}<extra>" +
                                        label + "</extra>"})
    unit = f" ({ind.unit})" if ind.unit else ""
    return {"data": traces, "layout": _layout(
        f"{esc(ind.name)}{unit} im Zeitverlauf", 200, showlegend=True,
        legend={"orientation": "h", "y": -0.25, "x": 0},
        xaxis={"tickmode": "array", "tickvals": years, "ticktext": [str(y) for y in years]},
        margin={"l": 44, "r": 8, "t": 30, "b": 50})}


def bar_figure(repo: PublishedAtlas, state: ViewState) -> tuple[dict, int]:
    """The peers' values in the map's year, sorted with most need first; the selection
    highlighted. Returns the figure and the number of bars."""
    repo = published(repo)
    ind = repo.indicator(state.indikator)
    peers = peers_of(repo, state.selection[0])
    vals = peer_values(repo, peers.parent, peers.ids, ind, state.jahr)
    sign = need_sign(ind)
    order = sorted(vals, key=lambda a: (-sign * vals[a], repo.areas[a].name))
    chosen = {repo.shown_ancestor(a, set(peers.ids)) for a in state.selection}
    names = [esc(repo.areas[a].name) for a in order]
    fig = {"data": [{
        "type": "bar", "x": list(range(len(order))), "y": [vals[a] for a in order],
        "customdata": order, "text": names,
        "marker": {"color": [HIGHLIGHT if a in chosen else OTHER for a in order]},
        "textposition": "none",
        "hovertemplate": "%{text}: %{y:,." + str(ind.decimals) + "f}<extra></extra>",
    }], "layout": _layout(
        f"{esc(ind.name)} {state.jahr}: {len(order)} {_plural(repo, peers.ids)} sortiert", 190,
        xaxis={"showticklabels": False, "title": {"text": "links: größter Bedarf"
                                                  if ind.direction != "neutral" else
                                                  "links: höchster Wert"}},
        bargap=0.15)}
    return fig, len(order)


def _short(text: str, n: int = 42) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _plural(repo: PublishedAtlas, peers: Sequence[str]) -> str:
    return repo.level(repo.areas[peers[0]].level).plural if peers else "Gebiete"


def default_scatter_indicator(repo: PublishedAtlas, state: ViewState) -> str:
    """The second indicator of the scatter: chosen, else a social-situation rate."""
    if state.streuung and state.streuung != state.indikator:
        return state.streuung
    for cand in ("sgb2_quote_u15", "sprachfoerderbedarf", "betreuungsquote_u3"):
        if cand in repo.indicators and cand != state.indikator:
            return cand
    return next(i for i in repo.indicators if i != state.indikator)


def scatter_figure(repo: PublishedAtlas, state: ViewState, x_id: str) -> tuple[dict, float | None,
                                                                           int]:
    """Map indicator (y) against ``x_id`` over the peers; returns figure, r and n."""
    ind_y, ind_x = repo.indicator(state.indikator), repo.indicator(x_id)
    peers = peers_of(repo, state.selection[0])
    ys = peer_values(repo, peers.parent, peers.ids, ind_y, state.jahr)
    year_x = state.jahr if state.jahr in repo.years_for(x_id) else (
        max(repo.years_for(x_id)) if repo.years_for(x_id) else state.jahr)
    xs = peer_values(repo, peers.parent, peers.ids, ind_x, year_x)
    both = [a for a in peers.ids if a in xs and a in ys]
    r = pearson([xs[a] for a in both], [ys[a] for a in both])
    chosen = {repo.shown_ancestor(a, set(peers.ids)) for a in state.selection}
    fig = {"data": [{
        "type": "scatter", "mode": "markers",
        "x": [xs[a] for a in both], "y": [ys[a] for a in both], "customdata": both,
        "text": [esc(repo.areas[a].name) for a in both],
        "marker": {"size": [12 if a in chosen else 7 for a in both],
                   "color": [HIGHLIGHT if a in chosen else ACCENT for a in both],
                   "line": {"color": "#ffffff", "width": 1}},
        "hovertemplate": "%{text}<br>" + esc(ind_x.name) + ": %{x:,." + str(ind_x.decimals) +
                         "f}<br>" + esc(ind_y.name) + ": %{y:,." + str(ind_y.decimals) +
                         "f}<extra></extra>",
    }], "layout": _layout(
        "", 240,
        xaxis={"title": {"text": _short(f"{esc(ind_x.name)} {year_x}"), "font": {"size": 10}},
               "zeroline": False},
        yaxis={"title": {"text": _short(f"{esc(ind_y.name)} {state.jahr}"), "font": {"size": 10}},
               "zeroline": False},
        margin={"l": 50, "r": 8, "t": 8, "b": 40})}
    return fig, r, len(both)


def charts(repo: PublishedAtlas, state: ViewState, name: str) -> list:
    """The "Diagramme" tab."""
    repo = published(repo)
    repo = published(repo)
    ind = repo.indicator(state.indikator)
    x_id = default_scatter_indicator(repo, state)
    bar, n_bars = bar_figure(repo, state)
    scatter, r, n = scatter_figure(repo, state, x_id)
    r_text = "zu wenige Werte" if r is None else format_number(r, 2)
    options = [{"label": i.name, "value": i.id} for i in repo.indicators.values()
               if i.id != ind.id]
    return [
        dcc.Graph(id=ids.chart("zeit"), figure=time_figure(repo, state, name),
                  config=GRAPH_CONFIG, className="ba-chart"),
        dcc.Graph(id=ids.chart("rang"), figure=bar, config=GRAPH_CONFIG,
                  className="ba-chart", clear_on_unhover=True),
        html.P(f"{n_bars} Balken; ein Klick wählt das Gebiet auf der Karte.",
               className="ba-footnote"),
        html.P(f"Streudiagramm: {ind.name} (senkrecht) gegen den gewählten Indikator "
               "(waagrecht). Korrelation "
               f"(Pearson) über {n} Gebiete: r = {r_text}.", className="ba-chart-title",
               id="streuung-r"),
        html.Label([html.Span("waagrecht"),
                    dcc.Dropdown(id=ids.scatter_pick(), options=options, value=x_id,
                                 clearable=False, className="ba-scatter-pick")],
                   className="ba-field"),
        dcc.Graph(id=ids.chart("streuung"), figure=scatter, config=GRAPH_CONFIG,
                  className="ba-chart"),
        html.P("Ein Klick auf einen Punkt wählt das Gebiet.", className="ba-footnote"),
    ]
