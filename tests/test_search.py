"""Search: case, umlauts, prefixes and typos."""

from geodata.views.search import normalise, search


def test_normalise():
    assert normalise("Groß-Gerau") == "gross gerau"
    assert normalise("  RÜSSELSHEIM am Main ") == "ruesselsheim am main"
    assert normalise("Café Crème") == "cafe creme"
    assert normalise("<img src=x>") == "img src x"


def _first(repo, query):
    hits = search(repo, query)
    return (hits[0].kind, hits[0].id, hits[0].score) if hits else None


def test_exact_case_and_umlaut_variants_find_the_same_area(repo):
    for query in ("Bockenheim", "bockenheim", "BOCKENHEIM", " bockenheim "):
        assert _first(repo, query) == ("gebiet", "06412000-012", 100)
    for query in ("Gross-Gerau", "groß gerau", "GROSS GERAU"):
        hits = search(repo, query)
        # The Kreis before its Gemeinde of the same name; both are labelled.
        assert [(h.id, h.detail) for h in hits[:2]] == [
            ("06433", "Kreis (Landkreis)"), ("06433006", "Gemeinde (Stadt) in Groß-Gerau")]


def test_prefix_and_word_prefix(repo):
    assert _first(repo, "Bocken") == ("gebiet", "06412000-012", 90)
    hits = search(repo, "main rüssels")  # word prefixes in any order
    assert hits[0].name == "Rüsselsheim am Main" and hits[0].score == 80


def test_typos_are_found_fuzzily(repo):
    assert _first(repo, "Bokenheim")[:2] == ("gebiet", "06412000-012")
    assert search(repo, "Russelsheim")[0].name == "Rüsselsheim am Main"
    assert search(repo, "Karlsrue")[0].name == "Karlsruhe"


def test_institutions_are_found_with_their_area(repo):
    hits = search(repo, "Sophienschule")
    assert hits[0].kind == "einrichtung" and hits[0].detail == "Schule in Bockenheim"
    inst = repo.institution(hits[0].id)
    assert inst.name == "Sophienschule" and inst.area_id == "06412000-012"


def test_nothing_and_empty(repo):
    assert search(repo, "") == [] and search(repo, "!!!") == []
    assert search(repo, "qqqqxz") == []
