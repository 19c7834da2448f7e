"""A saved need index on the map: the index layer, its budget split, cached per atlas version.

`index_map` turns an `geodata.index.compute.IndexResult` into the same `MapData` an indicator
gives, so the map, its legend, tooltips and every export show an index like any indicator:
one class per rated area (class k = most need, dark), the exclusion state of each area that
is not rated (the usual symbols), and the *borderline* areas of the sensitivity analysis,
which the map outlines dashed. `allocation_map` shows the budget split instead: the
difference of each area's amount to the even per-head split ("Gießkanne"), on a diverging
palette around 0 (orange = more than the even split).

Results are memoised in the repository (`PublishedAtlas.memo`) under the definition's content, so
a changed definition file is recomputed and a new import (new repository) starts afresh.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from geodata.index.allocation import Allocation, allocate_index
from geodata.index.atlas import compute_index_for, sensitivity_for
from geodata.index.compute import IndexResult
from geodata.index.definition import CLASSINGS, STANDARDISATIONS, DefinitionError, IndexDefinition
from geodata.index.files import find_definition
from geodata.index.sensitivity import Sensitivity
from geodata.model.entities import Indicator
from geodata.statistics.classify import Classification, classify, symmetric_breaks
from geodata.statistics.numfmt import format_number
from geodata.statistics.palettes import DEFAULT_SEQUENTIAL, class_colors
from geodata.statistics.published import PublishedAtlas, published
from geodata.statistics.suppression import SYMBOL
from geodata.views.mapdata import MapData
from geodata.views.state import ViewState, view_areas

NOT_IN_INDEX = "nicht im Index"


@dataclass(frozen=True)
class IndexBundle:
    """A definition with its result and sensitivity (both for the definition's year)."""

    slug: str
    definition: IndexDefinition
    result: IndexResult
    sensitivity: Sensitivity


def index_palette(state: ViewState) -> str:
    """The map's colour scale for index classes: sequential (dark = more need); a diverging
    scale left in the address (e.g. from a change map) would put a dark colour on class 1."""
    return DEFAULT_SEQUENTIAL if state.karte.diverging else state.karte.farben


def _key(definition: IndexDefinition) -> str:
    return hashlib.blake2b(definition.to_json().encode("utf-8"), digest_size=8).hexdigest()


HIDDEN_INDEX = ("Diesen Index gibt es nur für angemeldete Mitarbeitende (er nutzt interne "
                "Indikatoren).")


def uses_hidden(repo: PublishedAtlas, definition: IndexDefinition) -> bool:
    """Whether the index needs an indicator this user may not see."""
    repo = published(repo)
    return any(repo.hidden(i) for i in (*(x.id for x in definition.indicators),
                                        definition.population_indicator))


def index_bundle(repo: PublishedAtlas, slug: str) -> IndexBundle:
    """The saved index ``slug`` computed on the atlas (memoised; raises DefinitionError)."""
    repo = published(repo)
    definition = find_definition(slug)
    if uses_hidden(repo, definition):
        raise DefinitionError([HIDDEN_INDEX])
    key = _key(definition)
    result = repo.memo(f"index-result:{key}", lambda: compute_index_for(repo, definition))
    sens = repo.memo(f"index-sens:{key}", lambda: sensitivity_for(repo, definition))
    return IndexBundle(slug, definition, result, sens)


def index_allocation(repo: PublishedAtlas, bundle: IndexBundle, state: ViewState) -> Allocation:
    """The budget split of the index with the state's settings (raises ValueError, German)."""
    s = state.verteilung
    return allocate_index(repo, bundle.result, s.budget, s.koepfe,
                          base_share=s.sockel / 100, method=s.verfahren,
                          multipliers=s.multipliers(bundle.result.k), unit=s.unit,
                          unrated=s.unbewertet)


def index_indicator(bundle: IndexBundle, repo: PublishedAtlas) -> Indicator:
    """A catalogue-like entry for the index (name, direction, decimals, synthetic flag)."""
    d = bundle.definition
    parts = [repo.indicator(i.id) for i in d.indicators]
    return Indicator(
        id=f"index:{bundle.slug}", name=d.name, unit="", topic="Bedarfsindex",
        description=d.description,
        source=f"Bedarfsindex aus {len(parts)} Indikatoren (Version {d.version}, {d.author})",
        direction="higher_worse", decimals=2, kind="mean", numerator="", denominator="",
        factor=1.0, synthetic=any(p.synthetic for p in parts),
    )


def _classification(result: IndexResult, classes: list[int | None],
                    values: list[float | None]) -> Classification:
    if result.k == 0:  # too few rated areas: no classes, every area keeps its state
        return classify([None] * len(values), "quantile", 5)
    k = result.k
    rated = [sc.value for sc in result.scores.values()]
    lo, hi = (min(rated), max(rated)) if rated else (0.0, 0.0)
    edges = [lo, *result.breaks, hi]
    counts = [sum(1 for c in classes if c == j) for j in range(k)]
    return Classification(
        method=CLASSINGS[result.definition.classing.method], k=k,
        lower=tuple(edges[:-1]), upper=tuple(edges[1:]), classes=tuple(classes),
        counts=tuple(counts), n_missing=sum(1 for v in values if v is None),
        breaks=tuple(result.breaks),
    )


def _cutoff_text(definition: IndexDefinition) -> str:
    c = definition.classing
    if c.method == "stdabw":
        return "Grenzen " + " / ".join(
            format_number(x, 2).rstrip("0").rstrip(",") for x in c.cutoffs) + " SD"
    if c.method == "quantile":
        return f"{c.k} gleich große Gruppen"
    return f"oberste {format_number(100 * c.share, 1).removesuffix(',0')} %"


def index_map(repo: PublishedAtlas, state: ViewState) -> MapData:
    """The index layer over the areas in view (see module docstring)."""
    repo = published(repo)
    bundle = index_bundle(repo, state.index or "")
    res, d = bundle.result, bundle.definition
    ids = view_areas(state, repo)
    values: list[float | None] = []
    classes: list[int | None] = []
    states: list[str] = []
    texts: list[str] = []
    for a in ids:
        sc = res.scores.get(a)
        if sc is not None:
            values.append(sc.value)
            classes.append(sc.cls - 1)
            states.append("ok")
            texts.append(f"{format_number(sc.value, 2)} · Klasse {sc.cls} von {res.k}"
                         + (" · Grenzfall" if a in bundle.sensitivity.borderline else ""))
            continue
        ex = res.excluded.get(a)
        st = ex.state if ex is not None else "keine_daten"
        values.append(None)
        classes.append(None)
        states.append(st)
        texts.append(f"{SYMBOL[st]} " + (ex.text if ex is not None else NOT_IN_INDEX))
    year = res.year or d.year
    notes = [f"{STANDARDISATIONS[d.standardisation].split(' (')[0]}, "
             f"{CLASSINGS[d.classing.method]} ({_cutoff_text(d)}), {res.k} Klassen · "
             "dunkel = mehr Bedarf"]
    n_ex = sum(1 for a in res.area_ids if a not in res.scores)
    minimum = max(d.min_population, repo.settings.min_population)
    small = f", unter {format_number(minimum)} Einwohnern" if minimum else ""
    notes.append(f"{len(res.scores)} Gebiete bewertet, {n_ex} ohne Indexwert (fehlende oder "
                 f"gesperrte Werte{small}; Symbole wie unten)")
    sens = bundle.sensitivity
    if sens.borderline:
        notes.append(f"Gestrichelter Rand: Grenzfall (andere Klasse in mindestens "
                     f"{sens.threshold} von {len(sens.variants)} Varianten der Gewichte)")
    if res.frozen:
        notes.append(f"Mittelwerte und Streuung eingefroren auf {d.base_year}")
    notes += list(res.notes)
    return MapData(
        area_ids=tuple(ids), values=tuple(values), states=tuple(states), texts=tuple(texts),
        classification=_classification(res, classes, values),
        colors=tuple(class_colors(index_palette(state), res.k, "higher_worse")) if res.k
        else (),
        indicator=index_indicator(bundle, repo), unit="", title=f"{d.name} {year}",
        method=notes[0], reference="", rule=repo.rule,
        class_names=tuple(res.class_labels), borderline=tuple(
            a for a in sens.borderline if a in set(ids)),
        notes=tuple(notes), source_ids=tuple(i.id for i in d.indicators),
    )


def allocation_map(repo: PublishedAtlas, state: ViewState) -> MapData:
    """The budget split's difference to the even per-head split over the areas in view."""
    repo = published(repo)
    bundle = index_bundle(repo, state.index or "")
    ids = view_areas(state, repo)
    d = bundle.definition
    indicator = replace(index_indicator(bundle, repo), decimals=0,
                        name=f"Differenz zur Gießkanne nach „{d.name}“")
    try:
        alloc = index_allocation(repo, bundle, state)
    except ValueError as err:  # e.g. no head counts: an empty map that says why
        return MapData(
            area_ids=tuple(ids), values=(None,) * len(ids), states=("keine_daten",) * len(ids),
            texts=(f"{SYMBOL['keine_daten']} {err}",) * len(ids),
            classification=classify([None] * len(ids), "quantile", 5), colors=(),
            indicator=indicator, unit=state.verteilung.unit,
            title=f"Verteilung nach „{d.name}“", method=str(err), reference="",
            rule=repo.rule, notes=(str(err),),
            source_ids=tuple(i.id for i in d.indicators))
    rows = {r.area_id: r for r in alloc.rows}
    unit = alloc.unit
    values: list[float | None] = []
    states: list[str] = []
    texts: list[str] = []
    for a in ids:
        r = rows.get(a)
        if r is None or r.heads is None:  # not rated, or no (public) head count
            values.append(None)
            states.append("keine_daten")
            texts.append(f"{SYMBOL['keine_daten']} {NOT_IN_INDEX if r is None else r.note}")
            continue
        values.append(float(r.difference))
        states.append("ok")
        sign = "+" if r.difference > 0 else ""
        texts.append(f"{sign}{format_number(r.difference)} {unit} (gesamt "
                     f"{format_number(r.total)} {unit}, Gießkanne {format_number(r.even)} {unit})")
    basis = [v for v in values if v is not None]
    k = 6
    breaks, spread = symmetric_breaks(basis, 0.0, k)
    cls = classify(values, "manual", manual_breaks=breaks, pooled=[*basis, -spread, spread])
    share = format_number(state.verteilung.sockel, 1).removesuffix(",0")
    notes = [f"Gleiche Intervalle um 0, {cls.k} Klassen · orange = mehr als Gießkanne",
             f"Budget {format_number(alloc.budget)} {unit}: {share} % Sockel je Kopf, Rest "
             f"nach Bedarf ({'Klassenfaktoren' if alloc.method == 'klassen' else 'Indexwert'})",
             *alloc.notes]
    return MapData(
        area_ids=tuple(ids), values=tuple(values), states=tuple(states), texts=tuple(texts),
        classification=cls, colors=tuple(class_colors("PuOr", cls.k, "higher_worse")),
        indicator=indicator, unit=unit,
        title=f"Verteilung nach „{d.name}“: Differenz zur Gießkanne",
        method=notes[0], reference="Mitte: 0 (wie Gießkanne)", rule=repo.rule,
        notes=tuple(notes), source_ids=tuple(i.id for i in d.indicators),
    )
