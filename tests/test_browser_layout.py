"""Browser tests of the layout at four window sizes (phone, tablet, 1280×720 projector, full
HD), the meeting mode and the profile tables.

What is checked is what a user sees: no sideways scrolling; the drilled areas (the bounding
box of their polygons on screen) inside the visible map pane, i.e. inside the map and clear
of the legend, the attribution, the map's controls and the panel, after the drill, with
presentation on and off again; on the phone map and profile together.
Groß-Gerau has 14 Gemeinden (GV-ISys).
"""

from __future__ import annotations

import pytest

from tests.conftest import SCREENSHOTS
from tests.test_browser import GROSS_GERAU, click_area, wait_for_areas, wait_url

pytestmark = pytest.mark.browser

VIEWPORTS = [(390, 844), (1024, 768), (1280, 720), (1920, 1080)]

GEOMETRY_JS = """() => {
  const rect = el => { const r = el.getBoundingClientRect();
                       return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const shown = el => el && el.getClientRects().length &&
                      getComputedStyle(el).visibility !== 'hidden' &&
                      el.getBoundingClientRect().width > 0;
  const paths = [...document.querySelectorAll('path.ba-area')];
  const u = {l: Infinity, t: Infinity, r: -Infinity, b: -Infinity};
  for (const p of paths) { const r = p.getBoundingClientRect();
    u.l = Math.min(u.l, r.left); u.t = Math.min(u.t, r.top);
    u.r = Math.max(u.r, r.right); u.b = Math.max(u.b, r.bottom); }
  const covers = {};
  for (const sel of ['.ba-legend', '.ba-attribution', '.leaflet-top.leaflet-left',
                     '.ba-panel', '.ba-header', '.ba-inst-filter']) {
    const el = document.querySelector(sel);
    if (shown(el)) covers[sel] = rect(el);
  }
  return {areas: u, n: paths.length, map: rect(document.querySelector('#karte')), covers,
          scrollW: document.documentElement.scrollWidth, innerW: window.innerWidth,
          innerH: window.innerHeight};
}"""


def settled_geometry(page) -> dict:
    """The geometry once the map has stopped moving (fly-to animations, re-fits)."""
    last = None
    for _ in range(30):
        page.wait_for_timeout(250)
        geo = page.evaluate(GEOMETRY_JS)
        if last is not None and geo["areas"] == last["areas"]:
            return geo
        last = geo
    return last


def assert_areas_visible(geo: dict, when: str) -> None:
    a, m = geo["areas"], geo["map"]
    tol = 1.0
    assert a["l"] >= m["l"] - tol and a["r"] <= m["r"] + tol, (when, a, m)
    assert a["t"] >= m["t"] - tol and a["b"] <= m["b"] + tol, (when, a, m)
    for sel, c in geo["covers"].items():
        overlap_w = min(a["r"], c["r"]) - max(a["l"], c["l"])
        overlap_h = min(a["b"], c["b"]) - max(a["t"], c["t"])
        assert overlap_w <= tol or overlap_h <= tol, (when, sel, a, c)
    assert geo["scrollW"] <= geo["innerW"], (when, "horizontal scrolling", geo["scrollW"])


def toggle_presentation(page, on: bool, phone: bool) -> None:
    if on:
        if phone:
            page.click("#steuerung-knopf")
        page.click(".ba-options-panel > summary")
        page.click("#praesentation")
        wait_url(page, r"praesentation=an")
    else:
        page.click("#praesentation-ende")
        page.wait_for_function("() => !location.search.includes('praesentation')")


@pytest.mark.parametrize("size", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
def test_drilled_areas_stay_in_the_visible_pane(browser, live_url, size):
    w, h = size
    phone = w < 700
    context = browser.new_context(viewport={"width": w, "height": h}, locale="de-DE",
                                  has_touch=phone, is_mobile=phone)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_url + "/?indikator=sgb2_quote_u15&jahr=2023")
    wait_for_areas(page, 70)
    geo = settled_geometry(page)
    assert_areas_visible(geo, "start")
    page.screenshot(path=str(SCREENSHOTS / f"40_start_{w}x{h}.png"))

    click_area(page, GROSS_GERAU)
    wait_for_areas(page, 14)
    wait_url(page, r"gebiet=06433\b")
    geo = settled_geometry(page)
    assert_areas_visible(geo, "after drill")
    if phone:
        # Map first, at least 60 % of the height, and the profile beside it on screen.
        assert geo["map"]["b"] - geo["map"]["t"] >= 0.6 * h, geo["map"]
        panel = geo["covers"][".ba-panel"]
        assert panel["t"] < h - 100 and panel["b"] <= h + 1, panel
        assert page.is_visible("#profil-titel")
        assert page.inner_text("#profil-titel") == "Groß-Gerau"
    page.screenshot(path=str(SCREENSHOTS / f"41_drill_{w}x{h}.png"))

    toggle_presentation(page, True, phone)
    geo = settled_geometry(page)
    assert_areas_visible(geo, "presentation on")
    page.screenshot(path=str(SCREENSHOTS / f"42_praesentation_{w}x{h}.png"))
    toggle_presentation(page, False, phone)
    geo = settled_geometry(page)
    assert_areas_visible(geo, "presentation off")
    context.close()
    assert not errors, errors


