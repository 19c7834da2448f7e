"""Need-based allocation of a budget over areas, compared with an even per-head split.

Inputs: a budget B in whole units (euros or staff hours), a head count h_a per area (e.g.
residents, or children of a target age group: an indicator id), a need value per area (the
index value, or the index class) and the base share s (0 ≤ s ≤ 1).

Formulas
--------
- Base budget B_s = ⌊B · s + ½⌋, need budget B_n = B − B_s.
- **Base** ("Sockel"): B_s split per head over all areas with a head count:
  quota q_a = B_s · h_a / Σ h.
- **Need** ("Bedarfsanteil"): B_n split by need-weighted heads over the rated areas:
  quota q_a = B_n · h_a · f_a / Σ h·f, with the need factor
    - method ``klassen``: f_a = multiplier of the area's class (e.g. {1: 1, 2: 1.5, 3: 2});
    - method ``index``: f_a = I_a − min I (the index shifted so that the lowest rated area has
      0 and every factor is ≥ 0).
  If Σ h·f = 0 (e.g. every rated area has the same index), B_n is split per head over the
  rated areas (over all areas with a head count if none is rated), with a note.
- **Total** = base + need. **Even split** ("Gießkanne"): the whole budget B per head over all
  areas with a head count. **Difference** = total − even split (winners > 0, losers < 0).

Rounding: every column is rounded to whole units with the largest-remainder (Hamilton)
method: each area gets ⌊q_a⌋, and the units left over go one each to the largest fractional
remainders, ties broken by area id (ascending). All arithmetic is exact (fractions; floats are
read as their shortest decimal, so 0.3 is 3/10), hence base, need, total and even split add up
to B_s, B_n, B and B exactly, and every rounded amount differs from its quota by less than 1.

Areas without a head count (missing, or suppressed for confidentiality) get nothing and say
why; areas without a need value (not rated) get only the base. A missing value never counts
as 0 heads or 0 need silently: each such row carries a German note.

CSV export (`allocation_csv`): German Excel: ``;`` as separator, decimal comma, UTF-8 with
BOM, CRLF line ends, a sum row at the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from geodata.index.atlas import population_values
from geodata.statistics.numfmt import format_number, number_param, parse_number
from geodata.statistics.states import suppression_rule
from geodata.statistics.suppression import primary_state

METHODS = {"index": "proportional zum Index", "klassen": "Klassenfaktoren"}


@dataclass(frozen=True)
class AllocationRow:
    """One area's amounts (whole units)."""

    area_id: str
    heads: float | None
    need: float | None  # index value or class, None if not rated
    factor: float | None  # need factor f (None: no need share)
    base: int
    need_amount: int
    total: int
    even: int  # even per-head split of the whole budget ("Gießkanne")
    difference: int  # total - even
    note: str = ""


@dataclass(frozen=True)
class Allocation:
    """The result of `allocate`."""

    budget: int
    unit: str
    base_share: float
    method: str
    base_budget: int
    need_budget: int
    rows: tuple[AllocationRow, ...]
    notes: tuple[str, ...] = ()


def _frac(x: float | int | Fraction) -> Fraction:
    """Exact fraction of a number; floats as their shortest decimal (0.3 → 3/10)."""
    if isinstance(x, Fraction | int):
        return Fraction(x)
    return Fraction(repr(float(x)))


