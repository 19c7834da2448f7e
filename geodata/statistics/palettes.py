"""Colour palettes for choropleth classes: ColorBrewer 2.0 class tables.

Colours by Cynthia A. Brewer, Pennsylvania State University (ColorBrewer 2.0, Apache
License 2.0). Only palettes that ColorBrewer marks as colour-blind safe are offered; the
sequential ones also stay distinguishable in greyscale print (see tests).

Direction: dark (sequential) or the warm end (diverging: red, orange, brown) always means
"more need". For an indicator where a higher value is better the ramp is reversed, so the same
colour means the same thing for every indicator.
"""

from __future__ import annotations

from dataclasses import dataclass

Ramp = dict[int, tuple[str, ...]]


@dataclass(frozen=True)
class Palette:
    """A ColorBrewer palette with its 3–7 class tables (light to dark / warm to cool)."""

    id: str
    name: str
    kind: str  # "sequential" | "diverging"
    classes: Ramp


_SEQUENTIAL: dict[str, tuple[str, Ramp]] = {
    "YlGnBu": ("Gelb–Grün–Blau", {
        3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
        4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
        5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
        6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
        7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    }),
    "YlOrRd": ("Gelb–Orange–Rot", {
        3: ("#ffeda0", "#feb24c", "#f03b20"),
        4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
        5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
        6: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"),
        7: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"),
    }),
    "PuBu": ("Violett–Blau", {
        3: ("#ece7f2", "#a6bddb", "#2b8cbe"),
        4: ("#f1eef6", "#bdc9e1", "#74a9cf", "#0570b0"),
        5: ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"),
        6: ("#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#2b8cbe", "#045a8d"),
        7: ("#f1eef6", "#d0d1e6", "#a6bddb", "#74a9cf", "#3690c0", "#0570b0", "#034e7b"),
    }),
    "Greys": ("Grau (Druck)", {
        3: ("#f0f0f0", "#bdbdbd", "#636363"),
        4: ("#f7f7f7", "#cccccc", "#969696", "#525252"),
        5: ("#f7f7f7", "#cccccc", "#969696", "#636363", "#252525"),
        6: ("#f7f7f7", "#d9d9d9", "#bdbdbd", "#969696", "#636363", "#252525"),
        7: ("#f7f7f7", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525"),
    }),
}

# Diverging tables run from the warm end ("more need") to the cool end.
_DIVERGING: dict[str, tuple[str, Ramp]] = {
    "RdBu": ("Rot–Blau", {
        3: ("#ef8a62", "#f7f7f7", "#67a9cf"),
        4: ("#ca0020", "#f4a582", "#92c5de", "#0571b0"),
        5: ("#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"),
        6: ("#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"),
        7: ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"),
    }),
    "PuOr": ("Orange–Violett", {
        3: ("#f1a340", "#f7f7f7", "#998ec3"),
        4: ("#e66101", "#fdb863", "#b2abd2", "#5e3c99"),
        5: ("#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"),
        6: ("#b35806", "#f1a340", "#fee0b6", "#d8daeb", "#998ec3", "#542788"),
        7: ("#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788"),
    }),
    "BrBG": ("Braun–Türkis", {
        3: ("#d8b365", "#f5f5f5", "#5ab4ac"),
        4: ("#a6611a", "#dfc27d", "#80cdc1", "#018571"),
        5: ("#a6611a", "#dfc27d", "#f5f5f5", "#80cdc1", "#018571"),
        6: ("#8c510a", "#d8b365", "#f6e8c3", "#c7eae5", "#5ab4ac", "#01665e"),
        7: ("#8c510a", "#d8b365", "#f6e8c3", "#f5f5f5", "#c7eae5", "#5ab4ac", "#01665e"),
    }),
}

PALETTES: dict[str, Palette] = {
    **{k: Palette(k, n, "sequential", r) for k, (n, r) in _SEQUENTIAL.items()},
    **{k: Palette(k, n, "diverging", r) for k, (n, r) in _DIVERGING.items()},
}
DEFAULT_SEQUENTIAL = "YlGnBu"
DEFAULT_DIVERGING = "RdBu"
MIN_CLASSES, MAX_CLASSES = 3, 7


def class_colors(palette_id: str, k: int, direction: str) -> list[str]:
    """Colours of classes 0..k-1 in ascending value order, so that "more need" is dark/warm.

    Parameters
    ----------
    palette_id
        A key of `PALETTES`.
    k
        Number of classes; 1 and 2 (degenerate data) take colours from the 3-class table.
    direction
        The indicator's direction: ``higher_better``, ``higher_worse`` or ``neutral``.
    """
    if k <= 0:
        return []
    pal = PALETTES[palette_id]
    if k >= MIN_CLASSES:
        ramp = list(pal.classes[min(k, MAX_CLASSES)])
    else:  # 1 or 2 classes: the middle, or the two ends, of the 3-class table
        three = pal.classes[3]
        ramp = [three[1]] if k == 1 else [three[0], three[2]]
    # Table order: sequential light->dark (more need at the end), diverging warm->cool
    # (more need at the start). Ascending values mean more need unless higher is better.
    more_need_last = pal.kind == "sequential"
    if (direction == "higher_better") == more_need_last:
        ramp.reverse()
    return ramp


def luminance(hex_color: str) -> float:
    """Relative luminance (WCAG 2) of a ``#rrggbb`` colour, 0 (black) to 1 (white)."""
    rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
