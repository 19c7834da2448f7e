"""Issue 18, point 6: a second published need index as a known-answer test. Berlin's
Monitoring Soziale Stadtentwicklung 2021 (tests/fixtures/mss_berlin_2021/, see SOURCES.md
there): the index core reproduces all 536 published Status classes from the published inputs.

The published method: z-standardise each of the three status indicators (s1 unemployed, s3
transfer payment recipients, s4 those under 15) over the rated areas with the population
standard deviation, sum, standardise the sum again, cut at −1 / 1 / 1.5 (status "hoch" below
−1 … "sehr niedrig" above 1.5). The core's index is the weighted *mean* of the z-values; with
equal weights that is the sum divided by 3, and re-standardising removes the factor, so the
classes must be the same. The files are read here with the csv module.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from geodata.index.compute import IndexInput, compute_index
from geodata.index.definition import Classing, IndexDefinition, IndexIndicator

FIX = Path(__file__).parent / "fixtures" / "mss_berlin_2021"
STATUS = ("s1_percentage_unemployed", "s3_percentage_transfer_payments_recipients",
          "s4_percentage_transfer_payments_recipients_below_15_years")
CLASS_OF = {"hoch": 1, "mittel": 2, "niedrig": 3, "sehr niedrig": 4}


def _rows(name: str) -> list[dict[str, str]]:
    with (FIX / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_index_core_reproduces_all_536_published_status_classes():
    inputs = _rows("mss_2021_indikatoren.csv")
    published = {r["id"]: r for r in _rows("mss_2021_klassen.csv")}
    assert len(inputs) == len(published) == 536
    ids = tuple(r["id"] for r in inputs)
    data = IndexInput(
        area_ids=ids,
        values={ind: {r["id"]: float(r[ind]) for r in inputs} for ind in STATUS},
        population={r["id"]: float(r["inhabitants"]) for r in inputs},
    )
    defn = IndexDefinition(
        name="MSS 2021 Statusindex", author="SenStadt Berlin", date="2021-12-01",
        version="2021", gebiet="", year=2021,
        indicators=tuple(IndexIndicator(i, 1, 1.0) for i in STATUS),
        standardisation="z", min_population=0, winsorize=None,
        classing=Classing("stdabw", (-1.0, 1.0, 1.5)))
    result = compute_index(defn, data)
    assert not result.excluded and len(result.scores) == 536
    got = {a: result.scores[a].cls for a in ids}
    expected = {a: CLASS_OF[published[a]["status_index_class"]] for a in ids}
    wrong = {a: (got[a], expected[a]) for a in ids if got[a] != expected[a]}
    assert wrong == {}
    # the published class counts (75 hoch, 366 mittel, 46 niedrig, 49 sehr niedrig)
    assert [sum(1 for c in got.values() if c == k) for k in (1, 2, 3, 4)] == [75, 366, 46, 49]
    # the numeric status index column is the class number
    assert all(float(published[a]["status_index"]) == expected[a] for a in ids)


def test_the_method_by_hand_gives_the_same_classes():
    """An independent computation (sum of z-values, re-standardised) for comparison."""
    inputs = _rows("mss_2021_indikatoren.csv")
    published = {r["id"]: r["status_index_class"] for r in _rows("mss_2021_klassen.csv")}

    def z(xs: list[float]) -> list[float]:
        m = sum(xs) / len(xs)
        sd = math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs))
        return [(x - m) / sd for x in xs]

    parts = [z([float(r[ind]) for r in inputs]) for ind in STATUS]
    total = z([sum(p[i] for p in parts) for i in range(len(inputs))])
    for r, t in zip(inputs, total, strict=True):
        cls = 1 + sum(1 for c in (-1.0, 1.0, 1.5) if c < t)
        assert cls == CLASS_OF[published[r["id"]]], r["id"]
