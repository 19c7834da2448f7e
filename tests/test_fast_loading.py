"""The on-disk cache of display geometry (geodata.storage.display.display_data) and the fast value
loading of geodata.model.repository."""

from __future__ import annotations

import numpy as np
import shapely

from geodata.storage.display import display_data

# Two unit squares side by side in EPSG:25832 (metres), no simplification.
SQUARES = np.array([shapely.box(500_000, 5_500_000, 501_000, 5_501_000),
                    shapely.box(501_000, 5_500_000, 502_000, 5_501_000)], dtype=object)
ARGS = (["a", "b"], SQUARES, ["kreis", "kreis"], {"kreis": 0.0}, {"kreis": True})


def test_cache_is_written_once_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("BILDUNGSATLAS_CACHE_DIR", str(tmp_path))
    display, labels, bounds = display_data(*ARGS, version="v1")
    files = list(tmp_path.glob("display-*.json"))
    assert len(files) == 1
    # Bounds of square "a" in WGS84: UTM 32N x=500 km is the 9° E meridian; south/west first.
    south, west, north, east = bounds["a"]
    assert west == 9.0 and 9.013 < east < 9.015  # 1 km at ~49.6° N is about 0.0139°
    assert south < north and shapely.from_geojson(display["a"]).contains(
        shapely.Point(labels["a"]))
    # Same version and settings: read from disk (proof: other geometry gives the old answer).
    moved = shapely.transform(SQUARES, lambda xy: xy + 10_000)  # 10 km north-east
    again = display_data(ARGS[0], moved, *ARGS[2:], version="v1")
    assert again == (display, labels, bounds)
    # A new data version is computed afresh and cached beside the old one.
    assert display_data(ARGS[0], moved, *ARGS[2:], version="v2")[2] != bounds
    assert len(list(tmp_path.glob("display-*.json"))) == 2


def test_damaged_cache_file_is_rebuilt_and_empty_dir_setting_disables(tmp_path, monkeypatch):
    monkeypatch.setenv("BILDUNGSATLAS_CACHE_DIR", str(tmp_path))
    fresh = display_data(*ARGS, version="v1")
    (path,) = tmp_path.glob("display-*.json")
    path.write_bytes(b"{kaputt")
    assert display_data(*ARGS, version="v1") == fresh
    monkeypatch.setenv("BILDUNGSATLAS_CACHE_DIR", "")
    other = tmp_path / "sub"
    assert display_data(*ARGS, version="v3") is not None
    assert not other.exists() and len(list(tmp_path.glob("display-*.json"))) == 1


def test_values_are_grouped_by_indicator_and_year_without_missing_ones():
    import pandas as pd

    from geodata.model.entities import Value
    from geodata.storage.tables import _load_values

    df = pd.DataFrame({
        "area_id": ["06433", "06433", "06412", "06412", "06433"],
        "indicator_id": ["quote", "quote", "quote", "anzahl", "anzahl"],
        "year": [2022, 2023, 2023, 2023, 2023],
        "value": [12.5, float("nan"), 30.0, 7.0, 3.0],
        "numerator": [5.0, float("nan"), 3.0, float("nan"), float("nan")],
        "denominator": [40.0, float("nan"), 10.0, float("nan"), float("nan")],
    })
    # By hand: the NaN value of 06433/2023 is left out; counts carry no numerator.
    assert _load_values(df) == {
        ("quote", 2022): {"06433": Value(12.5, 5.0, 40.0)},
        ("quote", 2023): {"06412": Value(30.0, 3.0, 10.0)},
        ("anzahl", 2023): {"06412": Value(7.0), "06433": Value(3.0)},
    }
