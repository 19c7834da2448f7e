"""Computing a composite need index on plain inputs: standardise, direct, weight, class.

The core works on plain inputs (`IndexInput`: indicator → area → value), so that every
number can be checked by hand; `geodata.index.atlas` reads those inputs from a `Repository`.
`compute_index` returns an `IndexResult` with each area's contributions, so the index
explains itself (`explain`).

Who is rated
------------
An area is rated only if it has an "ok" value (present, not suppressed, not "nicht bewertet"
on the map) for every indicator of the index, and, if ``mindest_einwohner`` > 0, a known
population of at least that many residents (indicator ``einwohner_indikator`` in the index
year, else the nearest earlier year, else the nearest later year). Every other area is listed
in `IndexResult.excluded` with German reasons. On the atlas the map's states decide
what "ok" means, so the atlas-wide minimum (``mindest_einwohner`` in ``atlas.toml``) applies
too, as a floor under the definition's own minimum; a missing value never becomes 0. Reasons
never show a suppressed number (a small population is reported as "weniger als 300").


Formulas (for indicator i, over the rated areas, or over the base year's rated areas when a
base year is frozen)
------------------------------------------------------------------------------------------
- mean μ_i and population standard deviation σ_i (divisor n) of the raw values x.
- Winsorising with limit L (default 3): x' = clip(x, μ_i − L·σ_i, μ_i + L·σ_i), i.e. the z-score
  is clipped to [−L, L]. μ_i and σ_i are not recomputed after clipping.
- Standardised value s:
    - ``z``: s = (x' − μ_i) / σ_i (0 if σ_i = 0);
    - ``perzentil``: s = (#{r < x'} + ½·#{r = x'}) / n over the reference values r (the
      clipped values of the rated areas; mid-rank, so 0 < s < 1);
    - ``minmax``: s = (x' − min r) / (max r − min r) (0.5 if max = min; with a frozen base
      year s may leave [0, 1]).
- Directed value d (higher = more need): for ``z`` d = richtung · s; for ``perzentil`` and
  ``minmax`` d = s if richtung = +1 else 1 − s.
- Normalised weights w_i = gewicht_i / Σ gewicht; contribution c_i = w_i · d_i;
  **index I = Σ c_i** (a weighted mean, so the contributions add up to the index exactly).
- Index mean μ_I and population SD σ_I over the rated areas (or the base year's), and the
  index in SD units t = (I − μ_I) / σ_I (0 if σ_I = 0).


Classes (class 1 = least need, class k = most need, always in that direction)
------------------------------------------------------------------------------
- ``stdabw``: cut-offs c_1 < … < c_m in SD units; class = 1 + #{j : c_j < t}; k = m + 1.
  A value on a cut-off belongs to the lower class (as everywhere in the atlas).
- ``quantile``: breaks b_j = quantile(I of the rated areas, j/k) for j = 1 … k−1 (linear
  interpolation, numpy's default); class = 1 + #{j : b_j < I}.
- ``anteil``: n_top = ⌊share · n + ½⌋ areas with the highest index form class 2, the rest
  class 1; T = the n_top-th highest index, class 2 ⇔ I ≥ T (ties at T all enter class 2).
With a frozen base year the breaks (μ_I, σ_I, quantiles, T) come from the base year too, so a
class means the same index range in every year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from geodata.index.definition import IndexDefinition
from geodata.statistics.numfmt import format_number

STATE_PRECEDENCE = ("keine_daten", "gesperrt", "nicht_bewertet")


# --- computation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndexInput:
    """Plain inputs of one year: the areas, their values and (optionally) states.

    ``values[indicator][area]`` is the value or None (missing); ``states[indicator][area]`` is
    a map state (``ok``, ``keine_daten``, ``gesperrt``, ``nicht_bewertet``; absent = judged by
    the value alone); ``population[area]`` the residents; ``labels[indicator]`` a German name
    for messages.
    """

    area_ids: tuple[str, ...]
    values: Mapping[str, Mapping[str, float | None]]
    population: Mapping[str, float | None] = field(default_factory=dict)
    states: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorStats:
    """What one indicator is standardised with (published with the index)."""

    indicator_id: str
    n: int
    mean: float
    sd: float
    low: float  # smallest (winsorised) reference value
    high: float
    reference: tuple[float, ...]  # sorted winsorised reference values (percentile ranks)


@dataclass(frozen=True)
class Contribution:
    """One indicator's part of an area's index value."""

    indicator_id: str
    direction: int  # +1 or -1
    raw: float
    standardised: float  # s
    directed: float  # d (higher = more need)
    weight: float  # normalised weight w
    value: float  # w * d


@dataclass(frozen=True)
class AreaScore:
    """A rated area: index value, SD units, class (1 = least need), rank (1 = most need)."""

    area_id: str
    value: float
    t: float
    cls: int
    rank: int
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True)
class Exclusion:
    """An area that is not rated, with its state and German reasons."""

    area_id: str
    state: str  # keine_daten | gesperrt | nicht_bewertet
    reasons: tuple[str, ...]

    @property
    def text(self) -> str:
        """E.g. "nicht bewertet: keine Daten für „Sprachförderbedarf …“"."""
        return "nicht bewertet: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class PartialScore:
    """An area left unrated for a suppressed or missing input, scored from the indicators it
    has published values for (only for the budget split, see `geodata.index.allocation`):
    the weighted mean of their contributions, ``Σ w_i·d_i / Σ w_i`` over those indicators,
    classed with the index's own breaks."""

    area_id: str
    value: float
    cls: int
    used: tuple[str, ...]  # indicator ids with a published value


