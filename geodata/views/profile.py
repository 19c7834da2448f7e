"""An area's profile ("Steckbrief"): values with references, ranks, deviation and trend.

Every number comes from the published atlas (`geodata.statistics.published`), so a value the
disclosure control suppresses is a state here, never a number. For each indicator with data
for the area:

- **value** in the profile year (the map's year, or the area's newest earlier/later year if it
  has none then), never as a number when suppressed or not rated;
- **references** of the same year, labelled by what they are (`reference_columns`): the view
  parent (the area whose children the map shows with this one, e.g. the city for a
  Stadtteil), and the area's Land where the atlas covers several Länder (else the whole
  atlas). A parent without a value of its own is the total of its children that have one,
  with a note saying how many are missing;
- **rank** among the areas the map shows together with it ("peers"): for an indicator with a
  need direction rank 1 has the most need (the highest value for ``higher_worse``, the lowest
  for ``higher_better``); for a ``neutral`` one rank 1 is simply the highest value
  (`rank_label`). Ties share a rank (1, 2, 2, 4). Only peers in state "ok" are ranked;
- **deviation**: the z-score of the value among the ranked peers (population standard
  deviation), and the same signed towards need (positive = more need);
- **trend**: the value in every year of the indicator (None where missing or not shown).

A **combined area** ("Sozialraum", several selected areas) gets values recomputed from summed
counts: counts are summed, rates are ``factor * sum(numerators) / sum(denominators)`` (never an
average of rates). A combined value exists only when every member has one, and it is published
only when every member's value is (else the difference to the published members would reveal
it) and the combined count is not itself below the threshold.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from geodata.model.entities import ROOT, Indicator, Value
from geodata.model.provenance import Provenance
from geodata.model.years import nearest_year
from geodata.statistics.published import (
    POPULATION,
    Cell,
    PublishedAtlas,
    PublishedColumn,
    published,
)


@dataclass(frozen=True)
class Peers:
    """Where an area sits on the map: the view parent, the area as shown there, its peers."""

    parent: str  # view parent (ROOT at the top)
    shown: str  # the area as the map shows it (a kreisfreie Stadt's Kreis for its Gemeinde)
    ids: tuple[str, ...]  # the areas shown together with it, including ``shown``


@dataclass(frozen=True)
class ProfileRow:
    """One indicator of a profile (see module docstring)."""

    indicator: Indicator
    year: int
    value: float | None  # None unless state is "ok"
    state: str
    references: tuple[Cell, ...]  # as `reference_columns`
    rank: int | None
    rank_of: int
    z: float | None  # z-score among the ranked peers
    need_z: float | None  # z signed towards "more need" (neutral: towards higher)
    trend: tuple[tuple[int, float | None], ...]
    numerator: float | None = None  # of a shown rate
    denominator: float | None = None
    reference_nodes: tuple[str, ...] = ()
    provenance: Provenance | None = None  # what the shown value is and where it comes from

    @property
    def synthetic(self) -> bool:
        """True if the shown value is synthetic (per value, not per indicator; issue 17)."""
        if self.provenance is not None:
            return self.provenance.synthetic
        return self.indicator.synthetic

    def reference(self, node: str) -> Cell | None:
        """The reference cell of a node (a parent, ``land:06`` or ``ROOT``), if shown."""
        for n, c in zip(self.reference_nodes, self.references, strict=True):
            if n == node:
                return c
        return None

    @property
    def parent_value(self) -> float | None:
        """The first reference (the view parent, or the Land/atlas at the top level)."""
        return self.references[0].value if self.references else None

    @property
    def parent_state(self) -> str:
        return self.references[0].state if self.references else "keine_daten"

    @property
    def overall_value(self) -> float | None:
        """The last reference (the Land, or the whole atlas)."""
        return self.references[-1].value if self.references else None

    @property
    def overall_state(self) -> str:
        return self.references[-1].state if self.references else "keine_daten"


def reference_columns(repo: PublishedAtlas, parent: str, land: str | None) -> list[tuple[str, str]]:
    """(node, label) of a profile's reference columns: the view parent unless it is the top,
    then the Land where the atlas covers several Länder, else the whole atlas (labelled with
    its name, e.g. "Hessen und Baden-Württemberg")."""
    cols = [(parent, repo.display_name(parent))] if parent != ROOT else []
    if land is not None and land != parent:
        cols.append((land, repo.display_name(land)))
    elif land is None:
        cols.append((ROOT, repo.display_name(ROOT)))
    return cols


def rank_label(ind: Indicator) -> str:
    """What rank 1 means for this indicator."""
    if ind.direction == "neutral":
        return "Rang nach Höhe (1 = höchster Wert)"
    return "Rang nach Bedarf (1 = größter Bedarf)"


def peers_of(repo: PublishedAtlas, area_id: str) -> Peers:
    """The view parent and the peers an area is compared with (see `Peers`)."""
    parent = repo.view_parent_above(area_id)
    ids = repo.children_of(parent)
    shown = repo.shown_ancestor(area_id, set(ids)) or area_id
    return Peers(parent, shown, ids)


def area_description(repo: PublishedAtlas, area_id: str) -> str:
    """E.g. "Stadtteil in Frankfurt am Main", "Gemeinde (Stadt) in Groß-Gerau", "Kreis
    (Landkreis)": level, kind if it says more, and the view parent."""
    area = repo.area(area_id)
    level = repo.level(area.level)
    kind = f" ({area.kind})" if area.kind and area.kind != level.name else ""
    above = repo.view_parent_above(area_id)
    where = f" in {repo.display_name(above)}" if above != ROOT else ""
    return level.name + kind + where


