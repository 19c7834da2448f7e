"""Issue 16: saved index definitions are never overwritten. Saving under an existing name
keeps the current file as an earlier version; a version number already used is refused; the
earlier version is served unchanged under its number."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from geodata.index.definition import DefinitionError, default_definition
from geodata.index.files import earlier_versions, store_definition, version_path


def test_new_versions_never_overwrite_old_ones(tmp_path, monkeypatch, client):
    monkeypatch.setenv("BILDUNGSATLAS_INDIZES", str(tmp_path))
    first = replace(default_definition(), name="Versionen", version="1.0")
    slug = store_definition(first)
    original = (tmp_path / f"{slug}.json").read_bytes()
    with pytest.raises(DefinitionError, match="Version „1.0“ dieses Index gibt es schon"):
        store_definition(replace(first, author="Jemand anderes"), slug)
    assert (tmp_path / f"{slug}.json").read_bytes() == original  # untouched
    store_definition(replace(first, version="2.0", author="B"), slug)
    assert version_path(slug, "1.0", tmp_path).read_bytes() == original
    with pytest.raises(DefinitionError, match="gibt es schon"):  # nor an earlier number
        store_definition(replace(first, version="1.0", author="C"), slug)
    store_definition(replace(first, version="3.0", author="D"), slug)
    assert [v for v, _d in earlier_versions(slug, tmp_path)] == ["1.0", "2.0"]
    old = client.get(f"/index/{slug}/version/1.0.json")
    assert old.status_code == 200 and json.loads(old.data) == json.loads(original)
    assert json.loads(client.get(f"/index/{slug}.json").data)["version"] == "3.0"
    missing = client.get(f"/index/{slug}/version/9.json")
    assert missing.status_code == 404 and "gibt es nicht" in missing.get_json()["fehler"]
