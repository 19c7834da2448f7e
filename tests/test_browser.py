"""Browser tests in headless Chromium: what a user clicks, what a user sees.

Expected figures come from the source files, not from the app: Groß-Gerau has 14 Gemeinden
(GV-ISys), Frankfurt 46 Stadtteile (city GIS data); a quarter's school count is read from
``stadtteile_schulen_2015.csv``, which counts schools by point-in-polygon independently.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from tests.conftest import SCREENSHOTS, SOURCES

pytestmark = pytest.mark.browser

GROSS_GERAU = "06433"
FRANKFURT_KREIS = "06412"
FRANKFURT = "06412000"


def _school_counts() -> dict[str, tuple[str, int]]:
    with open(SOURCES / "stadtteile_schulen_2015.csv", encoding="utf-8") as fh:
        return {r["quarter_id"]: (r["quarter_name"], int(r["n_schulen"])) for r in csv.DictReader(fh)}


def wait_for_areas(page, n: int) -> None:
    """Wait until the map shows exactly ``n`` area polygons."""
    page.wait_for_function(
        "n => document.querySelectorAll('path.ba-area').length === n", arg=n, timeout=15000
    )


def wait_url(page, pattern: str) -> None:
    """Wait until the address bar matches (pushState changes fire no load event)."""
    page.wait_for_function(
        "p => new RegExp(p).test(location.href)", arg=pattern, timeout=15000
    )


def area_point(page, area_id: str) -> tuple[float, float]:
    """A screen point where the area's polygon, not something on top of it, gets the mouse."""
    sel = f"path.ba-area-{area_id}"
    page.wait_for_selector(sel)
    page.wait_for_timeout(700)  # let a fly-to animation settle
    point = page.evaluate(
        """sel => {
            const el = document.querySelector(sel);
            const r = el.getBoundingClientRect();
            for (let f = 0.5; f < 1; f += 0.02) {
              for (const [fx, fy] of [[0.5, 0.5], [f, 0.5], [1 - f, 0.5], [0.5, f], [0.5, 1 - f],
                                      [f, f], [1 - f, 1 - f], [f, 1 - f], [1 - f, f]]) {
                const x = r.left + r.width * fx, y = r.top + r.height * fy;
                if (document.elementFromPoint(x, y) === el) return [x, y];
              }
            }
            return null;
        }""",
        sel,
    )
    assert point, f"no clickable point found for {area_id}"
    return point[0], point[1]


def click_area(page, area_id: str) -> None:
    """Click with the mouse on the area's polygon."""
    page.mouse.click(*area_point(page, area_id))


@pytest.fixture(params=["geopackage", "postgis"])
def backend_url(request) -> str:
    """The live app on either storage backend, both holding the demo atlas."""
    return request.getfixturevalue("live_url" if request.param == "geopackage" else "pg_live_url")


def test_drill_down_flow(page, backend_url, repo):
    live_url = backend_url
    page.goto(live_url + "/")
    wait_for_areas(page, 70)
    page.wait_for_selector(".ba-legend-rows li")
    legend = page.inner_text("#legende")
    assert "synthetisch" in legend  # default indicator is synthetic and says so
    assert "Quantile, 5 Klassen" in legend
    assert "(70)" not in legend  # 70 areas are spread over 5 classes
    page.screenshot(path=str(SCREENSHOTS / "01_start_kreise.png"))

    # Into Kreis Groß-Gerau: 14 Gemeinden, the address bar holds the view.
    click_area(page, GROSS_GERAU)
    wait_for_areas(page, 14)
    wait_url(page, r"gebiet=06433\b")
    assert "Groß-Gerau" in page.inner_text("#brotkrumen")
    assert "Groß-Gerau" in page.inner_text("#gebietsprofil")
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / "02_gross_gerau.png"))

    # Indicator switch at Gemeinde level: measure the callback response; no geometry in it.
    with page.expect_response(lambda r: "_dash-update-component" in r.url) as resp_info:
        page.click("#indikator")
        page.click(".dash-dropdown-option:has-text('SGB-II-Quote')")
    body = resp_info.value.body()
    print(f"\nindicator switch, 14 Gemeinden: callback response {len(body)} bytes")
    assert len(body) < 5000
    assert b'"coordinates"' not in body
    wait_url(page, r"indikator=sgb2_quote_u15")
    page.wait_for_function(
        "() => document.querySelector('#legende').innerText.includes('SGB-II')"
    )

    # Back to the overview, then into Frankfurt: 46 Stadtteile (never the one-polygon city).
    page.click("#zurueck")
    wait_for_areas(page, 70)
    click_area(page, FRANKFURT_KREIS)
    wait_for_areas(page, 46)
    wait_url(page, r"gebiet=06412000\b")

    # Escape goes up one level, the browser's back button returns.
    page.keyboard.press("Escape")
    wait_for_areas(page, 70)
    page.go_back()
    wait_for_areas(page, 46)

    # A Stadtteil's panel: its name and its schools.
    quarter = "06412000-012"  # Bockenheim
    name, n_schools = _school_counts()[quarter]
    click_area(page, quarter)
    wait_url(page, rf"auswahl={quarter}")
    page.wait_for_function(
        "name => document.querySelector('#profil-titel')?.innerText === name", arg=name
    )
    panel = page.inner_text("#gebietsprofil")
    assert f"Einrichtungen ({n_schools})" in panel  # the tab with the schools
    assert "Frankfurt am Main" in panel  # parent for comparison
    assert "synthetisch" in panel
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "03_frankfurt_stadtteil.png"))

    # The URL alone restores the view in a new page.
    url = page.url
    page.goto("about:blank")
    page.goto(url)
    wait_for_areas(page, 46)
    page.wait_for_function(
        "name => document.querySelector('#profil-titel')?.innerText === name", arg=name
    )
    assert not page.console_errors, page.console_errors


