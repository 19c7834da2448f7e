"""Issue 17, point 2 (and the boundary half of point 3): a re-imported boundary file is matched
to the stored areas by geometry (IoU ≥ 0.9) and folded name; a rename keeps key and values;
areas with values are removed only when confirmed; removed keys are never given again; key,
name and parent columns found as city GIS exports name them.

Expectations by hand: the quarters, their keys and names come from the demo's source file
(geodata/demo/sources/stadtteile_ffm_ka.geojson), the stored values per quarter from the
committed GeoPackage read with pyogrio.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from geodata.importer.core import ImportRequest, Upload, check_import, run_import
from geodata.importer.geofile import BoundaryOptions
from geodata.storage.gpkg import DEFAULT_GPKG, read_atlas_tables
from geodata.storage.store import GpkgStore
from geodata.storage.tables import build_repository
from tests.conftest import SOURCES


@pytest.fixture(scope="module")
def quarters() -> gpd.GeoDataFrame:
    q = gpd.read_file(SOURCES / "stadtteile_ffm_ka.geojson")
    return q[q["city_ags"] == "08212000"].sort_values("quarter_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def given_values() -> dict[str, int]:
    """Given (not derived) values stored per Karlsruhe quarter."""
    v = pyogrio.read_dataframe(DEFAULT_GPKG, layer="values", read_geometry=False)
    v = v[v["area_id"].str.startswith("08212000-") & v["status"].isna()]
    return v["area_id"].value_counts().to_dict()


def _zipped_shapefile(gdf: gpd.GeoDataFrame, tmp_path: Path, stem: str) -> bytes:
    folder = tmp_path / stem
    folder.mkdir()
    gdf.to_file(folder / f"{stem}.shp", driver="ESRI Shapefile", encoding="UTF-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, p.name)
    return buf.getvalue()


def _names_only(quarters: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Karlsruhe's 27 quarters in Gauß-Krüger zone 3 with names only: "Südstadt" misspelt,
    "Weststadt" in lower case."""
    ka = quarters[["quarter_name", "geometry"]].rename(columns={"quarter_name": "name"})
    ka = ka.copy()
    ka.loc[ka["name"] == "Südstadt", "name"] = "Südstat"
    ka.loc[ka["name"] == "Weststadt", "name"] = "weststadt"
    return ka.to_crs("EPSG:31467")


def test_zipped_gauss_krueger_shapefile_keeps_every_key_and_value(
        atlas, settings, tmp_path, quarters, given_values):
    data = _zipped_shapefile(_names_only(quarters), tmp_path, "stadtteile_gk3")
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("stadtteile_gk3.zip", data), BoundaryOptions(level="quartier"))]))
    rep = result.report
    assert not rep.errors, rep.text()
    repo = result.repository
    # every quarter keeps its key (the source file's quarter_id) and its name
    expected = dict(zip(quarters["quarter_id"], quarters["quarter_name"], strict=True))
    expected["08212000-003"] = "Südstat"  # the rename
    assert {a: repo.area(a).name for a in repo.children_of("08212000")} == expected
    # ... and every given value
    old_repo = build_repository(atlas, settings, display_cache=False)
    for aid, n in given_values.items():
        for (ind, year) in [(i, y) for i in old_repo.years for y in old_repo.years[i]]:
            old = old_repo.value(aid, ind, year)
            new = repo.value(aid, ind, year)
            assert (old is None) == (new is None), (aid, ind, year)
            if old is not None:
                assert new.value == old.value
        assert n > 0
    texts = [i.text() for i in rep.issues]
    assert texts[0] == ("Hinweis: stadtteile_gk3.zip: 27 Flächen gelesen, Koordinatensystem "
                        "EPSG:31467, umgerechnet nach EPSG:25832.")
    # the one rename: reported as such, once, in the findings and in the list of changes
    renamed = [t for t in texts if "umbenannt" in t]
    assert len(renamed) == 1
    line = int(quarters.index[quarters["quarter_name"] == "Südstadt"][0]) + 1
    assert renamed[0].startswith(f"Warnung: stadtteile_gk3.zip, Zeile {line}: „Südstat“ ist "
                                 "das bisherige Gebiet „Südstadt“ (08212000-003; Fläche zu ")
    assert [(c.kind, c.area, c.old, c.new) for c in rep.changes] == [
        ("umbenannt", "08212000-003", "„Südstadt“", "„Südstat“")]
    # lower case is the same name: matched, not a rename, the stored spelling stays
    wline = int(quarters.index[quarters["quarter_name"] == "Weststadt"][0]) + 1
    assert any(t.startswith(f"Hinweis: stadtteile_gk3.zip, Zeile {wline}: „weststadt“ ist "
                            "„Weststadt“ in anderer Schreibweise; Schlüssel 08212000-005")
               for t in texts)
    assert not [t for t in texts if "neu erzeugt" in t or "entfallen" in t]
    assert "stadtteile_gk3.zip: 0 Gebiete neu, 27 aktualisiert, 0 entfallen." in rep.summary


