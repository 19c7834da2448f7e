"""German number format, known answers."""

import pytest

from geodata.statistics.numfmt import format_number, format_value


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (12345.678, 1, "12.345,7"),
        (775790, 0, "775.790"),
        (0.5, 2, "0,50"),
        (-1234.5, 1, "-1.234,5"),
        (-0.04, 1, "0,0"),
        (1000000, 0, "1.000.000"),
        (None, 1, "–"),
        (float("nan"), 1, "–"),
    ],
)
def test_format_number(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_format_value_with_unit():
    assert format_value(12.345, 1, "%") == "12,3 %"
    assert format_value(None, 1, "%") == "–"
    assert format_value(3, 0, "") == "3"
