"""The map legend: class bounds in German number format, counts, method, year, source."""

from __future__ import annotations

from dash import html

from geodata.model.entities import Indicator
from geodata.statistics.suppression import LABEL
from geodata.views.mapdata import MapData, legend_notes, unit_in

SYNTHETIC_LABEL = "synthetische Beispielwerte"


def synthetic_badge() -> html.Span:
    """The marker every synthetic figure carries."""
    return html.Span(
        "synthetisch",
        className="ba-synth",
        title=SYNTHETIC_LABEL + " – keine amtlichen Daten",
        **{"aria-label": SYNTHETIC_LABEL},
    )


def source_line(ind: Indicator, md: MapData | None = None) -> html.Div:
    """What the values shown are and their sources (per value, `MapData.source_lines`), else
    'Quelle: …' of the indicator; synthetic values say so first."""
    synthetic = md.synthetic if md is not None else ind.synthetic
    lines = list(md.source_lines) if md is not None and md.source_lines else [
        f"Quelle: {ind.source}"]
    body: list = [html.Div(line) for line in lines] if len(lines) > 1 else [" " + lines[0]]
    if synthetic:
        return html.Div([synthetic_badge(), *body], className="ba-legend-source")
    return html.Div(body if len(lines) > 1 else lines[0], className="ba-legend-source")


def legend(md: MapData, labels: list[str], area_label: str) -> list:
    """Legend children: classes, the three special states, method, reference, source."""
    cls = md.classification
    # One element per row (the swatch is drawn by CSS from --c): the legend travels with every
    # indicator switch, and each Dash component costs about 100 bytes of JSON.
    rows = [
        html.Li(f"{label} ({n})", style={"--c": color})
        for label, n, color in zip(labels, cls.counts, md.colors, strict=True)
    ]
    for state, text, css in (("keine_daten", "keine Daten", "ba-st-nodata"),
                             ("gesperrt", "gesperrt ·", "ba-st-suppressed"),
                             ("nicht_bewertet", "nicht bewertet", "ba-st-unrated")):
        rows.append(html.Li(f"{text} ({md.states.count(state)})", className=css,
                            title=LABEL[state]))
    unit = " " + unit_in(md.unit) if md.unit else ""
    notes = legend_notes(md)
    return [
        html.Div(f"{md.title}{unit}", className="ba-legend-title"),
        html.Div(area_label, className="ba-legend-sub"),
        html.Ul(rows, className="ba-legend-rows"),
        html.Div([html.Div(n) for n in notes], className="ba-legend-method"),
        source_line(md.indicator, md),
    ]
