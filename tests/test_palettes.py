"""Palettes: direction of "more need" and greyscale legibility."""

import pytest

from geodata.statistics.palettes import PALETTES, class_colors, luminance


def lightness(hex_color: str) -> float:
    """CIE L* (0 black .. 100 white) from relative luminance: what a greyscale print keeps."""
    y = luminance(hex_color)
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


@pytest.mark.parametrize("pal", [p for p in PALETTES.values() if p.kind == "sequential"],
                         ids=lambda p: p.id)
def test_sequential_five_classes_distinguishable_in_greyscale(pal):
    ls = [lightness(c) for c in pal.classes[5]]
    steps = [a - b for a, b in zip(ls, ls[1:], strict=False)]
    assert all(s > 10 for s in steps), (pal.id, [round(x, 1) for x in ls])


def test_white_has_lightness_100_black_0():
    assert lightness("#ffffff") == pytest.approx(100, abs=0.01)
    assert lightness("#000000") == pytest.approx(0, abs=0.01)


def test_more_need_is_dark_whatever_the_direction():
    # SGB-II quota (higher is worse): the highest class gets the darkest colour.
    assert class_colors("YlGnBu", 5, "higher_worse")[-1] == "#253494"
    # Care rate (higher is better): the lowest class gets the darkest colour.
    assert class_colors("YlGnBu", 5, "higher_better")[0] == "#253494"
    # Diverging: the warm end (red) means more need.
    assert class_colors("RdBu", 5, "higher_worse")[-1] == "#ca0020"
    assert class_colors("RdBu", 5, "higher_better")[0] == "#ca0020"
    assert class_colors("RdBu", 5, "higher_worse")[2] == "#f7f7f7"  # neutral middle


def test_degenerate_class_counts():
    assert class_colors("YlGnBu", 0, "neutral") == []
    assert class_colors("YlGnBu", 1, "neutral") == ["#7fcdbb"]
    assert class_colors("YlGnBu", 2, "neutral") == ["#edf8b1", "#2c7fb8"]
    assert len(class_colors("PuOr", 7, "neutral")) == 7