@dataclass(frozen=True)
class IndexLayer:
    """The index as a map layer, in the order of the input areas."""

    area_ids: tuple[str, ...]
    values: tuple[float | None, ...]
    classes: tuple[int | None, ...]
    states: tuple[str, ...]  # "ok" or the exclusion state
    texts: tuple[str, ...]  # German tooltip text


@dataclass(frozen=True)
class IndexResult:
    """A computed index (see module docstring)."""

    definition: IndexDefinition
    area_ids: tuple[str, ...]
    scores: Mapping[str, AreaScore]  # rated areas, in input order
    excluded: Mapping[str, Exclusion]
    stats: Mapping[str, IndicatorStats]
    index_mean: float
    index_sd: float
    k: int
    breaks: tuple[float, ...]  # inner class boundaries in index units
    class_labels: tuple[str, ...]  # German, class 1 first
    frozen: bool  # parameters from a base year
    notes: tuple[str, ...] = ()
    year: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    # Areas unrated only for a suppressed or missing input (their size is fine), and the
    # partial scores of those that have at least one published input.
    input_gaps: tuple[str, ...] = ()
    partial: Mapping[str, PartialScore] = field(default_factory=dict)

    def map_layer(self) -> IndexLayer:
        """Values, classes, states and tooltip texts per area."""
        vals, classes, states, texts = [], [], [], []
        for a in self.area_ids:
            sc = self.scores.get(a)
            if sc is not None:
                vals.append(sc.value)
                classes.append(sc.cls)
                states.append("ok")
                texts.append(f"Index {format_number(sc.value, 2)} · Klasse {sc.cls} von {self.k}")
            else:
                ex = self.excluded[a]
                vals.append(None)
                classes.append(None)
                states.append(ex.state)
                texts.append(f"n. b. {ex.text}")
        return IndexLayer(self.area_ids, tuple(vals), tuple(classes), tuple(states),
                          tuple(texts))


def _clip(x: float, st: IndicatorStats, limit: float | None) -> float:
    if limit is None or st.sd == 0:
        return x
    return min(max(x, st.mean - limit * st.sd), st.mean + limit * st.sd)


