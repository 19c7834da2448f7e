"""Need index: known answers worked out by hand on a small example, definition files, atlas.

The example: eight areas A–H. A–E are rated; F has too few residents (and extreme values that
must not move the mean), G has no value for x2, H's x3 is suppressed.

    area  x1 (+1)  x2 (−1)  x3 (+1)   residents
    A       13       35      4.0       1000
    B       11       55      5.5       1000
    C       10       45      2.5       1000
    D        9       50      4.5       1000
    E        7       65      3.5       1000
    F      100        0     50.0        250   (< 300: not rated)
    G        8     None      4.0        800   (no value)
    H       12       40      ·          900   (x3 suppressed)

Over A–E (population SD, divisor 5):
    x1: mean 10, deviations 3, 1, 0, −1, −3 → SD² = 20/5 = 4, SD 2 → z = 1.5, .5, 0, −.5, −1.5
    x2: mean 50, deviations −15, 5, −5, 0, 15 → SD² = 500/5 = 100, SD 10
        → z = −1.5, .5, −.5, 0, 1.5; direction −1 → d = 1.5, −.5, .5, 0, −1.5
    x3: mean 4, deviations 0, 1.5, −1.5, .5, −.5 → SD² = 5/5 = 1 → z = d = 0, 1.5, −1.5, .5, −.5
Equal weights (1/3 each), index I = (d1 + d2 + d3) / 3:
    A (1.5 + 1.5 + 0)/3 = 1;  B (.5 − .5 + 1.5)/3 = .5;  C (0 + .5 − 1.5)/3 = −1/3;
    D (−.5 + 0 + .5)/3 = 0;   E (−1.5 − 1.5 − .5)/3 = −7/6
    mean 0; SD² = (1 + 1/4 + 1/9 + 0 + 49/36)/5 = (98/36)/5 = 49/90 → SD = 7/(3·√10) ≈ 0.737865
    t = I/SD: A 3√10/7 ≈ 1.355262, B ≈ 0.677631, C ≈ −0.451754, D 0, E ≈ −1.581139
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest

from geodata.index.atlas import compute_index_for, index_input, sensitivity_for
from geodata.index.compute import IndexInput, compute_index, explain
from geodata.index.definition import (
    Classing,
    DefinitionError,
    IndexDefinition,
    IndexIndicator,
    default_definition,
    load_definition,
    preset_direction,
)
from geodata.index.files import INDEX_DIR, list_definitions
from geodata.index.sensitivity import sensitivity
from geodata.statistics.published import published

IDS = tuple("ABCDEFGH")
X1 = dict(zip(IDS, [13, 11, 10, 9, 7, 100, 8, 12], strict=True))
X2 = dict(zip(IDS, [35, 55, 45, 50, 65, 0, None, 40], strict=True))
X3 = dict(zip(IDS, [4.0, 5.5, 2.5, 4.5, 3.5, 50.0, 4.0, None], strict=True))
POP = dict(zip(IDS, [1000, 1000, 1000, 1000, 1000, 250, 800, 900], strict=True))
STATES = {"x3": {"H": "gesperrt"}}
LABELS = {"x1": "Quote eins", "x2": "Quote zwei", "x3": "Quote drei"}
SD_I = 7 / (3 * math.sqrt(10))


def _defn(**kw) -> IndexDefinition:
    base = dict(
        name="Testindex", author="Test", date="2025-01-15", version="1", gebiet="", year=2023,
        indicators=(IndexIndicator("x1", 1), IndexIndicator("x2", -1), IndexIndicator("x3", 1)),
    )
    base.update(kw)
    return IndexDefinition(**base)


def _data(x1=X1, x2=X2, x3=X3) -> IndexInput:
    return IndexInput(IDS, {"x1": x1, "x2": x2, "x3": x3}, POP, STATES, LABELS)


def _values(res):
    return {a: sc.value for a, sc in res.scores.items()}


def _classes(res):
    return {a: sc.cls for a, sc in res.scores.items()}


# --- z-scores, directions, index, exclusions --------------------------------------------------
def test_z_scores_directions_and_equal_weight_index():
    res = compute_index(_defn(), _data())
    st = res.stats
    assert (st["x1"].mean, st["x1"].sd) == pytest.approx((10, 2))  # F's 100 is left out
    assert (st["x2"].mean, st["x2"].sd) == pytest.approx((50, 10))
    assert (st["x3"].mean, st["x3"].sd) == pytest.approx((4, 1))
    a = {c.indicator_id: c for c in res.scores["A"].contributions}
    assert a["x1"].standardised == pytest.approx(1.5) and a["x1"].directed == pytest.approx(1.5)
    assert a["x2"].standardised == pytest.approx(-1.5)  # 35 is low: less need "as value"
    assert a["x2"].directed == pytest.approx(1.5)  # … but higher is better: flipped
    assert a["x3"].value == pytest.approx(0) and a["x1"].weight == pytest.approx(1 / 3)
    assert _values(res) == pytest.approx({"A": 1, "B": 0.5, "C": -1 / 3, "D": 0, "E": -7 / 6})
    assert res.index_mean == pytest.approx(0) and res.index_sd == pytest.approx(SD_I)
    t = {a: sc.t for a, sc in res.scores.items()}
    assert t == pytest.approx({"A": 1.355262, "B": 0.677631, "C": -0.451754, "D": 0,
                               "E": -1.581139}, abs=1e-6)
    assert {a: sc.rank for a, sc in res.scores.items()} == {"A": 1, "B": 2, "D": 3, "C": 4,
                                                             "E": 5}
    for sc in res.scores.values():  # contributions add up to the index exactly
        assert sum(c.value for c in sc.contributions) == pytest.approx(sc.value)


def test_excluded_areas_have_german_reasons_and_no_value():
    res = compute_index(_defn(), _data())
    assert list(res.scores) == list("ABCDE")
    ex = res.excluded
    assert ex["F"].state == "nicht_bewertet" and ex["F"].reasons == ("weniger als 300 Einwohner",)
    assert ex["G"].state == "keine_daten" and ex["G"].reasons == ("keine Daten für „Quote zwei“",)
    assert ex["H"].state == "gesperrt"
    assert ex["H"].text == "nicht bewertet: „Quote drei“ gesperrt (Geheimhaltung)"
    layer = res.map_layer()
    assert layer.values[5:] == (None, None, None) and layer.classes[5:] == (None, None, None)
    assert layer.states == ("ok",) * 5 + ("nicht_bewertet", "keine_daten", "gesperrt")
    assert layer.texts[0] == "Index 1,00 · Klasse 3 von 4"
    assert layer.texts[7].startswith("n. b. nicht bewertet: „Quote drei“ gesperrt")


def test_unknown_population_is_not_rated_and_min_population_zero_rates_small_areas():
    pop = dict(POP, A=None)
    res = compute_index(_defn(), IndexInput(IDS, _data().values, pop, STATES, LABELS))
    assert res.excluded["A"].reasons == ("Einwohnerzahl unbekannt",)
    # With no minimum, F (extreme values) is rated and moves x1's mean: (50 + 100) / 6 = 25.
    res0 = compute_index(_defn(min_population=0), _data())
    assert "F" in res0.scores and res0.stats["x1"].mean == pytest.approx(25)


def test_missing_values_never_count_as_zero():
    """A NaN or an absent entry excludes the area like None does."""
    x2 = dict(X2, A=math.nan)
    del x2["B"]
    res = compute_index(_defn(), _data(x2=x2))
    assert set(res.excluded) >= {"A", "B"}
    assert res.stats["x2"].mean == pytest.approx((45 + 50 + 65) / 3)


def test_unequal_weights():
    """Weights 2:1:1 → 0.5, 0.25, 0.25:
    A .5·1.5 + .25·1.5 + .25·0 = 1.125; B .25 − .125 + .375 = .5; C 0 + .125 − .375 = −.25;
    D −.25 + 0 + .125 = −.125; E −.75 − .375 − .125 = −1.25."""
    inds = (IndexIndicator("x1", 1, 2), IndexIndicator("x2", -1, 1), IndexIndicator("x3", 1, 1))
    res = compute_index(_defn(indicators=inds), _data())
    assert _values(res) == pytest.approx({"A": 1.125, "B": 0.5, "C": -0.25, "D": -0.125,
                                          "E": -1.25})
    a = {c.indicator_id: c.value for c in res.scores["A"].contributions}
    assert a == pytest.approx({"x1": 0.75, "x2": 0.375, "x3": 0})


def test_percentile_rank_standardisation():
    """Mid-rank p = (#less + ½·#equal) / 5; direction −1 uses 1 − p.
    x1: A .9 B .7 C .5 D .3 E .1; x2 (35,55,45,50,65): p .1 .7 .3 .5 .9 → d .9 .3 .7 .5 .1;
    x3 (4,5.5,2.5,4.5,3.5): .5 .9 .1 .7 .3.
    I: A 2.3/3, B 1.9/3, C 1.3/3, D 1.5/3, E .5/3."""
    res = compute_index(_defn(standardisation="perzentil"), _data())
    assert _values(res) == pytest.approx({"A": 2.3 / 3, "B": 1.9 / 3, "C": 1.3 / 3,
                                          "D": 1.5 / 3, "E": 0.5 / 3})


def test_min_max_standardisation():
    """x1 over 7..13: A 1, B 4/6, C 3/6, D 2/6, E 0; x2 over 35..65: 0, 2/3, 1/3, 1/2, 1
    → d (1 − s) 1, 1/3, 2/3, 1/2, 0; x3 over 2.5..5.5: 1/2, 1, 0, 2/3, 1/3.
    I: A 2.5/3, B 2/3, C (1/2 + 2/3)/3 = 7/18, D 1.5/3, E 1/9."""
    res = compute_index(_defn(standardisation="minmax"), _data())
    assert _values(res) == pytest.approx({"A": 2.5 / 3, "B": 2 / 3, "C": 7 / 18, "D": 0.5,
                                          "E": 1 / 9})


# --- classes ----------------------------------------------------------------------------------
def test_sd_classes_default_and_edited_cutoffs():
    res = compute_index(_defn(), _data())  # cut-offs −1 / +1 / +1.5 on t
    assert res.k == 4 and _classes(res) == {"A": 3, "B": 2, "C": 2, "D": 2, "E": 1}
    assert res.breaks == pytest.approx((-SD_I, SD_I, 1.5 * SD_I))
    assert res.class_labels == ("bis -1 SD", "über -1 bis +1 SD", "über +1 bis +1,5 SD",
                                "über +1,5 SD")
    res2 = compute_index(_defn(classing=Classing("stdabw", (-1.0, 0.5, 1.0))), _data())
    # A 1.355 > 1 → 4; B 0.678 > 0.5 → 3; C −0.45, D 0 → 2; E −1.58 → 1
    assert _classes(res2) == {"A": 4, "B": 3, "C": 2, "D": 2, "E": 1}


def test_quantile_classes():
    """k = 3 over the sorted index (−7/6, −1/3, 0, .5, 1), linear interpolation:
    j=1: position 4/3 → −1/3 + (1/3)·(1/3) = −2/9; j=2: position 8/3 → 0 + (2/3)·.5 = 1/3.
    C −1/3 ≤ −2/9 → 1, E → 1; D 0 → 2; B .5, A 1 → 3."""
    res = compute_index(_defn(classing=Classing("quantile", k=3)), _data())
    assert res.breaks == pytest.approx((-2 / 9, 1 / 3))
    assert _classes(res) == {"A": 3, "B": 3, "C": 1, "D": 2, "E": 1}


@pytest.mark.parametrize(("share", "top"), [
    (0.2, {"A"}),  # ⌊0.2·5 + ½⌋ = 1
    (0.3, {"A", "B"}),  # ⌊1.5 + ½⌋ = 2: exact decimal arithmetic, not 1.4999…
    (0.5, {"A", "B", "D"}),  # ⌊2.5 + ½⌋ = 3: threshold D's 0
    (0.05, set()),  # ⌊0.25 + ½⌋ = 0
])
def test_fixed_share_in_top_class(share, top):
    res = compute_index(_defn(classing=Classing("anteil", share=share)), _data())
    assert res.k == 2
    assert {a for a, c in _classes(res).items() if c == 2} == top


def test_top_share_ties_at_the_threshold_all_enter():
    x3 = dict(X3, D=5.5)  # D moves up; with share .2 the top is one area unless tied
    x1 = dict(X1)
    res = compute_index(_defn(classing=Classing("anteil", share=0.2)), _data(x1=x1, x3=x3))
    top_value = max(_values(res).values())
    assert {a for a, c in _classes(res).items() if c == 2} == {
        a for a, v in _values(res).items() if v >= top_value}


# --- frozen base year and winsorising ----------------------------------------------------------
def _later(a_x1: float = 15):
    """The year after: x1 rises by 2 everywhere (A: ``a_x1``), x2 and x3 unchanged."""
    return _data(x1={a: v + 2 for a, v in X1.items()} | {"A": a_x1})


def test_frozen_base_year_keeps_mean_and_sd():
    """Frozen at the base (x1 mean 10, SD 2): later x1 15, 13, 12, 11, 9 → z 2.5, 1.5, 1, .5,
    −.5, so every index rises by 1/3: A 4/3, B 5/6, C 0, D 1/3, E −5/6. Classes use the base
    index mean 0 and SD 7/(3√10): t_A = 4√10/7 ≈ 1.807 → 4; t_B = 5√10/14 ≈ 1.129 → 3;
    C 0, D √10/7 ≈ .452 → 2; E −1.129 → 1."""
    res = compute_index(_defn(), _later(), base=_data())
    assert res.frozen and res.stats["x1"].mean == pytest.approx(10)
    assert _values(res) == pytest.approx({"A": 4 / 3, "B": 5 / 6, "C": 0, "D": 1 / 3,
                                          "E": -5 / 6})
    assert res.index_mean == pytest.approx(0) and res.index_sd == pytest.approx(SD_I)
    assert res.scores["A"].t == pytest.approx(4 * math.sqrt(10) / 7)
    assert _classes(res) == {"A": 4, "B": 3, "C": 2, "D": 2, "E": 1}
    # Without freezing, the shift disappears into the new mean: the base classes again.
    assert _classes(compute_index(_defn(), _later())) == {"A": 3, "B": 2, "C": 2, "D": 2,
                                                          "E": 1}


def test_frozen_percentile_ranks_against_the_base_year():
    """Later x1 15, 13, 12, 11, 9 ranked in the base values (7, 9, 10, 11, 13):
    15 → 5/5 = 1; 13 → (4 + ½)/5 = .9; 12 → 4/5 = .8; 11 → 3.5/5 = .7; 9 → 1.5/5 = .3."""
    res = compute_index(_defn(standardisation="perzentil"), _later(), base=_data())
    x1 = {a: sc.contributions[0].standardised for a, sc in res.scores.items()}
    assert x1 == pytest.approx({"A": 1, "B": 0.9, "C": 0.8, "D": 0.7, "E": 0.3})


def test_winsorising_clips_at_three_sd_of_the_base():
    """A's later x1 = 20 is z = (20 − 10)/2 = 5 at the frozen base: clipped to 3."""
    res = compute_index(_defn(), _later(a_x1=20), base=_data())
    c = res.scores["A"].contributions[0]
    assert c.raw == 20 and c.standardised == pytest.approx(3) and c.value == pytest.approx(1)
    off = compute_index(_defn(winsorize=None), _later(a_x1=20), base=_data())
    assert off.scores["A"].contributions[0].standardised == pytest.approx(5)


def test_winsorising_with_a_lower_limit():
    """Limit 1: x1 clipped to [10 − 2, 10 + 2] = [8, 12]: A 13 → 12 (z 1), E 7 → 8 (z −1);
    mean and SD stay those of the raw values."""
    res = compute_index(_defn(winsorize=1.0), _data())
    z = {a: sc.contributions[0].standardised for a, sc in res.scores.items()}
    assert z == pytest.approx({"A": 1, "B": 0.5, "C": 0, "D": -0.5, "E": -1})
    assert res.stats["x1"].low == 8 and res.stats["x1"].high == 12


def test_no_spread_and_too_few_areas():
    x3 = dict.fromkeys(IDS, 4.0)
    res = compute_index(_defn(), IndexInput(IDS, {"x1": X1, "x2": X2, "x3": x3}, POP, {},
                                            LABELS))
    assert res.scores["B"].contributions[2].standardised == 0
    assert any("keine Streuung" in n for n in res.notes)
    one = IndexInput(("A", "F"), _data().values, POP, {}, LABELS)
    res1 = compute_index(_defn(), one)
    assert res1.scores == {} and res1.k == 0
    assert res1.excluded["A"].reasons == ("zu wenige bewertbare Gebiete",)


# --- explanation and sensitivity --------------------------------------------------------------
def test_explanation_names_class_and_contributions():
    res = compute_index(_defn(), _data())
    text = explain(res, "A")
    assert text.splitlines()[0] == ("Klasse 3 von 4 (über +1 bis +1,5 SD; Klasse 4 = höchster "
                                    "Bedarf), Rang 1 von 5.")
    assert "Indexwert 1,00 = +1,36 Standardabweichungen vom Mittel (0,00)" in text
    assert ("„Quote zwei“: z = -1,50 (umgedreht: hoch = weniger Bedarf) × Gewicht 0,33 = +0,5"
            in text)
    assert explain(res, "G") == "Nicht bewertet: keine Daten für „Quote zwei“."


def test_sensitivity_counts_class_changes_and_flags_borderline_areas():
    """Cut-offs −1 / +1 / +1.36 put A (t = 1.3553, class 3) near a boundary.
    x1 weight +10 %: I = (1.1·d1 + d2 + d3)/3.1: A 3.15/3.1, B 1.55/3.1, C −1/3.1, D −.05/3.1,
      E −3.65/3.1; SD² = (3.15² + 1.55² + 1 + .05² + 3.65²)/(5·3.1²) = 26.65/48.05
      → t_A = (3.15/3.1)/√(26.65/48.05) ≈ 1.3644 > 1.36: class 4.
    x2 weight +10 %: A 3.15/3.1, B 1.45/3.1, C −.95/3.1, D 0, E −3.65/3.1;
      SD² = 26.25/48.05 → t_A ≈ 1.3748: class 4.
    x3 weight −10 %: I = (d1 + d2 + .9·d3)/2.9: A 3/2.9, … SD² = 23.45/42.05 → t_A ≈ 1.3853: 4.
    The other weight variants give t_A 1.345, 1.333, 1.325: class 3.
    without x3: I = (d1 + d2)/2 = 1.5, 0, .25, −.25, −1.5; SD² = 4.625/5 → t_A ≈ 1.560: 4.
    without x2: .75, 1, −.75, 0, −1; SD² = 3.125/5 → t_A ≈ .949 (class 2), t_B ≈ 1.265 (3).
    without x1: .75, .5, −.5, .25, −1; SD² = 2.125/5 → t_A ≈ 1.150: class 3, no change.
    A changes in 5 of 9 variants, B in 1; default threshold max(2, ⌈9/3⌉) = 3. G (no x2) stays
    out of "without x2": every variant rates the same areas."""
    defn = _defn(classing=Classing("stdabw", (-1.0, 1.0, 1.36)))
    sens = sensitivity(defn, _data())
    changed = {v.label: v.changed for v in sens.variants}
    assert changed == {
        "Gewicht „Quote eins“ +10 %": ("A",), "Gewicht „Quote eins“ −10 %": (),
        "Gewicht „Quote zwei“ +10 %": ("A",), "Gewicht „Quote zwei“ −10 %": (),
        "Gewicht „Quote drei“ +10 %": (), "Gewicht „Quote drei“ −10 %": ("A",),
        "ohne „Quote eins“": (), "ohne „Quote zwei“": ("A", "B"), "ohne „Quote drei“": ("A",),
    }
    assert dict(sens.changes) == {"A": 5, "B": 1, "C": 0, "D": 0, "E": 0}
    assert sens.threshold == 3 and sens.borderline == ("A",)
    assert sensitivity(defn, _data(), borderline_at=1).borderline == ("A", "B")


def test_sensitivity_with_one_indicator_has_no_leave_out_variant():
    defn = _defn(indicators=(IndexIndicator("x1", 1),))
    sens = sensitivity(defn, _data())
    assert [v.kind for v in sens.variants] == ["gewicht+", "gewicht-"]
    assert all(v.changed == () for v in sens.variants)  # one weight: renormalised away


# --- definition file --------------------------------------------------------------------------
def test_json_round_trip_and_readable_keys():
    defn = _defn(ebene="quartier", base_year=2019, standardisation="minmax", winsorize=None,
                 classing=Classing("quantile", k=4), min_population=0.0, description="ä")
    text = defn.to_json()
    assert IndexDefinition.from_json(text) == defn
    raw = json.loads(text)
    assert raw["indikatoren"][1] == {"id": "x2", "richtung": -1, "gewicht": 1}
    assert raw["klassen"] == {"methode": "quantile", "anzahl": 4} and "ä" in text


def test_example_file_is_the_default_definition():
    path = INDEX_DIR / "frankfurt_chancenindex.json"
    defn = load_definition(path)
    assert defn == default_definition()
    assert path.read_text(encoding="utf-8") == defn.to_json()
    assert [i.id for i in defn.indicators] == ["sgb2_quote_u15", "sprachfoerderbedarf",
                                               "quote_ohne_abschluss"]
    assert (path, defn) in list_definitions()


def _raw(**changes):
    raw = json.loads(default_definition().to_json())
    raw.update(changes)
    return raw


@pytest.mark.parametrize(("change", "message"), [
    ({"indikatoren": [{"id": "sgb2_quote_u15", "richtung": 1, "gewicht": "viel"}]},
     "Gewicht für „sgb2_quote_u15“ ist keine Zahl."),
    ({"indikatoren": [{"id": "sgb2_quote_u15", "richtung": 1, "gewicht": True}]},
     "Gewicht für „sgb2_quote_u15“ ist keine Zahl."),
    ({"indikatoren": [{"id": "sgb2_quote_u15", "richtung": 1, "gewicht": -1}]},
     "Gewicht für „sgb2_quote_u15“ ist negativ."),
    ({"indikatoren": [{"id": "x", "richtung": 1, "gewicht": 0}]},
     "Mindestens ein Gewicht muss größer als 0 sein."),
    ({"indikatoren": [{"id": "einwohner", "gewicht": 1}]}, "Richtung für „einwohner“ fehlt"),
    ({"indikatoren": [{"id": "x", "richtung": 0}]}, "Richtung für „x“ muss 1"),
    ({"indikatoren": [{"id": "x", "richtung": 1}, {"id": "x", "richtung": 1}]},
     "Der Indikator „x“ steht doppelt"),
    ({"indikatoren": []}, "mindestens einen Indikator"),
    ({"datum": "15.01.2025"}, "Feld „datum“: „15.01.2025“ ist kein Datum"),
    ({"jahr": "2023"}, "Feld „jahr“: „2023“ ist keine Jahreszahl."),
    ({"name": ""}, "Feld „name“"),
    ({"standardisierung": "rang"}, "Feld „standardisierung“: „rang“ gibt es nicht"),
    ({"mindest_einwohner": -5}, "Feld „mindest_einwohner“"),
    ({"winsorisieren": 0}, "Feld „winsorisieren“"),
    ({"klassen": {"methode": "stdabw", "grenzen": [1, -1]}}, "streng aufsteigend"),
    ({"klassen": {"methode": "stdabw", "grenzen": ["a"]}}, "„a“ ist keine Zahl"),
    ({"klassen": {"methode": "quantile", "anzahl": 1}}, "Feld „klassen.anzahl“"),
    ({"klassen": {"methode": "anteil", "anteil": 1.5}}, "Feld „klassen.anteil“"),
    ({"klassen": {"methode": "jenks"}}, "Feld „klassen.methode“: „jenks“ gibt es nicht"),
    ({"farbe": "rot"}, "Unbekanntes Feld „farbe“."),
    ({"formatversion": 2}, "Feld „formatversion“"),
])
def test_invalid_definitions_name_the_field(change, message):
    with pytest.raises(DefinitionError) as err:
        IndexDefinition.from_dict(_raw(**change))
    assert message in str(err.value)


def test_missing_fields_and_broken_json():
    raw = _raw()
    del raw["autor"], raw["jahr"]
    with pytest.raises(DefinitionError) as err:
        IndexDefinition.from_dict(raw)
    assert err.value.errors == ["Feld „autor“ fehlt.", "Feld „jahr“ fehlt."]
    with pytest.raises(DefinitionError, match="kein gültiges JSON"):
        IndexDefinition.from_json("{name: 1")
    with pytest.raises(DefinitionError, match="JSON-Objekt"):
        IndexDefinition.from_json("[]")


def test_directions_preset_from_the_catalogue():
    assert preset_direction("higher_worse") == 1
    assert preset_direction("higher_better") == -1
    assert preset_direction("neutral") is None  # must be chosen
    with pytest.raises(DefinitionError, match="Richtung für „einwohner“"):
        replace(default_definition(), indicators=(IndexIndicator("einwohner", None),))  # type: ignore[arg-type]


# --- on the atlas -----------------------------------------------------------------------------
def test_frankfurt_example_on_the_atlas(repo):
    defn = default_definition()
    res = compute_index_for(repo, defn)
    kids = repo.children_of("06412000")
    assert res.area_ids == kids and res.year == 2023
    atlas = published(repo)
    ok = set(kids)
    for spec in defn.indicators:
        states = atlas.column(kids, spec.id, 2023).states
        ok &= {a for a, s in zip(kids, states, strict=True) if s == "ok"}
    ok.discard("06412000-015")  # Flughafen: no residents on record
    assert set(res.scores) == ok and len(res.scores) + len(res.excluded) == 46
    assert res.excluded["06412000-015"].reasons[-1] == "Einwohnerzahl unbekannt"
    gesperrt = [a for a, e in res.excluded.items() if e.state == "gesperrt"]
    assert gesperrt and all(any("gesperrt (Geheimhaltung)" in r for r in res.excluded[a].reasons)
                            for a in gesperrt)
    # each named indicator is suppressed in the published atlas
    for a in gesperrt:
        for spec in defn.indicators:
            name = repo.indicator(spec.id).name
            if any(r.startswith(f"„{name}“ gesperrt") for r in res.excluded[a].reasons):
                assert atlas.cell(a, spec.id, 2023).state == "gesperrt"
    # the adapter passes no suppressed number into the core
    data = index_input(repo, defn)
    for a in gesperrt:
        for spec in defn.indicators:
            if atlas.cell(a, spec.id, 2023).state == "gesperrt":
                assert data.values[spec.id][a] is None
    # z-scores of each indicator over the rated areas, recomputed independently
    # the index standardises the published (rounded) values
    vals = [float(Decimal(repr(repo.value(a, "sgb2_quote_u15", 2023).value)).quantize(
        Decimal("0.1"), ROUND_HALF_UP)) for a in res.scores]
    mean = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))
    assert res.stats["sgb2_quote_u15"].mean == pytest.approx(mean)
    assert res.stats["sgb2_quote_u15"].sd == pytest.approx(sd)
    assert sorted({sc.cls for sc in res.scores.values()}) == [1, 2, 3, 4]