TEXT_SIZES_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || !el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || r.bottom < 0 || r.top > innerHeight ||
        r.right < 0 || r.left > innerWidth) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.opacity === '0') continue;
    if (el.closest('[hidden], svg, .leaflet-control-attribution, .ba-toast[hidden]')) continue;
    out.push([node.textContent.trim().slice(0, 40), parseFloat(st.fontSize),
              el.className.toString().slice(0, 40)]);
  }
  return out;
}"""


def test_meeting_mode_is_large_and_complete(page, live_url):
    """1280×720 projector: every text at least 20 px; the strip holds indicator, year ‹ ›,
    Zurück and the shortcuts; the legend never fades; fixed classes are on by default;
    Bild↓/Bild↑ step the years, the Backspace key goes up a level."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(live_url + f"/?gebiet={GROSS_GERAU}&indikator=sgb2_quote_u15&jahr=2022&namen=an")
    wait_for_areas(page, 14)
    page.click(".ba-options-panel > summary")
    page.click("#praesentation")
    wait_url(page, r"praesentation=an")
    wait_url(page, r"fest=an")  # fixed classes across years: on by default in a meeting
    page.wait_for_selector(".ba-name:not(.ba-name-off) span")
    page.wait_for_timeout(800)
    for sel in ("#indikator", "#jahr-zurueck", "#jahr-vor", "#zurueck", "#praesentation-ende",
                ".ba-shortcuts"):
        assert page.is_visible(sel), sel
    assert "2022" in page.inner_text("#jahr")  # the shown year between ‹ and ›
    assert "Rücktaste" in page.inner_text(".ba-shortcuts")
    small = [t for t in page.evaluate(TEXT_SIZES_JS) if t[1] < 20 - 0.01]
    assert not small, small
    page.screenshot(path=str(SCREENSHOTS / "43_praesentation_1280.png"))
    # The pointer over an area: the tooltip opens, the legend stays fully visible.
    box = page.locator(f"path.ba-area-{GROSS_GERAU}001").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".ba-tip")
    page.wait_for_timeout(300)
    assert page.evaluate("getComputedStyle(document.querySelector('#legende')).opacity") == "1"
    page.mouse.move(5, 700)
    page.keyboard.press("PageDown")
    wait_url(page, r"jahr=2023")
    page.keyboard.press("PageUp")
    wait_url(page, r"jahr=2022")
    assert "fest=an" in page.url  # the year switch keeps the classes
    page.keyboard.press("Backspace")
    wait_for_areas(page, 70)
    assert "praesentation=an" in page.url  # still in the meeting mode, one level up
    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.search.includes('praesentation')")
    assert not page.console_errors, page.console_errors


PROFILE_JS = """() => {
  const panel = document.querySelector('#gebietsprofil').getBoundingClientRect();
  const names = [...document.querySelectorAll('#gebietsprofil table th[scope=row]')]
    .map(th => [th.childNodes[0] ? th.childNodes[0].textContent : '', th.scrollWidth,
                th.clientWidth, getComputedStyle(th).textOverflow]);
  const clipped = [...document.querySelectorAll('#gebietsprofil td.ba-num')]
    .filter(td => td.offsetParent !== null)
    .filter(td => { const r = td.getBoundingClientRect();
                    return td.scrollWidth > td.clientWidth + 1 || r.right > panel.right + 1 ||
                           r.left < panel.left - 1; })
    .map(td => td.innerText);
  const tables = [...document.querySelectorAll('#gebietsprofil table')]
    .filter(t => t.offsetParent !== null && t.scrollWidth > t.parentElement.clientWidth + 1)
    .map(t => t.className);
  return {names, clipped, tables, scrollW: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("width", [390, 1024, 1280])
def test_profile_tables_show_full_names_and_whole_numbers(page, live_url, repo, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_url + f"/?gebiet={GROSS_GERAU}&auswahl={GROSS_GERAU}001&indikator=einwohner"
              "&jahr=2023")
    page.wait_for_selector("#gebietsprofil table th[scope=row]")
    page.click(".ba-more summary")  # "Weitere Zahlen" open too
    page.wait_for_timeout(300)
    got = page.evaluate(PROFILE_JS)
    catalogue = {i.name for i in repo.indicators.values()}
    names = [n[0].replace("\u00ad", "").strip() for n in got["names"]]  # soft hyphens
    assert names and all(n in catalogue for n in names), names  # full names, never cut
    assert len(names) == len(set(names)), names  # no two rows read alike
    assert all(n[3] != "ellipsis" for n in got["names"])
    assert not got["clipped"], got["clipped"]
    assert not got["tables"], got["tables"]
    assert got["scrollW"] <= width
    page.screenshot(path=str(SCREENSHOTS / f"44_profil_{width}.png"), full_page=False)
