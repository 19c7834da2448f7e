"""Accessibility in the browser: axe-core on every kind of page, text contrast in the
states a user creates (focused, selected, hovered), Escape closing menus first, the table
view, and a keyboard-only walk from the search to an export.

axe-core is the npm package (pinned in tests/run_all.sh, installed into tests/.axe/); it is
injected into the page, run, and must report no critical and no serious violation.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import ROOT_DIR, SCREENSHOTS, SOURCES
from tests.test_browser import GROSS_GERAU, wait_for_areas, wait_url

pytestmark = pytest.mark.browser

AXE_JS = ROOT_DIR / "tests" / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
FRANKFURT = "06412000"


def run_axe(page, rules: list[str] | None = None) -> list[dict]:
    """The critical and serious violations axe-core finds on the page as it is now."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core fehlt unter {AXE_JS}: bash tests/run_all.sh installiert es")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the app's CSP (issue 16) forbids the inline
        # <script> that add_script_tag would insert, and rightly so.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    options = {"runOnly": rules} if rules else {"resultTypes": ["violations"]}
    found = page.evaluate("""async options => {
        const r = await axe.run(document, options);
        return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' +
                                            (n.failureSummary || '').slice(0, 160))}));
    }""", options)
    return [v for v in found if v["impact"] in ("critical", "serious")]


MAIN_PAGES = {
    "start": "/",
    "drilled_profile": f"/?gebiet={GROSS_GERAU}&auswahl={GROSS_GERAU}001",
    "charts": f"/?gebiet={GROSS_GERAU}&auswahl={GROSS_GERAU}001&ansicht=diagramme",
    "table_view": f"/?gebiet={FRANKFURT}&tabelle=an&indikator=quote_ohne_abschluss&jahr=2023",
    "index_list": "/?ansicht=indizes",
    "index_result": "/?index=frankfurt_chancenindex",
    "index_definition": "/?index=frankfurt_chancenindex&ansicht=definition",
    "index_allocation": "/?index=frankfurt_chancenindex&ansicht=verteilung",
    "presentation": f"/?gebiet={GROSS_GERAU}&praesentation=an&namen=an",
}


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_axe_finds_no_serious_violation(page, live_url, index_dir, name):
    page.goto(live_url + MAIN_PAGES[name])
    page.wait_for_selector("path.ba-area", state="attached")
    page.wait_for_selector("#gebietsprofil h2", state="attached")
    page.wait_for_timeout(600)
    assert run_axe(page) == []


def test_axe_on_the_import_page_and_the_method_sheet(page, store_url, index_dir):
    page.goto(store_url + "/daten-importieren/")
    page.wait_for_selector("input[type=file]", state="attached")
    page.wait_for_timeout(600)
    assert run_axe(page) == []
    page.goto(store_url + "/index/frankfurt_chancenindex/methode")
    page.wait_for_selector("h1")
    assert run_axe(page) == []


def test_text_contrast_in_every_state(page, live_url):
    """Focused and selected year, hovered and focused tabs and links, the disabled Zurück,
    an open menu: axe's colour-contrast rule (4.5:1 for text) in each state."""
    page.goto(live_url + "/?indikator=einwohner&jahr=2023")
    page.wait_for_selector("path.ba-area", state="attached")
    assert page.is_disabled("#zurueck")
    assert run_axe(page, ["color-contrast"]) == []
    page.goto(live_url + f"/?gebiet={GROSS_GERAU}&auswahl={GROSS_GERAU}001&indikator=einwohner"
              "&jahr=2022")
    page.wait_for_selector("#gebietsprofil .ba-tab")
    states = [
        ("selected and focused year", lambda: page.focus("#jahr input:checked")),
        ("focused other year", lambda: page.focus("#jahr label:first-child input")),
        ("hovered year", lambda: page.hover("#jahr label:first-child")),
        ("hovered tab", lambda: page.hover(".ba-tab:not(.ba-tab-on)")),
        ("focused switch", lambda: page.focus(".ba-switch:not(.ba-switch-on)")),
        ("open export menu", lambda: page.click(".ba-export-panel > summary")),
        ("hovered export", lambda: page.hover(".ba-export-list a >> nth=0")),
    ]
    for what, act in states:
        act()
        page.wait_for_timeout(150)
        assert run_axe(page, ["color-contrast"]) == [], what


def test_escape_closes_the_menu_before_going_up(page, live_url):
    page.goto(live_url + f"/?gebiet={GROSS_GERAU}&indikator=einwohner&jahr=2023")
    wait_for_areas(page, 14)
    page.click(".ba-options-panel > summary")
    assert page.evaluate("document.querySelector('.ba-options-panel').open")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.querySelector('.ba-options-panel').open")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.wait_for_timeout(500)
    assert f"gebiet={GROSS_GERAU}" in page.url  # still in Groß-Gerau
    page.keyboard.press("Escape")  # now: one level up
    wait_for_areas(page, 70)


