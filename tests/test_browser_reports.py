"""Reports from the browser: a basket of three views downloaded as DOCX and PPTX (opened with
python-docx and python-pptx), and the batch of Groß-Gerau's 14 Steckbriefe with a visible
progress bar."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from docx import Document
from pptx import Presentation

from tests.conftest import SCREENSHOTS
from tests.test_browser import wait_for_areas

pytestmark = pytest.mark.browser

VIEWS = [("/?indikator=sgb2_quote_u15&jahr=2023", 70, "SGB-II-Quote unter 15 Jahren"),
         ("/?gebiet=06433&indikator=einwohner&jahr=2023", 14, "Einwohnerinnen und Einwohner"),
         ("/?gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023", 46,
          "Schulabgänger ohne Abschluss")]


MENUS = {"Export": ".ba-export-panel", "Berichtskorb": ".ba-korb-panel"}


def open_menu(page, name: str) -> None:
    sel = MENUS[name]
    if not page.evaluate(f"document.querySelector('{sel}').open"):
        page.click(f"{sel} > summary")


def test_basket_of_three_views_as_docx_and_pptx(browser, live_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE",
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for url, n, _title in VIEWS:
        page.goto(live_url + url)
        wait_for_areas(page, n)
        open_menu(page, "Export")
        page.click("#korb-dazu")
        page.keyboard.press("Escape")
    assert page.inner_text("#korb-zahl") == "3"
    open_menu(page, "Berichtskorb")
    items = page.locator("#korb-liste li .ba-korb-titel").all_inner_texts()
    assert [i.split(" 2023")[0] for i in items] == [t for _u, _n, t in VIEWS]
    # Reorder: the last view one up.
    page.click("#korb-liste li:nth-child(3) button[title='nach oben']")
    items = page.locator("#korb-liste li .ba-korb-titel").all_inner_texts()
    order = [VIEWS[0][2], VIEWS[2][2], VIEWS[1][2]]
    assert [i.split(" 2023")[0] for i in items] == order
    page.screenshot(path=str(SCREENSHOTS / "50_berichtskorb.png"))
    with page.expect_download() as dl:
        page.click(".ba-korb-laden[data-format=docx]")
    doc = Document(io.BytesIO(Path(dl.value.path()).read_bytes()))
    heads = [p.text.split(" 2023")[0] for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == order
    assert len(doc.inline_shapes) == 3
    with page.expect_download() as dl:
        page.click(".ba-korb-laden[data-format=pptx]")
    prs = Presentation(io.BytesIO(Path(dl.value.path()).read_bytes()))
    titles = [s.shapes[0].text_frame.text.split(" 2023")[0] for s in prs.slides
              if any(sh.shape_type == 13 for sh in s.shapes)]
    assert titles == order
    # The basket survives a reload (kept in the browser).
    page.reload()
    page.wait_for_function("() => document.querySelector('#korb-zahl')?.innerText === '3'")
    context.close()
    assert not errors, errors


def test_batch_of_the_14_gemeinden_shows_progress(browser, live_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(live_url + "/?gebiet=06433&indikator=einwohner&jahr=2023")
    wait_for_areas(page, 14)
    open_menu(page, "Export")
    with page.expect_download(timeout=60000) as dl:
        page.click(".ba-serie[data-serie=pdf]")
        page.wait_for_selector("#export-fortschritt:not([hidden])")
        page.wait_for_function(
            "() => { const b = document.querySelector('#export-fortschritt');"
            " return b.max === 14 && b.value > 0; }", timeout=30000)
        assert "von 14 fertig" in page.inner_text("#export-status")
        page.screenshot(path=str(SCREENSHOTS / "51_steckbriefe_fortschritt.png"))
    data = Path(dl.value.path()).read_bytes()
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True).stdout.decode()
    assert data[:4] == b"%PDF" and re.search(r"Pages:\s+14\n", info)
    assert dl.value.suggested_filename.startswith("bildungsatlas_steckbriefe_")
    page.wait_for_function("() => document.querySelector('#export-status').innerText"
                           ".startsWith('Fertig')")
    context.close()
