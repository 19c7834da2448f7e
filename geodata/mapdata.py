"""What a choropleth shows for one view: values, special states, classes and colours.

Steps, for the areas in view (`geodata.state.view_areas`):

1. **Values**: the indicator's value in the year; for a change map (``vergleich``) the
   difference ``value(jahr) - value(vergleich)``, which for rates in % is in percentage points.
2. **Special states** (`geodata.suppression`): no data; suppressed for confidentiality (counts,
   and rates whose numerator, are below the threshold, default 3; suppression also applies to
   either year of a change); not rated (fewer residents than the configured minimum). Only
   areas in state "ok" are classified; the others keep their own symbol, never a class colour.
3. **Classes** (`geodata.classify.classify`): the chosen method and class count over the "ok"
   values, or with ``fest`` over the "ok" values of every year of the view, so that a colour
   means the same in every year. With a diverging palette (and always for a change map) the
   classes are equal intervals placed symmetrically around the reference value (the parent's
   value, the overall value, a typed number, or 0 for a change), so that the neutral colour
   sits at the reference.
4. **Colours** (`geodata.palettes.class_colors`): dark or warm means "more need", by the
   indicator's direction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from geodata.classify import Classification, class_labels, classify
from geodata.mapoptions import METHODS, REFERENCES
from geodata.numfmt import format_number, format_value
from geodata.palettes import class_colors
from geodata.repository import ROOT, Indicator, Repository
from geodata.state import ViewState, view_areas
from geodata.suppression import LABEL, SYMBOL, SuppressionRule, states_for

POPULATION = "einwohner"


@dataclass(frozen=True)
class MapData:
    """Everything the map, its legend and its tooltips need; no geometry."""

    area_ids: tuple[str, ...]
    values: tuple[float | None, ...]  # None unless the state is "ok"
    states: tuple[str, ...]
    texts: tuple[str, ...]  # tooltip text per area: formatted value or state label
    classification: Classification
    colors: tuple[str, ...]
    indicator: Indicator
    unit: str  # unit of the values shown (percentage points for a change of a rate)
    title: str  # e.g. "SGB-II-Quote unter 15 Jahren 2023" or "… Veränderung 2019–2023"
    method: str  # German description of the classification
    reference: str  # German description of the diverging midpoint, "" if none
    rule: SuppressionRule
    # A need index (geodata.indexmap) names its classes, outlines borderline areas, brings its
    # own legend notes and cites the sources of its indicators.
    class_names: tuple[str, ...] = ()
    borderline: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Indicator ids whose sources the map cites."""
        return self.source_ids or (self.indicator.id,)


def suppression_rule(repo: Repository) -> SuppressionRule:
    """The confidentiality and minimum-size rule from the configuration."""
    return SuppressionRule(
        threshold=repo.settings.suppression_threshold,
        min_population=repo.settings.min_population,
    )


def _population(repo: Repository, area_id: str, year: int) -> float | None:
    """Residents of the area in ``year`` or the nearest earlier year; None if unknown."""
    years = [y for y in repo.years_for(POPULATION) if y <= year] or list(
        repo.years_for(POPULATION)
    )
    for y in reversed(years):
        val = repo.value(area_id, POPULATION, y)
        if val is not None:
            return val.value
    return None


def year_states(
    repo: Repository, ids: Sequence[str], ind: Indicator, year: int, parent: str | None,
    rule: SuppressionRule,
) -> tuple[list[str], list[float | None]]:
    """States and raw values of the areas in one year (``parent`` for secondary suppression)."""
    vals = [repo.value(a, ind.id, year) for a in ids]
    par = repo.value(parent, ind.id, year) if parent is not None else None
    states = states_for(
        ind.kind,
        [None if v is None else v.value for v in vals],
        [None if v is None else v.numerator for v in vals],
        [_population(repo, a, year) for a in ids],
        rule,
        parent_value=None if par is None else par.value,
        parent_numerator=None if par is None else par.numerator,
    )
    return states, [None if v is None else v.value for v in vals]


