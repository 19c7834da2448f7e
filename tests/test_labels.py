"""Label placement (geodata/views/labels.py): expected zooms and shifts worked out by hand.

Boxes are 100 × 20 units, the gap between boxes 2 units; anchors scale with 2**zoom, boxes
do not. Two boxes side by side (same y) need their anchors (100 + 2) units apart.
"""

from __future__ import annotations

import math

import orjson
import pytest

from geodata.views.labels import (
    Label,
    label_zooms,
    labels_geojson,
    shown_at,
    text_box,
    web_mercator,
)


def box(key: str, x: float, y: float, weight: float) -> Label:
    return Label(key, x, y, 100.0, 20.0, weight)


def test_largest_first_then_the_zoom_at_which_a_neighbour_fits():
    # B lies 10 units right of A on the same line: in place it clears A only from 102 / 10 =
    # 10.2 times the zoom-0 distance on (zoom 3.35). One line up (22 units = 20 high + 2 gap)
    # clears A at once (|0 * s - 22| >= 22): B moves up and shows from the start.
    placed = label_zooms([box("A", 0, 0, 2), box("B", 10, 0, 1)])
    assert placed["A"].zoom == -math.inf and placed["A"].dy == 0
    assert placed["B"].zoom == -math.inf and placed["B"].dy == -22


def test_third_name_goes_below_when_above_is_taken():
    # A at the origin, B shifted up (as above); C on A's anchor: unshifted it never clears A
    # (same point); up it meets B (5 units apart in x: needs 102 / 5 = 20.4 times, zoom
    # 4.35); down (dy = +22) it clears A exactly and B by 44: shown from the start.
    placed = label_zooms([box("A", 0, 0, 3), box("B", 5, 0, 2), box("C", 0, 0, 1)])
    assert placed["B"].dy == -22
    assert placed["C"].dy == 22 and placed["C"].zoom == -math.inf


def test_a_crowded_name_waits_for_its_zoom():
    # Four names on one point: A in place, B up, C down; D fits nowhere at any zoom (same
    # anchor as A, B, C, and the three lines are taken) -> left out.
    # E 40 units right of A on A's line (|dy0| = 0): unshifted it clears A from
    # 102 / 40 = 2.55 on (zoom 1.35); up or down it clears A at once but meets B or C,
    # which sit 40 units left on those lines: also from zoom log2(2.55). So E shows from
    # zoom log2(2.55), unshifted (the first of equal choices).
    labels = [box("A", 0, 0, 5), box("B", 0, 0, 4), box("C", 0, 0, 3), box("D", 0, 0, 2),
              box("E", 40, 0, 1)]
    placed = label_zooms(labels, max_zoom=16)
    assert "D" not in placed
    assert placed["E"].dy == 0
    assert placed["E"].zoom == pytest.approx(math.log2(102 / 40))


def test_print_uses_the_same_placement_at_its_one_scale():
    labels = [box("A", 0, 0, 2), box("far", 1000, 0, 1), box("near", 40, 0, 0.5),
              box("n2", 40, 0, 0.4), box("n3", 40, 0, 0.3), box("n4", 40, 0, 0.2)]
    # At scale 1: "far" is clear in place; "near" would need scale 2.55 in place (40 units
    # from A), but one line up clears A (same y, |dy| = 22); n2 (on near's anchor) takes the
    # line below; n3 and n4 find A's line (needs 2.55) or a taken line: left out at scale 1.
    shown = shown_at(labels, 1.0)
    assert set(shown) == {"A", "far", "near", "n2"}
    assert shown["near"] == -22 and shown["n2"] == 22
    # Scale 4 (> 2.55): A and "near" now clear side by side; "near" stays in place, n2
    # takes the line above, n3 the line below; n4 has nowhere to go.
    shown4 = shown_at(labels, 4.0)
    assert set(shown4) == {"A", "far", "near", "n2", "n3"}
    assert shown4["near"] == 0 and shown4["n2"] == -22 and shown4["n3"] == 22


def test_text_box_and_web_mercator():
    w, h = text_box("Trebur", 20)  # 6 glyphs of 0.6 em at 20 px, 1.25 em high
    assert w == pytest.approx(72.0) and h == pytest.approx(25.0)
    assert web_mercator(0, 0) == pytest.approx((128.0, 128.0))
    assert web_mercator(180, 0)[0] == pytest.approx(256.0)


def test_view_names_never_overlap_on_screen(repo):
    """Frankfurt's 46 Stadtteile: at every zoom from 9 to 14, the shown names' boxes (13 px
    font, positions from Web Mercator) do not overlap."""
    data = orjson.loads(labels_geojson(repo, "06412000"))
    feats = data["features"]
    assert len(feats) == 46
    for zoom in (9, 10, 11, 12, 13, 14):
        boxes = []
        for f in feats:
            p = f["properties"]
            if p["z"] is None or p["z"] > zoom:
                continue
            x, y = web_mercator(*f["geometry"]["coordinates"])
            w, h = text_box(p["name"], 13)
            cx, cy = x * 2 ** zoom, y * 2 ** zoom + p["dy"]
            boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (zoom, a, b)
    shown_11 = sum(1 for f in feats if f["properties"]["z"] is not None
                   and f["properties"]["z"] <= 11)
    assert 10 <= shown_11 < 46  # some names wait for a closer zoom
