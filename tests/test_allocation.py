"""Allocation: known answers worked out by hand, awkward budgets, CSV, and property tests."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.index.allocation import (
    allocate,
    allocate_index,
    heads_from_repository,
    largest_remainder,
)
from geodata.index.atlas import compute_index_for
from geodata.index.definition import default_definition
from geodata.reports.allocation import allocation_csv

HEADS = {"A": 100, "B": 200, "C": 300, "D": 400}


def _amounts(alloc, attr="total"):
    return {r.area_id: getattr(r, attr) for r in alloc.rows}


def test_class_multipliers_known_answer():
    """Budget 1000, base share 50 %: base 500 per head (H = 1000): 50, 100, 150, 200.
    Need 500 by heads × multiplier (classes 3, 2, 1, 1; factors 2, 1.5, 1, 1):
    weights 200, 300, 300, 400 (sum 1200) → quotas 83.33, 125, 125, 166.67 → floors 83, 125,
    125, 166 (499); the one unit left goes to the largest remainder, D (.67) → 167.
    Totals 133, 225, 275, 367 (= 1000); even split 100, 200, 300, 400; difference +33, +25,
    −25, −33."""
    alloc = allocate(1000, HEADS, {"A": 3, "B": 2, "C": 1, "D": 1}, base_share=0.5,
                     method="klassen", multipliers={1: 1, 2: 1.5, 3: 2})
    assert (alloc.base_budget, alloc.need_budget) == (500, 500)
    assert _amounts(alloc, "base") == {"A": 50, "B": 100, "C": 150, "D": 200}
    assert _amounts(alloc, "need_amount") == {"A": 83, "B": 125, "C": 125, "D": 167}
    assert _amounts(alloc) == {"A": 133, "B": 225, "C": 275, "D": 367}
    assert _amounts(alloc, "even") == HEADS
    assert _amounts(alloc, "difference") == {"A": 33, "B": 25, "C": -25, "D": -33}
    assert [r.factor for r in alloc.rows] == [2, 1.5, 1, 1]


def test_proportional_to_the_shifted_index_known_answer():
    """Index 1, .5, −1/3, 0 shifted by the minimum −1/3: factors 4/3, 5/6, 0, 1/3. Equal heads
    (100): shares (4/3) / (5/2) = 8/15, (5/6)/(5/2) = 1/3, 0, (1/3)/(5/2) = 2/15 of 3000 →
    1600, 1000, 0, 400. Even split 750 each."""
    heads = dict.fromkeys("ABCD", 100)
    alloc = allocate(3000, heads, {"A": 1.0, "B": 0.5, "C": -1 / 3, "D": 0.0}, base_share=0)
    assert _amounts(alloc) == {"A": 1600, "B": 1000, "C": 0, "D": 400}
    assert _amounts(alloc, "difference") == {"A": 850, "B": 250, "C": -750, "D": -350}
    assert [r.factor for r in alloc.rows] == pytest.approx([4 / 3, 5 / 6, 0, 1 / 3])


@pytest.mark.parametrize(("budget", "n", "expected"), [
    (7, 4, [2, 2, 2, 1]),  # 1.75 each: floors 4, three units left, ties → A, B, C
    (1_000_001, 3, [333_334, 333_334, 333_333]),  # 333 333.67 each: two units left → A, B
    (0, 4, [0, 0, 0, 0]),
    (2, 5, [1, 1, 0, 0, 0]),  # budget smaller than the number of areas
    (1, 7, [1, 0, 0, 0, 0, 0, 0]),
])
def test_awkward_budgets_add_up_to_the_euro(budget, n, expected):
    heads = {f"{i:02d}": 10 for i in range(n)}
    alloc = allocate(budget, heads, {}, base_share=1.0)
    assert [r.total for r in alloc.rows] == expected
    assert sum(r.total for r in alloc.rows) == budget == sum(r.even for r in alloc.rows)


def test_ties_go_to_the_smaller_area_id_whatever_the_input_order():
    assert largest_remainder(2, {"C": 1, "A": 1, "B": 1}) == {"C": 0, "A": 1, "B": 1}
    alloc = allocate(2, {"C": 5, "A": 5, "B": 5}, {}, base_share=1.0)
    assert _amounts(alloc) == {"C": 0, "A": 1, "B": 1}


def test_base_budget_uses_exact_decimals():
    """5 × 0.3 = 1.5 exactly (not 1.4999… in binary) → base ⌊1.5 + ½⌋ = 2, need 3;
    7 × 0.5 = 3.5 → base 4, need 3."""
    alloc = allocate(5, HEADS, {"A": 1.0}, base_share=0.3)
    assert (alloc.base_budget, alloc.need_budget) == (2, 3)
    assert allocate(7, HEADS, {"A": 1.0}).base_budget == 4


def test_missing_heads_and_unrated_areas_are_explicit():
    heads = {"A": 100, "B": None, "C": math.nan, "D": 100}
    alloc = allocate(1000, heads, {"A": 2.0, "B": 1.0, "D": 1.0}, base_share=0.5)
    rows = {r.area_id: r for r in alloc.rows}
    assert rows["B"].heads is None and rows["B"].total == 0
    assert rows["B"].note == "keine Kopfzahl (fehlt oder gesperrt): nicht berücksichtigt"
    assert rows["C"].note == rows["B"].note
    # D has the lowest index: factor 0, base only; A gets base 250 + the whole need 500.
    assert (rows["A"].base, rows["A"].need_amount, rows["D"].total) == (250, 500, 250)
    alloc2 = allocate(1000, {"A": 100, "D": 300}, {"A": 1.0}, base_share=0.5)
    rows2 = {r.area_id: r for r in alloc2.rows}
    assert rows2["D"].note == "nicht bewertet: nur Sockelbetrag" and rows2["D"].need is None
    # D: base 500 · 300/400 = 375, no need share; A: 125 + 500 (all need) = 625
    assert (rows2["D"].total, rows2["A"].total) == (375, 625)


def test_equal_need_falls_back_to_heads_with_a_note():
    alloc = allocate(1000, HEADS, dict.fromkeys(HEADS, 0.7), base_share=0.2)
    assert _amounts(alloc) == HEADS and "denselben Bedarf" in alloc.notes[0]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"budget": 10.5}, "ganzer Betrag"),
    ({"budget": -1}, "nicht negativ"),
    ({"base_share": 1.2}, "zwischen 0 und 1"),
    ({"base_share": math.nan}, "keine Zahl"),
    ({"method": "gleich"}, "„gleich“ gibt es nicht"),
    ({"method": "klassen"}, "Klassenfaktoren"),
    ({"method": "klassen", "multipliers": {1: 1}}, "Für Klasse 2"),
    ({"heads": {"A": -3}}, "Kopfzahl von „A“ ist negativ"),
    ({"heads": {"A": 0, "B": None}}, "Keine Gebiete mit Köpfen"),
])
def test_invalid_input_gives_german_errors(kwargs, message):
    args = {"budget": 100, "heads": {"A": 10, "B": 20}, "need": {"A": 1, "B": 2}} | kwargs
    budget, heads, need = args.pop("budget"), args.pop("heads"), args.pop("need")
    with pytest.raises(ValueError, match=message):
        allocate(budget, heads, need, **args)


def test_csv_for_german_excel():
    alloc = allocate(1000, HEADS, {"A": 3, "B": 2, "C": 1, "D": 1}, base_share=0.5,
                     method="klassen", multipliers={1: 1, 2: 1.5, 3: 2})
    data = allocation_csv(alloc, {"A": "Altstadt", "B": "=HYPERLINK()", "C": "Gallus"})
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("Gebiet-ID;Gebiet;Köpfe;Bedarfsklasse;Bedarfsfaktor;Sockel (€);"
                        "Bedarfsanteil (€);Gesamt (€);Gießkanne je Kopf (€);Differenz (€);Hinweis")
    assert lines[1] == "A;Altstadt;100;3;2;50;83;133;100;33;"
    assert lines[2] == "B;'=HYPERLINK();200;2;1,5;100;125;225;200;25;"
    assert lines[5] == ";Summe;1000;;;500;500;1000;1000;0;"
    idx = allocate(3000, dict.fromkeys("ABCD", 1500), {"A": 1.0, "B": 0.5, "C": -1 / 3,
                                                      "D": 0.0}, base_share=0)
    row_c = allocation_csv(idx).decode("utf-8-sig").split("\r\n")[3]
    assert row_c == "C;;1500;-0,33;0;0;0;0;750;-750;"  # no thousands dot, decimal comma


# --- on the atlas -----------------------------------------------------------------------------
def test_allocation_of_the_frankfurt_index(repo):
    res = compute_index_for(repo, default_definition())
    heads = heads_from_repository(repo, res.area_ids, "kinder_6_13", 2023)
    assert heads["06412000-012"] == repo.value("06412000-012", "kinder_6_13", 2012).value
    alloc = allocate_index(repo, res, 1_000_001, "kinder_6_13", base_share=0.3,
                           method="klassen", multipliers={1: 0.5, 2: 1, 3: 1.5, 4: 2})
    assert sum(r.total for r in alloc.rows) == 1_000_001
    rows = {r.area_id: r for r in alloc.rows}
    for a in res.excluded:
        assert rows[a].need_amount == 0 and rows[a].note
    for a, sc in res.scores.items():
        assert rows[a].need == sc.cls
    with pytest.raises(ValueError, match="keine Anzahl"):
        heads_from_repository(repo, res.area_ids, "sgb2_quote_u15", 2023)


# --- properties -------------------------------------------------------------------------------
def _exact(total: int, weights: dict[str, Fraction]) -> dict[str, Fraction]:
    s = sum(weights.values(), Fraction(0))
    return {k: total * w / s for k, w in weights.items()}


areas = st.dictionaries(
    st.text("ABCDEFGHIJ", min_size=1, max_size=3),
    st.tuples(
        st.one_of(st.none(), st.integers(0, 100_000), st.floats(0, 1e5, allow_nan=False)),
        st.one_of(st.none(), st.floats(-4, 4, allow_nan=False)),
        st.integers(1, 5),
    ),
    min_size=1, max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(areas=areas, budget=st.integers(0, 10**9), share=st.floats(0, 1),
       method=st.sampled_from(["index", "klassen"]),
       mults=st.lists(st.floats(0, 5, allow_nan=False), min_size=5, max_size=5))
def test_amounts_always_add_up_exactly(areas, budget, share, method, mults):
    heads = {a: h for a, (h, _, _) in areas.items()}
    if method == "klassen":
        need = {a: c for a, (_, v, c) in areas.items() if v is not None}
    else:
        need = {a: v for a, (_, v, _) in areas.items()}
    multipliers = dict(enumerate(mults, 1))
    known = {a: Fraction(repr(float(h))) for a, h in heads.items() if h is not None}
    if budget and not any(known.values()):
        with pytest.raises(ValueError):
            allocate(budget, heads, need, base_share=share, method=method,
                     multipliers=multipliers)
        return
    alloc = allocate(budget, heads, need, base_share=share, method=method,
                     multipliers=multipliers)
    rows = alloc.rows
    assert [r.area_id for r in rows] == list(heads)
    assert sum(r.total for r in rows) == budget
    assert sum(r.even for r in rows) == budget
    assert sum(r.base for r in rows) == alloc.base_budget
    assert sum(r.need_amount for r in rows) == alloc.need_budget
    assert alloc.base_budget + alloc.need_budget == budget
    for r in rows:
        assert min(r.base, r.need_amount, r.total, r.even) >= 0
        assert r.total == r.base + r.need_amount and r.difference == r.total - r.even
        if r.heads is None:
            assert r.total == 0 and r.note
    if budget:  # the even split is within one unit of its exact quota
        exact = _exact(budget, known)
        for r in rows:
            if r.area_id in exact:
                assert abs(r.even - exact[r.area_id]) < 1
    # deterministic and independent of the input order
    rev = allocate(budget, dict(reversed(list(heads.items()))), need, base_share=share,
                   method=method, multipliers=multipliers)
    assert {r.area_id: r.total for r in rev.rows} == {r.area_id: r.total for r in rows}


@settings(max_examples=200, deadline=None)
@given(total=st.integers(0, 10**12),
       weights=st.dictionaries(st.text("abcdef", min_size=1, max_size=3),
                               st.integers(0, 10**6), min_size=1, max_size=30))
def test_largest_remainder_is_exact_and_within_one_of_the_quota(total, weights):
    if not any(weights.values()):
        if total:
            with pytest.raises(ValueError):
                largest_remainder(total, weights)
        return
    out = largest_remainder(total, weights)
    assert sum(out.values()) == total
    for k, q in _exact(total, {k: Fraction(w) for k, w in weights.items()}).items():
        assert math.floor(q) <= out[k] <= math.ceil(q)
