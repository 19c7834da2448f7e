"""Colours of the map: ColorBrewer YlGnBu (colour-blind safe, readable in greyscale).

Dark always means "more need": for an indicator where a higher value is better, the ramp is
reversed. Missing data is not a colour of the ramp but a grey hatch (see assets).
"""

from __future__ import annotations

# ColorBrewer 2.0, YlGnBu, sequential, 3–7 classes (Cynthia Brewer, Apache-2.0 licence).
YLGNBU: dict[int, tuple[str, ...]] = {
    1: ("#41b6c4",),
    2: ("#a1dab4", "#225ea8"),
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
}
NO_DATA = "#d9d9d9"


def class_colors(k: int, direction: str) -> list[str]:
    """Colours for classes 0..k-1 in ascending value order (reversed if higher is better)."""
    if k <= 0:
        return []
    ramp = list(YLGNBU[min(k, 7)])
    return ramp[::-1] if direction == "higher_better" else ramp