def need_sign(ind: Indicator) -> int:
    """+1 if a higher value means more need (or for neutral indicators), else -1."""
    return -1 if ind.direction == "higher_better" else 1


def ranks(values: Sequence[float | None], sign: int) -> list[int | None]:
    """Competition ranks (1 = most need) of the non-None values; None stays None."""
    keyed = [None if v is None else sign * v for v in values]
    present = sorted(k for k in keyed if k is not None)
    # 1 + the number of values with more need (strictly greater): O(n log n) for 11,000
    # Gemeinden instead of comparing every pair.
    return [None if k is None else 1 + len(present) - bisect_right(present, k) for k in keyed]


def zscore(value: float, values: Sequence[float]) -> float | None:
    """(value - mean) / population SD of ``values``; None if fewer than 2 or no spread."""
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return None if sd == 0 else (value - mean) / sd


def profile_year(repo: PublishedAtlas, area_id: str, ind: Indicator, year: int) -> int | None:
    """The year a profile shows for an indicator (`nearest_year` among those with a value)."""
    return nearest_year(repo.value_years(area_id, ind.id), year)


def profile_references(repo: PublishedAtlas, area_id: str) -> list[tuple[str, str]]:
    """The reference columns of an area's profile."""
    repo = published(repo)
    return reference_columns(repo, peers_of(repo, area_id).parent, repo.land_of(area_id))


def profile_rows(repo: PublishedAtlas, area_id: str, year: int) -> list[ProfileRow]:
    """The profile of one area in catalogue order; indicators without data are left out."""
    repo = published(repo)
    peers = peers_of(repo, area_id)
    pos = peers.ids.index(peers.shown) if peers.shown in peers.ids else None
    nodes = tuple(n for n, _label in profile_references(repo, area_id))
    rows: list[ProfileRow] = []
    for ind in repo.indicators.values():
        shown_year = profile_year(repo, area_id, ind, year)
        if shown_year is None:
            continue
        trend: list[tuple[int, float | None]] = []
        own_cell = Cell(None, "keine_daten")
        rank, rank_of, z = None, 0, None
        for y in repo.years_for(ind.id):
            col = _peer_column(repo, peers, ind, y) if pos is not None else None
            # The area's own cell: as on the map when it is shown itself (read once per view
            # for all its areas), else its own (a Gemeinde shown as its Kreis).
            own = col.cell(pos) if col is not None and pos is not None and \
                peers.shown == area_id else repo.cell(area_id, ind.id, y)
            trend.append((y, own.value if own.state == "ok" else None))
            if y != shown_year:
                continue
            own_cell = own
            if col is None or pos is None:  # not on the map (not for areas of the atlas)
                continue
            ok = [v if s == "ok" else None for v, s in zip(col.values, col.states, strict=True)]
            rank = ranks(ok, need_sign(ind))[pos]
            present = [v for v in ok if v is not None]
            rank_of = len(present)
            z = zscore(ok[pos], present) if ok[pos] is not None else None
        shown = own_cell.state == "ok"
        rows.append(ProfileRow(
            indicator=ind,
            year=shown_year,
            value=own_cell.value if shown else None,
            state=own_cell.state,
            references=tuple(repo.reference(n, ind.id, shown_year) for n in nodes),
            rank=rank if shown else None,
            rank_of=rank_of,
            z=z if shown else None,
            need_z=None if z is None or not shown else need_sign(ind) * z,
            trend=tuple(trend),
            numerator=own_cell.numerator if shown else None,
            denominator=own_cell.denominator if shown else None,
            reference_nodes=nodes,
            provenance=repo.provenance(area_id, ind.id, shown_year),
        ))
    return rows


