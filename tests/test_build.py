"""The demo GeoPackage is reproducible: rebuilding it from geodata/demo/sources gives the
committed file's contents, table by table."""

import pyogrio
import pytest

from geodata.demo import build as build_demo
from geodata.storage.gpkg import DEFAULT_GPKG

LAYERS = ["areas", "institutions", "indicators", "values", "sources", "meta"]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    path = tmp_path_factory.mktemp("build") / "atlas.gpkg"
    build_demo.main(["--output", str(path)])
    return path


@pytest.mark.parametrize("layer", LAYERS)
def test_rebuild_matches_committed_file(rebuilt, layer):
    new = pyogrio.read_dataframe(rebuilt, layer=layer)
    old = pyogrio.read_dataframe(DEFAULT_GPKG, layer=layer)
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    if "geometry" in new.columns:
        assert new.crs == old.crs
        missing = new.geometry.isna() | new.geometry.is_empty
        assert (missing == (old.geometry.isna() | old.geometry.is_empty)).all()
        assert new.geometry[~missing].geom_equals_exact(old.geometry[~missing], 0).all()
        new, old = new.drop(columns="geometry"), old.drop(columns="geometry")
    assert new.equals(old)


def test_no_temporary_file_left_behind(rebuilt):
    assert [p.name for p in rebuilt.parent.iterdir()] == ["atlas.gpkg"]
