"""Issue 4 in the browser: search, profile, multi-selection, Sozialraum, institutions, charts.

Expected figures come from the source files: Bockenheim and Westend-Süd residents 2012 from
``stadtteile_frankfurt_bevoelkerung_2011_2012.csv``, the school's address from
``schulen_he_bw.csv``.
"""

from __future__ import annotations

import csv

import pytest

from geodata.statistics.numfmt import format_number
from tests.conftest import SCREENSHOTS, SOURCES
from tests.test_browser import area_point, wait_for_areas, wait_url

pytestmark = pytest.mark.browser

FRANKFURT = "06412000"
BOCKENHEIM, WESTEND_SUED = "06412000-012", "06412000-004"


def _residents_2012(quarter: str) -> int:
    with open(SOURCES / "stadtteile_frankfurt_bevoelkerung_2011_2012.csv", encoding="utf-8") as fh:
        return next(int(r["einwohner"]) for r in csv.DictReader(fh)
                    if r["quarter_id"] == quarter and r["jahr"] == "2012")


def _school(school_id: str) -> dict[str, str]:
    with open(SOURCES / "schulen_he_bw.csv", encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh) if r["school_id"] == school_id)


def _panel_title(page, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('#profil-titel')?.innerText === t", arg=text)


def test_search_select_combine_and_open_a_school(page, live_url):
    page.goto(live_url + "/")
    wait_for_areas(page, 70)

    # Search: case- and umlaut-tolerant; Enter opens the first hit.
    page.fill("#suche", "bockenheim")
    page.wait_for_selector(".ba-hit")
    assert page.inner_text(".ba-hit").startswith("Bockenheim\nStadtteil in Frankfurt am Main")
    page.screenshot(path=str(SCREENSHOTS / "20_suche.png"))
    page.press("#suche", "Enter")
    wait_for_areas(page, 46)
    wait_url(page, rf"gebiet={FRANKFURT}&auswahl={BOCKENHEIM}&")
    _panel_title(page, "Bockenheim")
    profile = page.inner_text("#gebietsprofil")
    assert "Steckbrief" in profile and "Rang" in profile and "/46" in profile
    page.screenshot(path=str(SCREENSHOTS / "21_steckbrief_bockenheim.png"))

    # Ctrl-click a neighbour: both selected, compared side by side.
    x, y = area_point(page, WESTEND_SUED)
    page.keyboard.down("Control")
    page.mouse.click(x, y)
    page.keyboard.up("Control")
    wait_url(page, rf"auswahl={BOCKENHEIM},{WESTEND_SUED}&")
    _panel_title(page, "2 Gebiete ausgewählt")
    assert page.evaluate("document.querySelectorAll('path.ba-area').length") == 46  # no drill
    page.screenshot(path=str(SCREENSHOTS / "22_vergleich.png"))

    # Combine: summed residents (2012, the Frankfurt source's newest year).
    page.click("#sozialraum-bilden")
    wait_url(page, r"ansicht=sozialraum")
    page.wait_for_selector("#sozialraum-einwohner")
    expected = _residents_2012(BOCKENHEIM) + _residents_2012(WESTEND_SUED)
    assert expected == 35789 + 17076
    assert page.inner_text("#sozialraum-einwohner") == f"{format_number(expected)} (2012)"
    page.screenshot(path=str(SCREENSHOTS / "23_sozialraum.png"))

    # Institutions on, zoom to a school, click it, read its panel.
    page.click("#schulen-an input[type=checkbox]")
    wait_url(page, r"schulen=an")
    school = _school("HE-3108")  # Sophienschule, in Bockenheim
    page.wait_for_function("() => document.querySelector('.ba-cluster, path.ba-school')")
    page.evaluate("([lat, lon]) => bildungsatlas.maps[0].setView([lat, lon], 17, "
                  "{animate: false})", [float(school["lat"]), float(school["lon"])])
    marker = page.wait_for_selector("path.ba-school", state="attached")
    page.wait_for_timeout(400)
    centre = page.evaluate("""() => {
        const c = bildungsatlas.maps[0].getSize();
        return [c.x / 2, c.y / 2];
    }""")
    box = page.locator(".ba-map").bounding_box()
    page.mouse.click(box["x"] + centre[0], box["y"] + centre[1])
    assert marker
    wait_url(page, r"einrichtung=HE-3108")
    _panel_title(page, school["name"])
    facts = page.inner_text("#einrichtung-daten")
    assert f"{school['strasse']}, {school['plz']} {school['ort']}" in facts
    assert format_number(int(school["schueler_insgesamt"])) in facts
    assert "Lage: Bockenheim" in page.inner_text("#gebietsprofil")
    page.screenshot(path=str(SCREENSHOTS / "24_schule.png"))


def test_charts_are_linked_to_the_map(page, live_url):
    page.goto(live_url + f"/?gebiet={FRANKFURT}&auswahl={BOCKENHEIM}&ansicht=diagramme"
                         "&indikator=sgb2_quote_u15&jahr=2023")
    wait_for_areas(page, 46)
    page.wait_for_selector(".ba-chart .main-svg")
    # The bar of the selected area is highlighted; clicking another bar selects it.
    bars = page.locator("#" + _graph_dom_id("rang") + " .point path")
    page.wait_for_function("() => document.querySelectorAll('.ba-chart .point').length > 40")
    n = bars.count()
    assert n == 46
    bars.nth(0).click(force=True)  # most need first
    page.wait_for_function(
        "b => !location.search.includes('auswahl=' + b)", arg=BOCKENHEIM)
    selected = page.evaluate("new URLSearchParams(location.search).get('auswahl')")
    assert selected.startswith(FRANKFURT + "-") and selected != BOCKENHEIM
    page.wait_for_function("() => document.querySelector('#streuung-r')")
    assert "r = " in page.inner_text("#streuung-r")
    page.screenshot(path=str(SCREENSHOTS / "25_diagramme.png"))


def _graph_dom_id(name: str) -> str:
    """Dash's DOM id of a pattern-matching component id (JSON with sorted keys)."""
    import json

    return json.dumps({"name": name, "type": "diagramm"}, separators=(",", ":")).replace(
        '"', '\\"').replace("{", "\\{").replace("}", "\\}").replace(":", "\\:").replace(
        ",", "\\,")


def test_rectangle_selects_the_areas_inside(page, live_url, repo):
    page.goto(live_url + f"/?gebiet={FRANKFURT}&indikator=sgb2_quote_u15&jahr=2023")
    wait_for_areas(page, 46)
    page.wait_for_timeout(800)  # the fit animation
    assert page.get_attribute(".leaflet-draw-draw-rectangle", "title") == (
        "Rechteck: Gebiete darin auswählen")
    box = page.locator(".ba-map").bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.40
    x1, y1 = x0 + 90, y0 + 80
    # The rectangle in map coordinates, to work out which inner points it holds.
    (s, w), (n, e) = page.evaluate(
        """([a, b, c, d]) => {
            const m = bildungsatlas.maps[0];
            const p = m.containerPointToLatLng([a, b]), q = m.containerPointToLatLng([c, d]);
            return [[q.lat, p.lng], [p.lat, q.lng]];
        }""", [x0 - box["x"], y0 - box["y"], x1 - box["x"], y1 - box["y"]])
    expected = [q for q in repo.children_of(FRANKFURT)
                if w <= repo.label_point(q)[0] <= e and s <= repo.label_point(q)[1] <= n]
    assert len(expected) >= 2
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    wait_url(page, r"auswahl=")
    selected = page.evaluate("new URLSearchParams(location.search).get('auswahl')").split(",")
    assert selected == expected
    assert page.inner_text("#hinweis") == (
        f"{len(expected)} Gebiete in der gezeichneten Fläche ausgewählt.")
    _panel_title(page, f"{len(expected)} Gebiete ausgewählt")
    page.screenshot(path=str(SCREENSHOTS / "26_rechteck.png"))
