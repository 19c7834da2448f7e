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
INDEX_LINK = "index-link"  # header link to the need indices
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

# Panel: charts, search, selection, institutions (Issue 4)
CHART_TYPE = "diagramm"
SCATTER_TYPE = "streuung-wahl"
CLICK_MODS = "klick-taste"  # 1 while a map click had Ctrl/Shift/Cmd pressed (assets JS)
DRAW = "zeichnen"
DRAW_GROUP = "zeichnen-gruppe"
DRAWN = "gezeichnet"  # the last drawn shape's geometry (set by assets JS)
SEARCH = "suche"
SEARCH_RESULTS = "suche-treffer"
HIT_TYPE = "treffer"
INST_TYPE = "einrichtungen"
INST_FILTER = "arten"


def chart(name: str) -> dict[str, str]:
    """Pattern-matching id of a panel chart (zeit, rang, streuung)."""
    return {"type": CHART_TYPE, "name": name}


def scatter_pick() -> dict[str, str]:
    """Pattern-matching id of the scatter's indicator picker (exists only on its tab)."""
    return {"type": SCATTER_TYPE, "name": "x"}


def hit(kind: str, item_id: str) -> dict[str, str]:
    """Pattern-matching id of one search result button."""
    return {"type": HIT_TYPE, "kind": kind, "id": item_id}


def institutions(type_id: str) -> dict[str, str]:
    """Pattern-matching id of the point layer of one institution type."""
    return {"type": INST_TYPE, "art": type_id}


# Pattern-matching ids: the form exists only while its tab is open, and callbacks on ALL of a
# type accept an empty page (fixed ids would be "nonexistent" elsewhere).
FIELD, ALLOC_FIELD, BUTTON, MESSAGE = "ix-feld", "ix-vfeld", "ix-knopf", "ix-meldung"
FIELD_IDS = ("name", "autor", "version", "beschreibung", "gebiet", "ebene", "jahr", "basisjahr",
             "standardisierung", "mindest_einwohner", "winsorisieren", "klassen", "grenzen",
             "anzahl", "anteil")
ALLOC_IDS = ("budget", "einheit", "sockel", "koepfe", "verfahren", "faktoren", "unbewertet")
USE, DIRECTION, WEIGHT = "ix-use", "ix-dir", "ix-w"
SAVE = {"type": BUTTON, "name": "speichern"}
COMPUTE = {"type": BUTTON, "name": "verteilen"}
ERRORS = {"type": MESSAGE, "name": "definition"}
ALLOC_ERRORS = {"type": MESSAGE, "name": "verteilung"}


def fid(name: str) -> dict[str, str]:
    """Dash id of a definition form field."""
    return {"type": FIELD, "name": name}


def vid(name: str) -> dict[str, str]:
    """Dash id of an allocation form field."""
    return {"type": ALLOC_FIELD, "name": name}


SOZIALRAUM_NAME_TYPE = "sozialraum-name"


def sozialraum_name() -> dict[str, str]:
    """Pattern-matching id of the Sozialraum's name field (exists only on its tab)."""
    return {"type": SOZIALRAUM_NAME_TYPE, "name": "x"}