def area_state(repo: Repository, area_id: str, ind: Indicator, year: int) -> str:
    """The special state of one area's value, judged among its siblings as on the map, so that
    a value suppressed there (also secondarily) is suppressed in the profile too."""
    rule = suppression_rule(repo)
    if area_id == ROOT:
        val = repo.value(ROOT, ind.id, year)
        states, _ = year_states(repo, [ROOT], ind, year, None, rule)
        return states[0] if val is not None else "keine_daten"
    parent = repo.area(area_id).parent_id
    siblings = list(repo.children_of(parent))
    states, _ = year_states(repo, siblings, ind, year, parent, rule)
    return states[siblings.index(area_id)]


def _worse(a: str, b: str) -> str:
    """Combined state of a change: any missing, suppressed or unrated year wins."""
    for state in ("keine_daten", "gesperrt", "nicht_bewertet"):
        if state in (a, b):
            return state
    return "ok"


def reference_value(repo: Repository, state: ViewState, ind: Indicator) -> float | None:
    """The midpoint of a diverging palette (0 for a change map)."""
    if state.karte.vergleich is not None:
        return 0.0
    ref = state.karte.referenz
    if ref in (None, "gesamt"):
        val = repo.value(ROOT, ind.id, state.jahr)
    elif ref == "eltern":
        val = repo.value(state.gebiet, ind.id, state.jahr)
    else:
        return float(ref)
    return None if val is None else val.value


def _symmetric_breaks(values: Sequence[float], ref: float, k: int) -> tuple[list[float], float]:
    """k-1 equal-interval breaks placed symmetrically around ``ref``, and the half-width of
    the whole range (the largest distance of a value from ``ref``)."""
    spread = max((abs(v - ref) for v in values), default=0.0) or 1.0
    width = 2 * spread / k
    return [ref + (j - k / 2) * width for j in range(1, k)], spread


def compute_map(repo: Repository, state: ViewState) -> MapData:
    """Values, states, classes and colours of the view (see module docstring); a need index
    (``state.index``) or its budget split come from `geodata.indexmap`."""
    if state.index:
        from geodata.indexmap import allocation_map, index_map

        return (allocation_map if state.index_tab == "verteilung" else index_map)(repo, state)
    ids = view_areas(state, repo)
    ind = repo.indicator(state.indikator)
    opt = state.karte
    rule = suppression_rule(repo)
    states, raw = year_states(repo, ids, ind, state.jahr, state.gebiet, rule)
    unit = ind.unit
    title = f"{ind.name} {state.jahr}"
    if opt.vergleich is not None:
        old_states, old = year_states(repo, ids, ind, opt.vergleich, state.gebiet, rule)
        states = [_worse(a, b) for a, b in zip(states, old_states, strict=True)]
        raw = [None if a is None or b is None else a - b for a, b in zip(raw, old, strict=True)]
        unit = "Prozentpunkte" if ind.unit == "%" else ind.unit
        title = f"{ind.name}: Veränderung {opt.vergleich}–{state.jahr}"
    values = [v if s == "ok" else None for v, s in zip(raw, states, strict=True)]

    pooled = None
    if opt.fest and opt.vergleich is None:
        pooled = []
        for year in repo.years_for(ind.id, ids):
            st, vs = year_states(repo, ids, ind, year, state.gebiet, rule)
            pooled += [v for v, s in zip(vs, st, strict=True) if s == "ok" and v is not None]

    reference = ""
    if opt.diverging:
        ref = reference_value(repo, state, ind)
        basis = [v for v in (pooled or values) if v is not None]
        if ref is None or math.isnan(ref):
            ref = sum(basis) / len(basis) if basis else 0.0
            ref_name = "Mittelwert der Gebiete"
        elif opt.vergleich is not None:
            ref_name = "keine Veränderung"
        else:
            ref_name = REFERENCES.get(opt.referenz or "", "eingegebener Wert")
        reference = f"Mitte: {ref_name} ({format_value(ref, ind.decimals, unit)})"
        breaks, spread = _symmetric_breaks(basis, ref, opt.klassen)
        # The outer class bounds are the symmetric extent, so the legend reads symmetric too.
        cls = classify(values, "manual", manual_breaks=breaks,
                       pooled=[*basis, ref - spread, ref + spread])
        method = f"Gleiche Intervalle um die Mitte, {cls.k} Klassen"
    else:
        manual = opt.grenzen if opt.methode == "manuell" else None
        cls = classify(values, opt.method_id, opt.klassen, manual_breaks=manual, pooled=pooled)
        method = f"{METHODS[opt.methode][1]}, {cls.k} Klassen"
        if pooled is not None:
            method += ", feste Klassen über alle Jahre"

    texts = []
    for v, s in zip(raw, states, strict=True):
        if s == "ok" and v is not None:
            sign = "+" if opt.vergleich is not None and v > 0 else ""
            texts.append(sign + format_value(v, ind.decimals, unit))
        else:
            texts.append(f"{SYMBOL[s]} {LABEL[s]}")
    return MapData(
        area_ids=tuple(ids),
        values=tuple(values),
        states=tuple(states),
        texts=tuple(texts),
        classification=cls,
        colors=tuple(class_colors(opt.farben, cls.k, ind.direction)),
        indicator=ind,
        unit=unit,
        title=title,
        method=method,
        reference=reference,
        rule=rule,
    )


