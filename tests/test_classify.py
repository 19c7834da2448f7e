"""Classification with known answers worked out by hand (not by the code under test)."""

import pytest

from geodata.statistics.classify import class_labels, classify


def test_ten_values_five_quantiles():
    # 10 values, 5 classes: two values per class; breaks are the 20/40/60/80 % percentiles
    # (linear interpolation: 2.8, 4.6, 6.4, 8.2).
    cls = classify([7, 1, 2, 3, 4, 5, 6, 8, 9, 10], "quantile", 5)
    assert cls.k == 5 and cls.method == "Quantile"
    assert cls.breaks == pytest.approx((2.8, 4.6, 6.4, 8.2))
    assert cls.classes == (3, 0, 0, 1, 1, 2, 2, 3, 4, 4)
    assert cls.lower == (1, 3, 5, 7, 9) and cls.upper == (2, 4, 6, 8, 10)
    assert cls.counts == (2, 2, 2, 2, 2) and cls.n_missing == 0 and cls.hint == ""


def test_quantiles_with_ties_merge_classes_and_say_so():
    # Sorted: 1 1 1 1 1 1 2 3 4 5. Percentiles 20/40/60/80: 1, 1, 1.4, 3.2 -> breaks 1, 1.4,
    # 3.2; nothing lies in (1, 1.4], so 3 classes remain: {1}, {2, 3}, {4, 5}.
    cls = classify([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], "quantile", 5)
    assert cls.k == 3
    assert cls.classes == (0, 0, 0, 0, 0, 0, 1, 1, 2, 2)
    assert cls.hint == "Wegen der Verteilung der Werte 3 statt 5 Klassen."


def test_equal_intervals():
    # min 0, max 20, k = 4: width 5, breaks 5, 10, 15; 5 and 10 sit on breaks -> lower class.
    cls = classify([0, 1, 2, 5, 10, 15, 20], "equal", 4)
    assert cls.breaks == (5, 10, 15)
    assert cls.classes == (0, 0, 0, 0, 1, 2, 3)
    assert cls.counts == (4, 1, 1, 1)
    assert cls.method == "Gleiche Intervalle"


def test_standard_deviation_classes():
    # Mean 100/10 = 10; squared deviations 16+4+0*6+4+16 = 40, population sd = sqrt(40/10) = 2.
    data = [6, 8, 10, 10, 10, 10, 10, 10, 12, 14]
    five = classify(data, "stddev", 5)  # breaks 10 + (j - 2.5) * 2 = 7, 9, 11, 13
    assert five.breaks == pytest.approx((7, 9, 11, 13))
    assert five.classes == (0, 1, 2, 2, 2, 2, 2, 2, 3, 4)
    assert five.counts == (1, 1, 6, 1, 1)
    four = classify(data, "stddev", 4)  # breaks 10 + (j - 2) * 2 = 8, 10, 12
    assert four.breaks == pytest.approx((8, 10, 12))
    assert four.classes == (0, 0, 1, 1, 1, 1, 1, 1, 2, 3)
    # A frozen base (mean 0, sd 10) overrides: breaks -15, -5, 5, 15; all values 6..14 lie
    # in (5, 15], so only one class has values.
    frozen = classify(data, "stddev", 5, mean_sd=(0.0, 10.0))
    assert frozen.k == 1 and set(frozen.classes) == {0}


def test_natural_breaks_find_the_groups():
    cls = classify([1, 2, 3, 10, 11, 12, 30, 31, 32], "jenks", 3)
    assert cls.breaks == (3, 12)
    assert cls.classes == (0, 0, 0, 1, 1, 1, 2, 2, 2)
    assert cls.method == "Natürliche Brüche (Fisher-Jenks)"


def test_manual_breaks_report_boundaries():
    cls = classify([5, 15, 20, 35, None], "manual", manual_breaks=[10, 20, 30])
    assert cls.k == 4 and cls.classes == (0, 1, 1, 3, None)
    assert cls.counts == (1, 2, 0, 1)  # an empty class stays: the user asked for it
    assert cls.lower == (5, 10, 20, 30) and cls.upper == (10, 20, 30, 35)
    assert cls.n_missing == 1


