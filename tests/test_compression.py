"""Compressed answers: Dash's layout and bundles, geometry, and plain clients."""

from __future__ import annotations

import gzip

import orjson

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def test_dash_answers_are_compressed_for_browsers_only(client):
    plain = client.get("/_dash-layout")
    assert plain.headers.get("Content-Encoding") is None  # a client without Accept-Encoding
    packed = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3  # JSON of the page compresses well


def test_geometry_keeps_its_own_gzip_and_etag(client, repo):
    url = f"/geo/gebiete/_.json?v={repo.version}"
    resp = client.get(url, headers=BROWSER)
    assert resp.headers["Content-Encoding"] == "gzip"  # compressed once, by our route
    body = orjson.loads(gzip.decompress(resp.data))
    assert len(body["features"]) == 70
    again = client.get(url, headers={**BROWSER, "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
