"""Every component id of the app, in one place (no string literals in callbacks)."""

from __future__ import annotations

URL = "url"
URL_REPLACE = "url-ersetzen"
URL_REPLACED = "url-ersetzt"
RENDERED = "angezeigt"
MAP = "karte"
CHOROPLETH = "flaechen"
SCHOOLS = "schulen-layer"
LEGEND = "legende"
PANEL = "gebietsprofil"
PANEL_KEY = "gebietsprofil-key"
BREADCRUMB = "brotkrumen"
BACK = "zurueck"
NOTICE = "hinweis"
INDICATOR = "indikator"
YEAR = "jahr"
SCHOOLS_TOGGLE = "schulen-an"
AREA_PICK = "gebiet-waehlen"
VIEW_TITLE = "ansicht-titel"

CRUMB_TYPE = "krume"


def crumb(area_id: str) -> dict[str, str]:
    """Pattern-matching id of one breadcrumb button (``""`` is the overview)."""
    return {"type": CRUMB_TYPE, "area": area_id}

# Cartography controls ("Darstellung")
APP = "app"
LABELS = "namen-layer"
LEVEL = "ebene"
METHOD = "methode"
CLASSES = "klassen"
BREAKS = "grenzen"
FIXED = "fest"
PALETTE = "farben"
REF_KIND = "referenz-art"
REF_VALUE = "referenz-wert"
COMPARE = "vergleich"
NAMES = "namen"
PRESENT = "praesentation"
PRESENT_EXIT = "praesentation-ende"
YEAR_PREV = "jahr-zurueck"
YEAR_NEXT = "jahr-vor"
