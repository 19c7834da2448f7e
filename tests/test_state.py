"""URL state: parsing of good and bad values, and the navigation transitions."""

from geodata.model.entities import ROOT
from geodata.views.state import ViewState, breadcrumb, drill, goto, parse_query, to_query, up

GG = "06433"  # Kreis Groß-Gerau (14 Gemeinden)
RUESSELSHEIM = "06433012"
FFM_KREIS, FFM = "06412", "06412000"
DARMSTADT_KREIS, DARMSTADT = "06411", "06411000"  # kreisfreie Stadt without quarters
BOCKENHEIM = "06412000-012"


def test_empty_query_is_start_view(repo):
    state, notes = parse_query("", repo)
    assert notes == []
    assert state.gebiet == ROOT and state.auswahl is None
    assert state.indikator == "sprachfoerderbedarf" and state.jahr == 2023
    assert to_query(state) == "?indikator=sprachfoerderbedarf&jahr=2023"


def test_full_query_round_trips(repo):
    query = f"?gebiet={GG}&auswahl={RUESSELSHEIM}&indikator=sgb2_quote_u15&jahr=2020&schulen=an"
    state, notes = parse_query(query, repo)
    assert notes == []
    assert state == ViewState(GG, RUESSELSHEIM, "sgb2_quote_u15", 2020, True)
    assert to_query(state) == query


def test_unknown_and_malformed_values_give_german_notices(repo):
    state, notes = parse_query("gebiet=12345&auswahl=x&indikator=foo&jahr=20x3&schulen=ja&zoom=3", repo)
    assert state.gebiet == ROOT and state.auswahl is None
    assert state.indikator == "sprachfoerderbedarf" and state.jahr == 2023
    text = "\n".join(notes)
    assert "„12345“ (Parameter gebiet) ist unbekannt" in text
    assert "„x“ (Parameter auswahl) ist unbekannt" in text
    assert "„foo“ (Parameter indikator) ist unbekannt" in text
    assert "„20x3“ (Parameter jahr) ist keine Jahreszahl" in text
    assert "„ja“ (Parameter schulen)" in text
    assert "Parameter „zoom“ ist unbekannt" in text
    assert len(notes) == 6


def test_year_without_data_falls_back_with_notice(repo):
    # Schools exist for 2015 only; asking for 2023 shows 2015 and says so.
    state, notes = parse_query("indikator=schulen&jahr=2023", repo)
    assert state.jahr == 2015
    assert len(notes) == 1 and "keine Werte für 2023" in notes[0] and "2015" in notes[0]


def test_hostile_value_is_shortened_in_notice(repo):
    _, notes = parse_query("gebiet=" + "<script>" * 20, repo)
    assert len(notes) == 1 and "…" in notes[0] and len(notes[0]) < 140


def test_kreisfreie_stadt_collapses_to_its_quarters(repo):
    state, _ = parse_query(f"gebiet={FFM_KREIS}", repo)
    assert state.gebiet == FFM  # never the one-polygon map of the Kreis
    start = parse_query("", repo)[0]
    assert drill(start, FFM_KREIS, repo).gebiet == FFM


def test_drill_into_kreis_and_select_leaves(repo):
    start = parse_query("", repo)[0]
    gg = drill(start, GG, repo)
    assert gg.gebiet == GG and gg.auswahl == GG
    sel = drill(gg, RUESSELSHEIM, repo)  # a Gemeinde without quarters: select, stay
    assert sel.gebiet == GG and sel.auswahl == RUESSELSHEIM
    da = drill(start, DARMSTADT_KREIS, repo)  # kreisfreie Stadt without quarters
    assert da.gebiet == ROOT and da.auswahl == DARMSTADT


def test_up_and_breadcrumb(repo):
    start = parse_query("", repo)[0]
    ffm = drill(start, FFM_KREIS, repo)
    assert breadcrumb(ffm, repo) == [ROOT, FFM]  # the single-child Kreis is skipped
    q = drill(ffm, BOCKENHEIM, repo)
    assert q.gebiet == FFM and q.auswahl == BOCKENHEIM
    back = up(q, repo)
    assert back.gebiet == ROOT and back.auswahl == FFM
    assert up(back, repo) == back  # nothing above the overview
    assert goto(q, ROOT, repo).gebiet == ROOT


def test_leaf_as_gebiet_shows_its_parent_with_selection(repo):
    state, notes = parse_query(f"gebiet={RUESSELSHEIM}", repo)
    assert notes == []
    assert state.gebiet == GG and state.auswahl == RUESSELSHEIM


def test_level_view_shows_all_gemeinden(repo):
    from geodata.views.state import view_areas

    state, notes = parse_query("ebene=gemeinde&indikator=einwohner", repo)
    assert notes == [] and state.ebene == "gemeinde"
    assert len(view_areas(state, repo)) == 1528
    assert to_query(state) == "?ebene=gemeinde&indikator=einwohner&jahr=2023"
    # Drilling from there into Frankfurt leaves the level view; Zurück leaves it too.
    assert drill(state, FFM, repo).ebene is None
    assert up(state, repo).ebene is None and up(state, repo).gebiet == ROOT


def test_bad_level_and_redundant_level(repo):
    state, notes = parse_query("ebene=planet", repo)
    assert state.ebene is None and "„planet“ (Parameter ebene)" in notes[0]
    state, notes = parse_query("ebene=kreis", repo)  # the children already are Kreise
    assert state.ebene is None and notes == []


