"""Statistical confidentiality and minimum size: the special states of a map value.

States
------
``ok``
    A normal value, classified and coloured.
``keine_daten``
    No value.
``gesperrt`` (suppressed)
    Confidentiality, as in official statistics: a count of 1 or 2 (below ``threshold``,
    default 3), and a rate or mean whose numerator *or* denominator is below the threshold, is
    not published (primary suppression); neither is any value from which such a value follows
    (secondary suppression, `geodata.statistics.disclosure`), nor a cell the source itself
    published as suppressed (``.`` in an official table, stored without a value, see
    docs/dev/data-model.md, "Cell states"). Zero is published (it reveals no
    person) unless ``suppress_zero`` is set. Shown as "·", never drawn, listed or exported as
    a number.
``nicht_bewertet`` (not rated)
    The area has fewer residents than ``min_population``: its value is too unstable to
    classify. An unknown population is not "too small".

Precedence: ``keine_daten``, then ``gesperrt`` (confidentiality always wins, also for tiny
areas), then ``nicht_bewertet``.

Secondary suppression of one group (`states_for`): if exactly one child of a published parent
is suppressed, it could be recomputed as parent minus the published siblings; so the smallest
other published child with a non-zero count (for rates: numerator) is suppressed too ("at
least two suppressed cells per sum"). `geodata.statistics.disclosure` applies the same rule to
every sum of the atlas at once, together with the rules for rates and their counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SYMBOL = {"keine_daten": "–", "gesperrt": "·", "nicht_bewertet": "n. b."}
LABEL = {
    "keine_daten": "keine Daten",
    "gesperrt": "gesperrt (Geheimhaltung)",
    "nicht_bewertet": "nicht bewertet (zu wenige Einwohner)",
}


@dataclass(frozen=True)
class SuppressionRule:
    """Thresholds of confidentiality and minimum size (see module docstring)."""

    threshold: int = 3
    min_population: float = 0.0
    suppress_zero: bool = False
    secondary: bool = True


def _small(count: float | None, rule: SuppressionRule) -> bool:
    if count is None:
        return False
    return count < rule.threshold and (count > 0 or rule.suppress_zero)


def is_small(count: float | None, rule: SuppressionRule) -> bool:
    """True for a count the rule does not publish (1 or 2 with the default threshold 3)."""
    return _small(count, rule)


def primary_state(
    kind: str,
    value: float | None,
    numerator: float | None,
    population: float | None,
    rule: SuppressionRule,
    denominator: float | None = None,
) -> str:
    """The state of one value on its own (no secondary suppression): a small count, or a rate
    or mean whose numerator or denominator is small, is suppressed."""
    if value is None:
        return "keine_daten"
    if kind == "count":
        if _small(value, rule):
            return "gesperrt"
    elif _small(numerator, rule) or _small(denominator, rule):
        return "gesperrt"
    if rule.min_population > 0 and population is not None and population < rule.min_population:
        return "nicht_bewertet"
    return "ok"


def states_for(
    kind: str,
    values: Sequence[float | None],
    numerators: Sequence[float | None],
    populations: Sequence[float | None],
    rule: SuppressionRule,
    parent_value: float | None = None,
    parent_numerator: float | None = None,
) -> list[str]:
    """States for the children of one parent, in input order, including secondary suppression."""
    states = [
        primary_state(kind, v, n, p, rule)
        for v, n, p in zip(values, numerators, populations, strict=True)
    ]
    parent_count = parent_value if kind == "count" else parent_numerator
    if not rule.secondary or parent_count is None or _small(parent_count, rule):
        return states
    if states.count("gesperrt") != 1:
        return states
    counts = values if kind == "count" else numerators
    pick = complement(counts, [s == "gesperrt" for s in states])
    if pick is not None:
        states[pick] = "gesperrt"
    return states


def complement(counts: Sequence[float | None], suppressed: Sequence[bool]) -> int | None:
    """The part to suppress beside a single suppressed one: the smallest published non-zero
    count (the first of equal ones), or None if there is none."""
    candidates = [(c, i) for i, (c, s) in enumerate(zip(counts, suppressed, strict=True))
                  if not s and c is not None and c > 0]
    return min(candidates)[1] if candidates else None


def worse_state(a: str, b: str) -> str:
    """Combined state of a change: any missing, suppressed or unrated year wins."""
    for state in ("keine_daten", "gesperrt", "nicht_bewertet"):
        if state in (a, b):
            return state
    return "ok"
