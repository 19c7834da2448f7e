"""Loading the demo atlas and its hierarchy.

Expected figures come from the source files in geodata/demo/sources (independent of the build):
population per Kreis from kreise_bevoelkerung_2023.csv, Land totals from SOURCES.md.
"""

import csv

import pyogrio
import shapely

from geodata.model.entities import ROOT
from geodata.storage.gpkg import DEFAULT_GPKG
from tests.conftest import SOURCES

SYNTHETIC_COUNTS = [
    "kinder_u3", "kinder_u3_betreut", "kinder_3_6", "kinder_3_6_betreut", "einschueler",
    "einschueler_sprachfoerderung", "viertklaessler", "uebergaenge_gymnasium", "kinder_u15",
    "kinder_u15_sgb2", "schulabgaenger", "abgaenger_ohne_abschluss",
]


def _by_level(repo):
    out = {}
    for a in repo.areas.values():
        out.setdefault(a.level, []).append(a.area_id)
    return out


def test_counts_per_level_and_unique_keys(repo):
    levels = _by_level(repo)
    assert len(levels["kreis"]) == 70
    assert len(levels["gemeinde"]) == 1528
    assert len(levels["quartier"]) == 73
    assert len(repo.children_of(ROOT)) == 70
    assert len(repo.children_of("06433")) == 14
    assert len(repo.children_of("06412000")) == 46
    assert len(repo.children_of("08212000")) == 27
    assert len(repo.areas) == 70 + 1528 + 73  # keys unique (a dict would have merged)


def test_keys_follow_the_levels(repo):
    for a in repo.areas.values():
        if a.level == "gemeinde":
            assert a.parent_id == a.area_id[:5]
        elif a.level == "quartier":
            assert a.area_id.startswith(a.parent_id + "-")
        else:
            assert a.parent_id == ROOT


def test_every_gemeinde_lies_in_its_kreis():
    areas = pyogrio.read_dataframe(DEFAULT_GPKG, layer="areas")
    assert areas.crs.to_epsg() == 25832
    assert areas.geometry.is_valid.all()
    kreise = areas[areas.level == "kreis"].set_index("area_id").geometry
    gem = areas[areas.level == "gemeinde"]
    points = gem.geometry.representative_point()
    inside = [kreise[p].contains(pt) for p, pt in zip(gem.parent_id, points, strict=True)]
    assert all(inside)
    # Area of each Kreis equals the sum of its Gemeinden (same source, dissolved): < 0.5 %.
    sums = gem.geometry.area.groupby(gem.parent_id.values).sum()
    rel = (sums / kreise.area.reindex(sums.index) - 1).abs()
    assert rel.max() < 0.005


def test_population_sums_to_kreis_and_land(repo):
    with open(SOURCES / "kreise_bevoelkerung_2023.csv", encoding="utf-8") as fh:
        expected = {r["kreis_ags"]: float(r["bev_insgesamt"]) for r in csv.DictReader(fh)}
    for kreis, pop in expected.items():
        assert repo.value(kreis, "einwohner", 2023).value == pop
        kids = repo.values_for(repo.children_of(kreis), "einwohner", 2023)
        assert sum(kids) == pop
    he = sum(v for k, v in expected.items() if k.startswith("06"))
    assert he == 6_420_729  # SOURCES.md
    assert repo.value(ROOT, "einwohner", 2023).value == 6_420_729 + 11_339_260


def test_synthetic_counts_sum_up_the_hierarchy(repo):
    for ind in SYNTHETIC_COUNTS:
        for year in range(2019, 2024):
            for parent in [*repo.children_of(ROOT), "06412000", "08212000"]:
                kids = repo.values_for(repo.children_of(parent), ind, year)
                assert None not in kids, (ind, year, parent)
                assert sum(kids) == repo.value(parent, ind, year).value, (ind, year, parent)


def test_rates_are_recomputed_from_counts(repo):
    for rate_id in ["betreuungsquote_u3", "sprachfoerderbedarf", "sgb2_quote_u15"]:
        ind = repo.indicator(rate_id)
        for area in ["06433", "06433012", "06412000", "06412000-012", ROOT]:
            v = repo.value(area, rate_id, 2023)
            num = repo.value(area, ind.numerator, 2023).value
            den = repo.value(area, ind.denominator, 2023).value
            assert v.numerator == num and v.denominator == den
            assert abs(v.value - 100 * num / den) < 1e-9


def test_synthetic_rates_are_plausible_and_correlated(repo):
    import numpy as np

    gem = [a.area_id for a in repo.areas.values() if a.level == "gemeinde"]
    ids = ["sgb2_quote_u15", "sprachfoerderbedarf", "betreuungsquote_u3", "kinder_u15"]
    rows = [repo.values_for(gem, i, 2023) for i in ids]
    complete = [t for t in zip(*rows, strict=True) if None not in t]
    # Only tiny places lack a rate: a zero denominator gives "keine Daten", never 0 %.
    assert len(gem) - len(complete) <= 12
    sgb, lang, u3, kids = (np.array(c) for c in zip(*complete, strict=True))
    # Tiny places reach 0 or 100 % by small numbers; the bulk must look like real Germany.
    for vals, lo, hi in [(sgb, 1, 35), (lang, 2, 60), (u3, 15, 60)]:
        p5, p95 = np.percentile(vals, [5, 95])
        assert lo < p5 < p95 < hi
    for ind, lo, hi in [("sgb2_quote_u15", 8, 16), ("sprachfoerderbedarf", 12, 30),
                        ("betreuungsquote_u3", 25, 45), ("betreuungsquote_ue3", 85, 97)]:
        assert lo < repo.value(ROOT, ind, 2023).value < hi
    # Need indicators go together (weighted by size to damp small-number noise).
    r = np.corrcoef(sgb * np.sqrt(kids), lang * np.sqrt(kids))[0, 1]
    assert r > 0.3


def test_school_institutions_match_the_source_table(repo):
    with open(SOURCES / "schulen_he_bw.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    gg = [r for r in rows if r["ags"].startswith("06433")]
    assert len(repo.institutions_in("06433")) == len(gg)
    assert sum(len(v) for v in repo.institutions.values()) == len(rows) == 5953
    with open(SOURCES / "stadtteile_schulen_2015.csv", encoding="utf-8") as fh:
        per_quarter = {r["quarter_id"]: int(r["n_schulen"]) for r in csv.DictReader(fh)}
    for qid, n in per_quarter.items():
        assert len(repo.institutions_in(qid)) == n, qid


def test_display_geometry_is_slim_and_valid(repo):
    import json

    fc = json.loads(repo.geojson("06433"))
    geoms = [shapely.geometry.shape(f["geometry"]) for f in fc["features"]]
    assert all(g.is_valid and not g.is_empty for g in geoms)
    assert [f["properties"]["i"] for f in fc["features"]] == list(range(14))