def test_pooled_breaks_keep_colours_fixed_over_years():
    # Breaks from all years: 0..40 in 4 equal intervals -> 10, 20, 30.
    cls = classify([12, 18, 55], "equal", 4, pooled=[0, 10, 20, 30, 40])
    assert cls.breaks == (10, 20, 30)
    assert cls.classes == (1, 1, 3)  # 55 lies beyond the pooled range: last class
    assert cls.counts == (0, 2, 0, 1)
    assert cls.lower == (0, 10, 20, 30) and cls.upper == (10, 20, 30, 40)


def test_degenerate_data_gives_a_map_and_a_hint():
    same = classify([4.2, 4.2, 4.2])
    assert same.k == 1 and same.classes == (0, 0, 0)
    assert same.hint == "Alle Gebiete haben denselben Wert (4,2); eine Klasse."
    one = classify([7.0, None])
    assert one.k == 1 and one.classes == (0, None) and one.hint.startswith("Nur ein Gebiet")
    few = classify([1, 1, 2, 2, 3], "jenks", 5)
    assert few.k == 3 and few.classes == (0, 0, 1, 1, 2)
    assert few.hint == "Nur 3 verschiedene Werte: 3 statt 5 Klassen."
    for empty in ([None, None], []):
        cls = classify(empty)
        assert cls.k == 0 and cls.hint == "Keine Werte vorhanden."
        assert cls.n_missing == len(empty)


def test_missing_values_get_no_class():
    cls = classify([None, 1.0, float("nan"), 2.0, 3.0, 4.0, 5.0])
    assert cls.classes == (None, 0, None, 1, 2, 3, 4) and cls.n_missing == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"method": "magic"}, "„magic“ gibt es nicht"),
    ({"k": 2}, "zwischen 3 und 7"),
    ({"k": 8}, "zwischen 3 und 7"),
    ({"method": "manual", "manual_breaks": [20, 10]}, "streng aufsteigende"),
    ({"method": "manual", "manual_breaks": []}, "streng aufsteigende"),
])
def test_invalid_requests_raise_german_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        classify([1, 2, 3, 4, 5, 6], **kwargs)


def test_class_labels_in_german_format():
    cls = classify([1234.5, 2000, 5000], "manual", manual_breaks=[1500, 3000])
    assert class_labels(cls, 1, "€") == [
        "1.234,5 – 1.500,0 €", "1.500,0 – 3.000,0 €", "3.000,0 – 5.000,0 €"]
    assert class_labels(classify([3.0, 3.0]), 0) == ["3"]


@pytest.mark.parametrize("seed", range(6))
def test_fisher_jenks_matches_mapclassify(seed):
    # Independent reference: mapclassify's own (slow, pure-Python) Fisher-Jenks.
    import warnings

    import mapclassify
    import numpy as np

    from geodata.statistics.classify import fisher_jenks_breaks

    rng = np.random.default_rng(seed)
    data = np.round(rng.gamma(2.0, 5.0, size=60), 1)
    k = 3 + seed % 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed": the slow path is the point
        expected = list(mapclassify.FisherJenks(data, k=k).bins[:-1])
    assert fisher_jenks_breaks(data, k) == pytest.approx(expected)


@pytest.mark.parametrize("kind", ["normal", "ties", "rounded", "few"])
def test_quantile_breaks_equal_mapclassify_exactly(kind):
    # Independent reference: mapclassify.Quantiles (scipy's scoreatpercentile), which the app
    # no longer imports at run time. Exact equality: the same breaks, bit for bit.
    import warnings

    import mapclassify
    import numpy as np

    from geodata.statistics.classify import quantile_breaks

    rng = np.random.default_rng(7)
    for _ in range(300):
        n, k = int(rng.integers(1, 80)), int(rng.integers(2, 9))
        data = {"normal": rng.normal(size=n),
                "ties": rng.integers(0, 4, size=n).astype(float),
                "rounded": np.round(rng.exponential(size=n) * 100, 1),
                "few": np.full(n, 3.5)}[kind]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mapclassify warns when ties merge classes
            expected = mapclassify.Quantiles(data, k=k).bins.tolist()
        assert quantile_breaks(data, k) == expected


def test_the_app_never_imports_mapclassify_scipy_or_sklearn():
    import subprocess
    import sys

    code = ("import os, sys; os.environ['DASH_DISABLE_VERSION_CHECK'] = 'true'; import app; "
            "print(sorted(m for m in ('mapclassify', 'scipy', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=__import__("pathlib").Path(__file__).parents[1])
    assert out.stdout.strip() == "[]"