def largest_remainder(total: int, weights: Mapping[str, float | int | Fraction]) -> dict[str, int]:
    """Split ``total`` whole units in proportion to ``weights`` (≥ 0, not all 0 unless
    total is 0) by the largest-remainder method; ties go to the smaller key."""
    if total < 0:
        raise ValueError("Der zu verteilende Betrag ist negativ.")
    exact = {k: _frac(w) for k, w in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise ValueError("Gewichte für die Verteilung dürfen nicht negativ sein.")
    wsum = sum(exact.values(), Fraction(0))
    if wsum == 0:
        if total:
            raise ValueError("Es gibt nichts, worauf der Betrag verteilt werden kann.")
        return dict.fromkeys(exact, 0)
    quotas = {k: total * w / wsum for k, w in exact.items()}
    out = {k: math.floor(q) for k, q in quotas.items()}
    left = total - sum(out.values())
    order = sorted(quotas, key=lambda k: (-(quotas[k] - out[k]), k))
    for k in order[:left]:
        out[k] += 1
    return out


def _check_number(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise ValueError(f"{what} ist keine Zahl.")
    return x


def allocate(
    budget: int,
    heads: Mapping[str, float | None],
    need: Mapping[str, float | None],
    *,
    base_share: float = 0.5,
    method: str = "index",
    multipliers: Mapping[int, float] | None = None,
    unit: str = "€",
) -> Allocation:
    """Allocate ``budget`` over the areas of ``heads`` (in its order); see module docstring.

    ``need`` gives per area the index value (method ``index``) or the class (``klassen``,
    with ``multipliers`` per class); missing or None means not rated. Raises ValueError with a
    German message for invalid input.
    """
    if isinstance(budget, float) and budget.is_integer():
        budget = int(budget)
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise ValueError("Das Budget muss ein ganzer Betrag sein (z. B. 250000).")
    if budget < 0:
        raise ValueError("Das Budget darf nicht negativ sein.")
    share = _check_number(base_share, "Der Sockelanteil")
    if not 0 <= share <= 1:
        raise ValueError("Der Sockelanteil muss zwischen 0 und 1 (0 % bis 100 %) liegen.")
    if method not in METHODS:
        raise ValueError(f"Die Verteilung „{method}“ gibt es nicht; möglich: "
                         f"{', '.join(METHODS)}.")
    mult = dict(multipliers or {})
    if method == "klassen":
        if not mult:
            raise ValueError("Für die Verteilung nach Klassen fehlen die Klassenfaktoren.")
        for c, m in mult.items():
            if _check_number(m, f"Der Faktor für Klasse {c}") < 0:
                raise ValueError(f"Der Faktor für Klasse {c} ist negativ.")

    h: dict[str, Fraction] = {}
    notes_by_area: dict[str, str] = {}
    for a, x in heads.items():
        if x is None or (isinstance(x, float) and math.isnan(x)):
            notes_by_area[a] = "keine Kopfzahl (fehlt oder gesperrt): nicht berücksichtigt"
            continue
        if _check_number(x, f"Die Kopfzahl von „{a}“") < 0:
            raise ValueError(f"Die Kopfzahl von „{a}“ ist negativ.")
        h[a] = _frac(x)
    if budget and sum(h.values(), Fraction(0)) == 0:
        raise ValueError("Keine Gebiete mit Köpfen: Das Budget kann nicht verteilt werden.")

    factors: dict[str, Fraction] = {}
    raw_need: dict[str, float] = {}
    for a in h:
        v = need.get(a)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            notes_by_area[a] = "nicht bewertet: nur Sockelbetrag"
            continue
        _check_number(v, f"Der Bedarfswert von „{a}“")
        raw_need[a] = v
        if method == "klassen":
            if v not in mult:
                raise ValueError(f"Für Klasse {v} (Gebiet „{a}“) fehlt ein Faktor.")
            factors[a] = _frac(mult[v])  # type: ignore[index]
    if method == "index" and raw_need:
        low = min(_frac(v) for v in raw_need.values())
        factors = {a: _frac(v) - low for a, v in raw_need.items()}

    base_budget = math.floor(budget * _frac(share) + Fraction(1, 2))
    need_budget = budget - base_budget
    notes: list[str] = []
    base = largest_remainder(base_budget, h) if h else {}
    need_w = {a: h[a] * f for a, f in factors.items()}
    if need_budget and sum(need_w.values(), Fraction(0)) == 0:
        pool = {a: h[a] for a in factors} if sum((h[a] for a in factors), Fraction(0)) else h
        need_w = dict(pool)
        notes.append("Alle bewerteten Gebiete haben denselben Bedarf (oder keines ist "
                     "bewertet): Der Bedarfsanteil wird nach Köpfen verteilt.")
    need_amt = largest_remainder(need_budget, need_w) if need_w else {}
    even = largest_remainder(budget, h) if h else {}

    rows = []
    for a, x in heads.items():
        if a not in h:
            rows.append(AllocationRow(a, None, None, None, 0, 0, 0, 0, 0, notes_by_area[a]))
            continue
        b, n = base.get(a, 0), need_amt.get(a, 0)
        f = factors.get(a)
        rows.append(AllocationRow(
            area_id=a, heads=float(x), need=raw_need.get(a),  # type: ignore[arg-type]
            factor=None if f is None else float(f), base=b, need_amount=n, total=b + n,
            even=even.get(a, 0), difference=b + n - even.get(a, 0),
            note=notes_by_area.get(a, ""),
        ))
    return Allocation(budget, unit, float(share), method, base_budget, need_budget,
                      tuple(rows), tuple(notes))


# --- repository adapters ----------------------------------------------------------------------
def heads_from_repository(repo: Any, area_ids: Sequence[str], indicator_id: str,
                          year: int) -> dict[str, float | None]:
    """Head counts of a count indicator (e.g. ``einwohner``, ``kinder_u15``) in ``year``, else
    the nearest earlier, else the nearest later year; None where missing or suppressed (a count
    below the confidentiality threshold is never used, so no amount reveals it)."""

    ind = repo.indicator(indicator_id)
    if ind.kind != "count":
        raise ValueError(f"„{ind.name}“ ist keine Anzahl und taugt nicht als Kopfzahl.")
    rule = suppression_rule(repo)
    vals = population_values(repo, area_ids, indicator_id, year)
    return {a: v if v is not None and primary_state("count", v, None, None, rule) == "ok"
            else None for a, v in vals.items()}


def allocate_index(
    repo: Any,
    result: Any,
    budget: int,
    head_indicator: str = "einwohner",
    *,
    base_share: float = 0.5,
    method: str = "index",
    multipliers: Mapping[int, float] | None = None,
    unit: str = "€",
) -> Allocation:
    """`allocate` over the areas of an `geodata.index.compute.IndexResult` (heads from the atlas
    in the index year; need = index value or class of each rated area)."""
    year = result.year if result.year is not None else result.definition.year
    heads = heads_from_repository(repo, result.area_ids, head_indicator, year)
    need: dict[str, float | None] = {
        a: (sc.cls if method == "klassen" else sc.value) for a, sc in result.scores.items()}
    return allocate(budget, heads, need, base_share=base_share, method=method,
                    multipliers=multipliers, unit=unit)


# --- settings in the URL ----------------------------------------------------------------------
UNITS = {"euro": "€", "stunden": "Stunden"}
ALLOCATION_PARAMS = ("budget", "einheit", "sockel", "koepfe", "verfahren", "faktoren")
MAX_BUDGET = 10**12


@dataclass(frozen=True)
class AllocationSettings:
    """What the allocation panel computes (URL parameters in brackets): budget [budget], unit
    [einheit: euro|stunden], base share in % [sockel], head count indicator [koepfe], method
    [verfahren: index|klassen] and, for classes, a factor per class from class 1 [faktoren,
    ``;``-separated, e.g. ``1;1,5;2;3``; empty: 1, 1.5, 2, …]."""

    budget: int = 100_000
    einheit: str = "euro"
    sockel: float = 50.0
    koepfe: str = "einwohner"
    verfahren: str = "index"
    faktoren: tuple[float, ...] = ()

    @property
    def unit(self) -> str:
        return UNITS[self.einheit]

    def multipliers(self, k: int) -> dict[int, float]:
        """Factor per class 1…k: the given ones, else 1, 1.5, 2, … (more need, more money)."""
        given = list(self.faktoren)[:k]
        return {c: given[c - 1] if c <= len(given) else 1 + 0.5 * (c - 1)
                for c in range(1, k + 1)}


def parse_allocation(params: Mapping[str, str], head_ids: Sequence[str],
                     notes: list[str]) -> AllocationSettings:
    """The settings from the URL's first values, with a German notice for each bad one."""

    out = AllocationSettings()
    vals: dict[str, Any] = {}
    if "budget" in params:
        b = parse_number(params["budget"])
        if b is None or b < 0 or b > MAX_BUDGET or not float(b).is_integer():
            notes.append(f"„{params['budget'][:40]}“ (Parameter budget) ist kein ganzer Betrag "
                         f"zwischen 0 und {format_number(MAX_BUDGET)}.")
        else:
            vals["budget"] = int(b)
    if "sockel" in params:
        s = parse_number(params["sockel"])
        if s is None or not 0 <= s <= 100:
            notes.append(f"„{params['sockel'][:40]}“ (Parameter sockel) ist kein Anteil "
                         "zwischen 0 und 100 %.")
        else:
            vals["sockel"] = s
    choices = (("einheit", UNITS, "Die Einheit „{}“ (Parameter einheit) gibt es nicht"),
               ("koepfe", head_ids, "„{}“ (Parameter koepfe) ist keine Anzahl des Katalogs"),
               ("verfahren", METHODS, "Das Verfahren „{}“ (Parameter verfahren) gibt es nicht"))
    for key, allowed, message in choices:
        if key in params:
            if params[key] in allowed:
                vals[key] = params[key]
            else:
                notes.append(message.format(params[key][:40]) +
                             f"; möglich: {', '.join(allowed)}.")
    if params.get("faktoren"):
        nums = [parse_number(p) for p in params["faktoren"].split(";") if p.strip()]
        if not nums or any(n is None or n < 0 for n in nums) or len(nums) > 10:
            notes.append(f"„{params['faktoren'][:40]}“ (Parameter faktoren): erwartet werden "
                         "bis zu 10 Faktoren ≥ 0, getrennt durch „;“, z. B. 1;1,5;2;3.")
        else:
            vals["faktoren"] = tuple(float(n) for n in nums if n is not None)
    return replace(out, **vals)


def allocation_params(s: AllocationSettings) -> dict[str, str]:
    """The URL parameters of the settings that differ from the defaults."""

    d = AllocationSettings()
    out: dict[str, str] = {}
    if s.budget != d.budget:
        out["budget"] = str(s.budget)
    if s.einheit != d.einheit:
        out["einheit"] = s.einheit
    if s.sockel != d.sockel:
        out["sockel"] = number_param(s.sockel)
    if s.koepfe != d.koepfe:
        out["koepfe"] = s.koepfe
    if s.verfahren != d.verfahren:
        out["verfahren"] = s.verfahren
    if s.faktoren:
        out["faktoren"] = ";".join(number_param(f) for f in s.faktoren)
    return out