def test_table_view_sorts_and_matches_the_source(page, live_url):
    """Frankfurt's 46 Stadtteile, population 2012: the table's values are those of the city's
    population file (read here with csv); sorting by value puts them in order; a suppressed
    value never shows a number."""
    with open(SOURCES / "stadtteile_frankfurt_bevoelkerung_2011_2012.csv",
              encoding="utf-8") as fh:
        expected = {r["quarter_name"]: int(r["einwohner"]) for r in csv.DictReader(fh)
                    if r["jahr"] == "2012"}
    assert len(expected) == 45  # the file has 45 of the 46 Stadtteile for 2012
    page.goto(live_url + f"/?gebiet={FRANKFURT}&tabelle=an&indikator=einwohner&jahr=2012")
    page.wait_for_selector("#gebietstabelle tbody tr")
    rows = page.evaluate("""() => [...document.querySelectorAll('#gebietstabelle tbody tr')]
        .map(tr => [tr.cells[0].innerText, tr.cells[1].innerText])""")
    assert len(rows) == 46
    got = {name: int(value.replace(".", "")) for name, value in rows if value != "–"}
    assert got == expected
    assert [name for name, value in rows if value == "–"] == sorted(
        {name for name, _v in rows} - set(expected))  # the one without a value says so
    # Sort by value with the keyboard: Enter on the header button; descending on the second.
    page.focus("#gebietstabelle thead button[data-sort-key=wert]")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    th = "#gebietstabelle thead th:nth-child(2)"
    assert page.get_attribute(th, "aria-sort") == "descending"
    names = page.evaluate("""() => [...document.querySelectorAll('#gebietstabelle tbody tr')]
        .map(tr => tr.cells[0].innerText)""")
    assert names[:45] == sorted(expected, key=lambda n: -expected[n])  # empty cells last

    # Suppressed leavers without a qualification: "·" in the table where the map shows the
    # suppression pattern, and never a number.
    page.goto(live_url + f"/?gebiet={FRANKFURT}&tabelle=an&indikator=quote_ohne_abschluss"
              "&jahr=2023")
    wait_for_areas(page, 46)
    page.wait_for_selector("#gebietstabelle tbody tr")
    on_map = set(page.evaluate("""() => [...document.querySelectorAll(
        "path.ba-area[fill='url(#ba-suppressed)']")].map(p => [...p.classList]
        .find(c => /^ba-area-\\d/.test(c)).slice(8))"""))
    in_table = page.evaluate("""() => [...document.querySelectorAll('#gebietstabelle tbody tr')]
        .map(tr => [tr.querySelector('a').getAttribute('href'), tr.cells[1].innerText,
                    tr.cells[4].innerText])""")
    dotted = {href.split("auswahl=")[1].split("&")[0] for href, value, note in in_table
              if value == "·"}
    assert on_map and dotted == on_map
    assert all("gesperrt" in note for _h, value, note in in_table if value == "·")
    page.screenshot(path=str(SCREENSHOTS / "45_tabelle.png"))


def tab_to(page, predicate_js: str, limit: int = 120) -> int:
    """Press Tab until the focused element satisfies ``predicate_js`` (a JS function of the
    element); returns the number of presses. A polygon never takes the focus on the way."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        tag = page.evaluate("document.activeElement.tagName")
        assert tag.lower() != "path", "a map polygon took the focus"
        if page.evaluate(f"(() => ({predicate_js})(document.activeElement))()"):
            return n
    raise AssertionError(f"not reached with {limit} × Tab: {predicate_js}")


def test_keyboard_only_from_search_to_export(browser, live_url):
    """Search → drill → table view → select an area → its profile → export, without the
    mouse. Mörfelden-Walldorf is one of Groß-Gerau's 14 Gemeinden (GV-ISys)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE",
                                  accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_url + "/?indikator=sgb2_quote_u15&jahr=2023")
    wait_for_areas(page, 70)
    tab_to(page, "el => el.id === 'suche'")
    page.keyboard.type("Groß-Gerau")
    page.wait_for_selector(".ba-hit")
    page.keyboard.press("Enter")  # the first hit: the Kreis, drilled into
    wait_for_areas(page, 14)
    wait_url(page, rf"gebiet={GROSS_GERAU}\b")
    tab_to(page, "el => el.classList.contains('ba-switch') && "
                 "el.innerText.includes('Tabelle')")
    page.keyboard.press("Enter")
    wait_url(page, r"tabelle=an")
    page.wait_for_selector("#gebietstabelle tbody tr")
    tab_to(page, "el => el.classList.contains('ba-row-link') && "
                 "el.innerText === 'Mörfelden-Walldorf'")
    page.keyboard.press("Enter")
    wait_url(page, rf"auswahl={GROSS_GERAU}\d+")
    page.wait_for_selector("#gebietstabelle .ba-row-on")
    assert page.inner_text("#gebietstabelle .ba-row-on th") == "Mörfelden-Walldorf"
    assert page.evaluate("document.querySelectorAll('path.ba-area').length") == 14
    tab_to(page, "el => el.id === 'tabelle-profil'")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !location.search.includes('tabelle')")
    page.wait_for_function(
        "() => document.querySelector('#profil-titel').innerText === 'Mörfelden-Walldorf'")
    # Export: back up to the menu (Shift+Tab), open it, choose the profile PDF.
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.closest('.ba-export-panel') !== null"):
            break
    page.keyboard.press("Enter")
    assert page.evaluate("document.querySelector('.ba-export-panel').open")
    tab_to(page, "el => el.innerText.startsWith('Steckbrief des ausgewählten')", 12)
    with page.expect_download() as dl:
        page.keyboard.press("Enter")
    assert Path(dl.value.path()).read_bytes()[:4] == b"%PDF"
    assert "moerfelden" in dl.value.suggested_filename.lower() or \
        "walldorf" in dl.value.suggested_filename.lower()
    page.wait_for_function("() => !document.querySelector('#export-toast').hidden && "
                           "document.querySelector('#export-status').innerText"
                           ".startsWith('Fertig')")
    toast = page.locator("#export-toast").bounding_box()
    assert toast["width"] >= 200 and toast["height"] <= 120, toast  # a toast, not a strip
    assert toast["x"] >= 0 and toast["x"] + toast["width"] <= 1280
    page.screenshot(path=str(SCREENSHOTS / "46_export_toast.png"))
    context.close()
    assert not errors, errors
