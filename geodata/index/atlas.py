"""The need index on the atlas: the areas it rates and its inputs read from a `Repository`.

`index_areas` lists the areas a definition rates (the children of ``gebiet``, or all its
areas of ``ebene``, as `geodata.views.state.view_areas` does for a map); `check_definition`
checks a definition against the atlas (known indicators and area, enough rated areas);
`index_input` passes each indicator's values only where the map shows them as "ok" (the
published atlas, `geodata.statistics.published`: present, not suppressed, not too small), so an
index never uses a value the map hides and every index value follows from published values; `compute_index_for` and `sensitivity_for` run the core of
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
from geodata.statistics.published import published


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
                      year: int) -> tuple[dict[str, float | None], dict[str, int]]:
    """Per area, the published value of a count in ``year``, else the nearest earlier year,
    else the nearest later year; None if the area has none or it is not published. Also the
    year each value comes from. One column read per year."""
    repo = published(repo)
    years = repo.years_for(indicator_id)
    cols = {y: repo.column(area_ids, indicator_id, y, counts=False) for y in years}
    out: dict[str, float | None] = {}
    used: dict[str, int] = {}
    for i, a in enumerate(area_ids):
        y = nearest_year([y for y in years if cols[y].states[i] != "keine_daten"], year)
        out[a] = None if y is None else _shown(cols[y], i)
        if y is not None:
            used[a] = y
    return out, used


def _shown(col: Any, i: int) -> float | None:
    """A count as published (a "nicht bewertet" area's count is known too: it only is not
    classified on the map)."""
    return col.values[i] if col.states[i] in ("ok", "nicht_bewertet") else None


def index_input(repo: Any, definition: IndexDefinition, year: int | None = None) -> IndexInput:
    """The plain inputs of a definition in ``year`` (default: its index year). Values are
    passed only where the map shows them ("ok" in the published atlas); the other states are
    passed on as reasons. The minimum population is checked on the atlas (only whether an area
    reaches it leaves the atlas: an area whose count is not published is compared too)."""
    repo = published(repo)
    errs = check_definition(repo, definition)
    if errs:
        raise DefinitionError(errs)
    year = definition.year if year is None else year
    ids = tuple(index_areas(repo, definition))
    values: dict[str, dict[str, float | None]] = {}
    states: dict[str, dict[str, str]] = {}
    for spec in definition.indicators:
        ind = repo.indicator(spec.id)
        col = repo.column(ids, ind.id, year, counts=False)
        values[spec.id] = {a: v if s == "ok" else None
                           for a, v, s in zip(ids, col.values, col.states, strict=True)}
        states[spec.id] = dict(zip(ids, col.states, strict=True))
    minimum = definition.min_population
    reached = repo.population_at_least(ids, definition.population_indicator, year,
                                       max(minimum, 1.0))
    # Stand-ins that compare like the residents with the minimum (never shown).
    population = {a: None if r is None else (float(max(minimum, 1.0)) if r else 0.0)
                  for a, r in zip(ids, reached, strict=True)}
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
