"""The PostGIS backend against a real PostgreSQL/PostGIS server (tests/pg_server.py).

Expected figures come from the GeoPackage itself, read with pyogrio (not through the store):
70 + 1528 + 73 areas, every value row, every institution; and from the writes the tests make.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import psycopg
import pyogrio
import pytest
import shapely

from geodata.model.entities import ROOT
from geodata.model.errors import DataFileError
from geodata.storage.gpkg import DEFAULT_GPKG, read_atlas_tables
from geodata.storage.postgis import PostgisStore, load_repository_pg

_counter = itertools.count()


@pytest.fixture()
def fresh_db(pg_server: str) -> str:
    """An empty database of its own (with PostGIS) for tests that write versions."""
    name = f"t_{next(_counter)}"
    with psycopg.connect(f"{pg_server} dbname=postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = f"{pg_server} dbname={name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    return url


@pytest.fixture(scope="module")
def demo_tables():
    return read_atlas_tables()


def _schemas(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT schema_name FROM information_schema.schemata "
                            "WHERE schema_name LIKE 'atlas\\_%' ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def test_round_trip_keeps_every_row_and_geometry(pg_demo):
    tables = PostgisStore(pg_demo).read()
    areas = pyogrio.read_dataframe(DEFAULT_GPKG, layer="areas")
    values = pyogrio.read_dataframe(DEFAULT_GPKG, layer="values", read_geometry=False)
    insts = pyogrio.read_dataframe(DEFAULT_GPKG, layer="institutions")

    assert tables.areas.crs.to_epsg() == 25832
    assert list(tables.areas["area_id"]) == list(areas["area_id"])
    assert len(tables.areas) == 70 + 1528 + 73
    assert (tables.areas["level"] == "quartier").sum() == 73
    # Geometry survives bit for bit (WKB of the same doubles).
    assert shapely.equals_exact(tables.areas.geometry.values, areas.geometry.values,
                                tolerance=0).all()
    assert len(tables.values) == len(values)
    merged = tables.values.merge(values, on=["area_id", "indicator_id", "year"],
                                 suffixes=("_pg", "_gpkg"))
    assert len(merged) == len(values)
    assert (merged["value_pg"] == merged["value_gpkg"]).all()
    assert (merged["numerator_pg"].isna() == merged["numerator_gpkg"].isna()).all()
    assert len(tables.institutions) == len(insts)


def test_repository_from_postgis_equals_the_geopackage_one(pg_demo, repo):
    pg_repo = load_repository_pg(pg_demo)
    assert pg_repo.areas == repo.areas
    assert pg_repo.children == repo.children
    assert dict(pg_repo.values) == dict(repo.values)
    assert pg_repo.overall == repo.overall
    assert pg_repo.indicators == repo.indicators
    assert pg_repo.sources == repo.sources
    assert pg_repo.geojson(ROOT) == repo.geojson(ROOT)
    assert pg_repo.institutions == repo.institutions
    # Groß-Gerau's Gemeinden, as in the hierarchy test (GV-ISys: 14).
    assert len(pg_repo.children_of("06433")) == 14
    assert pg_repo.version == PostgisStore(pg_demo).current_version()


def test_versions_switch_and_restore(fresh_db, demo_tables):
    store = PostgisStore(fresh_db)
    v1 = store.write(demo_tables, "erste Lieferung")
    renamed = demo_tables.areas.copy()
    renamed.loc[renamed["area_id"] == "06433", "name"] = "Groß-Gerau (neu)"
    v2 = store.write(replace(demo_tables, areas=renamed), "zweite Lieferung")

    assert store.current_version() == v2
    versions = store.versions()
    assert [v.id for v in versions] == [v2, v1]  # newest first
    assert [v.current for v in versions] == [True, False]
    assert versions[1].note == "erste Lieferung"
    name = lambda t: t.areas.set_index("area_id").loc["06433", "name"]  # noqa: E731
    assert name(store.read()) == "Groß-Gerau (neu)"

    store.restore(v1)
    assert store.current_version() == v1
    assert name(store.read()) == "Groß-Gerau"
    assert [v.current for v in store.versions()] == [False, True]
    with pytest.raises(DataFileError, match="gibt es nicht"):
        store.restore("abc123abc123")


def test_failed_write_leaves_the_previous_version(fresh_db, demo_tables):
    store = PostgisStore(fresh_db)
    v1 = store.write(demo_tables, "gut")
    before = _schemas(fresh_db)
    # The last value row is broken: the COPY fails after areas, institutions and most values
    # have been sent to the server.
    broken = demo_tables.values.astype({"year": object}).copy()
    broken.loc[broken.index[-1], "year"] = "zwanzig"
    renamed = demo_tables.areas.copy()
    renamed["name"] = "kaputt"
    with pytest.raises(DataFileError, match="bisherige Version gilt weiter"):
        store.write(replace(demo_tables, areas=renamed, values=broken), "kaputt")

    assert store.current_version() == v1
    assert [v.id for v in store.versions()] == [v1]
    assert _schemas(fresh_db) == before  # no half-written schema left behind
    tables = store.read()
    assert "kaputt" not in set(tables.areas["name"])
    assert len(tables.values) == len(demo_tables.values)


def test_empty_database_and_missing_crs_have_german_messages(fresh_db, demo_tables):
    store = PostgisStore(fresh_db)
    with pytest.raises(DataFileError, match="noch kein Atlas gespeichert"):
        store.current_version()
    no_crs = demo_tables.areas.set_crs(None, allow_override=True)
    with pytest.raises(DataFileError, match="kein Koordinatensystem"):
        store.write(replace(demo_tables, areas=no_crs), "ohne KBS")
    assert store.versions() == []
    with pytest.raises(DataFileError, match="nicht erreichbar"):
        PostgisStore("host=/nonexistent port=1 dbname=x").current_version()


def test_app_uses_postgis_when_a_database_url_is_set(pg_demo, monkeypatch):
    from app import create_app

    monkeypatch.setenv("BILDUNGSATLAS_DATABASE_URL", pg_demo)
    client = create_app().server.test_client()
    version = PostgisStore(pg_demo).current_version()
    body = client.get("/api/gebiete/06433").get_json()
    assert body["name"] == "Groß-Gerau"
    assert len(body["kinder_ids"]) == 14
    assert client.get(f"/geo/gebiete/_.json?v={version}").headers["Cache-Control"].endswith(
        "immutable")  # the URLs carry the PostGIS version


def test_importer_writes_to_postgis_and_the_running_app_follows(fresh_db, demo_tables,
                                                                 monkeypatch):
    """The README walk-through's import, with ``BILDUNGSATLAS_DATABASE_URL`` set: the CLI
    writes one new version (one new schema, in one transaction) and a live repository on the
    same database serves it without a restart. Expected values as in
    test_import_walkthrough.py (fixture line "Daxlanden;3;466;319": 100 * 319 / 466)."""
    from pathlib import Path

    from geodata.importer.__main__ import main
    from geodata.model.settings import load_settings
    from geodata.storage.live import LiveRepository

    fixtures = Path(__file__).resolve().parent / "fixtures" / "karlsruhe"
    store = PostgisStore(fresh_db)
    store.write(demo_tables, "Demo-Atlas")
    live = LiveRepository(store, load_settings())
    assert "anteil_grundschueler" not in live.snapshot().indicators
    monkeypatch.setenv("BILDUNGSATLAS_DATABASE_URL", fresh_db)
    monkeypatch.delenv("BILDUNGSATLAS_DATA", raising=False)
    code = main(["--grenzen", str(fixtures / "stadtteile_karlsruhe.geojson"), "--ebene",
                 "quartier", "--tabelle", str(fixtures / "schulen_stadtteile_2015.csv"),
                 "--jahr", "2015", "--innerhalb", "08212000", "--metadaten",
                 str(fixtures / "indikatoren.csv"), "--notiz", "Karlsruhe"])
    assert code == 0
    versions = store.versions()
    assert [(v.note, v.current) for v in versions] == [("Karlsruhe", True),
                                                      ("Demo-Atlas", False)]
    assert len([s for s in _schemas(fresh_db) if s != "atlas_meta"]) == 2
    repo = live.refresh()
    assert live.store_version == versions[0].id
    assert len(repo.children_of("08212000")) == 27
    assert repo.value("08212000-009", "anteil_grundschueler", 2015).value == pytest.approx(
        100 * 319 / 466)


def test_postgis_write_against_a_stale_version_stores_nothing(fresh_db, demo_tables):
    from geodata.storage.versions import StaleVersionError

    store = PostgisStore(fresh_db)
    first = store.write(demo_tables, "eins")
    second = store.write(demo_tables, "zwei", base=first)
    with pytest.raises(StaleVersionError):
        store.write(demo_tables, "drei", base=first)  # checked against "eins", now "zwei"
    assert store.current_version() == second
    assert [v.note for v in store.versions()] == ["zwei", "eins"]
    assert len([s for s in _schemas(fresh_db) if s != "atlas_meta"]) == 2  # rolled back


def test_an_app_role_with_read_rights_only_lists_versions(fresh_db, demo_tables):
    store = PostgisStore(fresh_db)
    store.write(demo_tables, "eins")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS leser")
        conn.execute("CREATE ROLE leser LOGIN")
        conn.execute("GRANT USAGE ON SCHEMA atlas_meta TO leser")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA atlas_meta TO leser")
        conn.execute("REVOKE CREATE ON DATABASE " + fresh_db.rsplit("dbname=", 1)[1]
                     + " FROM PUBLIC")
    reader = PostgisStore(fresh_db.replace("user=postgres", "user=leser"))
    assert [v.note for v in reader.versions()] == ["eins"]
    assert reader.current_version() == store.current_version()
