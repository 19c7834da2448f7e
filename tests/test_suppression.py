"""Confidentiality and minimum size, with states worked out by hand."""

from geodata.statistics.suppression import SuppressionRule, primary_state, states_for

RULE = SuppressionRule()  # threshold 3, no minimum population


def test_small_counts_are_suppressed_zero_is_published():
    got = [primary_state("count", v, None, None, RULE) for v in (0, 1, 2, 3, 10)]
    assert got == ["ok", "gesperrt", "gesperrt", "ok", "ok"]
    strict = SuppressionRule(suppress_zero=True)
    assert primary_state("count", 0, None, None, strict) == "gesperrt"
    five = SuppressionRule(threshold=5)
    assert [primary_state("count", v, None, None, five) for v in (3, 4, 5)] == [
        "gesperrt", "gesperrt", "ok"]


def test_rates_are_judged_by_their_numerator():
    assert primary_state("rate", 66.7, 2, 3, RULE) == "gesperrt"  # 2 of 3: large, but secret
    assert primary_state("rate", 3.0, 3, 100, RULE) == "ok"
    assert primary_state("rate", 0.0, 0, 100, RULE) == "ok"
    assert primary_state("rate", None, None, None, RULE) == "keine_daten"


def test_too_small_areas_are_not_rated_but_confidentiality_wins():
    rule = SuppressionRule(min_population=300)
    assert primary_state("rate", 20.0, 10, 250, rule) == "nicht_bewertet"
    assert primary_state("rate", 20.0, 10, 300, rule) == "ok"
    assert primary_state("rate", 20.0, 2, 250, rule) == "gesperrt"
    assert primary_state("rate", 20.0, 10, None, rule) == "ok"  # unknown size is not "small"


def test_secondary_suppression_protects_a_single_suppressed_child():
    # Parent 87 = 2 + 40 + 15 + 30: the 2 could be recomputed as 87 - 85, so the smallest
    # other published child (15) is suppressed too.
    states = states_for("count", [2, 40, 15, 30], [None] * 4, [None] * 4, RULE, parent_value=87)
    assert states == ["gesperrt", "ok", "gesperrt", "ok"]
    # Two primary suppressions already protect each other.
    states = states_for("count", [1, 2, 40], [None] * 3, [None] * 3, RULE, parent_value=43)
    assert states == ["gesperrt", "gesperrt", "ok"]
    # No published parent, nothing to recompute from.
    assert states_for("count", [2, 40], [None] * 2, [None] * 2, RULE) == ["gesperrt", "ok"]
    # Nothing suppressed, nothing to protect.
    assert states_for("count", [5, 40], [None] * 2, [None] * 2, RULE, parent_value=45) == [
        "ok", "ok"]


def test_secondary_suppression_of_rates_uses_numerators_and_skips_zeros():
    # Numerators 1, 0, 7, 9 of parent numerator 17: the 0 reveals nothing and is skipped,
    # the 7 is the smallest non-zero published numerator.
    states = states_for("rate", [10.0, 0.0, 20.0, 30.0], [1, 0, 7, 9], [None] * 4, RULE,
                        parent_value=15.0, parent_numerator=17)
    assert states == ["gesperrt", "ok", "gesperrt", "ok"]
    off = SuppressionRule(secondary=False)
    assert states_for("rate", [10.0, 20.0], [1, 7], [None] * 2, off, parent_value=1.0,
                      parent_numerator=8) == ["gesperrt", "ok"]
