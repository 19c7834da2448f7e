"""Area profiles: ranks, references, deviation, and combined areas (worked-out values)."""

import csv
import math

import pytest

from geodata.model.entities import ROOT
from geodata.statistics.published import published
from geodata.views.profile import (
    combined_rows,
    combined_value,
    peers_of,
    profile_rows,
    ranks,
    zscore,
)

from .conftest import SOURCES, half_up

FFM = "06412000"
BOCKENHEIM, WESTEND_SUED = "06412000-012", "06412000-004"


def _row(rows, ind_id):
    return next(r for r in rows if r.indicator.id == ind_id)


def test_ranks_share_places_and_follow_the_need_direction():
    values = [3.0, 1.0, 3.0, None, 5.0]
    assert ranks(values, +1) == [2, 4, 2, None, 1]  # higher = more need: 5 first
    assert ranks(values, -1) == [2, 1, 2, None, 4]  # higher = better: 1 first


def test_zscore_is_population_sd():
    assert zscore(5, [1, 2, 3, 4, 5]) == pytest.approx(2 / math.sqrt(2))
    assert zscore(2, [2, 2, 2]) is None and zscore(1, [1]) is None


def test_peers_of_a_quarter_and_of_a_kreisfreie_stadt(repo):
    peers = peers_of(repo, BOCKENHEIM)
    assert peers.parent == FFM and peers.shown == BOCKENHEIM and len(peers.ids) == 46
    darmstadt = peers_of(repo, "06411000")  # shown as its Kreis among the 70 Kreise
    assert darmstadt.parent == ROOT and darmstadt.shown == "06411" and len(darmstadt.ids) == 70


def test_profile_of_bockenheim_rank_and_references(repo):
    """SGB-II rate under 15 (higher = more need), 2023, worked out from the raw counts."""
    rows = profile_rows(repo, BOCKENHEIM, 2023)
    row = _row(rows, "sgb2_quote_u15")
    quarters = repo.children_of(FFM)

    def population(q):
        for y in (2023, 2022, 2021, 2020, 2019, 2012, 2011):
            if (v := repo.value(q, "einwohner", y)) is not None:
                return v.value
        return None

    # Which quarters are published is the disclosure control's (tested on its own); their
    # values and the rank are worked out here from the raw counts.
    shown = dict(zip(quarters, published(repo).column(quarters, "sgb2_quote_u15", 2023).states,
                     strict=True))
    rated = {}
    for q in quarters:
        num = repo.value(q, "kinder_u15_sgb2", 2023)
        den = repo.value(q, "kinder_u15", 2023)
        pop = population(q)
        if num and den and den.value and num.value >= 3 and (pop is None or pop >= 300) \
                and shown[q] == "ok":
            rated[q] = half_up(100 * num.value / den.value, 1)  # published: one decimal
    # Bockenheim's own value and its rank (1 = highest rate = most need).
    own = rated[BOCKENHEIM]
    assert row.value == pytest.approx(own)
    assert row.rank == 1 + sum(1 for v in rated.values() if v > own)
    assert row.rank_of == len(rated)
    # References: the city from the quarters' summed counts, the atlas from the Kreise.
    num = sum(repo.value(q, "kinder_u15_sgb2", 2023).value for q in quarters)
    den = sum(repo.value(q, "kinder_u15", 2023).value for q in quarters)
    assert row.parent_value == pytest.approx(half_up(100 * num / den, 1))
    # The second reference is the Land (the atlas covers Hessen and Baden-Württemberg): the
    # Kreise whose keys start with 06, from summed counts.
    kreise = [k for k in repo.children_of(ROOT) if k.startswith("06")]
    num = sum(repo.value(k, "kinder_u15_sgb2", 2023).value for k in kreise)
    den = sum(repo.value(k, "kinder_u15", 2023).value for k in kreise)
    assert row.reference_nodes == (FFM, "land:06")
    assert row.overall_value == pytest.approx(half_up(100 * num / den, 1))
    mean = sum(rated.values()) / len(rated)
    sd = math.sqrt(sum((v - mean) ** 2 for v in rated.values()) / len(rated))
    assert row.z == pytest.approx((own - mean) / sd) and row.need_z == row.z
    assert [y for y, _ in row.trend] == [2019, 2020, 2021, 2022, 2023]


def test_higher_better_ranks_the_lowest_first(repo):
    row = _row(profile_rows(repo, BOCKENHEIM, 2023), "uebergangsquote_gym")
    assert row.indicator.direction == "higher_better"
    assert row.need_z == pytest.approx(-row.z)


def test_profile_falls_back_to_the_year_with_data(repo):
    rows = profile_rows(repo, BOCKENHEIM, 2023)
    pop = _row(rows, "einwohner")  # Frankfurt's quarters: 2011 and 2012 only
    assert pop.year == 2012 and pop.value == 35789  # stadtteile_frankfurt_bevoelkerung CSV
    assert pop.trend[:2] == ((2011, 34581.0), (2012, 35789.0))


def _frankfurt_csv(quarter, year):
    with open(SOURCES / "stadtteile_frankfurt_bevoelkerung_2011_2012.csv", encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh)
                    if r["quarter_id"] == quarter and r["jahr"] == str(year))


def test_combined_quarters_sum_counts_and_recompute_rates(repo):
    a, b = _frankfurt_csv(BOCKENHEIM, 2012), _frankfurt_csv(WESTEND_SUED, 2012)
    pop = int(a["einwohner"]) + int(b["einwohner"])  # 35789 + 17076
    kids = int(a["kinder_0_5"]) + int(b["kinder_0_5"])  # 2165 + 1197
    assert (pop, kids) == (52865, 3362)
    rows = combined_rows(repo, [BOCKENHEIM, WESTEND_SUED], 2023)
    assert _row(rows, "einwohner").value == 52865
    share = _row(rows, "anteil_kinder_u6")
    assert share.year == 2012
    assert share.value == half_up(100 * 3362 / 52865, 1)  # 6.3596… → 6,4
    mean_of_rates = (100 * 2165 / 35789 + 100 * 1197 / 17076) / 2  # 6.52… → 6,5
    assert share.value != half_up(mean_of_rates, 1)
    assert share.rank is None and share.z is None


def test_combination_with_a_suppressed_member_stays_suppressed(repo):
    """Else the combined value minus the public member would reveal the suppressed one."""
    ind = repo.indicators["abgaenger_ohne_abschluss"]
    quarters = repo.children_of(FFM)
    small = next(q for q in quarters
                 if (v := repo.value(q, ind.id, 2023)) and 0 < v.value < 3)
    public = next(q for q in quarters
                  if (v := repo.value(q, ind.id, 2023)) and v.value >= 10)
    value, state = combined_value(repo, [small, public], ind, 2023)
    assert state == "gesperrt"
    row = _row(combined_rows(repo, [small, public], 2023), ind.id)
    assert row.value is None and row.state == "gesperrt"
