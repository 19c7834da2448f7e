"""The disclosure decision kept between starts: read back it is the decision the engine makes,
a changed rule or catalogue is never served an old decision, and a damaged file is derived
again."""

from __future__ import annotations

import dataclasses

import numpy as np

from geodata.statistics import disclosure as disclosure_module
from geodata.statistics.disclosure import disclosure


def test_a_stored_decision_is_the_engines_decision(repo, tmp_path):
    first = dataclasses.replace(repo, derived_dir=tmp_path)
    fresh = disclosure(first)
    files = list(tmp_path.glob("disclosure-*.npz"))
    assert len(files) == 1
    second = dataclasses.replace(repo, derived_dir=tmp_path)
    again = disclosure(second)  # read from the file: the engine is not run
    assert again is not fresh
    assert np.array_equal(again.rows, fresh.rows)
    assert again.virtual == fresh.virtual
    assert (again.primary, again.secondary, again.audited) == (
        fresh.primary, fresh.secondary, fresh.audited)
    assert fresh.suppressed > 0


def test_another_threshold_is_decided_again(repo, tmp_path):
    disclosure(dataclasses.replace(repo, derived_dir=tmp_path))
    stricter = dataclasses.replace(
        repo, derived_dir=tmp_path,
        settings=dataclasses.replace(repo.settings, suppression_threshold=10))
    decided = disclosure(stricter)
    assert len(list(tmp_path.glob("disclosure-*.npz"))) == 2
    assert decided.primary > disclosure(repo).primary  # more cells below 10 than below 3


def test_a_damaged_file_is_derived_again(repo, tmp_path, monkeypatch):
    disclosure(dataclasses.replace(repo, derived_dir=tmp_path))
    (path,) = tmp_path.glob("disclosure-*.npz")
    path.write_bytes(b"kaputt")
    runs = []
    original = disclosure_module._Engine.run
    monkeypatch.setattr(disclosure_module._Engine, "run",
                        lambda self: runs.append(1) or original(self))
    decided = disclosure(dataclasses.replace(repo, derived_dir=tmp_path))
    assert runs == [1]
    assert np.array_equal(decided.rows, disclosure(repo).rows)
