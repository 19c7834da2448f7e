"""Findings of the importer review: each test's expected result is worked out by hand in a
comment (file contents crafted here, never written into the project folders)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geodata.importer.boundaries import BoundaryOptions
from geodata.importer.core import ImportRequest, Upload, check_import
from geodata.importer.values import ValueOptions

SECRET = "geheim-7f3a9c;Zugangsdaten;nicht-veroeffentlichen"


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _vrt(target) -> bytes:
    return (f"<OGRVRTDataSource><OGRVRTLayer name=\"x\"><SrcDataSource>{target}"
            "</SrcDataSource><SrcLayer>geheim</SrcLayer><GeometryType>wkbPolygon"
            "</GeometryType><LayerSRS>EPSG:25832</LayerSRS><GeometryField encoding=\"WKT\" "
            "field=\"wkt\"/></OGRVRTLayer></OGRVRTDataSource>").encode()


def _all_text(result) -> str:
    return result.report.text() + result.report.to_csv()


def test_vrt_disguised_as_geojson_is_refused_in_a_zip_and_directly(atlas, settings, tmp_path):
    secret = tmp_path / "geheim.csv"
    secret.write_text("wkt;name\n" + SECRET + "\n", encoding="utf-8")
    vrt = _vrt(secret)
    cases = [
        # zipped: the name in the message is archive/member
        ("grenzen.zip", _zip({"stadtteile.json": vrt}),
         "Fehler: grenzen.zip: „grenzen.zip/stadtteile.json“ ist eine GDAL-VRT-Datei"),
        # lower-case tag, direct upload with a JSON name: rejected before GDAL sees it
        ("stadtteile.json", vrt.replace(b"OGRVRTDataSource", b"ogrvrtdatasource"),
         "Fehler: stadtteile.json: „stadtteile.json“ ist keine GeoPackage-, GeoJSON- oder "
         "gezippte Shapefile-Datei"),
        # a VRT hidden inside valid-looking JSON text is still not a GeoJSON object with type
        ("a.geojson", b"{\"x\": \"" + vrt.replace(b'"', b"'") + b"\"}",
         "Fehler: a.geojson: „a.geojson“ ist eine GDAL-VRT-Datei"),
    ]
    for name, data, expected in cases:
        result = check_import(atlas, settings, ImportRequest(boundaries=[
            (Upload(name, data), BoundaryOptions(level="quartier"))]))
        errors = [i.text() for i in result.report.errors]
        assert len(errors) == 1 and errors[0].startswith(expected), errors
        assert result.tables is None
        text = _all_text(result)
        assert "geheim-7f3a9c" not in text and "Zugangsdaten" not in text


def test_shapefile_content_is_checked_too(atlas, settings):
    # a .shp that is really a VRT, and a real-looking .shp whose .dbf is a VRT
    vrt = _vrt("/etc/passwd")
    shp_head = (9994).to_bytes(4, "big") + bytes(96)
    for files, expected in [
        ({"a.shp": vrt, "a.shx": shp_head, "a.dbf": b"\x03" + bytes(31)},
         "Fehler: s.zip: „s.zip/a.shp“ ist eine GDAL-VRT-Datei"),
        ({"a.shp": shp_head, "a.shx": shp_head, "a.dbf": vrt},
         "Fehler: s.zip: Die Begleitdatei „a.dbf“ des Shapefiles ist keine gültige .dbf-Datei."),
        # file code 9995 (0x270b) instead of 9994 (0x270a)
        ({"a.shp": b"\x00\x00\x27\x0b" + bytes(96), "a.dbf": b"\x03" + bytes(31)},
         "Fehler: s.zip: „s.zip/a.shp“ ist keine Shapefile-Datei (.shp)."),
    ]:
        result = check_import(atlas, settings, ImportRequest(boundaries=[
            (Upload("s.zip", _zip(files)), BoundaryOptions(level="quartier"))]))
        errors = [i.text() for i in result.report.errors]
        assert len(errors) == 1 and errors[0].startswith(expected), errors
        assert "root:" not in _all_text(result)


def test_sparse_last_rows_are_data_not_footnotes(atlas, settings):
    # Lines 3 and 4 hold only one or two filled cells but a number: data. Line 5 has one
    # text cell: a footnote. Line 6 splits a note at ";" into two text cells: left out, but
    # with a warning.
    csv = ("Name;Kinder;Schulen;Kitas;Quote\n"
           "Südstadt;120;2;3;10,5\n"
           "Knielingen;;;;12,5\n"
           "Oststadt;;;3;\n"
           "Quelle: Stadt Karlsruhe\n"
           "Stand Januar; vorläufig\n").encode()
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("ka.csv", csv), ValueOptions(year=2023, within="08212000"))]))
    rep = result.report
    assert rep.count_lines() == ["ka.csv: 3 Zeilen gelesen, 3 übernommen, 0 abgelehnt"]
    foot = [i.text() for i in rep.issues if "Fußnote" in i.message]
    assert foot == [
        "Hinweis: ka.csv, Zeile 5: Fußnote unter den Daten, nicht importiert: „Quelle: Stadt "
        "Karlsruhe“",
        "Warnung: ka.csv, Zeile 6: Zeile unter den Daten mit 2 Textfeldern und ohne Zahl als "
        "Fußnote behandelt, nicht importiert: „Stand Januar; vorläufig“. Falls das Daten sind, "
        "bitte die Datei prüfen.",
    ]
    v = result.tables.values.set_index(["area_id", "indicator_id", "year"])["value"]
    knielingen = next(a for a, n in zip(atlas.areas["area_id"], atlas.areas["name"], strict=True)
                      if n == "Knielingen")
    assert v[(knielingen, "quote", 2023)] == 12.5
    assert v[("08212000-007", "kitas", 2023)] == 3.0  # Oststadt


def _halves(atlas, ags: str) -> gpd.GeoDataFrame:
    """The Gemeinde cut into a southern and a northern half at the middle of its bbox."""
    g = atlas.areas.loc[atlas.areas["area_id"] == ags, "geometry"].iloc[0]
    x0, y0, x1, y1 = g.bounds
    ym = (y0 + y1) / 2
    return gpd.GeoDataFrame({"name": ["Süd", "Nord"]}, geometry=[
        shapely.intersection(g, shapely.box(x0, y0, x1, ym)),
        shapely.intersection(g, shapely.box(x0, ym, x1, y1))], crs="EPSG:25832")


def _gpkg(gdf, tmp_path: Path, name: str = "x.gpkg") -> bytes:
    path = tmp_path / name
    gdf.to_file(path, driver="GPKG")
    return path.read_bytes()


def test_parent_without_leading_zero_is_restored_or_refused(atlas, settings, tmp_path):
    data = _gpkg(_halves(atlas, "06433003"), tmp_path)
    # "6433003" lost its zero: restored to the Gemeinde key 06433003 (8 digits)
    ok = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("bue.gpkg", data), BoundaryOptions(level="quartier", parent="6433003"))]))
    assert ok.report.errors == []
    new = ok.tables.areas[ok.tables.areas["area_id"].str.startswith("06433003-")]
    assert sorted(new["area_id"]) == ["06433003-001", "06433003-002"]
    assert set(new["parent_id"]) == {"06433003"}
    # 6433999 is no Gemeinde of the atlas: one German error, no traceback
    bad = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("bue.gpkg", data), BoundaryOptions(level="quartier", parent="6433999"))]))
    assert [i.text() for i in bad.report.errors] == [
        "Fehler: bue.gpkg: Das übergeordnete Gebiet „6433999“ ist als Gemeinde im Atlas "
        "unbekannt; bitte den Schlüssel prüfen."]


def test_unknown_within_gives_one_error_for_a_table(atlas, settings):
    csv = "Name;Einwohner\nSüdstadt;1\nOststadt;2\n".encode()
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("ka.csv", csv), ValueOptions(year=2023, within="8299999"))]))
    assert [i.text() for i in result.report.errors] == [
        "Fehler: ka.csv: Das Gebiet „8299999“ (alle Namen liegen darin) ist im Atlas "
        "unbekannt; bitte den Schlüssel prüfen (z. B. 08212000)."]
    assert result.report.count_lines() == ["ka.csv: 2 Zeilen gelesen, 0 übernommen, 2 abgelehnt"]
    # with the zero lost, 8212000 still means Karlsruhe: both names are found
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("ka.csv", csv), ValueOptions(year=2023, within="8212000"))]))
    assert result.report.count_lines() == ["ka.csv: 2 Zeilen gelesen, 2 übernommen, 0 abgelehnt"]


def test_geopackage_with_attribute_tables(atlas, settings, tmp_path):
    path = tmp_path / "t.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"name": ["a"]}), path, layer="nur_tabelle",
                            driver="GPKG")
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("t.gpkg", path.read_bytes()), BoundaryOptions(level="quartier"))]))
    assert [i.text() for i in result.report.errors] == [
        "Fehler: t.gpkg: Die Datei enthält keine Ebene mit Flächen (gefunden: „nur_tabelle“ "
        "(Tabelle ohne Geometrie))."]
    # polygons plus an attribute table: the one polygon layer is taken without asking
    both = tmp_path / "both.gpkg"
    _halves(atlas, "06433003").to_file(both, layer="stadtteile", driver="GPKG")
    pyogrio.write_dataframe(pd.DataFrame({"x": [1]}), both, layer="tabelle", driver="GPKG",
                            append=False)
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("both.gpkg", both.read_bytes()), BoundaryOptions(level="quartier"))]))
    assert result.report.errors == []
    assert result.report.count_lines() == ["both.gpkg: 2 Zeilen gelesen, 2 übernommen, "
                                           "0 abgelehnt"]


def test_bad_year_in_a_column_role_is_a_german_error(atlas, settings):
    csv = "Schlüssel;X\n06433012;5\n".encode()
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("x.csv", csv), ValueOptions(mapping={"X": "wert:ind:abc"}))]))
    assert [i.text() for i in result.report.errors] == [
        "Fehler: x.csv, Spalte „X“: Die Zuordnung „wert:ind:abc“ nennt kein gültiges Jahr "
        "(„abc“); erwartet z. B. „wert:ind:2023“.",
        "Fehler: x.csv: Keine Spalte mit Werten gefunden: ordnen Sie mindestens einer Spalte "
        "einen Indikator oder „Wert“ zu."]


def test_unexpected_exception_becomes_a_report_line(atlas, settings, monkeypatch):
    def boom(*_a, **_k):
        raise KeyError("spalte")

    monkeypatch.setattr("geodata.importer.core.import_values", boom)
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("w.csv", "Schlüssel;Einwohner\n06433012;5\n".encode()),
         ValueOptions(year=2023))]))
    assert [i.text() for i in result.report.errors] == [
        "Fehler: w.csv: Die Datei „w.csv“ konnte nicht gelesen werden: unerwarteter Fehler "
        "(KeyError: „'spalte'“). Bitte die Datei prüfen; nichts wurde übernommen."]
    assert result.tables is None
