"""Reports: everything that leaves the atlas as a file.

- `printmap`: the print map (PNG at 300 dpi, SVG, PDF) of a view, drawn by matplotlib from the
  same `MapData` as the screen; `mapframe` (the map frame with scale bar and north arrow),
  `printlegend` (legend and footer), `shapes` (display geometry as matplotlib paths) and
  `style` (house style, fonts, the page) serve it.
- `profilepdf`: the one-page Steckbrief PDF of an area.
- `tables`: the view's table as CSV for German Excel and as XLSX with a metadata sheet.
- `allocation`: the budget split of a need index as CSV and XLSX.
- `methodsheet`: the printable method sheet of a need index (HTML).
- `filenames`: download file names.

May import `geodata.views`, `geodata.index`, `geodata.statistics` and `geodata.model`; nothing
imports it but the app's callbacks and the benchmarks. The names below are the package's public
interface; they load their module (and with it matplotlib, about 50 MB) on first use, so a
worker that never renders a map never pays for it.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "HouseStyle": "style", "house_style": "style",
    "export_filename": "filenames", "profile_filename": "filenames",
    "render_map": "printmap", "render_profile_pdf": "profilepdf",
    "table_csv": "tables", "table_xlsx": "tables", "view_table": "tables",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
