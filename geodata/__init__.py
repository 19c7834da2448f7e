"""Bildungsatlas's domain package: everything computed from the data, and nothing of Dash.

Packages, lowest first; a package imports only those below it (checked by import-linter,
contracts in ``pyproject.toml``):

- `geodata.model`: areas, levels, indicators, values, institutions, settings, errors and the
  immutable `Repository`.
- `geodata.statistics`: classification and colour scales, aggregation up the hierarchy,
  confidentiality (special states), German number format, spreadsheet-safe text.
- `geodata.index` and `geodata.storage` (independent of each other): the need index
  (definition, computation, sensitivity, budget split) and where the atlas is stored
  (GeoPackage, PostGIS, versions, the live repository, the display-geometry cache).
- `geodata.views`: what a user looks at: URL state and map options, map data (indicator and
  need index), profile, selection, search, credits, the index form.
- `geodata.reports` and `geodata.importer` (independent): print maps, the Steckbrief PDF,
  tables, the method sheet; reading and checking a Bildungsbüro's own files.
- `geodata.demo`: the build of the demo atlas from its sources.
"""

__version__ = "0.1.0"  # keep equal to pyproject.toml
