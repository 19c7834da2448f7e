"""The map legend: class bounds in German number format, counts, method, year, source."""

from __future__ import annotations

from dash import html

from geodata.classify import Classification
from geodata.numfmt import format_number
from geodata.repository import Indicator, Repository
from layers.palette import class_colors

SYNTHETIC_LABEL = "synthetische Beispielwerte"


def synthetic_badge() -> html.Span:
    """The marker every synthetic figure carries."""
    return html.Span(
        "synthetisch",
        className="ba-synth",
        title=SYNTHETIC_LABEL + " – keine amtlichen Daten",
        **{"aria-label": SYNTHETIC_LABEL},
    )


def source_line(ind: Indicator) -> html.Div:
    """'Quelle: …' of an indicator; synthetic ones say so first."""
    if ind.synthetic:
        return html.Div(
            [synthetic_badge(), f" Quelle: {ind.source}"], className="ba-legend-source"
        )
    return html.Div(f"Quelle: {ind.source}", className="ba-legend-source")


def legend(repo: Repository, ind: Indicator, year: int, cls: Classification, area_label: str) -> list:
    """Legend children for the current map."""
    # One element per row (the swatch is drawn by CSS from --c): the legend travels with every
    # indicator switch, and each Dash component costs about 100 bytes of JSON.
    colors = class_colors(cls.k, ind.direction)
    rows = []
    for i in range(cls.k):
        lo = format_number(cls.lower[i], ind.decimals)
        hi = format_number(cls.upper[i], ind.decimals)
        label = lo if lo == hi else f"{lo} – {hi}"
        rows.append(html.Li(f"{label} ({cls.counts[i]})", style={"--c": colors[i]}))
    if cls.n_missing:
        rows.append(html.Li(f"keine Daten ({cls.n_missing})", className="ba-nodata"))
    unit = f" in {ind.unit}" if ind.unit else ""
    if cls.k:
        method = f"{cls.method}, {cls.k} Klassen · dunkel = mehr Bedarf"
        if ind.direction == "neutral":
            method = f"{cls.method}, {cls.k} Klassen · dunkel = höher"
    else:
        method = "Für diese Auswahl liegen keine Werte vor."
    return [
        html.Div(f"{ind.name}{unit}", className="ba-legend-title"),
        html.Div(f"{area_label} · {year}", className="ba-legend-sub"),
        html.Ul(rows, className="ba-legend-rows"),
        html.Div(method, className="ba-legend-method"),
        source_line(ind),
    ]