def _stats(ind_id: str, xs: Sequence[float], limit: float | None) -> IndicatorStats:
    arr = np.asarray(xs, dtype=float)
    mean = float(arr.mean())
    sd = float(arr.std())  # population SD
    rough = IndicatorStats(ind_id, len(arr), mean, sd, 0.0, 0.0, ())
    ref = sorted(_clip(float(x), rough, limit) for x in arr)
    return replace(rough, low=ref[0], high=ref[-1], reference=tuple(ref))


def _standardise(x: float, st: IndicatorStats, method: str, limit: float | None) -> float:
    x = _clip(x, st, limit)
    if method == "z":
        return 0.0 if st.sd == 0 else (x - st.mean) / st.sd
    if method == "perzentil":
        less = sum(1 for r in st.reference if r < x)
        equal = sum(1 for r in st.reference if r == x)
        return (less + 0.5 * equal) / st.n
    return 0.5 if st.high == st.low else (x - st.low) / (st.high - st.low)


def _directed(s: float, direction: int, method: str) -> float:
    if method == "z":
        return direction * s
    return s if direction == 1 else 1.0 - s


def exclusions(defn: IndexDefinition, data: IndexInput) -> dict[str, Exclusion]:
    out: dict[str, Exclusion] = {}
    for a in data.area_ids:
        found: list[tuple[str, str]] = []
        for ind in defn.indicators:
            label = data.labels.get(ind.id, ind.id)
            val = data.values.get(ind.id, {}).get(a)
            state = data.states.get(ind.id, {}).get(a)
            if state == "gesperrt":
                found.append(("gesperrt", f"„{label}“ gesperrt (Geheimhaltung)"))
            elif state == "nicht_bewertet":
                found.append(("nicht_bewertet", f"„{label}“ nicht bewertet (zu wenige "
                                                 "Einwohner)"))
            elif state not in (None, "ok") or val is None or not math.isfinite(val):
                found.append(("keine_daten", f"keine Daten für „{label}“"))
        if defn.min_population > 0:
            pop = data.population.get(a)
            if pop is None or not math.isfinite(pop):
                found.append(("keine_daten", "Einwohnerzahl unbekannt"))
            elif pop < defn.min_population:
                found.append(("nicht_bewertet", "weniger als "
                              f"{format_number(defn.min_population)} Einwohner"))
        if found:
            state = min((s for s, _ in found), key=STATE_PRECEDENCE.index)
            out[a] = Exclusion(a, state, tuple(r for _, r in found))
    return out


@dataclass(frozen=True)
class _Params:
    stats: dict[str, IndicatorStats]
    index_mean: float
    index_sd: float
    basis: tuple[float, ...]  # index values the class breaks come from


def _raw_scores(defn: IndexDefinition, data: IndexInput, rated: Sequence[str],
                stats: Mapping[str, IndicatorStats]) -> dict[str, tuple[Contribution, ...]]:
    total = sum(i.weight for i in defn.indicators)
    out = {}
    for a in rated:
        parts = []
        for ind in defn.indicators:
            raw = float(data.values[ind.id][a])  # type: ignore[arg-type]
            s = _standardise(raw, stats[ind.id], defn.standardisation, defn.winsorize)
            d = _directed(s, ind.direction, defn.standardisation)
            w = ind.weight / total
            parts.append(Contribution(ind.id, ind.direction, raw, s, d, w, w * d))
        out[a] = tuple(parts)
    return out


def _params(defn: IndexDefinition, data: IndexInput) -> _Params | None:
    """Standardisation and class parameters from the rated areas of ``data``."""
    excluded = exclusions(defn, data)
    rated = [a for a in data.area_ids if a not in excluded]
    if len(rated) < 2:
        return None
    stats = {
        ind.id: _stats(ind.id, [float(data.values[ind.id][a]) for a in rated],  # type: ignore[arg-type]
                       defn.winsorize)
        for ind in defn.indicators
    }
    scores = _raw_scores(defn, data, rated, stats)
    vals = np.array([sum(c.value for c in parts) for parts in scores.values()])
    return _Params(stats, float(vals.mean()), float(vals.std()), tuple(float(v) for v in vals))


