"""The special state of each value of the atlas: the confidentiality rule applied to the repository.

`suppression_rule` reads the thresholds from the settings; `year_states` judges the values of
a set of sibling areas in one year (primary suppression, secondary suppression against their
parent, minimum population via the ``einwohner`` indicator in that year or the nearest earlier
one) with `geodata.statistics.suppression`; `area_state` judges one area among its siblings, so
that a value suppressed on the map is suppressed in its profile too. The rule itself (and
what the states mean) is documented in `geodata.statistics.suppression`.
"""

from __future__ import annotations

from collections.abc import Sequence

from geodata.model.entities import ROOT, Indicator
from geodata.model.repository import Repository
from geodata.statistics.suppression import SuppressionRule, states_for

POPULATION = "einwohner"


def suppression_rule(repo: Repository) -> SuppressionRule:
    """The confidentiality and minimum-size rule from the configuration."""
    return SuppressionRule(
        threshold=repo.settings.suppression_threshold,
        min_population=repo.settings.min_population,
    )


def populations(repo: Repository, area_ids: Sequence[str], year: int) -> list[float | None]:
    """Residents of each area in ``year`` or the nearest earlier year with a value (if there is
    no earlier year at all, the newest); None where unknown. One column read per year."""
    have = repo.years_for(POPULATION)
    years = [y for y in have if y <= year] or list(have)
    out: list[float | None] = [None] * len(area_ids)
    todo = list(range(len(area_ids)))
    for y in reversed(years):
        if not todo:
            break
        col = repo.column([area_ids[i] for i in todo], POPULATION, y)
        still = []
        for i, found, value in zip(todo, col.found.tolist(), col.value.tolist(), strict=True):
            if found:
                out[i] = value
            else:
                still.append(i)
        todo = still
    return out


def year_states(
    repo: Repository, ids: Sequence[str], ind: Indicator, year: int, parent: str | None,
    rule: SuppressionRule,
) -> tuple[list[str], list[float | None]]:
    """States and raw values of the areas in one year (``parent`` for secondary suppression).
    The values of all areas are read as one column."""
    col = repo.column(ids, ind.id, year)
    found = col.found.tolist()
    values = [v if f else None for f, v in zip(found, col.value.tolist(), strict=True)]
    numerators = [None if not f or n != n else n  # NaN: no numerator
                  for f, n in zip(found, col.numerator.tolist(), strict=True)]
    par = repo.value(parent, ind.id, year) if parent is not None else None
    states = states_for(
        ind.kind,
        values,
        numerators,
        populations(repo, ids, year),
        rule,
        parent_value=None if par is None else par.value,
        parent_numerator=None if par is None else par.numerator,
        withheld=None if col.withheld is None or not col.withheld.any()
        else col.withheld.tolist(),
    )
    return states, values


def area_state(repo: Repository, area_id: str, ind: Indicator, year: int) -> str:
    """The special state of one area's value, judged among its siblings as on the map, so that
    a value suppressed there (also secondarily) is suppressed in the profile too."""
    rule = suppression_rule(repo)
    if area_id == ROOT:
        val = repo.value(ROOT, ind.id, year)
        states, _ = year_states(repo, [ROOT], ind, year, None, rule)
        return states[0] if val is not None else "keine_daten"
    if repo.withheld(area_id, ind.id, year):
        return "gesperrt"
    parent = repo.area(area_id).parent_id
    siblings = list(repo.children_of(parent))
    states, _ = year_states(repo, siblings, ind, year, parent, rule)
    return states[siblings.index(area_id)]


def worse_state(a: str, b: str) -> str:
    """Combined state of a change: any missing, suppressed or unrated year wins."""
    for state in ("keine_daten", "gesperrt", "nicht_bewertet"):
        if state in (a, b):
            return state
    return "ok"
