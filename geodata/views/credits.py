"""Attribution: the source and licence lines every output of a view must carry.

`attribution_lines` names the sources of the indicators shown (a rate also cites its numerator
and denominator), of the geometry, and of the institutions when they are shown, with the text
each licence requires (`geodata.model.entities.Source`). The web map's credits, the print
map, the tables' metadata and the method sheet all use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from geodata.statistics.published import PublishedAtlas

SYNTHETIC_NOTE = "synthetische Beispielwerte – keine amtlichen Daten"
# Geometry and key sources named on every map (as on screen: layers.choropleth.MAP_SOURCES).
MAP_SOURCES = ("bkg_vg250", "destatis_gvisys", "frankfurt_stadtteile", "karlsruhe_stadtteile")
SCHOOLS_SOURCE = "jedeschule"
SYNTHETIC_SOURCE = "synthetic"


def _source_text(repo: PublishedAtlas, key: str) -> str | None:
    src = repo.sources.get(key)
    if src is None:
        return None
    lic = src.licence.strip()
    if lic and lic not in src.text:
        return f"{src.text} ({lic})"
    return src.text


def attribution_lines(repo: PublishedAtlas, ind_ids: Sequence[str], institutions: bool) -> list[str]:
    """Data source(s), geometry attribution (licence texts) and, with institutions, theirs."""
    inds = [repo.indicator(i) for i in dict.fromkeys(ind_ids)]
    lines = []
    real = list(dict.fromkeys(i.source for i in inds if not i.synthetic))
    if real:
        lines.append("Daten: " + "; ".join(real))
    if any(i.synthetic for i in inds):
        synth = _source_text(repo, SYNTHETIC_SOURCE) or SYNTHETIC_NOTE
        lines.append(f"Werte: {synth}")
    geo = [t for t in (_source_text(repo, k) for k in MAP_SOURCES) if t]
    if geo:
        lines.append("Geometrie und Gebietsschlüssel: " + " | ".join(geo))
    if institutions and (school := _source_text(repo, SCHOOLS_SOURCE)):
        lines.append(f"Einrichtungen: {school}")
    return lines
