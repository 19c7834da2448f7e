"""The disclosure control on small hand-made atlases, with every expected cell worked out by
hand from the documented rules (geodata/statistics/disclosure.py), threshold 3.

The three-level example: Kreis K (06999) → Gemeinden G1, G2 → three Stadtteile each.
"""

from __future__ import annotations

import pytest

from geodata.model.entities import ROOT
from geodata.statistics.disclosure import disclosure
from geodata.statistics.published import published
from tests.smallatlas import count, rate, small_repository

K, G1, G2 = "06999", "06999001", "06999002"
Q11, Q12, Q13 = "06999001-001", "06999001-002", "06999001-003"
Q21, Q22, Q23 = "06999002-001", "06999002-002", "06999002-003"
QUARTERS = (Q11, Q12, Q13, Q21, Q22, Q23)
AREAS = [(K, "Kreis", "kreis", ""), (G1, "Gemeinde 1", "gemeinde", K),
         (G2, "Gemeinde 2", "gemeinde", K)] + [
    (q, f"Stadtteil {q[-1]} von {q[7]}", "quartier", q[:8]) for q in QUARTERS]
CATALOGUE = [
    count("kinder", "Kinder"), count("foerder", "Kinder mit Förderbedarf"),
    count("betreut", "Kinder in Betreuung"), count("z", "Fälle z"),
    rate("quote", "Förderquote", "foerder", "kinder"),
    rate("quote2", "Betreuungsquote", "betreut", "kinder"),
]
Y = 2023
# Stadtteil: kinder (D), foerder (N), betreut (N2), z
DATA = {
    Q11: (40, 2, 30, 1), Q12: (60, 9, 45, 0), Q13: (50, 6, 20, 0),
    Q21: (2, 0, 1, 4), Q22: (80, 10, 60, 6), Q23: (70, 8, 50, 5),
}
# Sums worked out by hand: G1 kinder 150, foerder 17, betreut 95, z 1;
# G2 kinder 152, foerder 18, betreut 111, z 15; K kinder 302, foerder 35, betreut 206, z 16.


def three_level_values() -> dict[tuple[str, str, int], float]:
    """The quarters' counts of `DATA` as {(area, indicator, year): value}."""
    return {(q, ind, Y): v for q, row in DATA.items()
            for ind, v in zip(("kinder", "foerder", "betreut", "z"), row, strict=True)}


@pytest.fixture(scope="module")
def three_levels():
    return small_repository(AREAS, CATALOGUE, three_level_values())


def suppressed(repo, ind_id):
    atlas = published(repo)
    return {a for a in (K, G1, G2, *QUARTERS) if atlas.cell(a, ind_id, Y).state == "gesperrt"}


def test_sums_as_aggregated(three_levels):
    repo = three_levels
    assert repo.value(G1, "kinder", Y).value == 150 and repo.value(G2, "foerder", Y).value == 18
    assert repo.value(K, "z", Y).value == 16 and repo.value(ROOT, "betreut", Y).value == 206


def test_rates_and_shared_counts_across_indicators(three_levels):
    """Primary: foerder Q11 = 2, kinder Q21 = 2, betreut Q21 = 1; the rates with those counts.
    - foerder in G1: one suppressed (Q11) → the smallest other non-zero Stadtteil, Q13 (6).
    - quote Q21 is suppressed (its denominator 2): its published numerator 0 would give the
      rate 0 → foerder Q21 is suppressed; foerder in G2 then has one suppressed → Q23 (8 < 10).
    - kinder in G2: Q21 alone → Q23 (70 < 80). betreut in G2: Q21 alone → Q23 (50 < 60).
    - a rate is published only with both counts: quote Q13 (numerator suppressed), quote and
      quote2 Q23 go too. quote Q11 and Q21, quote2 Q21 are primary.
    - G1, G2 and K keep all values: no sum at their level has exactly one suppressed cell."""
    repo = three_levels
    assert suppressed(repo, "kinder") == {Q21, Q23}
    assert suppressed(repo, "foerder") == {Q11, Q13, Q21, Q23}
    assert suppressed(repo, "betreut") == {Q21, Q23}
    assert suppressed(repo, "quote") == {Q11, Q13, Q21, Q23}
    assert suppressed(repo, "quote2") == {Q21, Q23}


def test_a_suppression_cascades_up_and_down_the_levels(three_levels):
    """z: Stadtteil Q11 = 1 and so Gemeinde G1 = 1 are primary. In the Kreis's sum (16 = G1
    + G2) G1 is alone → G2 (15) is suppressed; in G2's own sum (15 = 4 + 6 + 5) G2 is then
    alone → its smallest Stadtteil Q21 (4). Q12 and Q13 (0) stay: zeros are published."""
    assert suppressed(three_levels, "z") == {Q11, G1, G2, Q21}


def test_counts_of_primary_and_secondary_suppressions(three_levels):
    d = disclosure(three_levels)
    # primary: kinder Q21, foerder Q11, betreut Q21, z Q11 and G1, quote Q11 and Q21,
    # quote2 Q21 = 8; secondary: kinder Q23, foerder Q13 Q21 Q23, betreut Q23, z G2 Q21,
    # quote Q13 Q23, quote2 Q23 = 10.
    assert (d.primary, d.secondary, d.audited) == (8, 10, 0)


