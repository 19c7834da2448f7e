"""The need index in the app: URL parameters, the form, the map layers, the routes and the
method sheet (issue 6). The index arithmetic itself is tested in test_needindex.py."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from geodata.index.allocation import AllocationSettings, allocation_params, parse_allocation
from geodata.index.definition import DefinitionError, default_definition
from geodata.index.files import INDEX_DIR, slugify, store_definition
from geodata.reports.methodsheet import method_sheet_html
from geodata.views.indexform import definition_from_form
from geodata.views.indexmap import allocation_map, index_bundle
from geodata.views.mapdata import legend_labels
from geodata.views.mapview import compute_map
from geodata.views.state import parse_query, to_query
from layers.choropleth import build_hideout
from tests.index_expect import expected_z_index

EXAMPLE = "frankfurt_chancenindex"
FRANKFURT = "06412000"
HEADS = ["einwohner", "kinder_u15"]
# The example's indicators (geodata/indizes/frankfurt_chancenindex.json): all "more need"
# (direction 1), weight 1; year 2023, at least 300 residents, z clipped at 3 (the defaults
# of expected_z_index).
SPECS = [("sgb2_quote_u15", 1, 1.0), ("sprachfoerderbedarf", 1, 1.0),
         ("quote_ohne_abschluss", 1, 1.0)]




# --- URL -----------------------------------------------------------------------------------
def test_index_parameter_moves_the_map_to_the_rated_areas(repo):
    state, notes = parse_query(f"?index={EXAMPLE}", repo)
    assert notes == []
    assert (state.index, state.gebiet, state.auswahl, state.index_tab) == (
        EXAMPLE, FRANKFURT, None, "ergebnis")
    again, notes = parse_query(to_query(state), repo)
    assert again == state and notes == []


@pytest.mark.parametrize(("value", "expected"), [
    ("nichtda", "Den Index „nichtda“ gibt es nicht; gespeichert: frankfurt_chancenindex."),
    ("../geodata/atlas", "„../geodata/atlas“ ist kein gültiger Indexname"),
    ("Gro%C3%9F", "„Groß“ ist kein gültiger Indexname"),
])
def test_bad_index_parameter_gives_a_german_notice(repo, index_dir, value, expected):
    state, notes = parse_query(f"?index={value}", repo)
    assert state.index is None
    assert len(notes) == 1 and notes[0].startswith("Der Index (Parameter index) kann nicht")
    assert expected in notes[0]


def test_allocation_parameters_round_trip(repo):
    q = (f"?index={EXAMPLE}&ansicht=verteilung&budget=250.000&einheit=stunden&sockel=33,5"
         "&koepfe=kinder_u15&verfahren=klassen&faktoren=1;1,5;2;4")
    state, notes = parse_query(q, repo)
    assert notes == []
    assert state.verteilung == AllocationSettings(250_000, "stunden", 33.5, "kinder_u15",
                                                  "klassen", (1.0, 1.5, 2.0, 4.0))
    assert state.index_tab == "verteilung"
    assert "budget=250000&einheit=stunden&sockel=33,5&koepfe=kinder_u15&verfahren=klassen" \
           "&faktoren=1;1,5;2;4" in to_query(state)
    assert parse_query(to_query(state), repo)[0] == state


@pytest.mark.parametrize(("params", "fragment"), [
    ({"budget": "12,5"}, "„12,5“ (Parameter budget) ist kein ganzer Betrag"),
    ({"budget": "-5"}, "„-5“ (Parameter budget) ist kein ganzer Betrag"),
    ({"sockel": "120"}, "„120“ (Parameter sockel) ist kein Anteil zwischen 0 und 100 %"),
    ({"koepfe": "sgb2_quote_u15"}, "„sgb2_quote_u15“ (Parameter koepfe) ist keine Anzahl"),
    ({"verfahren": "los"}, "Das Verfahren „los“ (Parameter verfahren) gibt es nicht"),
    ({"faktoren": "1;x"}, "„1;x“ (Parameter faktoren): erwartet werden"),
    ({"einheit": "dollar"}, "Die Einheit „dollar“ (Parameter einheit) gibt es nicht"),
])
def test_bad_allocation_parameters(params, fragment):
    notes: list[str] = []
    assert parse_allocation(params, HEADS, notes) == AllocationSettings()
    assert len(notes) == 1 and fragment in notes[0]


def test_class_factors_default_to_half_steps():
    assert AllocationSettings().multipliers(4) == {1: 1.0, 2: 1.5, 3: 2.0, 4: 2.5}
    assert AllocationSettings(faktoren=(1, 3)).multipliers(3) == {1: 1, 2: 3, 3: 2.0}
    assert allocation_params(AllocationSettings()) == {}


# --- form ----------------------------------------------------------------------------------
FIELDS = {"name": "Bildungsbedarf Süd", "autor": "Bildungsbüro", "version": "2",
          "beschreibung": "", "gebiet": FRANKFURT, "ebene": "", "jahr": 2023, "basisjahr": "",
          "standardisierung": "z", "mindest_einwohner": "1.000", "winsorisieren": "2,5",
          "klassen": "stdabw", "grenzen": "−1; 0,5; 1,5", "anzahl": "5", "anteil": "20"}


def test_form_reads_german_numbers():
    rows = [{"id": "sgb2_quote_u15", "use": True, "richtung": 1, "gewicht": "1,5"},
            {"id": "betreuungsquote_u3", "use": True, "richtung": -1, "gewicht": ""},
            {"id": "auslaenderanteil", "use": False, "richtung": None, "gewicht": "x"}]
    d = definition_from_form(FIELDS, rows)
    assert [(i.id, i.direction, i.weight) for i in d.indicators] == [
        ("sgb2_quote_u15", 1, 1.5), ("betreuungsquote_u3", -1, 1.0)]
    assert d.classing.cutoffs == (-1.0, 0.5, 1.5)
    assert (d.min_population, d.winsorize, d.base_year, d.ebene) == (1000.0, 2.5, None, None)
    assert slugify(d.name) == "bildungsbedarf_sued"


def test_form_names_every_wrong_field():
    rows = [{"id": "auslaenderanteil", "use": True, "richtung": None, "gewicht": "1"},
            {"id": "sgb2_quote_u15", "use": True, "richtung": 1, "gewicht": "viel"}]
    fields = {**FIELDS, "grenzen": "1; a", "mindest_einwohner": "300 Personen"}
    with pytest.raises(DefinitionError) as err:
        definition_from_form(fields, rows)
    assert err.value.errors == [
        "„Richtung auslaenderanteil“: bitte wählen, ob ein hoher Wert mehr oder weniger "
        "Bedarf bedeutet.",
        "„Gewicht sgb2_quote_u15“: „viel“ ist keine Zahl (Dezimalkomma, z. B. 1,5).",
        "„Grenzen (SD)“: „a“ ist keine Zahl (Dezimalkomma, z. B. 1,5).",
        "„Mindesteinwohnerzahl“: „300 Personen“ ist keine Zahl (Dezimalkomma, z. B. 1,5).",
    ]
    with pytest.raises(DefinitionError, match="mindestens einen Indikator"):
        definition_from_form(FIELDS, [])


def test_saved_definitions_are_written_whole(index_dir):
    d = replace(default_definition(), name="Chancenindex Süd 2023")
    slug = store_definition(d)
    assert slug == "chancenindex_sued_2023"
    assert json.loads((index_dir / f"{slug}.json").read_text("utf-8"))["name"] == d.name
    assert sorted(p.name for p in index_dir.iterdir()) == [
        "chancenindex_sued_2023.json", f"{EXAMPLE}.json"]  # no temporary file left


# --- map layers ------------------------------------------------------------------------------
def test_index_map_classes_match_an_independent_computation(repo):
    state, _ = parse_query(f"?index={EXAMPLE}", repo)
    md = compute_map(repo, state)
    expected = expected_z_index(repo, FRANKFURT, SPECS, 2023)
    got = {a: c + 1 for a, c in zip(md.area_ids, md.classification.classes, strict=True)
           if c is not None}
    assert got == {a: cls for a, (_v, cls, _p) in expected.items()}
    for a, v, st in zip(md.area_ids, md.values, md.states, strict=True):
        assert (st == "ok") == (a in expected)
        if a in expected:
            assert v == pytest.approx(expected[a][0])
    assert legend_labels(md) == ["bis -1 SD", "über -1 bis +1 SD", "über +1 bis +1,5 SD",
                                 "über +1,5 SD"]
    bundle = index_bundle(repo, EXAMPLE)
    assert md.borderline == bundle.sensitivity.borderline
    hideout = build_hideout(md, [], "/api/karte")
    assert hideout["g"] == list(bundle.sensitivity.borderline)
    assert md.sources == ("sgb2_quote_u15", "sprachfoerderbedarf", "quote_ohne_abschluss")


def test_allocation_map_shows_the_difference_to_the_even_split(repo):
    state, _ = parse_query(f"?index={EXAMPLE}&ansicht=verteilung&budget=99999&sockel=30", repo)
    md = allocation_map(repo, state)
    diffs = [v for v in md.values if v is not None]
    assert sum(diffs) == 0  # what the winners gain, the losers lose, to the euro
    assert len(diffs) == sum(1 for s in md.states if s == "ok")
    # Six classes: equal intervals over [-m, +m] with m the largest |difference| (so the
    # colours are symmetric around the even split), three for "less" and three for "more";
    # with an even count 0 is a break, so no class mixes winners and losers. Worked out
    # here: breaks at (j - 3) * m / 3 (j = 1..5), class = number of breaks below the value.
    m = max(abs(v) for v in diffs)
    breaks = [(j - 3) * (m / 3) for j in range(1, 6)]
    assert md.classification.k == 6
    for v, c in zip(md.values, md.classification.classes, strict=True):
        if v is None:
            assert c is None
            continue
        assert c == sum(1 for b in breaks if b < v), (v, c)
        assert (c >= 3) == (v > 0)  # orange = more than the even split
    top = md.area_ids[md.values.index(max(diffs))]
    assert md.texts[md.area_ids.index(top)].startswith("+")
    assert compute_map(repo, state).title == md.title


# --- routes and method sheet --------------------------------------------------------------------
def test_definition_and_method_sheet_routes(client, repo):
    rated = len(expected_z_index(repo, FRANKFURT, SPECS, 2023))  # the independent oracle
    assert rated > 0
    resp = client.get(f"/index/{EXAMPLE}.json")
    assert resp.status_code == 200
    assert resp.data == (INDEX_DIR / f"{EXAMPLE}.json").read_bytes()
    sheet = client.get(f"/index/{EXAMPLE}/methode")
    text = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and sheet.mimetype == "text/html"
    for part in ("Methodenblatt: Chancenindex Frankfurter Stadtteile (Beispiel)",
                 "SGB-II-Quote unter 15 Jahren", f"davon {rated}\nbewertet", "Grenzfälle",
                 "Bildungsatlas 0.1.0", "dl-de/by-2-0"):
        assert part in text
    missing = client.get("/index/nichtda/methode")
    assert missing.status_code == 404
    assert "Den Index „nichtda“ gibt es nicht" in missing.get_json()["fehler"]


def test_method_sheet_escapes_texts_from_the_file(repo, index_dir):
    evil = "<img src=x onerror=alert(1)>"
    slug = store_definition(replace(default_definition(), name="Index X", author=evil,
                                    description=evil))
    html_text = method_sheet_html(repo, index_bundle(repo, slug))
    assert evil not in html_text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html_text


def test_allocation_downloads_add_up_to_the_budget(client):
    resp = client.get(f"/index/{EXAMPLE}/verteilung.csv?budget=1000001&sockel=33")
    assert resp.status_code == 200
    rows = [r.split(";") for r in resp.data.decode("utf-8-sig").strip().split("\r\n")]
    assert rows[-1][1] == "Summe" and rows[-1][7] == "1000001" and rows[-1][8] == "1000001"
    assert sum(int(r[7]) for r in rows[1:-1]) == 1_000_001
    xlsx = client.get(f"/index/{EXAMPLE}/verteilung.xlsx?budget=1000001&sockel=33"
                      "&verfahren=klassen")
    wb = load_workbook(io.BytesIO(xlsx.data))
    ws = wb["Verteilung"]
    last = [c.value for c in ws[ws.max_row]]
    assert last[1] == "Summe" and last[7] == 1_000_001
    assert sum(r[7].value for r in ws.iter_rows(min_row=2, max_row=ws.max_row - 1)) == 1_000_001
    settings = {r[0].value: r[1].value for r in wb["Einstellungen"].iter_rows()}
    assert settings["Klassenfaktoren"] == ("Klasse 1: 1,00; Klasse 2: 1,50; Klasse 3: 2,00; "
                                           "Klasse 4: 2,50")
    bad = client.get(f"/index/{EXAMPLE}/verteilung.csv?budget=viel")
    assert bad.status_code == 400
    assert "„viel“ (Parameter budget) ist kein ganzer Betrag" in bad.get_json()["fehler"]
    assert client.get(f"/index/{EXAMPLE}/verteilung.pdf").status_code == 404


def test_leaving_the_rated_areas_leaves_the_index(repo):
    state, notes = parse_query(f"?index={EXAMPLE}&gebiet=06433", repo)  # Groß-Gerau
    assert state.index is None
    assert notes == ["Der Index „Chancenindex Frankfurter Stadtteile (Beispiel)“ bewertet "
                     "Gebiete in Frankfurt am Main; hier zeigt die Karte wieder den Indikator."]
    up_state, _ = parse_query(f"?index={EXAMPLE}&gebiet=06412000&auswahl=06412000-012", repo)
    assert up_state.index == EXAMPLE and up_state.auswahl == "06412000-012"


def test_exports_of_an_index_map(client, repo):
    md = compute_map(repo, parse_query(f"?index={EXAMPLE}", repo)[0])
    table = client.get(f"/export/tabelle.csv?index={EXAMPLE}&gebiet={FRANKFURT}")
    assert table.status_code == 200
    rows = {r.split(";")[0]: r.split(";") for r in
            table.data.decode("utf-8-sig").strip().split("\r\n")[1:]}
    for a, c in zip(md.area_ids, md.classification.classes, strict=True):
        if c is not None:  # class number and its name, as in the legend
            assert rows[a][5:7] == [str(c + 1), md.class_names[c]]
    png = client.get(f"/export/karte.png?index={EXAMPLE}&gebiet={FRANKFURT}&papier=px"
                     "&breite=800&hoehe=600")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"


# --- review findings: limits and awkward definitions ----------------------------------------------
def _store(**changes) -> str:
    return store_definition(replace(default_definition(), **changes))


def test_at_most_seven_classes():
    from geodata.index.definition import Classing

    with pytest.raises(DefinitionError, match="2 bis 7 Klassen"):
        replace(default_definition(), classing=Classing("quantile", k=8))
    with pytest.raises(DefinitionError, match="1 bis 6 Grenzen"):
        replace(default_definition(), classing=Classing("stdabw", cutoffs=tuple(range(7))))


def test_a_name_that_a_spreadsheet_would_run_is_refused():
    with pytest.raises(DefinitionError, match="Name darf nicht mit „=“ beginnen"):
        replace(default_definition(), name='=HYPERLINK("http://x","Klick")')
    from openpyxl import Workbook

    from geodata.statistics.textsafe import safe_text, texts_never_formulas

    assert [safe_text(t) for t in ("=1+1", "+49", "@x", "-x", "-0,5", "Bad Homburg")] == [
        "'=1+1", "'+49", "'@x", "'-x", "-0,5", "Bad Homburg"]
    wb = Workbook()
    wb.active.append(["=cmd|' /C calc'!A0"])
    texts_never_formulas(wb)
    assert wb.active["A1"].data_type == "s"


def test_an_index_without_enough_rated_areas_shows_states_not_an_error(repo, index_dir, client):
    slug = _store(name="Leer 2012", year=2012)  # the three indicators have no 2012 values
    state, notes = parse_query(f"?index={slug}", repo)
    assert state.index == slug and notes == []
    md = compute_map(repo, state)
    assert md.classification.k == 0 and set(md.states) <= {"keine_daten", "gesperrt",
                                                            "nicht_bewertet"}
    from layers.panel import render_panel

    assert "nicht bewertet" in str(render_panel(repo, state))
    assert client.get(f"/api/karte?index={slug}").status_code == 200
    assert client.get(f"/export/tabelle.csv?index={slug}").status_code == 200
    assert client.get(f"/index/{slug}/methode").status_code == 200


def test_saving_refuses_to_replace_or_silently_change_an_index(repo, index_dir):
    from callbacks.indexbuilder import _save_problems

    _store(name="Doppelt")
    assert _save_problems(repo, replace(default_definition(), name="Doppelt"), None)[0] \
        .startswith("Einen Index mit diesem Namen gibt es schon (Datei doppelt.json).")
    changed = replace(default_definition(), min_population=500)
    assert _save_problems(repo, changed, EXAMPLE) == [
        "Die Definition wurde geändert: bitte eine neue Versionsnummer eintragen (bisher "
        "„1.0“), damit Methodenblatt und Links eindeutig bleiben."]
    assert _save_problems(repo, replace(changed, version="1.1"), EXAMPLE) == []
    assert _save_problems(repo, replace(default_definition(), date="2030-01-01"),
                          EXAMPLE) == []  # only the date differs: nothing changed
    empty = replace(default_definition(), name="Ohne Werte", year=2012)
    assert _save_problems(repo, empty, None)[0].startswith(
        "Im Indexjahr 2012: Zu wenige bewertbare Gebiete")


def test_no_head_counts_give_an_empty_allocation_with_the_reason(repo, index_dir):
    slug = _store(name="Gross-Gerau", gebiet="06433")
    state, notes = parse_query(f"?index={slug}&ansicht=verteilung&koepfe=kinder_0_5", repo)
    assert notes == []
    md = compute_map(repo, state)
    assert set(md.states) == {"keine_daten"}
    assert md.notes == ("Keine Gebiete mit Köpfen: Das Budget kann nicht verteilt werden.",)
    from layers.panel import render_panel

    panel = str(render_panel(repo, state))
    assert "Keine Gebiete mit Köpfen" in panel and "Verteilen" in panel


def test_index_uses_a_sequential_scale_its_year_and_no_change_map(repo):
    from geodata.statistics.palettes import DEFAULT_SEQUENTIAL, class_colors

    state, _ = parse_query(f"?index={EXAMPLE}&farben=RdBu&vergleich=2021&jahr=2020", repo)
    assert state.karte.vergleich is None and state.jahr == 2023
    md = compute_map(repo, state)
    assert md.colors == tuple(class_colors(DEFAULT_SEQUENTIAL, 4, "higher_worse"))


def test_form_reports_every_problem_at_once():
    rows = [{"id": "sgb2_quote_u15", "name": "SGB-II-Quote unter 15 Jahren", "use": True,
             "richtung": 1, "gewicht": "viel"}]
    with pytest.raises(DefinitionError) as err:
        definition_from_form({**FIELDS, "name": "", "jahr": 2023}, rows)
    assert err.value.errors == [
        "„Gewicht SGB-II-Quote unter 15 Jahren“: „viel“ ist keine Zahl (Dezimalkomma, "
        "z. B. 1,5).",
        "Feld „name“: Name fehlt oder ist kein Text."]


def test_unusable_definition_files_are_listed_with_the_reason(repo, index_dir):
    from layers.index_form import index_list

    (index_dir / "kaputt.json").write_text("{", encoding="utf-8")
    _store(name="Verwaist", gebiet="99999999")
    state, _ = parse_query("?ansicht=indizes", repo)
    text = str(index_list(repo, state))
    assert "kaputt.json" in text and "nicht nutzbar: kaputt.json: Die Indexdefinition ist " \
        "kein gültiges JSON" in text
    assert "nicht nutzbar: Feld „gebiet“: Das Gebiet „99999999“ ist unbekannt." in text


def test_percentile_explanation_is_centred_on_an_average_area(repo, index_dir):
    from layers.index_view import index_explanation

    slug = _store(name="Perzentile", standardisation="perzentil")
    state, _ = parse_query(f"?index={slug}", repo)
    res = index_bundle(repo, slug).result
    low = min(res.scores.values(), key=lambda sc: sc.value).area_id
    text = str(index_explanation(repo, state, low))
    assert "ba-ix-neg" in text and "Abstand zu einem mittleren Gebiet" in text
