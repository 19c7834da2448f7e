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
interface.
"""

from geodata.reports.filenames import export_filename, profile_filename
from geodata.reports.printmap import render_map
from geodata.reports.profilepdf import render_profile_pdf
from geodata.reports.style import HouseStyle, house_style
from geodata.reports.tables import table_csv, table_xlsx, view_table

__all__ = ["HouseStyle", "export_filename", "house_style", "profile_filename", "render_map",
           "render_profile_pdf", "table_csv", "table_xlsx", "view_table"]
