"""Selecting areas with a drawn shape."""

from geodata.views.selection import areas_in_shape

FFM = "06412000"
BOCKENHEIM = "06412000-012"


def _box(lon, lat, d):
    return {"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d],
                                                [lon + d, lat + d], [lon - d, lat + d],
                                                [lon - d, lat - d]]]}


def test_a_small_box_around_an_inner_point_selects_that_area(repo):
    lon, lat = repo.label_point(BOCKENHEIM)
    found, note = areas_in_shape(repo, repo.children_of(FFM), _box(lon, lat, 0.001))
    assert found == [BOCKENHEIM]
    assert note == "1 Gebiet in der gezeichneten Fläche ausgewählt."


def test_a_box_around_the_city_selects_every_quarter(repo):
    quarters = repo.children_of(FFM)
    found, _ = areas_in_shape(repo, quarters, _box(8.68, 50.12, 0.5))
    assert found == list(quarters) and len(found) == 46


def test_bad_shapes_select_nothing_with_a_german_notice(repo):
    quarters = repo.children_of(FFM)
    assert areas_in_shape(repo, quarters, None)[1].startswith("Die gezeichnete Fläche ist")
    line = {"type": "LineString", "coordinates": [[8.6, 50.1], [8.7, 50.2]]}
    assert areas_in_shape(repo, quarters, line)[0] == []
    far = _box(0.0, 0.0, 0.01)
    assert areas_in_shape(repo, quarters, far) == (
        [], "In der gezeichneten Fläche liegt kein Gebiet; es wurde nichts ausgewählt.")
