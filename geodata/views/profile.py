"""An area's profile ("Steckbrief"): values with references, ranks, deviation and trend.

For each indicator with data for the area:

- **value** in the profile year (the map's year, or the area's newest earlier/later year if it
  has none then), never as a number when suppressed or not rated;
- **references** of the same year: the view parent (the area whose children the map shows with
  this one, e.g. the city for a Stadtteil) and the whole atlas;
- **rank** among the areas the map shows together with it ("peers"): rank 1 has the most need
  (the highest value for ``higher_worse``, the lowest for ``higher_better``, the highest for
  ``neutral``). Ties share a rank (1, 2, 2, 4). Only peers in state "ok" are ranked;
- **deviation**: the z-score of the value among the ranked peers (population standard
  deviation), and the same signed towards need (positive = more need);
- **trend**: the value in every year of the indicator (None where missing or not shown).

A **combined area** ("Sozialraum", several selected areas) gets values recomputed from summed
counts: counts are summed, rates are ``factor * sum(numerators) / sum(denominators)`` (never an
average of rates). A combined value exists only when every member has one, and it is suppressed
when any member's value is suppressed (else the difference to the public members would reveal
it) or when the combined count is itself below the threshold.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from geodata.model.entities import ROOT, Indicator, Value
from geodata.model.provenance import Provenance
from geodata.model.repository import Repository
from geodata.model.years import nearest_year
from geodata.statistics.states import POPULATION, suppression_rule, year_states
from geodata.statistics.suppression import primary_state


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
    parent_value: float | None
    parent_state: str
    overall_value: float | None
    overall_state: str
    rank: int | None
    rank_of: int
    z: float | None  # z-score among the ranked peers
    need_z: float | None  # z signed towards "more need" (neutral: towards higher)
    trend: tuple[tuple[int, float | None], ...]
    numerator: float | None = None  # of a shown rate
    denominator: float | None = None
    provenance: Provenance | None = None  # what the shown value is and where it comes from

    @property
    def synthetic(self) -> bool:
        """True if the shown value is synthetic (per value, not per indicator)."""
        if self.provenance is not None:
            return self.provenance.synthetic
        return self.indicator.synthetic


def peers_of(repo: Repository, area_id: str) -> Peers:
    """The view parent and the peers an area is compared with (see `Peers`)."""
    parent = repo.view_parent_above(area_id)
    ids = repo.children_of(parent)
    shown = repo.shown_ancestor(area_id, set(ids)) or area_id
    return Peers(parent, shown, ids)


def area_description(repo: Repository, area_id: str) -> str:
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


def profile_year(repo: Repository, area_id: str, ind: Indicator, year: int) -> int | None:
    """The year a profile shows for an indicator (`nearest_year` among those with a value)."""
    have = [y for y in repo.years_for(ind.id) if repo.value(area_id, ind.id, y) is not None
            or repo.withheld(area_id, ind.id, y)]
    return nearest_year(have, year)


def reference_state(repo: Repository, area_id: str, ind: Indicator, year: int) -> str:
    """State of a reference value (parent or overall) judged on its own (primary rule)."""
    val = repo.value(area_id, ind.id, year)
    if val is None:
        return "gesperrt" if repo.withheld(area_id, ind.id, year) else "keine_daten"
    rule = suppression_rule(repo)
    return primary_state(ind.kind, val.value, val.numerator, None, rule)


def _ok(val: Value | None, state: str) -> float | None:
    return val.value if val is not None and state == "ok" else None


def profile_rows(repo: Repository, area_id: str, year: int) -> list[ProfileRow]:
    """The profile of one area in catalogue order; indicators without data are left out."""
    peers = peers_of(repo, area_id)
    pos = peers.ids.index(peers.shown) if peers.shown in peers.ids else None
    rows: list[ProfileRow] = []
    for ind in repo.indicators.values():
        shown_year = profile_year(repo, area_id, ind, year)
        if shown_year is None:
            continue
        trend: list[tuple[int, float | None]] = []
        state, rank, rank_of, z = "keine_daten", None, 0, None
        for y in repo.years_for(ind.id):
            if pos is None:  # not on the map (cannot happen for areas of the atlas)
                st = reference_state(repo, area_id, ind, y)
                trend.append((y, _ok(repo.value(area_id, ind.id, y), st)))
                if y == shown_year:
                    state = st
                continue
            states, raw = _peer_states(repo, peers, ind, y)
            ok = [v if s == "ok" else None for v, s in zip(raw, states, strict=True)]
            # The area's own value: a Gemeinde shown as its Kreis has the Kreis's state.
            own = repo.value(area_id, ind.id, y)
            trend.append((y, own.value if own is not None and states[pos] == "ok" else None))
            if y == shown_year:
                state = states[pos] if own is not None or repo.withheld(
                    area_id, ind.id, y) else "keine_daten"
                ranked = ranks(ok, need_sign(ind))
                rank = ranked[pos]
                present = [v for v in ok if v is not None]
                rank_of = len(present)
                z = zscore(ok[pos], present) if ok[pos] is not None else None
        val = repo.value(area_id, ind.id, shown_year)
        par_state = reference_state(repo, peers.parent, ind, shown_year)
        all_state = reference_state(repo, ROOT, ind, shown_year)
        rows.append(ProfileRow(
            indicator=ind,
            year=shown_year,
            value=_ok(val, state),
            state=state,
            parent_value=_ok(repo.value(peers.parent, ind.id, shown_year), par_state),
            parent_state=par_state,
            overall_value=_ok(repo.value(ROOT, ind.id, shown_year), all_state),
            overall_state=all_state,
            rank=rank if state == "ok" else None,
            rank_of=rank_of,
            z=z,
            need_z=None if z is None else need_sign(ind) * z,
            trend=tuple(trend),
            numerator=val.numerator if val is not None and state == "ok" else None,
            denominator=val.denominator if val is not None and state == "ok" else None,
            provenance=repo.provenance(area_id, ind.id, shown_year),
        ))
    return rows


def combined_provenance(repo: Repository, members: Sequence[str], ind: Indicator,
                        year: int) -> Provenance | None:
    """The provenance of a combined value: the sources of all its members' values."""
    provs = [p for p in repo.provenances(list(members), ind.id, year) if p is not None]
    if not provs:
        return None
    sources = tuple({s.id: s for p in provs for s in p.sources}.values())
    return Provenance(sources, "summe", provs[0].fallback, any(p.fallback_synthetic
                                                                for p in provs))