def test_comparison_year_must_differ_and_exist(repo):
    state, notes = parse_query("indikator=sgb2_quote_u15&jahr=2023&vergleich=2019", repo)
    assert notes == [] and state.karte.vergleich == 2019
    state, notes = parse_query("indikator=sgb2_quote_u15&jahr=2023&vergleich=2023", repo)
    assert state.karte.vergleich is None and "ist das gezeigte Jahr" in notes[0]
    state, notes = parse_query("indikator=sgb2_quote_u15&jahr=2023&vergleich=1990", repo)
    assert state.karte.vergleich is None and "hat keine Werte" in notes[0]


def test_comparison_year_checked_without_explicit_year(repo):
    state, notes = parse_query("indikator=sgb2_quote_u15&vergleich=2023", repo)
    assert state.jahr == 2023 and state.karte.vergleich is None
    assert "ist das gezeigte Jahr" in notes[0]


def test_indicator_without_values_in_view_says_where_data_exist(repo):
    # Kinder 0-5 exist only for Frankfurt's Stadtteile, 2011 and 2012 (source file name).
    state, notes = parse_query("indikator=kinder_0_5&jahr=2023", repo)
    assert state.jahr == 2012
    assert notes == ["Für „Kinder von 0 bis 5 Jahren“ gibt es in dieser Ansicht keine Werte; "
                     "Werte gibt es für: Stadtteile in Frankfurt am Main."]
    # Karlsruhe's quarters have no Einwohner; Kreise and Gemeinden are complete.
    state, notes = parse_query("gebiet=08212000&indikator=einwohner&jahr=2023", repo)
    assert state.jahr == 2023
    assert notes[0].endswith("Werte gibt es für: Kreise, Gemeinden und Stadtteile in "
                             "Frankfurt am Main.")


def test_deep_link_to_a_kreisfreie_stadt_selects_its_gemeinde(repo):
    state, notes = parse_query(f"gebiet={DARMSTADT_KREIS}", repo)
    assert notes == [] and state.gebiet == ROOT and state.auswahl == DARMSTADT


WESTEND_SUED = "06412000-004"


def test_several_selected_areas_round_trip_and_open_the_comparison(repo):
    state, notes = parse_query(f"gebiet={FFM}&auswahl={BOCKENHEIM},{WESTEND_SUED},{BOCKENHEIM}"
                               "&indikator=sgb2_quote_u15&jahr=2023", repo)
    assert notes == []
    assert state.selection == (BOCKENHEIM, WESTEND_SUED) and state.ansicht == "vergleich"
    assert to_query(state) == (f"?gebiet={FFM}&auswahl={BOCKENHEIM},{WESTEND_SUED}"
                               "&indikator=sgb2_quote_u15&jahr=2023")
    combined = parse_query(to_query(state) + "&ansicht=sozialraum", repo)[0]
    assert combined.ansicht == "sozialraum" and "ansicht=sozialraum" in to_query(combined)


def test_bad_panel_parameters_give_notices(repo):
    state, notes = parse_query(f"gebiet={FFM}&auswahl={BOCKENHEIM},nix&ansicht=sozialraum"
                               "&einrichtung=XX-1&streuung=foo&arten=schule,zoo", repo)
    text = "\n".join(notes)
    assert "„nix“ (Parameter auswahl) ist unbekannt und wird nicht ausgewählt" in text
    assert "„sozialraum“ (Parameter ansicht) gibt es nur bei mehreren ausgewählten Gebieten" in text
    assert "„XX-1“ (Parameter einrichtung) ist unbekannt" in text
    assert "„foo“ (Parameter streuung) ist unbekannt" in text
    assert "„zoo“ (Parameter arten) ist unbekannt" in text
    assert state.selection == (BOCKENHEIM,) and state.ansicht == "steckbrief"
    assert state.einrichtung is None and state.streuung is None and state.arten == ("schule",)


def test_ctrl_click_toggles_areas_in_the_selection(repo):
    from geodata.views.state import toggle_selection

    state = parse_query(f"gebiet={FFM}&auswahl={BOCKENHEIM}", repo)[0]
    both = toggle_selection(state, WESTEND_SUED, repo)
    assert both.selection == (BOCKENHEIM, WESTEND_SUED) and both.ansicht == "vergleich"
    back = toggle_selection(both, BOCKENHEIM, repo)
    assert back.selection == (WESTEND_SUED,) and back.ansicht == "steckbrief"
    assert toggle_selection(back, WESTEND_SUED, repo).selection == ()


def test_open_area_and_institution_from_search(repo):
    from geodata.views.state import open_area, open_institution

    start = parse_query("", repo)[0]
    quarter = open_area(start, BOCKENHEIM, repo)
    assert (quarter.gebiet, quarter.auswahl) == (FFM, BOCKENHEIM)
    kreis = open_area(quarter, GG, repo)  # several Gemeinden: shown, its profile open
    assert (kreis.gebiet, kreis.auswahl) == (GG, GG)
    inst = repo.institutions[BOCKENHEIM][0]
    there = open_institution(start, inst.inst_id, repo, jump=True)
    assert (there.gebiet, there.auswahl, there.einrichtung) == (FFM, BOCKENHEIM, inst.inst_id)
    assert there.schulen
    assert up(there, repo).einrichtung is None and up(there, repo).gebiet == FFM