def suggest_manual_breaks(repo: Repository, state: ViewState) -> tuple[float, ...]:
    """The current map's inner class boundaries, rounded to the indicator's decimals: the
    starting point when a user switches to manual breaks."""
    md = compute_map(repo, state)
    rounded = sorted({round(b, md.indicator.decimals) for b in md.classification.breaks})
    return tuple(rounded)


# --- legend texts (shared by the screen's legend and the exports) ------------------------------
def view_label(repo: Repository, state: ViewState, n_areas: int) -> str:
    """E.g. "14 Gemeinden in Groß-Gerau", "70 Kreise", "1528 Gemeinden"."""
    if state.ebene:
        level = repo.level(state.ebene)
    else:
        kids = repo.children_of(state.gebiet)
        if not kids:
            return repo.display_name(state.gebiet)
        level = repo.level(repo.area(kids[0]).level)
    label = f"{n_areas} {level.plural if n_areas != 1 else level.name}"
    return label if state.gebiet == ROOT else f"{label} in {repo.area(state.gebiet).name}"


def unit_in(unit: str) -> str:
    dative = {"Prozentpunkte": "Prozentpunkten"}
    return f"in {dative.get(unit, unit)}" if unit else ""


def legend_notes(md: MapData) -> list[str]:
    """Method and class count, direction, reference, hint and rules."""
    rule = md.rule
    if md.notes:
        return [*md.notes, f"gesperrt: unter {rule.threshold} Fällen (Geheimhaltung)"]
    cls = md.classification
    diverging = bool(md.reference)
    need = "rot/orange = mehr Bedarf" if diverging else "dunkel = mehr Bedarf"
    if md.indicator.direction == "neutral":
        need = "rot/orange = höher" if diverging else "dunkel = höher"
    notes = [md.method + (f" · {need}" if cls.k else "")]
    if md.reference:
        notes.append(md.reference)
    if cls.hint:
        notes.append(cls.hint)
    notes.append(f"gesperrt: unter {rule.threshold} Fällen (Geheimhaltung)"
                 + (f" · nicht bewertet: unter {format_number(rule.min_population)} Einwohnern"
                    if rule.min_population else ""))
    return notes


def legend_labels(md: MapData) -> list[str]:
    """Class range labels as on screen ("11,3 – 17,7 %"; long units only in the heading)."""
    if md.class_names:
        return list(md.class_names)
    return class_labels(md.classification, md.indicator.decimals,
                        md.unit if len(md.unit) <= 3 else "")