def combined_value(
    repo: Repository, members: Sequence[str], ind: Indicator, year: int
) -> tuple[Value | None, str]:
    """The value of several areas taken together, and its state (see module docstring)."""
    vals = [repo.value(a, ind.id, year) for a in members]
    if not members or any(v is None for v in vals):
        return None, "keine_daten"
    rule = suppression_rule(repo)
    if ind.kind == "count":
        combined = Value(sum(v.value for v in vals))  # type: ignore[union-attr]
    else:
        if any(v.numerator is None or v.denominator is None for v in vals):  # type: ignore[union-attr]
            return None, "keine_daten"
        num = sum(v.numerator for v in vals)  # type: ignore[union-attr,misc]
        den = sum(v.denominator for v in vals)  # type: ignore[union-attr,misc]
        if not den:
            return None, "keine_daten"
        combined = Value(ind.factor * num / den, num, den)
    for a in members:
        if year_state_of_member(repo, a, ind, year) == "gesperrt":
            return combined, "gesperrt"
    pop = combined_population(repo, members, year)
    return combined, primary_state(ind.kind, combined.value, combined.numerator, pop, rule)


def year_state_of_member(repo: Repository, area_id: str, ind: Indicator, year: int) -> str:
    """A member's state as the map shows it among its peers."""
    peers = peers_of(repo, area_id)
    if peers.shown not in peers.ids:
        return reference_state(repo, area_id, ind, year)
    states, _ = _peer_states(repo, peers, ind, year)
    return states[peers.ids.index(peers.shown)]


def _peer_states(repo: Repository, peers: Peers, ind: Indicator,
                 year: int) -> tuple[list[str], list[float | None]]:
    """The states and values of a view's areas, as on the map: the same for every area of
    the view (all 400 Kreise of a national atlas share them), so computed once per view,
    indicator and year."""
    return repo.memo(f"peer_states|{peers.parent}|{ind.id}|{year}",
                     lambda: year_states(repo, peers.ids, ind, year, peers.parent,
                                         suppression_rule(repo)))


def combined_population(repo: Repository, members: Sequence[str], year: int) -> float | None:
    """Summed residents of the members in ``year`` (None if any member has none)."""
    vals = [repo.value(a, POPULATION, year) for a in members]
    if any(v is None for v in vals):
        return None
    return sum(v.value for v in vals)  # type: ignore[union-attr]


def combined_rows(repo: Repository, members: Sequence[str], year: int) -> list[ProfileRow]:
    """The profile of a combined area (no rank or deviation: it has no peers)."""
    parents = {peers_of(repo, a).parent for a in members}
    parent = parents.pop() if len(parents) == 1 else ROOT
    rows: list[ProfileRow] = []
    for ind in repo.indicators.values():
        years = [y for y in repo.years_for(ind.id)
                 if all(repo.value(a, ind.id, y) is not None for a in members)]
        shown_year = nearest_year(years, year)
        if shown_year is None:
            continue
        trend = []
        for y in repo.years_for(ind.id):
            val, st = combined_value(repo, members, ind, y)
            trend.append((y, val.value if val is not None and st == "ok" else None))
        val, state = combined_value(repo, members, ind, shown_year)
        par_state = reference_state(repo, parent, ind, shown_year)
        all_state = reference_state(repo, ROOT, ind, shown_year)
        rows.append(ProfileRow(
            indicator=ind, year=shown_year, value=_ok(val, state), state=state,
            parent_value=_ok(repo.value(parent, ind.id, shown_year), par_state),
            parent_state=par_state,
            overall_value=_ok(repo.value(ROOT, ind.id, shown_year), all_state),
            overall_state=all_state,
            rank=None, rank_of=0, z=None, need_z=None, trend=tuple(trend),
            numerator=val.numerator if val is not None and state == "ok" else None,
            denominator=val.denominator if val is not None and state == "ok" else None,
            provenance=combined_provenance(repo, members, ind, shown_year),
        ))
    return rows
