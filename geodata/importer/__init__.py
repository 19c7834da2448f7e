"""Import and validation of own data: boundaries, indicator tables and institutions.

One code path (`geodata.importer.core`) serves the command line (``python -m geodata.importer``)
and the upload page ("Daten importieren"): `geofile` reads boundary files safely,
`boundaries` checks and keys them, `tabular` and `values` read indicator tables, `facilities`
institutions, `keys` matches keys and names, `report` is the German check report.

May import `geodata.storage`, `geodata.statistics` and `geodata.model`; independent of
`geodata.reports`.
"""