def _class_rule(defn: IndexDefinition, p: _Params) -> tuple[int, tuple[float, ...], list[str]]:
    """Number of classes, inner breaks in index units, German labels."""
    c = defn.classing
    if c.method == "stdabw":
        cut = c.cutoffs
        breaks = tuple(p.index_mean + x * p.index_sd for x in cut)
        sd = [_signed(x) for x in cut]
        labels = [f"bis {sd[0]} SD"]
        labels += [f"über {a} bis {b} SD" for a, b in zip(sd, sd[1:], strict=False)]
        labels.append(f"über {sd[-1]} SD")
        return len(cut) + 1, breaks, labels
    if c.method == "quantile":
        breaks = tuple(float(np.quantile(p.basis, j / c.k)) for j in range(1, c.k))
        b = [format_number(x, 2) for x in breaks]
        labels = [f"bis {b[0]}"] + [f"über {x} bis {y}" for x, y in zip(b, b[1:], strict=False)]
        labels.append(f"über {b[-1]}")
        return c.k, breaks, [f"{j}. Quantil ({t})" for j, t in enumerate(labels, 1)]
    top = _top_threshold(p.basis, c.share)
    share = format_number(100 * c.share, 1).removesuffix(",0")
    where = "" if math.isinf(top) else f", Indexwert ab {format_number(top, 2)}"
    return 2, (top,), ["übrige Gebiete", f"oberste {share} %{where}"]


def _signed(x: float) -> str:
    text = format_number(x, 2).rstrip("0").rstrip(",")
    return text if x <= 0 or text == "0" else "+" + text


def _top_threshold(basis: Sequence[float], share: float) -> float:
    n_top = math.floor(Fraction(repr(share)) * len(basis) + Fraction(1, 2))
    if n_top == 0:
        return math.inf
    return sorted(basis, reverse=True)[n_top - 1]


def _assign(defn: IndexDefinition, value: float, t: float, breaks: Sequence[float]) -> int:
    c = defn.classing
    if c.method == "stdabw":
        return 1 + sum(1 for x in c.cutoffs if x < t)
    if c.method == "quantile":
        return 1 + sum(1 for b in breaks if b < value)
    return 2 if value >= breaks[0] else 1


def compute_index(
    definition: IndexDefinition, data: IndexInput, base: IndexInput | None = None
) -> IndexResult:
    """The index of ``data`` (see module docstring); with ``base`` (the base year's inputs) the
    standardisation and class parameters are frozen at the base year."""
    excluded = exclusions(definition, data)
    rated = [a for a in data.area_ids if a not in excluded]
    notes: list[str] = []
    params = _params(definition, base if base is not None else data)
    if params is None or len(rated) < 2:
        why = ("im Basisjahr " if base is not None and params is None else "")
        note = f"Zu wenige bewertbare Gebiete {why}(mindestens 2); kein Index berechnet."
        all_excl = dict(excluded)
        for a in rated:
            all_excl[a] = Exclusion(a, "nicht_bewertet", ("zu wenige bewertbare Gebiete",))
        return IndexResult(definition, tuple(data.area_ids), {}, all_excl, {}, math.nan,
                           math.nan, 0, (), (), base is not None, (note,),
                           labels=dict(data.labels))
    for ind in definition.indicators:
        if params.stats[ind.id].sd == 0:
            label = data.labels.get(ind.id, ind.id)
            notes.append(f"„{label}“ hat keine Streuung und trägt nichts zur Unterscheidung bei.")
    contributions = _raw_scores(definition, data, rated, params.stats)
    k, breaks, class_labels = _class_rule(definition, params)
    gaps = _input_gaps(definition, data, excluded)
    values = {a: sum(c.value for c in parts) for a, parts in contributions.items()}
    scores: dict[str, AreaScore] = {}
    for a in rated:
        v = values[a]
        t = 0.0 if params.index_sd == 0 else (v - params.index_mean) / params.index_sd
        rank = 1 + sum(1 for o in values.values() if o > v)
        scores[a] = AreaScore(a, v, t, _assign(definition, v, t, breaks), rank, contributions[a])
    return IndexResult(
        definition=definition,
        area_ids=tuple(data.area_ids),
        scores=scores,
        excluded=excluded,
        stats=params.stats,
        index_mean=params.index_mean,
        index_sd=params.index_sd,
        k=k,
        breaks=breaks,
        class_labels=tuple(class_labels),
        frozen=base is not None,
        notes=tuple(notes),
        labels=dict(data.labels),
        input_gaps=tuple(gaps),
        partial=_partial_scores(definition, data, params, breaks, gaps),
    )


