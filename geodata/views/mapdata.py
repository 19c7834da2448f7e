"""What a choropleth shows for one view: values, special states, classes and colours.

Steps, for the areas in view (`geodata.views.state.view_areas`):

1. **Values**: the indicator's value in the year; for a change map (``vergleich``) the
   difference ``value(jahr) - value(vergleich)``, which for rates in % is in percentage points.
2. **Special states**, as the disclosure control publishes them
   (`geodata.statistics.published`): no data; suppressed for confidentiality (small counts,
   rates whose numerator or denominator is small, and every value from which one would
   follow; suppression also applies to either year of a change); not rated (fewer residents
   than the configured minimum). Only areas in state "ok" are classified; the others keep
   their own symbol, never a class colour. Values are the published ones (rounded to the
   indicator's decimals).
3. **Classes** (`geodata.statistics.classify.classify`): the chosen method and class count over the "ok"
   values, or with ``fest`` over the "ok" values of every year of the view, so that a colour
   means the same in every year. With a diverging palette (and always for a change map) the
   classes are equal intervals placed symmetrically around the reference value (the parent's
   value, the overall value, a typed number, or 0 for a change), so that the neutral colour
   sits at the reference.
4. **Colours** (`geodata.statistics.palettes.class_colors`): dark or warm means "more need", by the
   indicator's direction.
5. **Provenance** (`geodata.model.provenance`): per area what its value is ("amtlich",
   "synthetisch, auf den amtlichen Kreiswert abgestimmt", …) and the sources of all values
   shown, for the tooltip, the legend and the credits; "synthetisch" follows the values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from geodata.model.entities import ROOT, Indicator
from geodata.statistics.classify import Classification, class_labels, classify, symmetric_breaks
from geodata.statistics.numfmt import format_number, format_value
from geodata.statistics.palettes import class_colors
from geodata.statistics.published import PublishedAtlas, published, round_half_up
from geodata.statistics.suppression import LABEL, SYMBOL, SuppressionRule, worse_state
from geodata.views.credits import value_provenances
from geodata.views.mapoptions import METHODS, REFERENCES
from geodata.views.state import ViewState, view_areas


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
    # A need index (geodata.views.indexmap) names its classes, outlines borderline areas, brings its
    # own legend notes and cites the sources of its indicators.
    class_names: tuple[str, ...] = ()
    borderline: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()
    # Per area the provenance label of its value ("" = none); the year whose values are shown.
    origins: tuple[str, ...] = ()
    year: int | None = None
    synthetic_values: bool | None = None  # None: the indicator's flag decides
    source_lines: tuple[str, ...] = ()  # the legend's source lines (`legend_sources`)

    @property
    def sources(self) -> tuple[str, ...]:
        """Indicator ids whose sources the map cites."""
        return self.source_ids or (self.indicator.id,)

    @property
    def synthetic(self) -> bool:
        """True if any value shown is synthetic (the map then says so)."""
        if self.synthetic_values is not None:
            return self.synthetic_values
        return self.indicator.synthetic


def reference_value(repo: PublishedAtlas, state: ViewState, ind: Indicator) -> float | None:
    """The midpoint of a diverging palette (0 for a change map): a published reference."""
    if state.karte.vergleich is not None:
        return 0.0
    ref = state.karte.referenz
    if ref in (None, "gesamt"):
        return repo.reference(ROOT, ind.id, state.jahr).value
    if ref == "eltern":
        return repo.reference(state.gebiet, ind.id, state.jahr).value
    return float(ref)


def indicator_map(repo: PublishedAtlas, state: ViewState) -> MapData:
    """Values, states, classes and colours of the view's indicator (see module docstring).
    A view that shows a need index gets its map from `geodata.views.mapview.compute_map`."""
    repo = published(repo)
    ids = view_areas(state, repo)
    ind = repo.indicator(state.indikator)
    opt = state.karte
    rule = repo.rule
    col = repo.column(ids, ind.id, state.jahr, counts=False)
    states, raw = list(col.states), list(col.values)
    unit = ind.unit
    title = f"{ind.name} {state.jahr}"
    if opt.vergleich is not None:
        old_col = repo.column(ids, ind.id, opt.vergleich, counts=False)
        states = [worse_state(a, b) for a, b in zip(states, old_col.states, strict=True)]
        raw = [None if a is None or b is None else round_half_up(a - b, ind.decimals)
               for a, b in zip(raw, old_col.values, strict=True)]
        unit = "Prozentpunkte" if ind.unit == "%" else ind.unit
        title = f"{ind.name}: Veränderung {opt.vergleich}–{state.jahr}"
    values = [v if s == "ok" else None for v, s in zip(raw, states, strict=True)]

    pooled = None
    if opt.fest and opt.vergleich is None:
        pooled = []
        for year in repo.years_for(ind.id, ids):
            year_col = repo.column(ids, ind.id, year, counts=False)
            pooled += [v for v, s in zip(year_col.values, year_col.states, strict=True)
                       if s == "ok" and v is not None]

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
        breaks, spread = symmetric_breaks(basis, ref, opt.klassen)
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

    provs = repo.provenances(ids, ind.id, state.jahr)
    if opt.vergleich is not None:  # a change: what both years' values are
        provs = [a if a is not None and (b is None or b.label == a.label) else b
                 for a, b in zip(provs, repo.provenances(ids, ind.id, opt.vergleich),
                                 strict=True)]
    origins = [p.label if p is not None else "" for p in provs]
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
        origins=tuple(origins),
        year=state.jahr,
        synthetic_values=any(p.synthetic for p in provs if p is not None),
        source_lines=tuple(legend_sources(repo, ind, ids, origins, state.jahr)),
    )


def legend_sources(repo: PublishedAtlas, ind: Indicator, ids: Sequence[str],
                   origins: Sequence[str], year: int) -> list[str]:
    """The legend's source lines: what the values shown are and where they come from, e.g.
    "amtlich (70 Gebiete) – Quelle: …" or, for a mix, one line per kind."""
    counts: dict[str, int] = {}
    for label in origins:
        if label:
            counts[label] = counts.get(label, 0) + 1
    provs = value_provenances(repo, [ind.id], ids, year) if counts else []
    if not provs or not any(p.sources for p in provs):
        return [f"Quelle: {ind.source}"]
    lines = []
    for label, n in counts.items():
        texts = list(dict.fromkeys(t for p in provs if p.label == label for t in p.texts()))
        lines.append(f"{label} ({n} {'Gebiet' if n == 1 else 'Gebiete'})"
                     + (f" – Quelle: {'; '.join(texts)}" if texts else ""))
    return lines


def view_label(repo: PublishedAtlas, state: ViewState, n_areas: int) -> str:
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