def test_published_cells_are_rounded_and_counts_shown_where_published(three_levels):
    atlas = published(three_levels)
    c = atlas.cell(Q12, "quote", Y)
    assert (c.state, c.value, c.numerator, c.denominator) == ("ok", 15.0, 9, 60)  # 9/60
    c = atlas.cell(Q22, "quote2", Y)
    assert c.value == 75.0  # 60 / 80
    c = atlas.cell(G1, "quote", Y)
    assert c.value == pytest.approx(11.3)  # 17 / 150 = 11,33 %
    # Q11: rate suppressed, its numerator suppressed, its denominator (40) published.
    c = atlas.cell(Q11, "quote", Y)
    assert (c.state, c.value, c.numerator, c.denominator) == ("gesperrt", None, None, 40)


def test_combined_area_is_published_only_without_a_suppressed_member(three_levels):
    atlas = published(three_levels)
    assert atlas.combined([Q12, Q22], "quote", Y).value == pytest.approx(100 * 19 / 140, abs=.05)
    assert atlas.combined([Q11, Q12], "kinder", Y).value == 100  # both counts published
    # quote Q11 is suppressed: Q11 + Q12 minus the published Q12 would give it back.
    assert atlas.combined([Q11, Q12], "quote", Y).state == "gesperrt"
    # Q12 + Q13 foerder: Q13 is suppressed (secondarily).
    assert atlas.combined([Q12, Q13], "foerder", Y).state == "gesperrt"


def test_partial_parent_from_the_children_with_values():
    """w: Q11 = 10, Q12 = 20, Q13 without a value → G1 has no value of its own; its reference
    is 30, from 2 of 3 Stadtteile. v: Q11 = 2 (primary), Q12 = 20 → a partial 22 would give
    the 2 back, so it is suppressed. With two suppressed parts (u: 1 and 2 of 3 with 40) the
    partial 43 is published: neither follows."""
    values = {(Q11, "w", Y): 10, (Q12, "w", Y): 20, (Q11, "v", Y): 2, (Q12, "v", Y): 20,
              (Q11, "u", Y): 1, (Q12, "u", Y): 2}
    for q in (Q21, Q22, Q23):
        values.update({(q, "w", Y): 5, (q, "v", Y): 5, (q, "u", Y): 5})
    values[(Q13, "u", Y)] = 40
    values[(Q13, "w", Y)] = None  # type: ignore[assignment]
    values = {k: v for k, v in values.items() if v is not None}
    repo = small_repository(AREAS, [count("w", "w"), count("v", "v"), count("u", "u")], values)
    atlas = published(repo)
    assert repo.value(G1, "w", Y) is None
    ref = atlas.reference(G1, "w", Y)
    assert (ref.state, ref.value, ref.missing) == ("ok", 30, 1)
    assert ref.note == "Summe der 2 von 3 Stadtteilen mit Wert; 1 ohne Wert"
    assert atlas.reference(G1, "v", Y).state == "gesperrt"
    # u is complete in G1 (1 + 2 + 40 = 43): a stored sum, the two small ones protect each other
    assert atlas.reference(G1, "u", Y).value == 43
    assert atlas.cell(Q11, "u", Y).state == atlas.cell(Q12, "u", Y).state == "gesperrt"
    assert atlas.cell(Q13, "u", Y).state == "ok"


def test_land_references_where_the_atlas_covers_two_laender():
    """Two Kreise, 06998 (Hessen) and 08998 (Baden-Württemberg), one Gemeinde each."""
    areas = [("06998", "Kreis H", "kreis", ""), ("08998", "Kreis B", "kreis", ""),
             ("06998001", "Gemeinde H1", "gemeinde", "06998"),
             ("06998002", "Gemeinde H2", "gemeinde", "06998"),
             ("08998001", "Gemeinde B1", "gemeinde", "08998"),
             ("08998002", "Gemeinde B2", "gemeinde", "08998")]
    values = {("06998001", "n", Y): 10, ("06998002", "n", Y): 30,
              ("08998001", "n", Y): 1, ("08998002", "n", Y): 50}
    repo = small_repository(areas, [count("n", "n")], values)
    atlas = published(repo)
    assert set(atlas.lands()) == {"land:06", "land:08"}
    assert atlas.land_of("06998002") == "land:06" and atlas.display_name("land:08") == \
        "Baden-Württemberg"
    assert atlas.reference("land:06", "n", Y).value == 40
    # In Kreis B, 1 is primary and 50 its complement; the Kreis sum 51 stays published, and so
    # do both Länder and the whole atlas (91): no sum has exactly one suppressed cell.
    assert atlas.cell("08998001", "n", Y).state == atlas.cell("08998002", "n", Y).state \
        == "gesperrt"
    assert atlas.reference("land:08", "n", Y).value == 51
    assert atlas.reference(ROOT, "n", Y).value == 91


def test_the_published_atlas_has_no_way_to_a_raw_value(repo):
    """What layers and callbacks get: no value table, no stored totals, and every reading
    method gives a suppressed cell as its state only."""
    atlas = published(repo)
    for name in ("table", "values", "overall", "latest_value", "values_for"):
        assert not hasattr(atlas, name), name
    quarters = repo.children_of("06412000")
    col = atlas.column(quarters, "quote_ohne_abschluss", 2023)
    secret = [a for a, s in zip(quarters, col.states, strict=True) if s == "gesperrt"]
    assert secret
    for a in secret:
        raw = repo.value(a, "quote_ohne_abschluss", 2023)
        c = atlas.cell(a, "quote_ohne_abschluss", 2023)
        assert c.value is None and atlas.value(a, "quote_ohne_abschluss", 2023) is None
        assert raw is not None and (c.numerator is None or c.denominator is None)
        assert atlas.latest(a, "quote_ohne_abschluss")[1].value is None
        assert atlas.combined([a, quarters[1]], "quote_ohne_abschluss", 2023).value is None
