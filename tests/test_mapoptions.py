"""Cartographic URL options: parsing (German numbers, bad values) and round trips."""

import pytest

from geodata.statistics.numfmt import parse_number
from geodata.views.mapoptions import MapOptions, options_params, parse_options


@pytest.mark.parametrize(("text", "value"), [
    ("12,5", 12.5), ("12.5", 12.5), ("1.234,5", 1234.5), ("1.234", 1234.0), ("-3", -3.0),
    ("0", 0.0), ("abc", None), ("1,2,3", None), ("", None), ("inf", None), ("1e5", None),
    ("0.125", 0.125), ("0,125", 0.125), ("12.345.678", 12345678.0), ("-1.500", -1500.0),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_defaults_and_round_trip():
    assert parse_options({}, []) == MapOptions()
    assert options_params(MapOptions()) == {}
    params = {"methode": "manuell", "grenzen": "10;20,5;1.234,5", "fest": "an",
              "farben": "PuOr", "referenz": "12,5", "namen": "an", "praesentation": "an"}
    notes: list[str] = []
    opt = parse_options(params, notes)
    assert notes == []
    assert opt.grenzen == (10.0, 20.5, 1234.5) and opt.klassen == 4
    assert opt.referenz == "12.5" and opt.diverging
    again = options_params(opt)
    assert again == {"methode": "manuell", "grenzen": "10;20,5;1234,5", "fest": "an",
                     "farben": "PuOr", "referenz": "12,5", "namen": "an",
                     "praesentation": "an"}
    assert parse_options(again, []) == opt


def test_bad_values_fall_back_with_german_notices():
    notes: list[str] = []
    opt = parse_options({"methode": "magie", "klassen": "9", "farben": "Jet",
                         "referenz": "mitte", "vergleich": "gestern", "namen": "ja"}, notes)
    assert opt == MapOptions()
    text = "\n".join(notes)
    assert "Klassifizierung „magie“ (Parameter methode) gibt es nicht" in text
    assert "„9“ (Parameter klassen) ist keine Klassenzahl von 3 bis 7" in text
    assert "Farbskala „Jet“ (Parameter farben) gibt es nicht" in text
    assert "„mitte“ (Parameter referenz)" in text
    assert "„gestern“ (Parameter vergleich) ist keine Jahreszahl" in text
    assert "„ja“ (Parameter namen)" in text
    assert len(notes) == 6


def test_manual_breaks_are_validated():
    notes: list[str] = []
    opt = parse_options({"methode": "manuell", "grenzen": "20;10"}, notes)
    assert opt.methode == "quantile"  # fallback
    assert any("aufsteigen" in n for n in notes)
    notes = []
    parse_options({"methode": "manuell", "grenzen": "10;x"}, notes)
    assert any("„x“ im Parameter grenzen ist keine Zahl" in n for n in notes)


def test_change_map_is_always_diverging_around_its_reference():
    notes: list[str] = []
    opt = parse_options({"vergleich": "2019"}, notes)
    assert opt.vergleich == 2019 and opt.farben == "RdBu" and opt.diverging
    assert notes == []
    parse_options({"vergleich": "2019", "farben": "Greys"}, notes)
    assert any("zweiseitige Farbskala" in n for n in notes)
