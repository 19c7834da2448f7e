"""Findings of the importer review: each test's expected result is worked out by hand in a
comment (file contents crafted here, never written into the project folders)."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio
import shapely

from geodata.importer.__main__ import main as cli_main
from geodata.importer.core import ImportRequest, Upload, check_import
from geodata.importer.geofile import BoundaryOptions
from geodata.importer.report import Report
from geodata.importer.values import ValueOptions, merge_mapping
from geodata.storage.store import GpkgStore
from geodata.storage.tables import build_repository
from tests.test_import_boundaries import _gpkg_bytes, _halves, _zip

SECRET = "geheim-7f3a9c;Zugangsdaten;nicht-veroeffentlichen"


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


def test_parent_without_leading_zero_is_restored_or_refused(atlas, settings, tmp_path):
    data = _gpkg_bytes(_halves(atlas, "06433003"), tmp_path)
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


def test_cli_exit_code_is_1_when_writing_fails(tmp_path, monkeypatch, capsys):
    class FailingStore(GpkgStore):
        def write(self, *_args, **_kwargs):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("geodata.importer.__main__.default_store",
                        lambda _daten: FailingStore(tmp_path / "daten"))
    table = tmp_path / "ew.csv"
    table.write_bytes("Schlüssel;Einwohner\n06433012;11\n".encode())
    # the check passes, writing fails: 1 (before: 0, since the check had produced tables)
    assert cli_main(["--tabelle", str(table), "--jahr", "2023"]) == 1
    assert "Schreiben fehlgeschlagen" in capsys.readouterr().out
    # only checking never writes: 0
    assert cli_main(["--tabelle", str(table), "--jahr", "2023", "--pruefen"]) == 0


def test_report_csv_escapes_every_formula_start():
    rep = Report()
    rep.error("-1+1.csv", "-2+3 ist kein Schlüssel.", 7, "-1+1")
    rep.warning("a.csv", "+A1", 0, "@SUM(A1)")
    rep.note("a.csv", "\tTab", 2, "=1")
    # hand-written: every text cell starting with = + - @ TAB gets an apostrophe, the line
    # numbers stay numbers
    assert rep.to_csv().splitlines()[1:] == [
        "Fehler;'-1+1.csv;7;'-1+1;'-2+3 ist kein Schlüssel.",
        "Warnung;a.csv;;'@SUM(A1);'+A1",
        "Hinweis;a.csv;2;'=1;'\tTab",
    ]


def test_one_correction_keeps_the_rest_of_the_proposed_mapping(atlas, settings):
    csv = "Schlüssel;Einwohner;Kinder 0-3\n06433012;11;5\n".encode()
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("k.csv", csv), ValueOptions(year=2023, mapping={"Kinder 0-3":
                                                                "wert:kinder_u3:"}))]))
    assert result.mappings["k.csv"] == {"Schlüssel": "schluessel",
                                        "Einwohner": "wert:einwohner:",
                                        "Kinder 0-3": "wert:kinder_u3:"}
    v = result.tables.values.set_index(["area_id", "indicator_id", "year"])["value"]
    assert v[("06433012", "einwohner", 2023)] == 11.0
    assert v[("06433012", "kinder_u3", 2023)] == 5.0
    # a correction that gives the key role to another column takes it from the proposed one
    assert merge_mapping({"AGS": "schluessel", "Nr": "ignorieren", "X": "wert:x:"},
                         {"Nr": "schluessel"}) == {"AGS": "ignorieren", "Nr": "schluessel",
                                                   "X": "wert:x:"}


def test_check_build_does_not_touch_the_display_cache(atlas, settings, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("BILDUNGSATLAS_CACHE_DIR", str(cache))
    data = _gpkg_bytes(_halves(atlas, "06433003"), tmp_path)
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("bue.gpkg", data), BoundaryOptions(level="quartier"))]))
    assert result.repository is not None
    assert not cache.exists()  # nothing written by the check
    # the same build outside a check does use the cache (so the assertion above can fail)
    build_repository(result.tables, settings)
    assert len(list(cache.glob("display-*.json"))) == 1


def _geojson(features: list[tuple[str, dict]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n}, "geometry": g} for n, g in features]},
        ensure_ascii=False).encode()


def test_mac_archive_leftovers_collections_and_german_geometry_names(atlas, settings):
    g = atlas.areas.loc[atlas.areas["area_id"] == "06433003", "geometry"].iloc[0]
    x0, y0, x1, y1 = g.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    south = shapely.intersection(g, shapely.box(x0, y0, x1, ym))
    north = shapely.intersection(g, shapely.box(x0, ym, x1, y1))
    gc = shapely.GeometryCollection([north, shapely.LineString([(xm, ym), (xm, y1)])])
    gj = json.loads(_geojson([
        ("Süd", json.loads(shapely.to_geojson(south))),
        ("Nord", json.loads(shapely.to_geojson(gc))),  # valid collection: polygon + line
        ("Brunnen", {"type": "Point", "coordinates": [xm, ym]}),
        ("Weg", {"type": "LineString", "coordinates": [[x0, ym], [x1, ym]]}),
    ]))
    data = _zip({"stadtteile.geojson": json.dumps(gj).encode(),
                 "__MACOSX/._stadtteile.geojson": b"\x00\x05\x16\x07junk",
                 "._stadtteile.geojson": b"\x00\x05\x16\x07junk"})
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("st.zip", data), BoundaryOptions(level="quartier", parent="06433003",
                                                       crs="EPSG:25832"))]))
    assert [i.text() for i in result.report.errors] == [
        "Fehler: st.zip, Zeile 3: Geometrie ist ein Punkt, keine Fläche. Fläche abgelehnt.",
        "Fehler: st.zip, Zeile 4: Geometrie ist eine Linie, keine Fläche. Fläche abgelehnt."]
    assert result.report.count_lines() == ["st.zip: 4 Zeilen gelesen, 2 übernommen, 2 abgelehnt"]
    partial = check_import(atlas, settings, ImportRequest(allow_partial=True, boundaries=[
        (Upload("st.zip", data), BoundaryOptions(level="quartier", parent="06433003",
                                                       crs="EPSG:25832"))]))
    areas = partial.tables.areas.set_index("name")
    # the line inside the collection is dropped: only the northern polygon is left
    assert areas.loc["Nord", "geometry"].geom_type == "Polygon"
    assert abs(areas.loc["Nord", "geometry"].area - north.area) < 1.0


def test_new_indicator_kind_and_counts_in_german(atlas, settings):
    csv = "Schlüssel;Spielplätze\n06433012;4\n".encode()
    result = check_import(atlas, settings, ImportRequest(tables=[
        (Upload("s.csv", csv), ValueOptions(year=2023))]))
    assert [i.text() for i in result.report.warnings] == [
        "Warnung: s.csv: Neuer Indikator „spielplaetze“: Metadaten vorgeschlagen (Name "
        "„Spielplätze“, Art Anzahl, Richtung neutral); bitte im Formular oder mit einer "
        "Metadaten-Datei ergänzen."]
    # one value; the demo has no such indicator, so nothing is replaced
    assert "1 Wert importiert, davon ersetzen 0 bestehende Werte." in result.report.summary