def _input_gaps(defn: IndexDefinition, data: IndexInput,
                excluded: Mapping[str, Exclusion]) -> list[str]:
    """Excluded areas whose size passes the minimum and whose only problem is a suppressed or
    missing input."""
    out = []
    for a, ex in excluded.items():
        if ex.state == "nicht_bewertet":
            continue
        if defn.min_population > 0:
            pop = data.population.get(a)
            if pop is None or not math.isfinite(pop) or pop < defn.min_population:
                continue
        if any(data.states.get(i.id, {}).get(a) == "nicht_bewertet" for i in defn.indicators):
            continue
        out.append(a)
    return out


def _partial_scores(defn: IndexDefinition, data: IndexInput, params: _Params,
                    breaks: Sequence[float], gaps: Sequence[str]) -> dict[str, PartialScore]:
    total = sum(i.weight for i in defn.indicators)
    out: dict[str, PartialScore] = {}
    for a in gaps:
        used, weighted, weights = [], 0.0, 0.0
        for ind in defn.indicators:
            raw = data.values.get(ind.id, {}).get(a)
            if raw is None or not math.isfinite(raw) or data.states.get(ind.id, {}).get(
                    a, "ok") != "ok":
                continue
            s = _standardise(float(raw), params.stats[ind.id], defn.standardisation,
                             defn.winsorize)
            w = ind.weight / total
            weighted += w * _directed(s, ind.direction, defn.standardisation)
            weights += w
            used.append(ind.id)
        if not used or weights <= 0:
            continue
        value = weighted / weights
        t = 0.0 if params.index_sd == 0 else (value - params.index_mean) / params.index_sd
        out[a] = PartialScore(a, value, _assign(defn, value, t, breaks), tuple(used))
    return out


def explain(result: IndexResult, area_id: str) -> str:
    """German explanation of one area's index value: class, and every indicator's
    standardised value × weight, largest contribution first."""
    ex = result.excluded.get(area_id)
    if ex is not None:
        return ex.text[0].upper() + ex.text[1:] + "."
    sc = result.scores[area_id]
    lines = [
        f"Klasse {sc.cls} von {result.k} ({result.class_labels[sc.cls - 1]}; Klasse "
        f"{result.k} = höchster Bedarf), Rang {sc.rank} von {len(result.scores)}.",
        f"Indexwert {format_number(sc.value, 2)} = {_signed(sc.t)} Standardabweichungen vom "
        f"Mittel ({format_number(result.index_mean, 2)}"
        f"{', Basisjahr' if result.frozen else ''}).",
    ]
    symbol = {"z": "z", "perzentil": "Perzentilrang", "minmax": "skaliert"}[
        result.definition.standardisation]
    for c in sorted(sc.contributions, key=lambda c: (-c.value, c.indicator_id)):
        label = result.labels.get(c.indicator_id, c.indicator_id)
        flipped = " (umgedreht: hoch = weniger Bedarf)" if c.direction == -1 else ""
        lines.append(
            f"„{label}“: {symbol} = {format_number(c.standardised, 2)}{flipped} × Gewicht "
            f"{format_number(c.weight, 2)} = {_signed(c.value)}"
        )
    return "\n".join(lines)