def combined_provenance(repo: PublishedAtlas, members: Sequence[str], ind: Indicator,
                        year: int) -> Provenance | None:
    """The provenance of a combined value: the sources of all its members' values."""
    provs = [p for p in repo.provenances(list(members), ind.id, year) if p is not None]
    if not provs:
        return None
    sources = tuple({s.id: s for p in provs for s in p.sources}.values())
    return Provenance(sources, "summe", provs[0].fallback, any(p.fallback_synthetic
                                                                for p in provs))


def combined_value(
    repo: PublishedAtlas, members: Sequence[str], ind: Indicator, year: int
) -> tuple[Value | None, str]:
    """The published value of several areas taken together, and its state."""
    repo = published(repo)
    c = repo.combined(members, ind.id, year)
    if c.state != "ok" or c.value is None:
        return None, c.state
    return Value(c.value, c.numerator, c.denominator), "ok"


def _peer_column(repo: PublishedAtlas, peers: Peers, ind: Indicator,
                 year: int) -> PublishedColumn:
    """The published column of a view's areas, as on the map: the same for every area of the
    view (all 400 Kreise of a national atlas share it), so read once per view, indicator and
    year."""
    return repo.memo(f"peer_column|{peers.parent}|{ind.id}|{year}",
                     lambda: repo.column(peers.ids, ind.id, year))


def combined_population(repo: PublishedAtlas, members: Sequence[str],
                        year: int) -> float | None:
    """Summed residents of the members in ``year`` where published (else None)."""
    c = repo.combined(members, POPULATION, year)
    return c.value if c.state == "ok" else None


def combined_references(repo: PublishedAtlas, members: Sequence[str]) -> list[tuple[str, str]]:
    """The reference columns of a combined area: the members' common view parent (if one),
    then their common Land (if one) or the whole atlas."""
    parents = {peers_of(repo, a).parent for a in members}
    parent = parents.pop() if len(parents) == 1 else ROOT
    lands = {repo.land_of(a) for a in members}
    land = lands.pop() if len(lands) == 1 else None
    if land is None and repo.lands():
        return reference_columns(repo, parent, None)
    return reference_columns(repo, parent, land)


def combined_rows(repo: PublishedAtlas, members: Sequence[str], year: int) -> list[ProfileRow]:
    """The profile of a combined area (no rank or deviation: it has no peers)."""
    repo = published(repo)
    nodes = tuple(n for n, _label in combined_references(repo, members))
    rows: list[ProfileRow] = []
    for ind in repo.indicators.values():
        years = [y for y in repo.years_for(ind.id)
                 if all(repo.has_value(a, ind.id, y) for a in members)]
        shown_year = nearest_year(years, year)
        if shown_year is None:
            continue
        trend = []
        for y in repo.years_for(ind.id):
            c = repo.combined(members, ind.id, y)
            trend.append((y, c.value if c.state == "ok" else None))
        c = repo.combined(members, ind.id, shown_year)
        shown = c.state == "ok"
        rows.append(ProfileRow(
            indicator=ind, year=shown_year, value=c.value if shown else None, state=c.state,
            references=tuple(repo.reference(n, ind.id, shown_year) for n in nodes),
            rank=None, rank_of=0, z=None, need_z=None, trend=tuple(trend),
            numerator=c.numerator if shown else None,
            denominator=c.denominator if shown else None, reference_nodes=nodes,
            provenance=combined_provenance(repo, members, ind, shown_year),
        ))
    return rows
