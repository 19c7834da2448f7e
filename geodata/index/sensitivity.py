"""How robust a need index's classes are to its weights.

Sensitivity
-----------
Variants: each weight × (1 ± 10 %) (the others unchanged, then renormalised) and, with two or
more indicators, each indicator left out. Every variant rates the same areas as the definition
itself (an area lacking only the left-out indicator's value is not brought in), so only the
weighting differs. For each rated area, the number of variants in which
its class differs from the class of the definition itself; areas that change in at least
``borderline_at`` variants (default: a third of the variants, at least 2) are *borderline*.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from geodata.index.compute import IndexInput, compute_index, exclusions
from geodata.index.definition import IndexDefinition
from geodata.statistics.numfmt import format_number


# --- sensitivity ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """One changed definition and the rated areas whose class it changes."""

    label: str  # German, e.g. "Gewicht „sgb2_quote_u15“ +10 %"
    kind: str  # "gewicht+" | "gewicht-" | "ohne"
    indicator_id: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Sensitivity:
    """How stable the classes are (see module docstring)."""

    variants: tuple[Variant, ...]
    changes: Mapping[str, int]  # rated area → number of variants that change its class
    borderline: tuple[str, ...]
    threshold: int


def _variants(defn: IndexDefinition, step: float, labels: Mapping[str, str],
              ) -> list[tuple[str, str, str, IndexDefinition]]:
    pct = format_number(100 * step, 1).removesuffix(",0")
    out = []
    for ind in defn.indicators:
        for kind, factor, sign in (("gewicht+", 1 + step, "+"), ("gewicht-", 1 - step, "−")):
            inds = tuple(replace(i, weight=i.weight * factor) if i.id == ind.id else i
                         for i in defn.indicators)
            out.append((f"Gewicht „{labels.get(ind.id, ind.id)}“ {sign}{pct} %", kind, ind.id,
                        replace(defn, indicators=inds)))
    if len(defn.indicators) > 1:
        for ind in defn.indicators:
            rest = tuple(i for i in defn.indicators if i.id != ind.id)
            if sum(i.weight for i in rest) > 0:
                out.append((f"ohne „{labels.get(ind.id, ind.id)}“", "ohne", ind.id, replace(defn, indicators=rest)))
    return out


def sensitivity(
    definition: IndexDefinition,
    data: IndexInput,
    base: IndexInput | None = None,
    step: float = 0.10,
    borderline_at: int | None = None,
) -> Sensitivity:
    """Class changes under each weight ± ``step`` and each indicator left out."""
    ref = compute_index(definition, data, base)
    # Every variant rates the same areas as the definition itself (leaving an indicator out
    # must not bring in areas that lacked only its value), so only the weighting differs.
    same = replace(data, area_ids=tuple(ref.scores))
    same_base = None if base is None else replace(base, area_ids=tuple(
        a for a in base.area_ids if a not in exclusions(definition, base)))
    variants = []
    changes = dict.fromkeys(ref.scores, 0)
    for label, kind, ind_id, defn in _variants(definition, step, data.labels):
        res = compute_index(defn, same, same_base)
        changed = tuple(a for a, sc in ref.scores.items()
                        if a in res.scores and res.scores[a].cls != sc.cls)
        for a in changed:
            changes[a] += 1
        variants.append(Variant(label, kind, ind_id, changed))
    threshold = borderline_at if borderline_at is not None else max(
        2, math.ceil(len(variants) / 3))
    borderline = tuple(a for a, n in changes.items() if n >= threshold)
    return Sensitivity(tuple(variants), changes, borderline, threshold)
