"""Browser tests of the cartography: methods, years, special states, presentation mode."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SCREENSHOTS
from tests.test_browser import area_point, wait_for_areas, wait_url

pytestmark = pytest.mark.browser

ALL_GEMEINDEN = "/?ebene=gemeinde&indikator=sgb2_quote_u15&jahr=2023"


def open_options(page) -> None:
    if not page.evaluate("document.querySelector('.ba-options-panel').open"):
        page.click(".ba-options-panel > summary")
    page.wait_for_selector(".ba-options", state="visible")


def legend_text(page) -> str:
    return page.inner_text("#legende")


def test_method_and_year_switch_for_all_gemeinden(page, live_url):
    page.goto(live_url + ALL_GEMEINDEN)
    wait_for_areas(page, 1528)
    assert "Quantile, 5 Klassen" in legend_text(page)
    open_options(page)
    with page.expect_response(lambda r: "_dash-update-component" in r.url) as info:
        page.click("#methode")
        page.click(".dash-dropdown-option:has-text('Natürliche Brüche')")
    body = info.value.body()
    budget = 2 * 1528 + 4096
    print(f"\nmethod switch, 1528 Gemeinden: callback response {len(body)} bytes "
          f"(budget {budget})")
    assert len(body) <= budget
    assert b'"coordinates"' not in body
    wait_url(page, r"methode=jenks")
    page.wait_for_function(
        "() => document.querySelector('#legende').innerText.includes('Fisher-Jenks), 5 Klassen')")

    # Years: the button, then the arrow key (focus outside the map and fields).
    with page.expect_response(lambda r: "_dash-update-component" in r.url) as info:
        page.click("#jahr-zurueck")
    body = info.value.body()
    print(f"year switch, 1528 Gemeinden: callback response {len(body)} bytes")
    assert len(body) <= budget and b'"coordinates"' not in body
    wait_url(page, r"jahr=2022")
    page.wait_for_function("() => document.querySelector('#legende').innerText.includes('2022')")
    page.click("#jahr-label")  # focus away from controls
    page.keyboard.press("ArrowLeft")
    wait_url(page, r"jahr=2021")
    page.wait_for_function("() => document.querySelector('#legende').innerText.includes('2021')")
    text = legend_text(page)
    assert "SGB-II-Quote unter 15 Jahren 2021 in %" in text
    assert re.search(r"keine Daten \(\d+\)", text)
    assert re.search(r"gesperrt · \(\d+\)", text)
    assert re.search(r"nicht bewertet \(\d+\)", text)
    page.screenshot(path=str(SCREENSHOTS / "10_gemeinden_jenks.png"))

    # Manual breaks start from the boundaries on screen; typed ones use the decimal comma.
    open_options(page)
    page.click("#methode")
    page.click(".dash-dropdown-option:has-text('Manuelle Grenzen')")
    wait_url(page, r"methode=manuell&grenzen=")
    assert page.input_value("#grenzen").count(";") == 3  # four breaks, five classes
    page.fill("#grenzen", "5;10,5;20")
    page.press("#grenzen", "Enter")
    wait_url(page, r"grenzen=5;10,5;20")
    page.wait_for_function(
        "() => document.querySelector('#legende').innerText.includes('Manuelle Grenzen, 4 Klassen')")
    assert "5,0 – 10,5 %" in legend_text(page)
    assert not page.console_errors, page.console_errors


def test_special_states_in_map_tooltip_and_legend(page, live_url):
    # Leavers without a qualification in Frankfurt's quarters: small numerators get "·".
    page.goto(live_url + "/?gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023")
    wait_for_areas(page, 46)
    page.wait_for_selector("path.ba-area[fill='url(#ba-suppressed)']")
    n_suppressed = page.evaluate(
        "document.querySelectorAll(\"path.ba-area[fill='url(#ba-suppressed)']\").length")
    assert f"gesperrt · ({n_suppressed})" in legend_text(page)
    assert "gesperrt: unter 3 Fällen (Geheimhaltung)" in legend_text(page)
    area_id = page.evaluate(
        "[...document.querySelector(\"path.ba-area[fill='url(#ba-suppressed)']\").classList]"
        ".find(c => /^ba-area-\\d/.test(c)).slice(8)")
    page.mouse.move(*area_point(page, area_id))
    page.wait_for_function(
        "() => (document.querySelector('.ba-tip')?.innerText || '').includes('· gesperrt')")
    page.screenshot(path=str(SCREENSHOTS / "11_gesperrt_tooltip.png"))
    assert not page.console_errors, page.console_errors


def test_change_map_and_presentation_mode(page, live_url):
    page.goto(live_url + "/?gebiet=06412000&indikator=betreuungsquote_u3&jahr=2023"
              "&vergleich=2019&namen=an")
    wait_for_areas(page, 46)
    text = legend_text(page)
    assert "Veränderung 2019–2023 in Prozentpunkten" in text
    assert "Mitte: keine Veränderung (0,0 Prozentpunkte)" in text
    page.wait_for_selector(".ba-name:not(.ba-name-off) span")  # names that fit (issue 19)
    open_options(page)
    page.click("#praesentation")
    wait_url(page, r"praesentation=an")
    # The header becomes the meeting strip: indicator, year and Zurück stay, the rest goes.
    page.wait_for_selector("#praesentation-ende", state="visible")
    assert page.is_visible("#indikator") and page.is_visible("#zurueck")
    assert not page.is_visible("#suche") and not page.is_visible(".ba-panel")
    assert page.is_visible("#legende")
    page.wait_for_timeout(700)
    page.screenshot(path=str(SCREENSHOTS / "12_praesentation.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector(".ba-header", state="visible")
    # The address follows the header through a callback: wait for it (no race under load).
    page.wait_for_function("() => !location.href.includes('praesentation')", timeout=10000)
    assert "praesentation" not in page.url
    assert not page.console_errors, page.console_errors
