"""Issue 17 on the upload page, in Chromium: a GENESIS CSV as downloaded, imported end to end
(column roles chosen on the page, spot values checked by hand: see test_import_official.py);
a workbook's sheet chosen with the selector; a boundary file's columns selectable, and the
areas it would remove listed with their value counts, removed only with the checkbox; the
main map's requests carry the version of the page's first answer."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest

from tests.conftest import SCREENSHOTS, SOURCES
from tests.test_import_browser import _click_and_wait, _upload

pytestmark = pytest.mark.browser
FIX = Path(__file__).parent / "fixtures" / "amtlich"
GENESIS = FIX / "regionalstatistik_21111-02-06-4_2023.csv"
ATLAS_XLSX = FIX / "deutschlandatlas_2026-04.xlsx"


def _choose_role(page, column: str, label: str) -> None:
    row = page.locator("#ba-imp-mapping tbody tr").filter(
        has=page.locator(f"td:first-child:text-is('{column}')"))
    row.locator(".dash-dropdown").click()
    page.locator(".dash-dropdown-option").filter(has_text=label).first.click()
    page.keyboard.press("Escape")
    row.locator(f"text={label}").wait_for()


def test_genesis_csv_from_the_upload_page(page, store_url):
    page.goto(store_url + "/daten-importieren/")
    page.wait_for_selector("#ba-imp-upload")
    _upload(page, GENESIS.name, GENESIS.read_bytes(), "text/csv")
    page.wait_for_selector("#ba-imp-mapping table")
    assert "Windows-1252" in page.inner_text("#ba-imp-filename")
    # the unnamed leading columns are named after their content and proposed as such
    first_cells = page.locator("#ba-imp-mapping tbody tr td:first-child").all_inner_texts()
    assert first_cells[:4] == ["Jahr", "Schlüssel", "Name", "Insgesamt"]
    _choose_role(page, "Insgesamt", "Werte von „Schulabgängerinnen und Schulabgänger“")
    _choose_role(page, "ohne Hauptschulabschluss – Insgesamt",
                 "Werte von „Schulabgängerinnen und Schulabgänger ohne Abschluss“")
    report = _click_and_wait(page, "#ba-imp-check", "Prüfung bestanden")
    assert ("regionalstatistik_21111-02-06-4_2023.csv: 538 Zeilen gelesen, 70 übernommen, "
            "0 abgelehnt, 468 übersprungen") in report
    assert "amtlich (aus der Datei erkannt)" in report
    page.screenshot(path=str(SCREENSHOTS / "import_genesis_pruefen.png"), full_page=True)
    report = _click_and_wait(page, "#ba-imp-import", "Importiert als Version")

    area = page.request.get(store_url + "/api/gebiete/06411").json()
    assert area["werte"]["schulabgaenger"]["2023"] == 1477
    assert area["werte"]["abgaenger_ohne_abschluss"]["2023"] == 88
    # 88 / 1477 × 100 = 5,958 %, published with the indicator's one decimal (half up)
    assert area["werte"]["quote_ohne_abschluss"]["2023"] == 6.0
    origin = area["herkunft"]["quote_ohne_abschluss"]["2023"]
    assert origin["amtlich"] is True and origin["synthetisch"] is False
    assert origin["art"] == "amtlich"
    assert origin["quellen"][0].startswith("© Statistische Ämter des Bundes und der Länder, "
                                           "Deutschland, 2025.")
    # an earlier year of the same indicator stays synthetic, and says so
    assert area["herkunft"]["quote_ohne_abschluss"]["2022"]["synthetisch"] is True
    ka = page.request.get(store_url + "/api/gebiete/08212").json()
    assert ka["werte"]["schulabgaenger"]["2023"] == 2278

    # the main map: the legend and the credits name the official source of the values shown
    requests = []
    # the main page's own requests (a late one of the upload page may still be on its way)
    page.on("request", lambda r: requests.append(r) if r.resource_type == "fetch"
            and "/daten-importieren/" not in r.url else None)
    page.goto(store_url + "/?indikator=quote_ohne_abschluss&jahr=2023")
    page.wait_for_selector(".ba-legend")
    page.wait_for_function("() => document.body.innerText.includes('Statistische Ämter des Bundes')",
                           timeout=30000)
    legend = page.inner_text(".ba-legend")
    assert "amtlich (70 Gebiete)" in legend
    page.screenshot(path=str(SCREENSHOTS / "import_genesis_karte.png"))
    # every callback after the first answer names the version the page started on
    assert len(requests) >= 3, [r.url for r in requests]
    versions = {r.headers.get("x-atlas-version") for r in requests[1:]}
    assert len(versions) == 1 and None not in versions, [(r.url, r.headers) for r in requests]


def test_sheet_selector_boundary_columns_and_removal_checkbox(page, store_url, tmp_path):
    page.goto(store_url + "/daten-importieren/")
    page.wait_for_selector("#ba-imp-upload")
    _upload(page, ATLAS_XLSX.name, ATLAS_XLSX.read_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page.wait_for_selector("#ba-imp-sheet")
    # automatic choice: the sheet holding the atlas's keys
    assert "Deutschlandatlas_GEM1223" in page.inner_text("#ba-imp-sheet")
    assert "Die Mappe hat 16 Blätter" in page.inner_text("#ba-imp-sheetbox")
    page.click("#ba-imp-sheet")
    page.locator(".dash-dropdown-option").filter(has_text="Deutschlandatlas_KRS1224").click()
    page.wait_for_function("() => document.querySelector('#ba-imp-mapping').innerText"
                           ".includes('KRS12224')", timeout=30000)
    page.screenshot(path=str(SCREENSHOTS / "import_blatt.png"), full_page=True)

    # a boundary file without Nordstadt: its columns selectable, the removal listed
    q = gpd.read_file(SOURCES / "stadtteile_ffm_ka.geojson")
    ka = q[(q["city_ags"] == "08212000") & (q["quarter_name"] != "Nordstadt")]
    ka = gpd.GeoDataFrame({"STT_NAME": ka["quarter_name"], "OBJECTID": range(len(ka))},
                          geometry=ka.geometry, crs=ka.crs).to_crs("EPSG:31467")
    folder = tmp_path / "shp"
    folder.mkdir()
    ka.to_file(folder / "stadtteile.shp", encoding="UTF-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, p.name)
    _upload(page, "stadtteile.zip", buf.getvalue(), "application/zip")
    assert page.is_checked("#ba-imp-kind input[value=grenzen]")
    page.wait_for_selector("#ba-imp-geocols .dash-dropdown")
    assert page.locator("#ba-imp-geocols .dash-dropdown").count() == 3
    page.click("#ba-imp-level")
    page.click(".dash-dropdown-option:has-text('Stadtteil')")
    # the name column chosen on the page
    name_box = page.locator("#ba-imp-geocols .ba-imp-field").filter(has_text="Namensspalte")
    name_box.locator(".dash-dropdown").click()
    page.locator(".dash-dropdown-option").filter(has_text="STT_NAME").click()
    report = _click_and_wait(page, "#ba-imp-check", "Prüfung fehlgeschlagen")
    assert "Nordstadt (08212000-027" in report
    removals = page.inner_text("#ba-imp-removals")
    assert "Nordstadt (08212000-027): " in removals and "Werte" in removals
    page.screenshot(path=str(SCREENSHOTS / "import_entfernen.png"), full_page=True)
    page.check("#ba-imp-remove input")
    report = _click_and_wait(page, "#ba-imp-check", "Prüfung bestanden")
    assert "1 entferntes Gebiet" in report
