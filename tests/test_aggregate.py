"""Aggregation up the hierarchy, with values worked out by hand.

Hierarchy: Kreis K with Gemeinden G1 and G2; G1 has quarters Q1 and Q2.
"""

import pandas as pd
import pytest

from geodata.statistics.aggregate import aggregate_values

AREAS = pd.DataFrame(
    {"area_id": ["K", "G1", "G2", "Q1", "Q2"], "parent_id": ["", "K", "K", "G1", "G1"]}
)
CATALOGUE = pd.DataFrame(
    {
        "id": ["kinder", "betreut", "quote", "schulen", "nur_q1"],
        "kind": ["count", "count", "rate", "count", "count"],
        "numerator": ["", "", "betreut", "", ""],
        "denominator": ["", "", "kinder", "", ""],
        "factor": ["", "", "100", "", ""],
    }
)


def _values(rows):
    df = pd.DataFrame(rows, columns=["area_id", "indicator_id", "year", "value"])
    return aggregate_values(df, AREAS, CATALOGUE).set_index(["area_id", "indicator_id", "year"])


def test_counts_sum_and_rates_are_recomputed_not_averaged():
    out = _values([
        ("Q1", "kinder", 2023, 10), ("Q2", "kinder", 2023, 30), ("G2", "kinder", 2023, 20),
        ("Q1", "betreut", 2023, 2), ("Q2", "betreut", 2023, 9), ("G2", "betreut", 2023, 5),
    ])
    v = out["value"]
    assert v[("G1", "kinder", 2023)] == 40 and v[("G1", "betreut", 2023)] == 11
    assert v[("K", "kinder", 2023)] == 60 and v[("K", "betreut", 2023)] == 16
    assert v[("Q1", "quote", 2023)] == pytest.approx(20.0)
    assert v[("Q2", "quote", 2023)] == pytest.approx(30.0)
    assert v[("G1", "quote", 2023)] == pytest.approx(27.5)  # 11/40, not (20+30)/2 = 25
    assert v[("G2", "quote", 2023)] == pytest.approx(25.0)
    assert v[("K", "quote", 2023)] == pytest.approx(100 * 16 / 60)  # 26.67, not 26.25
    assert out.loc[("K", "quote", 2023), "numerator"] == 16
    assert out.loc[("K", "quote", 2023), "denominator"] == 60
    assert pd.isna(out.loc[("K", "kinder", 2023), "numerator"])


def test_incomplete_children_give_no_parent_value():
    out = _values([("Q1", "nur_q1", 2023, 7)])
    assert ("Q1", "nur_q1", 2023) in out.index
    assert ("G1", "nur_q1", 2023) not in out.index
    assert ("K", "nur_q1", 2023) not in out.index


def test_stored_parent_value_wins_and_is_used_further_up():
    out = _values([
        ("Q1", "schulen", 2015, 1), ("Q2", "schulen", 2015, 1),
        ("G1", "schulen", 2015, 3),  # the city counts a school without coordinates too
        ("G2", "schulen", 2015, 2),
    ])
    assert out.loc[("G1", "schulen", 2015), "value"] == 3
    assert out.loc[("K", "schulen", 2015), "value"] == 5


def test_zero_denominator_gives_no_rate():
    out = _values([("Q1", "kinder", 2023, 0), ("Q1", "betreut", 2023, 0)])
    assert ("Q1", "quote", 2023) not in out.index


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown areas"):
        _values([("X9", "kinder", 2023, 1)])
    with pytest.raises(ValueError, match="duplicate"):
        _values([("Q1", "kinder", 2023, 1), ("Q1", "kinder", 2023, 2)])