def test_frozen_base_year_on_the_atlas(repo):
    defn = replace(default_definition(), base_year=2019)
    base = compute_index_for(repo, replace(defn, year=2019, base_year=None))
    res = compute_index_for(repo, defn)
    assert res.frozen and res.year == 2023
    assert res.stats["sgb2_quote_u15"].mean == base.stats["sgb2_quote_u15"].mean
    assert res.index_sd == pytest.approx(base.index_sd)
    sens = sensitivity_for(repo, defn)
    assert len(sens.variants) == 9 and set(sens.changes) == set(res.scores)


def test_unknown_area_and_indicator_on_the_atlas(repo):
    defn = replace(default_definition(), gebiet="99999",
                   indicators=(IndexIndicator("gibtsnicht", 1),))
    with pytest.raises(DefinitionError) as err:
        compute_index_for(repo, defn)
    assert err.value.errors == ["Feld „gebiet“: Das Gebiet „99999“ ist unbekannt.",
                                "Der Indikator „gibtsnicht“ ist unbekannt."]


def test_lists_from_callers_are_stored_as_tuples():
    inds = [IndexIndicator("x1", 1), IndexIndicator("x2", -1), IndexIndicator("x3", 1)]
    assert _defn(indicators=inds) == _defn()
    assert Classing("stdabw", [-1, 1]) == Classing("stdabw", (-1, 1))  # type: ignore[arg-type]
