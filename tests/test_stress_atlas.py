"""The seeded stress-atlas generator (bench/stress_atlas.py), at a small scale.

Expected figures follow from the parameters set here: 10 Kreise of which 2 kreisfreie
Städte, 200 Gemeinden, 5 Stadtteile per kreisfreie Stadt; sums are recomputed here.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from bench import stress_atlas as sa
from geodata.model.entities import ROOT
from geodata.model.settings import load_settings
from geodata.storage.gpkg import load_repository


@pytest.fixture(scope="module")
def small_atlas(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    for name, value in {"N_KREISE": 10, "N_KREISFREI": 2, "N_GEMEINDEN": 200,
                        "QUARTERS_PER_CITY": 5, "N_SCHOOLS": 20}.items():
        mp.setattr(sa, name, value)
    path = tmp_path_factory.mktemp("stress") / "klein.gpkg"
    sa.build(path)
    rng = np.random.default_rng(sa.SEED)
    again = sa.build_areas(rng)
    mp.undo()
    return path, again


def test_levels_keys_and_shared_borders(small_atlas):
    import pyogrio

    path, again = small_atlas
    areas = pyogrio.read_dataframe(path, layer="areas")
    counts = areas["level"].value_counts().to_dict()
    assert counts == {"kreis": 10, "gemeinde": 200, "quartier": 2 * 5}
    patterns = {lvl.id: lvl.key_pattern for lvl in load_settings().levels}
    assert all(re.fullmatch(patterns[lvl], key)
               for key, lvl in zip(areas["area_id"], areas["level"], strict=True))
    assert areas["area_id"].is_unique
    for level in ("kreis", "gemeinde"):
        geoms = areas.loc[areas["level"] == level].geometry.values
        assert shapely.coverage_is_valid(geoms), level  # neighbours share their borders
    # A Kreis is exactly the union of its Gemeinden (same area, to 1 m²).
    gem = areas[areas["level"] == "gemeinde"]
    for _, kreis in areas[areas["level"] == "kreis"].iterrows():
        kids = gem[gem["parent_id"] == kreis["area_id"]]
        assert abs(kids.geometry.area.sum() - kreis.geometry.area) < 1.0
    # Same seed, same geometry.
    assert list(again["area_id"]) == list(areas["area_id"])
    assert shapely.equals(again.geometry.values, areas.geometry.values).all()


def test_values_sum_up_and_rates_are_recomputed(small_atlas):
    path, _ = small_atlas
    repo = load_repository(path)
    kreis = next(k for k in repo.children_of(ROOT) if len(repo.children_of(k)) > 1)
    kids = repo.children_of(kreis)
    for year in sa.YEARS:
        total = sum(repo.value(g, "kinder_u15", year).value for g in kids)
        assert repo.value(kreis, "kinder_u15", year).value == total
        num = repo.value(kreis, "kinder_u15_sgb2", year).value
        rate = repo.value(kreis, "sgb2_quote_u15", year)
        assert rate.value == pytest.approx(100 * num / total)
        assert (rate.numerator, rate.denominator) == (num, total)
    city = next(k for k in repo.children_of(ROOT) if len(repo.children_of(k)) == 1)
    assert repo.view_target(city) == repo.children_of(city)[0]  # drills to its 5 quarters
    assert len(repo.children_of(repo.children_of(city)[0])) == 5
