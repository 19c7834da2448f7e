"""A view's map data: suppressed values never leave the server as numbers."""

import pytest

from geodata.views.mapview import compute_map
from geodata.views.state import parse_query
from layers.view import map_view
from tests.conftest import half_up

FFM_LEAVERS = "gebiet=06412000&indikator=quote_ohne_abschluss&jahr=2023"


def test_suppressed_areas_have_no_value_class_or_number(repo):
    state, _ = parse_query(FFM_LEAVERS, repo)
    md = compute_map(repo, state)
    suppressed = [i for i, s in enumerate(md.states) if s == "gesperrt"]
    assert suppressed  # small numerators exist in the demo data
    for i in suppressed:
        assert md.values[i] is None and md.classification.classes[i] is None
        assert md.texts[i] == "· gesperrt (Geheimhaltung)"
    # Primary suppression matches the raw numerators worked out from the repository.
    for i, aid in enumerate(md.area_ids):
        num = repo.value(aid, "abgaenger_ohne_abschluss", 2023).value
        if 0 < num < 3:
            assert md.states[i] == "gesperrt", aid
    hideout = map_view(repo, state).hideout
    assert [hideout["k"][i] for i in suppressed] == ["x"] * len(suppressed)


def test_tooltip_api_sends_symbols_not_numbers(client, repo):
    data = client.get("/api/karte?" + FFM_LEAVERS).get_json()
    for text, st, val in zip(data["texte"], data["zustaende"], data["werte"], strict=True):
        if st == "gesperrt":
            assert text.startswith("·") and val is None


def test_change_map_is_difference_in_percentage_points(repo):
    state, _ = parse_query("gebiet=06433&indikator=betreuungsquote_u3&jahr=2023"
                           "&vergleich=2019", repo)
    md = compute_map(repo, state)
    assert md.unit == "Prozentpunkte" and md.reference.startswith("Mitte: keine Veränderung")
    for i, aid in enumerate(md.area_ids):
        if md.states[i] == "ok":
            # the difference of the published (rounded) values (issue 15)
            expected = half_up(half_up(repo.value(aid, "betreuungsquote_u3", 2023).value, 1)
                               - half_up(repo.value(aid, "betreuungsquote_u3", 2019).value, 1),
                               1)
            assert md.values[i] == pytest.approx(expected)
    cls = md.classification  # symmetric around 0
    assert cls.lower[0] == -cls.upper[-1]


def test_switching_to_manual_starts_from_the_breaks_on_screen(repo):
    from geodata.statistics.classify import classify
    from geodata.views.mapview import suggest_manual_breaks

    state, _ = parse_query("gebiet=06433&indikator=sgb2_quote_u15&jahr=2023", repo)
    md = compute_map(repo, state)
    expected = tuple(sorted({round(b, 1) for b in md.classification.breaks}))
    assert suggest_manual_breaks(repo, state) == expected and len(expected) == 4
    # Used as manual breaks they reproduce the same classes (up to rounding at the edges).
    again = classify(list(md.values), "manual", manual_breaks=list(expected))
    assert again.k == 5