def test_school_layer_and_tooltip(page, live_url):
    page.goto(live_url + f"/?gebiet={GROSS_GERAU}&indikator=einwohner&jahr=2023&schulen=an")
    wait_for_areas(page, 14)
    # Zoomed out, nearby schools are clustered: single markers plus the clusters' counts.
    count_js = """() => document.querySelectorAll('path.ba-school').length +
        Array.from(document.querySelectorAll('.ba-cluster span'))
             .reduce((n, el) => n + Number(el.innerText), 0)"""
    page.wait_for_function(count_js + " > 20")
    page.wait_for_timeout(300)
    n_points = page.evaluate(count_js)
    assert page.query_selector(".ba-cluster")  # clustered at this zoom
    # Schools with coordinates in Kreis Groß-Gerau, counted independently from the source CSV.
    with open(SOURCES / "schulen_he_bw.csv", encoding="utf-8") as fh:
        expected = sum(1 for r in csv.DictReader(fh) if r["ags"].startswith(GROSS_GERAU) and r["lon"])
    assert n_points == expected
    assert page.is_visible("text=jedeschule.de")  # the school data's attribution, while shown
    page.mouse.move(*area_point(page, "06433012"))  # Rüsselsheim am Main
    tip = page.wait_for_selector(".ba-tip")
    # The value arrives after the name ("…" meanwhile): wait for it, not a fixed time.
    page.wait_for_function("() => /\\d Personen/.test("
                           "document.querySelector('.ba-tip')?.innerText || '')", timeout=10000)
    text = tip.inner_text()
    assert "Rüsselsheim am Main" in text
    assert re.search(r"\d{2}\.\d{3} Personen", text)  # German thousands dot
    page.screenshot(path=str(SCREENSHOTS / "04_schulen_tooltip.png"))
    assert not page.console_errors, page.console_errors


def test_normalised_address_adds_no_history_entry(page, live_url):
    """Opening the bare address fills in the view without trapping the Back button."""
    page.goto(live_url + "/api/indikatoren")
    page.goto(live_url + "/")
    wait_for_areas(page, 70)
    wait_url(page, r"\?indikator=sprachfoerderbedarf&jahr=2023$")
    page.go_back()
    wait_url(page, r"/api/indikatoren$")
    page.wait_for_timeout(500)
    assert page.url.endswith("/api/indikatoren")  # stayed there, not bounced forward


def test_bad_url_shows_german_notice(page, live_url):
    page.goto(live_url + "/?gebiet=99999&indikator=quatsch&jahr=20x3")
    wait_for_areas(page, 70)
    notice = page.inner_text("#hinweis")
    assert "„99999“ (Parameter gebiet) ist unbekannt" in notice
    assert "„quatsch“ (Parameter indikator) ist unbekannt" in notice
    assert "„20x3“ (Parameter jahr) ist keine Jahreszahl" in notice
    assert "indikator=sprachfoerderbedarf" in page.url
    assert not page.console_errors, page.console_errors


def test_api_from_browser(page, live_url):
    resp = page.goto(live_url + "/api/gebiete/" + GROSS_GERAU)
    data = json.loads(resp.text())
    assert data["name"] == "Groß-Gerau" and len(data["kinder_ids"]) == 14


def test_keyboard_only_drill_down(page, live_url):
    """Without a mouse: find an area by name, open it, then Escape goes back up."""
    page.goto(live_url + "/")
    wait_for_areas(page, 70)
    page.focus("#suche")
    page.keyboard.type("karlsruhe")  # Landkreis and Stadtkreis Karlsruhe share the name
    page.wait_for_selector(".ba-hit")
    page.keyboard.press("Tab")  # to the first result
    assert page.evaluate("document.activeElement.innerText").startswith(
        "Karlsruhe\nKreis (Stadtkreis)")
    page.keyboard.press("Enter")
    wait_for_areas(page, 27)  # Karlsruhe's Stadtteile (the Stadtkreis has one Gemeinde)
    wait_url(page, r"gebiet=08212000\b")
    assert page.inner_text("#profil-titel") == "Karlsruhe"
    assert page.input_value("#suche") == ""  # the box is cleared, its list closed
    page.keyboard.press("Escape")
    wait_for_areas(page, 70)


def test_escape_after_clicking_a_control_goes_up(page, live_url):
    """A clicked checkbox keeps focus; Escape must still go one level up."""
    page.goto(live_url + f"/?gebiet={GROSS_GERAU}&indikator=einwohner&jahr=2023")
    wait_for_areas(page, 14)
    assert not page.is_visible("text=jedeschule.de")
    page.click("#schulen-an input[type=checkbox]")
    wait_url(page, r"schulen=an")
    page.keyboard.press("Escape")
    wait_for_areas(page, 70)
    assert "gebiet=" not in page.url


def test_options_panel_opens_inside_the_window(page, live_url):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_url + f"/?gebiet={GROSS_GERAU}&indikator=einwohner&jahr=2023")
    wait_for_areas(page, 14)
    page.click(".ba-options-panel > summary")
    box = page.locator(".ba-options").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, box
