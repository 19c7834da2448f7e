"""Download file names: readable, ASCII, and naming what the file shows
(``bildungsatlas_gross-gerau_sgb2_quote_u15_2023.png``).
"""

from __future__ import annotations

import re
import unicodedata

from geodata.model.entities import ROOT
from geodata.statistics.published import PublishedAtlas
from geodata.views.state import ViewState


# --- names and texts -------------------------------------------------------------------------
def _slug(text: str) -> str:
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def export_filename(repo: PublishedAtlas, state: ViewState, ext: str) -> str:
    """ASCII file name of a view's export, e.g.
    ``bildungsatlas_sgb2_quote_u15_2023_frankfurt_am_main.png``; a change map has both years
    (``2019_2023``), the overview ``uebersicht`` or the level shown (``gemeinden``)."""
    years = (f"{state.karte.vergleich}_{state.jahr}" if state.karte.vergleich is not None
             else str(state.jahr))
    if state.gebiet != ROOT:
        where = repo.area(state.gebiet).name
        if state.ebene:
            where += " " + repo.level(state.ebene).plural
    else:
        where = repo.level(state.ebene).plural if state.ebene else "uebersicht"
    parts = ["bildungsatlas", _slug(state.indikator), years, _slug(where)]
    return "_".join(p for p in parts if p) + "." + _slug(ext.lstrip("."))


def profile_filename(repo: PublishedAtlas, area_id: str, year: int | None = None) -> str:
    """ASCII file name of an area profile, e.g. ``bildungsatlas_steckbrief_bockenheim_2023.pdf``."""
    parts = ["bildungsatlas", "steckbrief", _slug(repo.display_name(area_id))]
    if year is not None:
        parts.append(str(year))
    return "_".join(p for p in parts if p) + ".pdf"
