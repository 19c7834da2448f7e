"""The map frame of a print map: areas drawn in EPSG:25832 metres with a true scale bar, the
print scale (1 : n) and a north arrow turned to true north (grid north of UTM 32N differs by
up to ~2° from true north).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.collections import PathCollection
from matplotlib.patches import Polygon, Rectangle
from matplotlib.path import Path as MplPath

from geodata.reports.shapes import TO_METRIC, TO_WGS84
from geodata.reports.style import MUTED, TEXT, Page
from geodata.statistics.numfmt import format_number


def nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 × 10^n metres not above ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    for f in (5, 2, 1):
        if f * exp <= max_m:
            return f * exp
    return exp


def km_text(metres: float) -> str:
    return format_number(metres / 1000, 0 if metres >= 1000 else 1) if metres >= 100 else (
        format_number(metres, 0))


class MapFrame:
    """A map axes at an exact metric scale: limits fill the box at equal x/y scale."""

    def __init__(self, page: Page, x: float, y: float, w: float, h: float,
                 extent: tuple[float, float, float, float], pad: float = 0.04) -> None:
        self.page, self.w_in, self.h_in = page, w, h
        minx, miny, maxx, maxy = extent
        dx, dy = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        minx, maxx = minx - pad * dx, maxx + pad * dx
        miny, maxy = miny - pad * dy, maxy + pad * dy
        dx, dy = maxx - minx, maxy - miny
        if dy / dx > h / w:  # taller than the box: widen
            grow = dy * w / h - dx
            minx, maxx = minx - grow / 2, maxx + grow / 2
        else:
            grow = dx * h / w - dy
            miny, maxy = miny - grow / 2, maxy + grow / 2
        self.xlim, self.ylim = (minx, maxx), (miny, maxy)
        self.m_per_in = (maxx - minx) / w
        ax = page.fig.add_axes((page.fx(x), page.fy(y + h), w / page.w, h / page.h))
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_axis_off()
        self.ax = ax

    def frame(self, color: str = "#9a9a9a") -> None:
        self.ax.add_patch(Rectangle((0, 0), 1, 1, transform=self.ax.transAxes, fill=False,
                                    lw=0.6, edgecolor=color, clip_on=False, zorder=10))

    def areas(self, paths: Sequence[MplPath], face: Sequence[str] | str, edge: str = "#ffffff",
              lw: float = 0.4, hatch: str | None = None, hatch_color: str | None = None,
              zorder: float = 2) -> None:
        if not paths:
            return
        coll = PathCollection(list(paths), facecolors=face, edgecolors=edge, linewidths=lw,
                              hatch=hatch, zorder=zorder)
        if hatch and hatch_color:
            coll.set_hatchcolor(hatch_color)
            coll.set_hatch_linewidth(0.6)
        self.ax.add_collection(coll)

    def outlines(self, paths: Sequence[MplPath], color: str, lw: float, zorder: float = 4) -> None:
        if paths:
            self.ax.add_collection(PathCollection(list(paths), facecolors="none",
                                                  edgecolors=color, linewidths=lw,
                                                  zorder=zorder))

    def _axes_xy(self, x_in: float, y_in: float) -> tuple[float, float]:
        """Axes fraction of a point given in inches from the axes' bottom-left corner."""
        return x_in / self.w_in, y_in / self.h_in

    def scale_bar(self, print_scale: bool) -> None:
        """Alternating black/white bar in the lower left, with km labels (and the print scale)."""
        page = self.page
        length = nice_length(self.m_per_in * min(1.8, self.w_in * 0.28))
        bar_in = length / self.m_per_in
        x0, y0, bh = 0.22, 0.3, 0.055
        segs = 4 if str(int(length))[0] in "12" else 5
        box_h = 0.62 if print_scale else 0.45
        self.ax.add_patch(Rectangle(self._axes_xy(x0 - 0.12, y0 - 0.18), (bar_in + 0.55) / self.w_in,
                                    box_h / self.h_in, transform=self.ax.transAxes,
                                    facecolor="white", edgecolor="none", alpha=0.85, zorder=11))
        for i in range(segs):
            self.ax.add_patch(Rectangle(self._axes_xy(x0 + i * bar_in / segs, y0),
                                        bar_in / segs / self.w_in, bh / self.h_in,
                                        transform=self.ax.transAxes, lw=0.5, edgecolor=TEXT,
                                        facecolor=TEXT if i % 2 == 0 else "white", zorder=12))
        unit = "km" if length >= 1000 else "m"
        for pos, val in ((0, 0.0), (bar_in / 2, length / 2), (bar_in, length)):
            label = km_text(val) if unit == "km" else format_number(val, 0)
            self.ax.text(*self._axes_xy(x0 + pos, y0 + bh + 0.04), label, transform=self.ax.transAxes,
                         ha="center", va="bottom", fontsize=6.5 * page.scale, color=TEXT,
                         fontfamily=page.style.schrift, zorder=12)
        self.ax.text(*self._axes_xy(x0 + bar_in + 0.08, y0 + bh / 2), unit,
                     transform=self.ax.transAxes, ha="left", va="center",
                     fontsize=6.5 * page.scale, color=TEXT, fontfamily=page.style.schrift,
                     zorder=12)
        if print_scale:
            ratio = self.m_per_in / 0.0254
            digits = max(0, int(math.floor(math.log10(ratio))) - 1)
            ratio = round(ratio / 10 ** digits) * 10 ** digits
            self.ax.text(*self._axes_xy(x0, y0 - 0.06), f"Maßstab ca. 1:{format_number(ratio)}",
                         transform=self.ax.transAxes, ha="left", va="top",
                         fontsize=6 * page.scale, color=MUTED, fontfamily=page.style.schrift,
                         zorder=12)

    def north_arrow(self) -> None:
        """A north arrow in the upper right, turned to true north at the map centre."""
        cx, cy = sum(self.xlim) / 2, sum(self.ylim) / 2
        lon, lat = TO_WGS84.transform(cx, cy)
        nx, ny = TO_METRIC.transform(lon, lat + 0.05)
        angle = math.atan2(nx - cx, ny - cy)  # clockwise from grid north
        ux, uy = math.sin(angle), math.cos(angle)  # towards north
        px_, py_ = uy, -ux  # to the right of north
        size = 0.42 * self.page.scale
        bx, by = self.w_in - 0.4 * self.page.scale, self.h_in - 0.3 * self.page.scale - size
        tip = (bx + ux * size, by + uy * size)
        tail = (bx - ux * size * 0.05, by - uy * size * 0.05)
        left = (bx - px_ * size * 0.28 - ux * size * 0.18, by - py_ * size * 0.28 - uy * size * 0.18)
        right = (bx + px_ * size * 0.28 - ux * size * 0.18, by + py_ * size * 0.28 - uy * size * 0.18)
        for pts, face in (((tip, tail, left), TEXT), ((tip, tail, right), "white")):
            self.ax.add_patch(Polygon([self._axes_xy(*p) for p in pts], closed=True,
                                      transform=self.ax.transAxes, facecolor=face,
                                      edgecolor=TEXT, lw=0.6, zorder=12, clip_on=False))
        self.ax.text(*self._axes_xy(tip[0] + ux * 0.04, tip[1] + uy * 0.04), "N",
                     transform=self.ax.transAxes, ha="center", va="bottom",
                     fontsize=9 * self.page.scale, fontweight="bold", color=TEXT,
                     fontfamily=self.page.style.schrift, zorder=12,
                     rotation=-math.degrees(angle))
