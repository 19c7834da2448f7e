"""The need index on the atlas: the areas it rates and its inputs read from a `Repository`.

`index_areas` lists the areas a definition rates (the children of ``gebiet``, or all its
areas of ``ebene``, as `geodata.views.state.view_areas` does for a map); `check_definition`
checks a definition against the atlas (known indicators and area, enough rated areas);
`index_input` passes each indicator's values only where the map shows them as "ok"
(`geodata.statistics.states.year_states`: present, not suppressed, not too small), so an index
never uses a value the map hides; `compute_index_for` and `sensitivity_for` run the core of
`geodata.index.compute` and `geodata.index.sensitivity` on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from geodata.index.compute import IndexInput, IndexResult, compute_index
from geodata.index.definition import DefinitionError, IndexDefinition, preset_direction
from geodata.index.sensitivity import Sensitivity, sensitivity
from geodata.model.entities import ROOT
from geodata.model.years import nearest_year
from geodata.statistics.states import suppression_rule, year_states


# --- repository adapters ----------------------------------------------------------------------
def index_areas(repo: Any, definition: IndexDefinition) -> tuple[str, ...]:
    """The areas an index rates: children of ``gebiet``, or all its areas of ``ebene``
    (as `geodata.views.state.view_areas`)."""
    if definition.ebene:
        return repo.areas_at_level(definition.gebiet, definition.ebene)
    return repo.children_of(definition.gebiet)


def check_definition(repo: Any, definition: IndexDefinition) -> list[str]:
    """German problems of a (valid) definition against the atlas: unknown area, level or
    indicator."""

    errs = []
    if definition.gebiet != ROOT and definition.gebiet not in repo.areas:
        errs.append(f"Feld „gebiet“: Das Gebiet „{definition.gebiet}“ ist unbekannt.")
    levels = [lvl.id for lvl in repo.settings.levels]
    if definition.ebene is not None and definition.ebene not in levels:
        errs.append(f"Feld „ebene“: Die Ebene „{definition.ebene}“ gibt es nicht; "
                    f"möglich: {', '.join(levels)}.")
    for ind in [*(i.id for i in definition.indicators), definition.population_indicator]:
        if ind not in repo.indicators:
            errs.append(f"Der Indikator „{ind}“ ist unbekannt.")
    if not errs and not index_areas(repo, definition):
        where = repo.display_name(definition.gebiet) if definition.gebiet != ROOT else (
            "dem ganzen Atlas")
        what = (f"keine {repo.level(definition.ebene).plural}" if definition.ebene
                else "keine Teilgebiete")
        errs.append(f"Feld „ebene“: Unter {where} gibt es {what}; der Index hätte keine "
                    "Gebiete.")
    return errs


def population_values(repo: Any, area_ids: Sequence[str], indicator_id: str,
                      year: int) -> dict[str, float | None]:
    """Per area, the indicator's value in ``year``, else the nearest earlier year, else the
    nearest later year; None if the area has none. One column read per year."""
    years = repo.years_for(indicator_id)
    cols = {y: repo.column(area_ids, indicator_id, y) for y in years}
    found = {y: col.found.tolist() for y, col in cols.items()}
    out: dict[str, float | None] = {}
    for i, a in enumerate(area_ids):
        y = nearest_year([y for y in years if found[y][i]], year)
        out[a] = None if y is None else float(cols[y].value[i])
    return out


def index_input(repo: Any, definition: IndexDefinition, year: int | None = None) -> IndexInput:
    """The plain inputs of a definition in ``year`` (default: its index year). Values are
    passed only where the map shows them ("ok" per `geodata.statistics.states.year_states`, with the
    atlas's suppression rule); the other states are passed on as reasons."""
    errs = check_definition(repo, definition)
    if errs:
        raise DefinitionError(errs)
    year = definition.year if year is None else year
    ids = tuple(index_areas(repo, definition))
    rule = suppression_rule(repo)
    values: dict[str, dict[str, float | None]] = {}
    states: dict[str, dict[str, str]] = {}
    for spec in definition.indicators:
        ind = repo.indicator(spec.id)
        st, raw = year_states(repo, ids, ind, year, definition.gebiet, rule)
        values[spec.id] = {a: v if s == "ok" else None for a, v, s in zip(ids, raw, st,
                                                                          strict=True)}
        states[spec.id] = dict(zip(ids, st, strict=True))
    population = population_values(repo, ids, definition.population_indicator, year)
    labels = {i.id: repo.indicator(i.id).name for i in definition.indicators}
    return IndexInput(ids, values, population, states, labels)


def _direction_notes(repo: Any, definition: IndexDefinition) -> list[str]:
    notes = []
    for spec in definition.indicators:
        ind = repo.indicator(spec.id)
        preset = preset_direction(ind.direction)
        if preset is not None and preset != spec.direction:
            notes.append(f"Die Richtung von „{ind.name}“ ist gegenüber dem Katalog umgedreht.")
    return notes


def compute_index_for(repo: Any, definition: IndexDefinition,
                      year: int | None = None) -> IndexResult:
    """`compute_index` on the atlas; with ``basisjahr`` frozen at that year."""
    year = definition.year if year is None else year
    data = index_input(repo, definition, year)
    base = None
    if definition.base_year is not None and definition.base_year != year:
        base = index_input(repo, definition, definition.base_year)
    res = compute_index(definition, data, base)
    return replace(res, year=year, notes=(*res.notes, *_direction_notes(repo, definition)))


def sensitivity_for(repo: Any, definition: IndexDefinition, year: int | None = None,
                    step: float = 0.10) -> Sensitivity:
    """`sensitivity` on the atlas (with the frozen base year, if any)."""
    year = definition.year if year is None else year
    data = index_input(repo, definition, year)
    base = None
    if definition.base_year is not None and definition.base_year != year:
        base = index_input(repo, definition, definition.base_year)
    return sensitivity(definition, data, base, step)
