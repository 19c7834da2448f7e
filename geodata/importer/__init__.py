"""Import and validation of own data: boundaries, indicator tables and institutions.

One code path (`geodata.importer.core`) serves the command line (``python -m geodata.importer``)
and the upload page ("Daten importieren").
"""