def test_removing_an_area_with_values_needs_confirmation_and_its_key_is_retired(
        tmp_path, settings, quarters, given_values):
    store = GpkgStore(tmp_path / "daten")
    without = _names_only(quarters)
    without = without[without["name"] != "Nordstadt"]  # 08212000-027
    data = _zipped_shapefile(without, tmp_path, "ohne_nordstadt")
    request = ImportRequest(boundaries=[(Upload("ohne_nordstadt.zip", data),
                                         BoundaryOptions(level="quartier"))])
    refused = run_import(store, settings, request)
    assert refused.version is None
    n = given_values["08212000-027"]
    assert refused.removals == [("08212000-027", "Nordstadt", n)]
    errors = [i.text() for i in refused.report.errors]
    assert errors == [
        "Fehler: Die neuen Grenzen ersetzen 1 bisheriges Gebiet mit gespeicherten Werten: "
        f"Nordstadt (08212000-027, {n} Werte). Diese Gebiete und ihre Werte würden entfallen. "
        "Zum Bestätigen --entfernen angeben (Import-Seite: Häkchen „Gebiete mit Werten "
        "entfernen“); sonst bleibt alles, wie es ist."]
    assert store.versions()[-1].id == store.current_version()  # nothing written
    assert len(store.versions()) == 1

    request.remove_confirmed = True
    done = run_import(store, settings, request)
    assert done.version is not None, done.report.text()
    assert [(c.kind, c.area, c.old) for c in done.report.changes if c.kind == "entfernt"] == [
        ("entfernt", "Nordstadt (08212000-027)", f"{n} Werte")]
    tables = read_atlas_tables(store.path_of(store.current_version()))
    assert "08212000-027" not in set(tables.areas["area_id"])
    assert tables.retired["area_id"].tolist() == ["08212000-027"]

    # a new quarter later gets 028: the key of the removed Nordstadt is never given again
    nord = _names_only(quarters)
    nord = nord[nord["name"] == "Nordstadt"].copy()
    nord["geometry"] = nord.geometry.scale(0.5, 0.5)  # far from the old outline (IoU < 0.9)
    nord["name"] = "Neubaugebiet Nord"
    data2 = _zipped_shapefile(gpd.GeoDataFrame(
        {"name": list(without["name"]) + ["Neubaugebiet Nord"]},
        geometry=list(without.geometry) + list(nord.geometry), crs=without.crs),
        tmp_path, "mit_neubau")
    again = run_import(store, settings, ImportRequest(boundaries=[
        (Upload("mit_neubau.zip", data2), BoundaryOptions(level="quartier"))]))
    assert again.version is not None, again.report.text()
    assert any("Schlüssel 08212000-028 für „Neubaugebiet Nord“ neu erzeugt." in i.text()
               for i in again.report.issues)
    tables2 = read_atlas_tables(store.path_of(store.current_version()))
    assert "08212000-027" not in set(tables2.areas["area_id"])
    assert tables2.retired["area_id"].tolist() == ["08212000-027"]


def test_city_gis_headers_are_found_and_a_gis_row_id_is_never_a_key(
        atlas, settings, tmp_path, quarters):
    gis = gpd.GeoDataFrame({
        "OBJECTID": range(1, 28),
        "STT_NAME": quarters["quarter_name"],
        "Shape_Area": quarters.geometry.to_crs("EPSG:25832").area.round(1),
    }, geometry=quarters.geometry, crs=quarters.crs).to_crs("EPSG:31467")
    path = tmp_path / "gis.gpkg"
    gis.to_file(path, driver="GPKG")
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("gis.gpkg", path.read_bytes()), BoundaryOptions(level="quartier"))]))
    rep = result.report
    assert not rep.errors, rep.text()
    # the names matched, keys kept (OBJECTID 1..27 would have been valid-looking numbers)
    assert {a: result.repository.area(a).name
            for a in result.repository.children_of("08212000")} == dict(
        zip(quarters["quarter_id"], quarters["quarter_name"], strict=True))
    assert rep.changes == []


def test_named_columns_may_be_spelt_loosely_and_unknown_ones_are_a_german_error(
        atlas, settings, tmp_path, quarters):
    gis = gpd.GeoDataFrame({"Bezeichnung Gebiet": quarters["quarter_name"],
                            "Bemerkung": "x"}, geometry=quarters.geometry, crs=quarters.crs)
    path = tmp_path / "lose.gpkg"
    gis.to_file(path, driver="GPKG")
    ok = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("lose.gpkg", path.read_bytes()),
         BoundaryOptions(level="quartier", name_column="bezeichnung gebiet"))]))
    assert not ok.report.errors, ok.report.text()
    bad = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("lose.gpkg", path.read_bytes()),
         BoundaryOptions(level="quartier", name_column="Stadtteil"))]))
    assert [i.text() for i in bad.report.errors] == [
        "Fehler: lose.gpkg: Die Spalte „Stadtteil“ (Name) gibt es nicht; vorhanden: "
        "Bezeichnung Gebiet, Bemerkung."]
