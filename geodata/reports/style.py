"""House style and the page that every report draws on.

The ``[hausstil]`` section of ``geodata/atlas.toml`` (font, title colour, logo, footer text) is
read by `house_style`; a font that is not installed falls back to DejaVu Sans. `Page` is a
matplotlib figure with a top-left origin in inches. Drawing uses
`matplotlib.figure.Figure` with explicit fonts and never pyplot or rcParams, so reports may
render in parallel threads. The special states keep the screen's patterns (`STATE_STYLE`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.font_manager import get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from geodata.model.settings import DEFAULT_CONFIG

# The screen's patterns for the special states (assets/bildungsatlas.js): face, hatch, colour.
STATE_STYLE = {
    "keine_daten": ("#f2f2f2", "////", "#9a9a9a"),
    "gesperrt": ("#ffffff", "...", "#444444"),
    "nicht_bewertet": ("#ececec", "---", "#a0a0a0"),
}
STATE_LEGEND = {"keine_daten": "keine Daten", "gesperrt": "gesperrt ·",
                "nicht_bewertet": "nicht bewertet"}
# Text stays text: SVG writes <text> elements (searchable, editable) instead of glyph outlines,
# PDF embeds the TrueType font (Type 42) instead of Type 3 drawings. Set once, process-wide, at
# import (never changed per render, so parallel renders see the same setting).
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["pdf.fonttype"] = 42

TEXT = "#1a1a1a"
MUTED = "#555555"
SYNTH_COLOR = "#c2410c"
FALLBACK_FONT = "DejaVu Sans"


# --- house style -----------------------------------------------------------------------------
@dataclass(frozen=True)
class HouseStyle:
    """Look of every export (``[hausstil]`` in ``atlas.toml``)."""

    schrift: str = FALLBACK_FONT  # font family actually used (installed)
    farbe_titel: str = "#1f4e79"
    logo: Path | None = None
    fusszeile: str = ""


def _installed(family: str) -> bool:
    return any(f.name == family for f in font_manager.fontManager.ttflist)


@lru_cache(maxsize=8)
def _house_style(path: str, mtime: float) -> HouseStyle:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("hausstil", {})
    font = str(raw.get("schrift", FALLBACK_FONT))
    color = str(raw.get("farbe_titel", HouseStyle.farbe_titel))
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        color = HouseStyle.farbe_titel
    logo = str(raw.get("logo", "")).strip()
    logo_path = None
    if logo:
        logo_path = Path(logo) if Path(logo).is_absolute() else Path(path).parent / logo
        if not logo_path.is_file():
            logo_path = None
    return HouseStyle(font if _installed(font) else FALLBACK_FONT, color, logo_path,
                      str(raw.get("fusszeile", "")))


def house_style(config: Path = DEFAULT_CONFIG) -> HouseStyle:
    """The house style from the configuration; an uninstalled font falls back to DejaVu Sans,
    a missing logo file is left out."""
    return _house_style(str(config), config.stat().st_mtime)


# --- drawing helpers -------------------------------------------------------------------------
@dataclass
class Page:
    """A figure with a top-left origin in inches and the house style's font."""

    fig: Figure
    w: float
    h: float
    style: HouseStyle
    scale: float = 1.0  # text size factor (small pixel exports)
    artists: list[Any] = field(default_factory=list)

    def fx(self, x: float) -> float:
        return x / self.w

    def fy(self, y: float) -> float:
        return 1 - y / self.h

    def text(self, x: float, y: float, s: str, size: float, *, weight: str = "normal",
             color: str = TEXT, ha: str = "left", va: str = "top", style: str = "normal",
             **kw: Any) -> Any:
        # parse_math=False: a "$" in a name is text, never matplotlib math.
        return self.fig.text(self.fx(x), self.fy(y), s, fontsize=size * self.scale,
                             fontfamily=self.style.schrift, fontweight=weight, color=color,
                             ha=ha, va=va, fontstyle=style, parse_math=False, **kw)

    def rect(self, x: float, y: float, w: float, h: float, **kw: Any) -> Rectangle:
        r = Rectangle((self.fx(x), self.fy(y + h)), w / self.w, h / self.h,
                      transform=self.fig.transFigure, **kw)
        self.fig.add_artist(r)
        return r

    def hline(self, x0: float, x1: float, y: float, color: str = "#bbbbbb",
              lw: float = 0.6) -> None:
        self.fig.add_artist(Line2D([self.fx(x0), self.fx(x1)], [self.fy(y), self.fy(y)],
                                   transform=self.fig.transFigure, color=color, lw=lw))

    def wrap(self, text: str, width: float, size: float, weight: str = "normal") -> list[str]:
        """``text`` wrapped to ``width`` inches in the page's font at ``size`` points."""
        return wrap_text(text, width, size, self.scale, self.style.schrift, weight)

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        """Width in inches of one line in the page's font."""
        return text_width(text, size * self.scale, self.style.schrift, weight)

    def line_h(self, size: float) -> float:
        """Line height in inches of text of ``size`` points."""
        return size * self.scale * 1.3 / 72


@lru_cache(maxsize=8192)
def text_width(text: str, size: float, family: str = FALLBACK_FONT,
               weight: str = "normal") -> float:
    """Width in inches of one line of ``text`` at ``size`` points, measured with the font's
    own glyph advances and kerning (FreeType, as the Agg, PDF and SVG backends lay it out)."""
    if not text:
        return 0.0
    prop = font_manager.FontProperties(family=family, weight=weight, size=size)
    font = get_font(font_manager.findfont(prop))  # per-thread cache in matplotlib
    font.set_size(size, 72)
    font.set_text(text, 0.0, flags=LoadFlags.NO_HINTING)
    return font.get_width_height()[0] / 64 / 72


def wrap_text(text: str, width_in: float, size: float, scale: float = 1.0,
              family: str = FALLBACK_FONT, weight: str = "normal") -> list[str]:
    """Wrap ``text`` into lines no wider than ``width_in`` at ``size × scale`` points,
    measured (`text_width`); a word wider than the line is split where it must be."""
    pt = size * scale
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if text_width(trial, pt, family, weight) <= width_in:
            current = trial
            continue
        if current:
            lines.append(current)
        while text_width(word, pt, family, weight) > width_in and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-", pt, family, weight) > width_in:
                cut -= 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def draw_logo(page: Page, right: float, top: float, height: float) -> float:
    """Place the house logo with its top-right corner at (right, top); returns its width."""
    if page.style.logo is None:
        return 0.0
    from matplotlib.image import imread

    try:
        img = imread(str(page.style.logo))
    except (OSError, ValueError, SyntaxError):
        return 0.0
    ih, iw = img.shape[:2]
    width = height * iw / ih
    ax = page.fig.add_axes((page.fx(right - width), page.fy(top + height),
                            width / page.w, height / page.h))
    ax.imshow(img, interpolation="antialiased")
    ax.set_axis_off()
    return width


def swatch(page: Page, x: float, y: float, w: float, h: float, color: str,
            state: str | None = None) -> None:
    if state is None:
        page.rect(x, y, w, h, facecolor=color, edgecolor="#8a8a8a", lw=0.4)
        return
    face, hatch, hcolor = STATE_STYLE[state]
    r = page.rect(x, y, w, h, facecolor=face, edgecolor="#8a8a8a", lw=0.4, hatch=hatch)
    r.set_hatchcolor(hcolor)
    r.set_hatch_linewidth(0.6)
