"""Issue 15 in the browser: Berkersheim's profile shows no combination from which a
suppressed value follows; the allocation tab lists the areas the index could not rate, with
the rule applied, and names the year of the head counts.

Which cells are suppressed comes from the published atlas (the disclosure control, tested on
its own in tests/test_disclosure.py and tests/test_attacker.py); what the page shows is read
from the DOM and checked against the raw repository.
"""

from __future__ import annotations

import re

import pytest

from geodata.statistics.published import published
from tests.conftest import SCREENSHOTS
from tests.test_browser import wait_for_areas, wait_url

pytestmark = pytest.mark.browser

FRANKFURT, BERKERSHEIM = "06412000", "06412000-032"


def _num(text: str) -> float | None:
    t = text.strip().split()[-1] if text.strip() else ""
    if not re.fullmatch(r"[\d.]+(,\d+)?", t):
        return None
    return float(t.replace(".", "").replace(",", "."))


def _profile_rows(page) -> dict[str, list[str]]:
    """Indicator name → the cells of its row (value first), from both profile tables."""
    page.click("summary:has-text('Weitere Zahlen')")
    rows = page.eval_on_selector_all(
        "#gebietsprofil table.ba-profile-table tbody tr",
        """trs => trs.filter(tr => tr.querySelector('th[scope=row]')).map(tr => [
            tr.querySelector('th[scope=row]').childNodes[0].textContent
                .replaceAll('\\u00ad', '').trim(),
            tr.querySelector('th[scope=row]').getAttribute('title') || '',
            ...[...tr.querySelectorAll('td')].map(td => td.innerText.trim())])""")
    return {r[0]: r[1:] for r in rows}


def test_berkersheim_profile_shows_nothing_a_suppressed_value_follows_from(page, live_url,
                                                                          repo):
    page.goto(live_url + f"/?gebiet={FRANKFURT}&auswahl={BERKERSHEIM}")
    wait_for_areas(page, 46)
    page.wait_for_function("() => document.querySelector('#profil-titel')?.innerText"
                           " === 'Berkersheim'")
    rows = _profile_rows(page)
    page.screenshot(path=str(SCREENSHOTS / "70_berkersheim_steckbrief.png"), full_page=True)
    atlas = published(repo)
    year = 2023
    checked = 0
    for ind in repo.indicators.values():
        if ind.name not in rows:
            continue
        title, value, *_refs = rows[ind.name]
        shown_year = year
        if m := re.match(r"(\d{4}) ", value):
            shown_year = int(m.group(1))
        raw = repo.value(BERKERSHEIM, ind.id, shown_year)
        state = atlas.cell(BERKERSHEIM, ind.id, shown_year).state
        if state == "gesperrt":
            assert value.endswith("·"), (ind.id, value)
            # the suppressed number itself is nowhere on the row, nor "N von D" in its title
            assert " von " not in title.split("–")[-1] or ind.kind == "count"
            checked += 1
        if ind.kind == "count" or not ind.numerator:
            continue
        num_name = repo.indicator(ind.numerator).name
        den_name = repo.indicator(ind.denominator).name
        num = _num(rows[num_name][1]) if num_name in rows else None
        den = _num(rows[den_name][1]) if den_name in rows else None
        rate = _num(value)
        if rate is None:
            # a suppressed rate never has both counts, nor a numerator of 0, on the page
            assert not (num is not None and den is not None), (ind.id, num, den)
            assert num != 0 or den is None, (ind.id, num, den)
        else:
            # a published rate comes with both counts published (else rate × count)
            assert num is not None and den is not None, (ind.id, rows.get(num_name),
                                                         rows.get(den_name))
            assert raw is not None and abs(rate - raw.value) <= 0.05 + 1e-9
        for count_id, shown in ((ind.numerator, num), (ind.denominator, den)):
            if shown is not None and repo.indicators[count_id].confidential:
                assert shown == 0 or shown >= 3, (count_id, shown)
    assert checked >= 1  # Berkersheim has suppressed cells in the demo data
    # The reference columns say what they are; a parent computed from the quarters that
    # have a value is marked and says how many are missing.
    head = page.locator("#gebietsprofil thead th").all_inner_texts()
    assert head[:4] == ["Indikator", "Wert", "Frankfurt am Main", "Hessen"]
    note = page.get_attribute("td[title^='Summe der 45 von 46 Stadtteilen']", "title")
    assert note == "Summe der 45 von 46 Stadtteilen mit Wert; 1 ohne Wert"
    # Ranks of a neutral indicator say "nach Höhe".
    rank = page.get_attribute("tr:has(th[title^='Anzahl der Einwohnerinnen']) td[title^='Rang']",
                              "title")
    assert rank.startswith("Rang nach Höhe (1 = höchster Wert)")


def test_allocation_tab_lists_unrated_areas_with_the_rule(page, live_url, repo):
    page.goto(live_url + "/?index=frankfurt_chancenindex&ansicht=verteilung")
    page.wait_for_selector("#verteilung-unbewertet")
    atlas = published(repo)
    inds = ("sgb2_quote_u15", "sprachfoerderbedarf", "quote_ohne_abschluss")
    kids = repo.children_of(FRANKFURT)
    expected = []
    for a in kids:
        states = {atlas.cell(a, i, 2023).state for i in inds}
        pop = repo.value(a, "einwohner", 2012)
        if states & {"gesperrt", "keine_daten"} and "nicht_bewertet" not in states and \
                pop is not None and pop.value >= 300:
            expected.append(repo.areas[a].name)
    listed = page.locator("#verteilung-unbewertet tbody th").all_inner_texts()
    assert sorted(listed) == sorted(expected) and listed
    rules = page.locator("#verteilung-unbewertet tbody td:nth-child(3)").all_inner_texts()
    assert all(r.startswith("Bedarfsanteil") for r in rules)
    summary = page.inner_text("#verteilung-summe")
    assert "Köpfe: Einwohnerinnen und Einwohner 2012" in summary
    page.screenshot(path=str(SCREENSHOTS / "71_verteilung_unbewertet.png"), full_page=True)

    # The rule the user picks: base share only.
    page.get_by_label("Nur Sockelbetrag (kein Bedarfsanteil)").check()
    page.get_by_role("button", name="Verteilen").click()
    wait_url(page, r"unbewertet=sockel")
    page.wait_for_function("() => [...document.querySelectorAll("
                           "'#verteilung-unbewertet tbody td:nth-child(3)')].every("
                           "td => td.innerText.startsWith('nur Sockelbetrag'))")
    table = page.locator("#verteilung-tabelle tbody tr").all_inner_texts()
    assert any(r.startswith(expected[0]) for r in table)
