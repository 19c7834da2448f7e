"""Boundaries: CRS handling, generated keys, spatial parents, repairs, coverage checks,
archives that try to escape the upload folder. Expected lines worked out by hand."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from geodata.importer.core import ImportRequest, Upload, check_import
from geodata.importer.geofile import BoundaryOptions
from tests.conftest import SOURCES


def _halves(atlas, ags: str) -> gpd.GeoDataFrame:
    """The Gemeinde cut into a northern and a southern half at the middle of its bbox."""
    g = atlas.areas.loc[atlas.areas["area_id"] == ags, "geometry"].iloc[0]
    x0, y0, x1, y1 = g.bounds
    ym = (y0 + y1) / 2
    north = shapely.intersection(g, shapely.box(x0, ym, x1, y1))
    south = shapely.intersection(g, shapely.box(x0, y0, x1, ym))
    return gpd.GeoDataFrame({"name": ["Süd", "Nord"]}, geometry=[south, north], crs="EPSG:25832")


def _gpkg_bytes(gdf: gpd.GeoDataFrame, tmp_path: Path, name: str = "x.gpkg") -> bytes:
    path = tmp_path / name
    gdf.to_file(path, driver="GPKG")
    return path.read_bytes()


def test_names_only_quarters_get_keys_and_spatial_parent(atlas, settings, tmp_path):
    data = _gpkg_bytes(_halves(atlas, "06433003").to_crs("EPSG:4326"), tmp_path)
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("bue.gpkg", data), BoundaryOptions(level="quartier"))]))
    lines = [i.text() for i in result.report.issues]
    assert lines == [
        "Hinweis: bue.gpkg: 2 Flächen gelesen, Koordinatensystem EPSG:4326, umgerechnet nach "
        "EPSG:25832.",
        # keys in alphabetical order of the names: Nord before Süd
        "Hinweis: bue.gpkg, Zeile 2: Schlüssel 06433003-001 für „Nord“ neu erzeugt.",
        "Hinweis: bue.gpkg, Zeile 1: Schlüssel 06433003-002 für „Süd“ neu erzeugt.",
        "Hinweis: bue.gpkg, Zeile 1: „Süd“ (06433003-002) liegt zu 100,00 % in Gemeinde "
        "06433003 Büttelborn (räumlich zugeordnet).",
        "Hinweis: bue.gpkg, Zeile 2: „Nord“ (06433003-001) liegt zu 100,00 % in Gemeinde "
        "06433003 Büttelborn (räumlich zugeordnet).",
        # the two halves cover the Gemeinde exactly (up to the reprojection round trip)
        "Hinweis: bue.gpkg: 0,00 % der Fläche von Büttelborn (06433003) sind von keinem "
        "Stadtteil bedeckt.",
    ]
    assert result.report.count_lines() == ["bue.gpkg: 2 Zeilen gelesen, 2 übernommen, 0 abgelehnt"]
    repo = result.repository
    assert repo.children_of("06433003") == ("06433003-001", "06433003-002")
    assert repo.area("06433003-002").name == "Süd"
    # drill-down works: the Gemeinde is now a view parent
    assert repo.view_target("06433003") == "06433003"


def _karlsruhe_names_only() -> gpd.GeoDataFrame:
    q = gpd.read_file(SOURCES / "stadtteile_ffm_ka.geojson")
    ka = q[q["city_ags"] == "08212000"].sort_values("quarter_id")
    ka = ka[["quarter_name", "geometry"]].rename(columns={"quarter_name": "name"})
    ka.loc[ka["name"] == "Südstadt", "name"] = "Südstat"  # misspelt
    return ka.to_crs("EPSG:31467").reset_index(drop=True)  # Gauß-Krüger zone 3


def test_karlsruhe_quarters_in_gauss_krueger_with_a_misspelt_name(atlas, settings, tmp_path):
    # Issue 17 changed this: the misspelt quarter used to get a new key (028) while the old
    # Südstadt vanished with its values; now its polygon (the same as the stored one) keeps
    # the key 08212000-003, and the new spelling is a reported rename.
    ka = _karlsruhe_names_only()
    data = _gpkg_bytes(ka, tmp_path, "ka.gpkg")
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("ka.gpkg", data), BoundaryOptions(level="quartier"))]))
    rep = result.report
    texts = [i.text() for i in rep.issues]
    line = int(ka.index[ka["name"] == "Südstat"][0]) + 1  # feature number in the file
    assert texts[0] == ("Hinweis: ka.gpkg: 27 Flächen gelesen, Koordinatensystem EPSG:31467, "
                        "umgerechnet nach EPSG:25832.")
    renamed = [t for t in texts if "umbenannt" in t]
    assert len(renamed) == 1
    assert renamed[0].startswith(f"Warnung: ka.gpkg, Zeile {line}: „Südstat“ ist das bisherige "
                                 "Gebiet „Südstadt“ (08212000-003; Fläche zu ")
    assert not [t for t in texts if "neu erzeugt" in t or "entfallen" in t]
    assert "ka.gpkg: 0 Gebiete neu, 27 aktualisiert, 0 entfallen." in rep.summary
    assert [c.text() for c in rep.changes] == ["08212000-003: „Südstadt“ → „Südstat“"]
    # SOURCES.md (checked independently when the data were prepared): 1.44 km² = 0.83 % of
    # Karlsruhe is not covered by its quarters.
    assert ("Hinweis: ka.gpkg: 0,83 % der Fläche von Karlsruhe (08212000) sind von keinem "
            "Stadtteil bedeckt.") in texts
    # Quarters sticking out of the city by 1 % or more are warned about. Independent check
    # with geopandas' overlay instead of the importer's shapely intersection:
    city = atlas.areas[atlas.areas["area_id"] == "08212000"]
    q = ka.to_crs("EPSG:25832")
    outside = gpd.overlay(q, city[["geometry"]], how="difference")
    share = dict(zip(outside["name"], 100 * outside.area / q.set_index("name").loc[
        outside["name"]].area.to_numpy(), strict=True))
    expected_warned = sorted(n for n, s in share.items() if s >= 1.0)
    warned = sorted(t.split("„")[1].split("“")[0] for t in texts if "ragen hinaus" in t)
    assert warned == expected_warned
    assert len(warned) == 4  # Hagsfeld, Neureut, Palmbach, Stupferich (seen on the map)
    repo = result.repository
    assert len(repo.children_of("08212000")) == 27
    assert repo.area("08212000-003").name == "Südstat"
    assert "08212000-028" not in repo.areas
    # the schools of Südstadt stay where they were: stadtteile_schulen_2015.csv (counted by
    # point in polygon when the data were prepared) has 4 schools in Südstadt
    assert len(repo.institutions_in("08212000-003")) == 4
    assert all(i.area_id in repo.areas for group in repo.institutions.values() for i in group)


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _shapefile_zip(gdf: gpd.GeoDataFrame, tmp_path: Path, keep_prj: bool) -> bytes:
    path = tmp_path / "quartiere.shp"
    pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile")
    files = {}
    for p in sorted(tmp_path.glob("quartiere.*")):
        if p.suffix == ".prj" and not keep_prj:
            continue
        files[p.name] = p.read_bytes()
    return _zip(files)


def test_shapefile_without_crs_is_refused_then_accepted_with_crs(atlas, settings, tmp_path):
    gdf = _halves(atlas, "06433003")
    gdf["nr"] = [2, 1]
    gdf["gemeinde"] = ["6433003", "6433003"]  # parent key without its leading zero
    data = _shapefile_zip(gdf, tmp_path, keep_prj=False)
    req = ImportRequest(boundaries=[(Upload("q.zip", data), BoundaryOptions(
        level="quartier", key_column="nr", parent_column="gemeinde"))])
    rep = check_import(atlas, settings, req).report
    assert [i.text() for i in rep.issues] == [
        "Fehler: q.zip: Die Datei gibt kein Koordinatensystem an (bei Shapefiles fehlt die "
        ".prj-Datei). Die Koordinaten sehen nach UTM Zone 32 (EPSG:25832) aus; bitte das "
        "Koordinatensystem angeben (Kommandozeile: --crs EPSG:25832)."]
    req.boundaries[0][1].crs = "EPSG:25832"
    result = check_import(atlas, settings, req)
    assert result.report.ok
    assert result.repository.area("06433003-002").name == "Süd"  # nr 2 → key ...-002
    assert result.repository.area("06433003-001").name == "Nord"


def test_archive_names_cannot_escape(atlas, settings):
    for evil in ("../ausbruch.geojson", "/etc/ausbruch.geojson", "a/../../ausbruch.geojson"):
        data = _zip({evil: b'{"type": "FeatureCollection", "features": []}'})
        rep = check_import(atlas, settings, ImportRequest(boundaries=[
            (Upload("boese.zip", data), BoundaryOptions(level="quartier"))])).report
        assert [i.text() for i in rep.issues] == [
            f"Fehler: boese.zip: Das ZIP-Archiv enthält den unzulässigen Dateinamen „{evil}“ "
            "(er zeigt aus dem Upload-Ordner heraus)."]


def test_invalid_geometry_repaired_and_wrong_crs_caught(atlas, settings, tmp_path):
    gdf = _halves(atlas, "06433003")
    north = gdf.geometry.iloc[1]
    pt = north.representative_point()
    # the northern half plus a box inside it: an invalid MultiPolygon (nested shells)
    broken = shapely.MultiPolygon([*shapely.get_parts(north), pt.buffer(50, cap_style="square")])
    assert not broken.is_valid
    gdf.loc[1, "geometry"] = broken
    result = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("s.gpkg", _gpkg_bytes(gdf, tmp_path)), BoundaryOptions(
            level="quartier", parent="06433003"))]))
    repaired = [i.text() for i in result.report.warnings if "repariert" in i.text()]
    assert len(repaired) == 1
    assert repaired[0].startswith("Warnung: s.gpkg, Zeile 2: Geometrie von „Nord“ war "
                                  "ungültig (verschachtelte Außenringe bei ")
    assert result.repository is not None  # the repaired polygon is accepted
    assert result.repository.area("06433003-001").name == "Nord"
    gdf = gpd.GeoDataFrame({"name": ["Schleife"]}, geometry=[north], crs="EPSG:25832")
    # UTM numbers declared as degrees: the file's CRS is wrong
    wrong = gdf.set_crs("EPSG:4326", allow_override=True)
    rep = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("w.gpkg", _gpkg_bytes(wrong, tmp_path, "w.gpkg")),
         BoundaryOptions(level="quartier"))])).report
    assert rep.errors[-1].text().startswith("Fehler: w.gpkg: ")
    assert "Koordinatensystem" in rep.errors[-1].message


def test_overlaps_and_gaps_are_measured(atlas, settings, tmp_path):
    g = atlas.areas.loc[atlas.areas["area_id"] == "06433003", "geometry"].iloc[0]
    x0, y0, x1, y1 = g.bounds
    ym = (y0 + y1) / 2
    d = (y1 - y0) / 10  # the northern part reaches 10 % of the height into the southern one
    north = shapely.intersection(g, shapely.box(x0, ym - d, x1, y1))
    south = shapely.intersection(g, shapely.box(x0, y0, x1, ym))
    strip = shapely.intersection(g, shapely.box(x0, ym - d, x1, ym)).area
    gdf = gpd.GeoDataFrame({"name": ["Nord", "Süd"]}, geometry=[north, south], crs="EPSG:25832")
    rep = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("o.gpkg", _gpkg_bytes(gdf, tmp_path)),
         BoundaryOptions(level="quartier", parent="06433003"))])).report
    pct = 100 * strip / min(north.area, south.area)
    expected = (f"„Nord“ und „Süd“ überlappen sich auf "
                f"{f'{strip / 1e4:.2f}'.replace('.', ',')} ha "
                f"({f'{pct:.2f}'.replace('.', ',')} % der kleineren Fläche).")
    assert pct >= 10  # above the error threshold
    assert [i.message for i in rep.errors] == [expected]

    # only the northern half: the rest of Büttelborn is a gap (error above 10 %)
    only = gpd.GeoDataFrame({"name": ["Nord"]}, geometry=[north], crs="EPSG:25832")
    rep = check_import(atlas, settings, ImportRequest(boundaries=[
        (Upload("n.gpkg", _gpkg_bytes(only, tmp_path, "n.gpkg")),
         BoundaryOptions(level="quartier", parent="06433003"))])).report
    gap = 100 * (1 - north.area / g.area)
    assert [i.message for i in rep.errors] == [
        f"{f'{gap:.2f}'.replace('.', ',')} % der Fläche von Büttelborn (06433003) sind von "
        "keinem Stadtteil bedeckt (Fehlergrenze 10,00 %)."]


def test_thresholds_from_the_configuration(tmp_path):
    from geodata.importer.boundaries import thresholds

    cfg = tmp_path / "atlas.toml"
    cfg.write_text("[import]\nwarnung_prozent = 0.5\nfehler_prozent = 3\n", encoding="utf-8")
    assert thresholds(cfg) == (0.5, 3.0)
    cfg.write_text("title = 'ohne Abschnitt'\n", encoding="utf-8")
    assert thresholds(cfg) == (1.0, 10.0)
