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
from geodata.statistics.published import published

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
class UnratedArea:
    """An area the index could not rate for a suppressed or missing input: why, how its
    amount was set, and whether its published indicators put it in the highest class."""

    area_id: str
    reason: str
    rule: str
    high_need: bool


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
    unrated: tuple[UnratedArea, ...] = ()  # areas without an index value for an input gap
    rule: str = "sockel"  # how their amount was set (UNRATED_RULES)
    heads_label: str = ""  # e.g. "Einwohnerinnen und Einwohner 2012"


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
    the nearest earlier, else the nearest later year, as published; None where missing or
    suppressed (a suppressed count is never used, so no amount reveals it)."""
    return head_counts(repo, area_ids, indicator_id, year)[0]


def head_counts(repo: Any, area_ids: Sequence[str], indicator_id: str,
                year: int) -> tuple[dict[str, float | None], dict[str, int]]:
    """`heads_from_repository` and the year each head count comes from."""
    repo = published(repo)
    ind = repo.indicator(indicator_id)
    if ind.kind != "count":
        raise ValueError(f"„{ind.name}“ ist keine Anzahl und taugt nicht als Kopfzahl.")
    return population_values(repo, area_ids, indicator_id, year)


def years_text(years: Mapping[str, int]) -> str:
    """The years of the head counts in words: "2012", or "2012 (3 Gebiete: 2011)"."""
    if not years:
        return ""
    counts: dict[int, int] = {}
    for y in years.values():
        counts[y] = counts.get(y, 0) + 1
    main = max(counts, key=lambda y: (counts[y], y))
    rest = [f"{n} {'Gebiet' if n == 1 else 'Gebiete'}: {y}" for y, n in sorted(counts.items())
            if y != main]
    return str(main) + (f" ({'; '.join(rest)})" if rest else "")


UNRATED_RULES = {
    "teilindex": "nach dem Teilindex der veröffentlichten Indikatoren",
    "mittel": "wie ein mittleres bewertetes Gebiet",
    "hoechster": "wie das bewertete Gebiet mit dem höchsten Bedarf",
    "sockel": "nur Sockelbetrag (kein Bedarfsanteil)",
}


def _unrated_need(result: Any, method: str, rule: str) -> tuple[dict[str, float],
                                                                dict[str, str]]:
    """Need values and notes for the areas with an input gap under ``rule``."""
    scores = list(result.scores.values())
    if not scores or rule == "sockel":
        return {}, {}
    if method == "klassen":
        classes = sorted(sc.cls for sc in scores)
        middle, top = float(classes[(len(classes) - 1) // 2]), float(result.k)
    else:
        values = [sc.value for sc in scores]
        middle, top = sum(values) / len(values), max(values)
    need: dict[str, float] = {}
    notes: dict[str, str] = {}
    n_inds = len(result.definition.indicators)
    for a in result.input_gaps:
        part = result.partial.get(a)
        if rule == "teilindex" and part is not None:
            need[a] = float(part.cls) if method == "klassen" else part.value
            notes[a] = (f"Bedarfsanteil nach Teilindex aus {len(part.used)} von {n_inds} "
                        f"Indikatoren (Klasse {part.cls})")
            continue
        fallback = rule if rule != "teilindex" else "mittel"
        need[a] = top if fallback == "hoechster" else middle
        notes[a] = ("Bedarfsanteil " + UNRATED_RULES[fallback]
                    + (" (kein veröffentlichter Indikator für einen Teilindex)"
                       if rule == "teilindex" else ""))
    return need, notes


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
    unrated: str = "sockel",
) -> Allocation:
    """`allocate` over the areas of an `geodata.index.compute.IndexResult` (heads as published
    in the index year, else the nearest year; need = index value or class of each rated area).

    An area the index could not rate for a suppressed or missing input is not silently left
    with the base share: ``unrated`` (`UNRATED_RULES`) sets its need, and `Allocation.unrated`
    lists each such area with its reason and the rule applied; a note warns when one of them
    would be in the highest class by its published indicators."""
    if unrated not in UNRATED_RULES:
        raise ValueError(f"Die Regel „{unrated}“ für nicht bewertete Gebiete gibt es nicht; "
                         f"möglich: {', '.join(UNRATED_RULES)}.")
    year = result.year if result.year is not None else result.definition.year
    heads, years = head_counts(repo, result.area_ids, head_indicator, year)
    need: dict[str, float | None] = {
        a: (sc.cls if method == "klassen" else sc.value) for a, sc in result.scores.items()}
    extra, extra_notes = _unrated_need(result, method, unrated)
    if method == "index" and result.scores:
        # The need factor is the index above the lowest rated area's: a partial score below
        # it counts as that lowest one (no negative factor, the rated areas' factors kept).
        low = min(sc.value for sc in result.scores.values())
        extra = {a: max(v, low) for a, v in extra.items()}
    need.update(extra)
    alloc = allocate(budget, heads, need, base_share=base_share, method=method,
                     multipliers=multipliers, unit=unit)
    unrated_rows = []
    warnings = []
    for a in result.input_gaps:
        ex = result.excluded[a]
        part = result.partial.get(a)
        high = part is not None and result.k > 0 and part.cls == result.k
        rule_text = extra_notes.get(a, "nur Sockelbetrag (kein Bedarfsanteil)")
        unrated_rows.append(UnratedArea(a, "; ".join(ex.reasons), rule_text, high))
        if high:
            warnings.append(a)
    rows = []
    for r in alloc.rows:
        if r.area_id in extra_notes and r.heads is not None:
            ex = result.excluded[r.area_id]
            r = replace(r, note=f"nicht bewertet ({'; '.join(ex.reasons)}): "
                        f"{extra_notes[r.area_id]}")
        elif r.area_id in result.input_gaps and r.heads is not None and unrated == "sockel":
            r = replace(r, note="nicht bewertet ("
                        f"{'; '.join(result.excluded[r.area_id].reasons)}): nur Sockelbetrag")
        rows.append(r)
    notes = list(alloc.notes)
    if warnings:
        notes.append(f"Achtung: {len(warnings)} nicht bewertete{'s' if len(warnings) == 1 else ''}"
                     " Gebiet" + ("" if len(warnings) == 1 else "e") + " gehör"
                     + ("t" if len(warnings) == 1 else "en") + " nach den veröffentlichten "
                     "Indikatoren in die höchste Bedarfsklasse: " + ", ".join(
                         _name(repo, a) for a in warnings) + ".")
    head_name = published(repo).indicator(head_indicator).name
    return replace(alloc, rows=tuple(rows), notes=tuple(notes), unrated=tuple(unrated_rows),
                   rule=unrated, heads_label=f"{head_name} {years_text(years)}".strip())


def _name(repo: Any, area_id: str) -> str:
    return repo.areas[area_id].name if area_id in repo.areas else area_id


# --- settings in the URL ----------------------------------------------------------------------
UNITS = {"euro": "€", "stunden": "Stunden"}
ALLOCATION_PARAMS = ("budget", "einheit", "sockel", "koepfe", "verfahren", "faktoren",
                     "unbewertet")
MAX_BUDGET = 10**12


@dataclass(frozen=True)
class AllocationSettings:
    """What the allocation panel computes (URL parameters in brackets): budget [budget], unit
    [einheit: euro|stunden], base share in % [sockel], head count indicator [koepfe], method
    [verfahren: index|klassen], for classes a factor per class from class 1 [faktoren,
    ``;``-separated, e.g. ``1;1,5;2;3``; empty: 1, 1.5, 2, …], and how areas without an
    index value for a suppressed or missing input get their need share [unbewertet:
    teilindex|mittel|hoechster|sockel, `UNRATED_RULES`]."""

    budget: int = 100_000
    einheit: str = "euro"
    sockel: float = 50.0
    koepfe: str = "einwohner"
    verfahren: str = "index"
    faktoren: tuple[float, ...] = ()
    unbewertet: str = "teilindex"

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
               ("verfahren", METHODS, "Das Verfahren „{}“ (Parameter verfahren) gibt es nicht"),
               ("unbewertet", UNRATED_RULES,
                "Die Regel „{}“ (Parameter unbewertet) gibt es nicht"))
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
    if s.unbewertet != d.unbewertet:
        out["unbewertet"] = s.unbewertet
    return out
