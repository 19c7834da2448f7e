"""Attribution: the source and licence lines every output of a view must carry.

`attribution_lines` names the sources of the *values* shown (each value carries its own,
see `geodata.model.provenance`; a rate also cites its numerator and denominator), of the
geometry of the areas shown, and of the institutions when they are shown, with the text each
licence requires (`geodata.model.entities.Source`). Synthetic values are named as such
wherever they appear, whatever their indicator. The web map's credits, the print map, the
tables' metadata, the profile and the method sheet all use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from geodata.model.entities import ROOT, Source
from geodata.model.provenance import Provenance, provenance_of, source_text
from geodata.statistics.published import PublishedAtlas

SYNTHETIC_NOTE = "synthetische Beispielwerte – keine amtlichen Daten"
# Geometry and key sources named on every map (as on screen: layers.choropleth.MAP_SOURCES);
# sources of the kind "geometrie" (imported boundaries) are added to them.
MAP_SOURCES = ("bkg_vg250", "destatis_gvisys", "frankfurt_stadtteile", "karlsruhe_stadtteile")
SCHOOLS_SOURCE = "jedeschule"
SYNTHETIC_SOURCE = "synthetic"


def _source_text(repo: PublishedAtlas, key: str) -> str | None:
    src = repo.sources.get(key)
    return None if src is None else source_text(src)


def geometry_sources(repo: PublishedAtlas, area_ids: Iterable[str] | None = None) -> list[Source]:
    """The sources of the boundaries and keys: the demo's (`MAP_SOURCES`) and those of the
    shown areas (an imported boundary file's source, e.g. ODbL), or of all areas."""
    keys = list(MAP_SOURCES)
    if area_ids is None:
        keys += [s.id for s in repo.sources.values() if s.kind == "geometrie"]
    else:
        seen: set[str] = set()
        for aid in area_ids:
            while aid and aid != ROOT and aid not in seen:
                seen.add(aid)
                area = repo.areas.get(aid)
                if area is None:
                    break
                if area.source:
                    keys.append(area.source)
                aid = area.parent_id
    return [repo.sources[k] for k in dict.fromkeys(keys) if k in repo.sources]


def value_provenances(repo: PublishedAtlas, ind_ids: Sequence[str],
                      area_ids: Sequence[str] | None = None,
                      year: int | None = None) -> list[Provenance]:
    """The distinct provenances of the values of ``ind_ids`` shown for ``area_ids`` in
    ``year`` (a rate's numerator and denominator included), or of all their values."""
    inds = [repo.indicator(i) for i in dict.fromkeys(ind_ids)]
    wanted: list[str] = []
    for ind in inds:
        wanted.append(ind.id)
        wanted += [x for x in (ind.numerator, ind.denominator) if x and x in repo.indicators]
    out: dict[tuple, Provenance] = {}
    for ind_id in dict.fromkeys(wanted):
        if area_ids is not None and year is not None:
            provs = [p for p in repo.provenances(list(area_ids), ind_id, year) if p is not None]
        else:
            provs = [provenance_of(s, "", repo.sources, repo.indicators[ind_id])
                     for s in repo.value_source_ids(ind_id)] if ind_id in repo.years else []
        for p in provs:
            out.setdefault((tuple(s.id for s in p.sources), p.fallback, p.fallback_synthetic), p)
    return list(out.values())


def attribution_lines(repo: PublishedAtlas, ind_ids: Sequence[str], institutions: bool,
                      area_ids: Sequence[str] | None = None,
                      year: int | None = None,
                      provenances: Sequence[Provenance | None] | None = None) -> list[str]:
    """Data source(s), geometry attribution (licence texts) and, with institutions, theirs.
    With ``area_ids`` and ``year``: the sources of exactly the values shown; with
    ``provenances``: of those values (e.g. a profile's rows, each of its own year)."""
    if provenances is not None:
        provs = [p for p in provenances if p is not None]
    else:
        provs = value_provenances(repo, ind_ids, area_ids, year)
    if not provs:  # nothing shown has a value: name the indicators' own sources
        inds = [repo.indicator(i) for i in dict.fromkeys(ind_ids)]
        provs = [Provenance((), "", i.source, i.synthetic) for i in inds]
    real = list(dict.fromkeys(t for p in provs if not p.synthetic for t in p.texts()))
    synthetic = [p for p in provs if p.synthetic]
    lines = []
    if real:
        lines.append("Daten: " + "; ".join(real))
    if synthetic:
        texts = list(dict.fromkeys(t for p in synthetic for t in p.texts()))
        default = _source_text(repo, SYNTHETIC_SOURCE) or SYNTHETIC_NOTE
        lines.append("Werte: " + ("; ".join(texts) if texts else default))
    geo = [source_text(s) for s in geometry_sources(repo, area_ids)]
    if geo:
        lines.append("Geometrie und Gebietsschlüssel: " + " | ".join(geo))
    if institutions and (school := _source_text(repo, SCHOOLS_SOURCE)):
        lines.append(f"Einrichtungen: {school}")
    return lines
