"""Export from the browser: the menu downloads the current view with progress text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SCREENSHOTS
from tests.test_browser import wait_for_areas

pytestmark = pytest.mark.browser


def test_export_menu_downloads_the_current_view(browser, live_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_url + "/?gebiet=06433&auswahl=06433012&indikator=sgb2_quote_u15&jahr=2023")
    wait_for_areas(page, 14)
    page.click(".ba-export-panel > summary")
    page.screenshot(path=str(SCREENSHOTS / "30_export_menu.png"))
    with page.expect_download() as dl:
        page.click("text=Tabelle als CSV (Excel)")
    assert dl.value.suggested_filename == "bildungsatlas_sgb2_quote_u15_2023_gross_gerau.csv"
    text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert text.count("\n") >= 15 and "Rüsselsheim am Main" in text  # 14 Gemeinden + header
    page.wait_for_function(
        "() => document.querySelector('#export-status').innerText.startsWith('Fertig')")
    with page.expect_download() as dl:
        page.click("text=Steckbrief des ausgewählten Gebiets (PDF)")
    assert dl.value.suggested_filename.endswith(".pdf")
    assert Path(dl.value.path()).read_bytes()[:4] == b"%PDF"
    context.close()
    assert not errors
