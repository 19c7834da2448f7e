"""The read-only JSON API and the geometry routes."""

import gzip
import json

GG = "06433"


def test_area_endpoint(client, repo):
    resp = client.get(f"/api/gebiete/{GG}")
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["name"] == "Groß-Gerau" and data["ebene"] == "kreis"
    assert data["eltern_id"] is None
    assert len(data["kinder_ids"]) == 14 and "06433012" in data["kinder_ids"]
    # Population 31.12.2023 of Kreis Groß-Gerau from kreise_bevoelkerung_2023.csv.
    assert data["werte"]["einwohner"] == {"2023": 281712.0}
    assert set(data["werte"]["sprachfoerderbedarf"]) == {"2019", "2020", "2021", "2022", "2023"}
    assert "sprachfoerderbedarf" in data["synthetisch"] and "einwohner" not in data["synthetisch"]


def test_quarter_endpoint_has_parent(client):
    data = client.get("/api/gebiete/06412000-012").get_json()
    assert data["name"] == "Bockenheim" and data["eltern_id"] == "06412000"
    assert data["kinder_ids"] == []
    assert data["werte"]["schulen"] == {"2015": 8.0}


def test_unknown_area_is_json_404(client):
    resp = client.get("/api/gebiete/99999")
    assert resp.status_code == 404
    assert resp.get_json() == {"fehler": "Das Gebiet „99999“ ist unbekannt."}
    assert client.get("/api/gibtsnicht").status_code == 404
    assert "fehler" in client.get("/api/gibtsnicht").get_json()


def test_catalogue(client):
    cat = client.get("/api/indikatoren").get_json()
    by_id = {c["id"]: c for c in cat}
    rate = by_id["betreuungsquote_u3"]
    assert rate["art"] == "rate" and rate["zaehler"] == "kinder_u3_betreut"
    assert rate["nenner"] == "kinder_u3" and rate["synthetisch"] is True
    assert rate["jahre"] == [2019, 2020, 2021, 2022, 2023]
    assert by_id["einwohner"]["synthetisch"] is False
    for c in cat:
        assert c["richtung"] in {"higher_better", "higher_worse", "neutral"}
        assert c["quelle"] and c["beschreibung"]


def test_geometry_route_is_cached_and_compressed(client, repo):
    url = f"/geo/gebiete/{GG}.json?v={repo.version}"
    resp = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert "immutable" in resp.headers["Cache-Control"]
    # Without (or with an old) data version the browser must revalidate: a new import
    # changes the answer under the same path.
    for stale in (f"/geo/gebiete/{GG}.json", f"/geo/gebiete/{GG}.json?v=alt"):
        assert client.get(stale).headers["Cache-Control"] == "no-cache"
    fc = json.loads(gzip.decompress(resp.data))
    assert len(fc["features"]) == 14
    assert set(fc["features"][0]["properties"]) == {"id", "name", "i"}
    etag = resp.headers["ETag"]
    again = client.get(f"/geo/gebiete/{GG}.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    root = json.loads(client.get("/geo/gebiete/_.json").data)
    assert len(root["features"]) == 70
    assert client.get("/geo/gebiete/99999.json").status_code == 404


def test_area_endpoint_sends_symbols_for_suppressed_values(client, repo):
    """Quarters with fewer than 3 school leavers without a certificate: count and rate are
    suppressed (worked out from the raw numerators), and only the symbol leaves the server."""
    small = [q for q in repo.children_of("06412000")
             if (v := repo.value(q, "abgaenger_ohne_abschluss", 2023)) and 0 < v.value < 3]
    assert small
    for q in small:
        data = client.get(f"/api/gebiete/{q}").get_json()
        assert data["werte"]["abgaenger_ohne_abschluss"]["2023"] == "·"
        assert data["werte"]["quote_ohne_abschluss"]["2023"] == "·"
        assert data["quellen"]["quote_ohne_abschluss"] == repo.indicators[
            "quote_ohne_abschluss"].source


def test_map_api_names_the_source(client, repo):
    data = client.get("/api/karte?gebiet=06433&indikator=einwohner&jahr=2023").get_json()
    assert data["quellen"] == {"einwohner": repo.indicators["einwohner"].source}
    assert "Destatis" in data["quellen"]["einwohner"] or "Statistisch" in data["quellen"][
        "einwohner"]
