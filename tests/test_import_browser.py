"""The upload page as a user sees it: upload, check, import, then the new quarters and the new
indicator appear in the main map of the same running server."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geodata.storage.gpkg import read_atlas_tables
from tests.conftest import SCREENSHOTS
from tests.test_browser import area_point, wait_for_areas

pytestmark = pytest.mark.browser
EVIL = "<img src=x onerror=alert(1)>"


def _quarters_geojson() -> bytes:
    """Büttelborn (06433003) cut into a northern and a southern half; one name is HTML."""
    areas = read_atlas_tables().areas
    g = areas.loc[areas["area_id"] == "06433003", "geometry"].iloc[0]
    x0, y0, x1, y1 = g.bounds
    ym = (y0 + y1) / 2
    halves = [shapely.intersection(g, shapely.box(x0, ym, x1, y1)),
              shapely.intersection(g, shapely.box(x0, y0, x1, ym))]
    gdf = gpd.GeoDataFrame({"name": ["Nord", EVIL]}, geometry=halves, crs="EPSG:25832")
    return gdf.to_crs("EPSG:4326").to_json().encode()


def _upload(page, name: str, data: bytes, mime: str) -> None:
    page.set_input_files("#ba-imp-upload input[type=file]",
                         files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.wait_for_function("n => document.querySelector('#ba-imp-filename').innerText"
                           ".includes('Hochgeladen: ' + n)", arg=name, timeout=15000)


def _click_and_wait(page, button: str, text: str) -> str:
    page.click(button)
    try:
        found = page.wait_for_function(
            "t => { const x = document.querySelector('#ba-imp-report').innerText;"
            " return x.includes(t) ? x : false; }", arg=text, timeout=60000)
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / "import_fehler.png"), full_page=True)
        raise
    return found.json_value()


def test_upload_check_import_and_see_it_in_the_map(page, store_url):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(store_url + "/")
    page.click("text=Daten importieren")
    page.wait_for_selector("#ba-imp-upload")

    # 1. boundaries: two quarters for Büttelborn, names only
    _upload(page, "quartiere.geojson", _quarters_geojson(), "application/geo+json")
    assert page.is_checked("#ba-imp-kind input[value=grenzen]")
    page.click("#ba-imp-level")
    page.click(".dash-dropdown-option:has-text('Stadtteil')")
    report = _click_and_wait(page, "#ba-imp-check", "Prüfung bestanden")
    assert "quartiere.geojson: 2 Zeilen gelesen, 2 übernommen, 0 abgelehnt" in report
    # the HTML name is shown literally, as text
    assert f"Schlüssel 06433003-001 für „{EVIL}“ neu erzeugt." in report
    assert page.locator("#ba-imp-report img").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "import_01_pruefen.png"), full_page=True)
    report = _click_and_wait(page, "#ba-imp-import", "Importiert als Version")

    # 2. an indicator table for the new quarters with a new indicator
    table = f"Stadtteil;Sprachkurse\nNord;4\n{EVIL};2\n".encode()
    _upload(page, "kurse.csv", table, "text/csv")
    assert page.is_checked("#ba-imp-kind input[value=tabelle]")
    page.wait_for_selector("#ba-imp-mapping table")
    page.fill("#ba-imp-within", "06433003")
    page.press("#ba-imp-within", "Tab")
    page.fill("#ba-imp-year", "2024")
    page.press("#ba-imp-year", "Tab")
    report = _click_and_wait(page, "#ba-imp-check", "Neuer Indikator „sprachkurse“")
    page.wait_for_selector("#ba-imp-meta input")
    name_input = page.locator("input[id*='sprachkurse'][id*='\"name\"']")
    name_input.fill("Sprachkurse für Kinder")
    name_input.press("Tab")
    page.screenshot(path=str(SCREENSHOTS / "import_02_tabelle.png"), full_page=True)
    report = _click_and_wait(page, "#ba-imp-import", "Importiert als Version")
    assert "kurse.csv: 2 Zeilen gelesen, 2 übernommen, 0 abgelehnt" in report
    with page.expect_download() as dl:
        page.click("#ba-imp-csvbtn")
    csv_text = dl.value.path().read_bytes().decode("utf-8-sig")
    assert dl.value.suggested_filename == "importbericht.csv"
    assert csv_text.splitlines()[0] == "Schwere;Datei;Zeile;Spalte;Meldung"
    assert "Übersicht;;;;kurse.csv: 2 Zeilen gelesen, 2 übernommen, 0 abgelehnt" in csv_text

    # 3. the main map of the same server shows both, without a restart
    page.goto(store_url + "/?gebiet=06433003&indikator=sprachkurse&jahr=2024")
    wait_for_areas(page, 2)
    page.click("#indikator")
    assert page.locator(".dash-dropdown-option:has-text('Sprachkurse für Kinder')").count() == 1
    page.keyboard.press("Escape")
    x, y = area_point(page, "06433003-001")
    page.mouse.move(x, y)
    page.wait_for_selector(".leaflet-tooltip")
    assert EVIL in page.inner_text(".leaflet-tooltip")
    page.screenshot(path=str(SCREENSHOTS / "import_03_karte.png"))

    # 4. restore the demo atlas: the quarters are gone again, still without a restart
    page.goto(store_url + "/daten-importieren/")
    page.click("#ba-imp-versions button:has-text('Wiederherstellen') >> nth=-1")  # basis
    # (an arrow function: a bare expression would be eval'd, which the CSP forbids)
    page.wait_for_function("() => document.querySelector('#ba-imp-report').innerText"
                           ".includes('Version basis ist wiederhergestellt')", timeout=30000)
    area = page.request.get(store_url + "/api/gebiete/06433003").json()
    assert area["kinder_ids"] == []
    assert dialogs == []  # nothing from the file ran as script
