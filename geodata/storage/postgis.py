"""PostGIS backend: the atlas tables in PostgreSQL, versioned, switched atomically.

Selected when ``BILDUNGSATLAS_DATABASE_URL`` is set (see ``app.py``), e.g.
``postgresql://atlas@db.example/bildungsatlas``. `read_atlas_tables_pg` returns the same
`AtlasTables` as `geodata.storage.gpkg.read_atlas_tables`, so `build_repository` is shared.

Layout in the database
----------------------
* ``atlas_meta.versions (id, created, note)``: one row per stored version.
* ``atlas_meta.current (id)``: exactly one row, the version the app servers show.
* one schema ``atlas_<id>`` per version with the tables ``areas`` and ``institutions``
  (PostGIS geometry in EPSG:25832), ``values``, ``indicators``, ``sources`` and ``retired``
  (keys of removed areas). Versions written before values carried their source lack the
  columns ``areas.source``, ``values.source`` and ``values.status`` and the table
  ``retired``; they are read with empty ones.

`PostgisStore.write` creates a new version's schema, fills it (``COPY``) and switches
``atlas_meta.current`` in **one transaction**: if anything fails, nothing is visible and the
previous version stays current. App servers poll `PostgisStore.current_version` (one indexed
one-row read) to notice a switch. Several app servers (gunicorn workers, machines) can share
one database: readers only ever see complete versions.
"""

from __future__ import annotations

import secrets
from datetime import UTC
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.model.entities import METRIC_CRS
from geodata.model.errors import DataFileError
from geodata.model.repository import Repository
from geodata.model.settings import DEFAULT_CONFIG, load_settings
from geodata.storage.tables import AtlasTables, build_repository, retired_of
from geodata.storage.versions import StaleVersionError, StoreVersion

META = "atlas_meta"
AREA_COLUMNS = ("area_id", "name", "level", "parent_id", "kind", "source")
INSTITUTION_COLUMNS = ("inst_id", "name", "type", "area_id", "attrs")
VALUE_COLUMNS = ("area_id", "indicator_id", "year", "value", "numerator", "denominator",
                 "source", "status")
SRID = 25832
VALUES_TABLE = '"values"'  # a reserved word in SQL


def _connect(url: str, timeout: int = 10) -> Any:
    import psycopg

    try:
        return psycopg.connect(url, connect_timeout=timeout)
    except psycopg.Error as err:
        raise DataFileError(f"Die PostGIS-Datenbank ist nicht erreichbar ({err}).") from err


def _schema(version_id: str) -> str:
    if not version_id.isalnum():
        raise DataFileError(f"„{version_id[:40]}“ ist keine gültige Versionskennung.")
    return f"atlas_{version_id.lower()}"


def _metric(gdf: Any, layer: str) -> Any:
    if gdf.crs is None:
        raise DataFileError(f"Die Ebene „{layer}“ hat kein Koordinatensystem.")
    return gdf if gdf.crs.to_epsg() == SRID else gdf.to_crs(METRIC_CRS)


def _hex_ewkb(geoms: np.ndarray) -> list[str | None]:
    """Hex EWKB with SRID (PostGIS's text input of a geometry); None for missing/empty."""
    out: list[str | None] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            out.append(None)
        else:
            out.append(shapely.to_wkb(shapely.set_srid(geom, SRID), hex=True,
                                      include_srid=True))
    return out


def _text(x: Any) -> str | None:
    """A cell of a plain table as text (NULL for missing)."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    return str(x)


def _columns(conn: Any, schema: str, table: str) -> set[str]:
    """The columns of a table (empty if there is no such table)."""
    rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE "
                        "table_schema = %s AND table_name = %s", (schema, table)).fetchall()
    return {r[0] for r in rows}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgisStore:
    """The atlas in a PostGIS database (same interface as the GeoPackage store)."""

    def __init__(self, url: str) -> None:
        self.url = url

    # --- reading -------------------------------------------------------------------------------
    def current_version(self) -> str:
        """The id of the version the app shows (cheap: one one-row read; polled by every
        server, so it gives up after 3 s and every database error is a German
        `DataFileError`)."""
        import psycopg

        try:
            with _connect(self.url, timeout=3) as conn:
                return self._current(conn)
        except psycopg.Error as err:
            raise DataFileError(f"Die PostGIS-Datenbank antwortet nicht: {err}".strip()) from err

    def _current(self, conn: Any) -> str:
        import psycopg

        try:
            row = conn.execute(f"SELECT id FROM {META}.current").fetchone()
        except psycopg.errors.UndefinedTable:
            row = None
        if row is None:
            raise DataFileError(
                "In der PostGIS-Datenbank ist noch kein Atlas gespeichert "
                "(erst importieren, z. B. mit python -m geodata.storage.postgis --import atlas.gpkg)."
            )
        return str(row[0])

    def read(self, version: str | None = None) -> AtlasTables:
        """The current version's tables, or those of ``version`` (one snapshot: a concurrent
        switch is not seen)."""
        import psycopg

        with _connect(self.url) as conn:
            # One snapshot for all tables (set before the transaction begins).
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            version = version or self._current(conn)
            schema = _schema(version)
            if conn.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                            (schema,)).fetchone() is None:
                raise DataFileError(f"Die Version „{version[:40]}“ gibt es nicht.")
            areas = self._read_geo(conn, schema, "areas", AREA_COLUMNS)
            insts = self._read_geo(conn, schema, "institutions", INSTITUTION_COLUMNS)
            have = _columns(conn, schema, "values")
            cols = [c if c in have else f"'' AS {c}" for c in VALUE_COLUMNS]
            values = pd.DataFrame(
                conn.execute(
                    f"SELECT {', '.join(cols)} FROM {schema}.{VALUES_TABLE} ORDER BY ord"
                ).fetchall(),
                columns=list(VALUE_COLUMNS),
            )
            for col in ("value", "numerator", "denominator"):
                values[col] = values[col].astype(float)
            values["year"] = values["year"].astype(int)
            values["source"] = values["source"].fillna("").astype(str)
            values["status"] = values["status"].fillna("").astype(str)
            retired = (self._read_plain(conn, schema, "retired")
                       if _columns(conn, schema, "retired") else None)
            return AtlasTables(
                areas=areas,
                indicators=self._read_plain(conn, schema, "indicators"),
                values=values,
                institutions=insts,
                sources=self._read_plain(conn, schema, "sources"),
                version=version,
                retired=retired,
            )

    @staticmethod
    def _read_geo(conn: Any, schema: str, table: str, columns: tuple[str, ...]) -> Any:
        have = _columns(conn, schema, table)
        sel = [c if c in have else f"'' AS {c}" for c in columns]
        rows = conn.execute(
            f"SELECT {', '.join(sel)}, ST_AsBinary(geom) FROM {schema}.{table} ORDER BY ord"
        ).fetchall()
        df = pd.DataFrame([r[:-1] for r in rows], columns=list(columns))
        geoms = [None if r[-1] is None else shapely.from_wkb(bytes(r[-1])) for r in rows]
        return gpd.GeoDataFrame(df, geometry=geoms, crs=METRIC_CRS)

    @staticmethod
    def _read_plain(conn: Any, schema: str, table: str) -> pd.DataFrame:
        cur = conn.execute(f"SELECT * FROM {schema}.{table} ORDER BY ord")
        cols = [d.name for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=cols).drop(columns="ord")

    def versions(self) -> list[StoreVersion]:
        """All stored versions, newest first."""
        import psycopg

        with _connect(self.url) as conn:  # read only: an app role needs no DDL rights
            if conn.execute(f"SELECT to_regclass('{META}.current')").fetchone()[0] is None:
                return []
            try:
                current = conn.execute(f"SELECT id FROM {META}.current").fetchone()
                rows = conn.execute(
                    f"SELECT id, created, note FROM {META}.versions ORDER BY created DESC, id"
                ).fetchall()
            except psycopg.Error as err:
                raise DataFileError(f"Die Versionen in der PostGIS-Datenbank sind nicht "
                                    f"lesbar: {err}".strip()) from err
        cur_id = current[0] if current else None
        return [StoreVersion(r[0], r[1].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), r[2],
                             r[0] == cur_id) for r in rows]

    # --- writing -------------------------------------------------------------------------------
    @staticmethod
    def _ensure_meta(conn: Any) -> None:
        with conn.transaction():
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {META}")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {META}.versions ("
                         "id text PRIMARY KEY, created timestamptz NOT NULL DEFAULT now(), "
                         "note text NOT NULL DEFAULT '')")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {META}.current ("
                         "one boolean PRIMARY KEY DEFAULT true CHECK (one), "
                         f"id text NOT NULL REFERENCES {META}.versions(id))")

    def write(self, tables: AtlasTables, note: str, base: str | None = None) -> str:
        """Store ``tables`` as a new version and make it current, in one transaction.

        Returns the new version's id. On any error nothing is stored and the previous version
        stays current (German `DataFileError`). With ``base`` (the version the import was
        checked against) the current-version row is locked and compared first: if another
        import switched in the meantime, nothing is stored (`StaleVersionError`).
        """
        import psycopg

        areas = _metric(tables.areas, "areas")
        insts = _metric(tables.institutions, "institutions")
        version_id = secrets.token_hex(6)
        schema = _schema(version_id)
        with _connect(self.url) as conn:
            self._ensure_meta(conn)
            try:
                with conn.transaction():
                    if base is not None:
                        row = conn.execute(
                            f"SELECT id FROM {META}.current FOR UPDATE").fetchone()
                        if row is None or row[0] != base:
                            raise StaleVersionError(base, row[0] if row else "keine")
                    conn.execute(f"CREATE SCHEMA {schema}")
                    self._write_geo(conn, schema, "areas", areas, AREA_COLUMNS, "MultiPolygon")
                    self._write_geo(conn, schema, "institutions", insts, INSTITUTION_COLUMNS,
                                    "Point")
                    self._write_plain(conn, schema, "indicators", tables.indicators)
                    self._write_plain(conn, schema, "sources", tables.sources)
                    self._write_values(conn, schema, tables.values)
                    self._write_plain(conn, schema, "retired", retired_of(tables))
                    conn.execute(f"INSERT INTO {META}.versions (id, note) VALUES (%s, %s)",
                                 (version_id, note))
                    self._switch(conn, version_id)
            except psycopg.Error as err:
                raise DataFileError(
                    f"Der Atlas wurde nicht gespeichert, die bisherige Version gilt weiter: "
                    f"{err}".strip()
                ) from err
        return version_id

    @staticmethod
    def _switch(conn: Any, version_id: str) -> None:
        conn.execute(f"INSERT INTO {META}.current (one, id) VALUES (true, %s) "
                     "ON CONFLICT (one) DO UPDATE SET id = EXCLUDED.id", (version_id,))

    @staticmethod
    def _write_geo(conn: Any, schema: str, table: str, gdf: Any, columns: tuple[str, ...],
                   geom_type: str) -> None:
        cols = ", ".join(f"{c} text" for c in columns)
        conn.execute(f"CREATE TABLE {schema}.{table} (ord integer PRIMARY KEY, {cols}, "
                     f"geom geometry({geom_type}, {SRID}))")
        geoms = gdf.geometry.values
        if geom_type == "MultiPolygon":
            geoms = np.array([g if g is None or g.geom_type != "Polygon"
                              else shapely.MultiPolygon([g]) for g in geoms], dtype=object)
        ewkb = _hex_ewkb(np.asarray(geoms, dtype=object))
        records = pd.DataFrame(gdf).reindex(columns=list(columns)).to_numpy(dtype=object)
        with conn.cursor().copy(
            f"COPY {schema}.{table} (ord, {', '.join(columns)}, geom) FROM STDIN"
        ) as copy:
            for i, (row, geom) in enumerate(zip(records, ewkb, strict=True)):
                copy.write_row((i, *(_text(x) for x in row), geom))

    @staticmethod
    def _write_plain(conn: Any, schema: str, table: str, df: pd.DataFrame) -> None:
        cols = [str(c) for c in df.columns]
        conn.execute(f"CREATE TABLE {schema}.{table} (ord integer PRIMARY KEY, "
                     + ", ".join(f"{_quote(c)} text" for c in cols) + ")")
        with conn.cursor().copy(
            f"COPY {schema}.{table} (ord, {', '.join(_quote(c) for c in cols)}) FROM STDIN"
        ) as copy:
            for i, row in enumerate(df.to_numpy(dtype=object)):
                copy.write_row((i, *(_text(x) for x in row)))

    @staticmethod
    def _write_values(conn: Any, schema: str, df: pd.DataFrame) -> None:
        conn.execute(f"CREATE TABLE {schema}.{VALUES_TABLE} (ord integer PRIMARY KEY, area_id text "
                     "NOT NULL, indicator_id text NOT NULL, year integer NOT NULL, value "
                     "double precision, numerator double precision, denominator double "
                     "precision, source text NOT NULL DEFAULT '', status text NOT NULL "
                     "DEFAULT '')")
        df = df.reindex(columns=list(VALUE_COLUMNS))
        df = df.assign(source=df["source"].astype(object).where(df["source"].notna(), ""),
                       status=df["status"].astype(object).where(df["status"].notna(), ""))
        with conn.cursor().copy(
            f"COPY {schema}.{VALUES_TABLE} (ord, {', '.join(VALUE_COLUMNS)}) FROM STDIN"
        ) as copy:
            for i, row in enumerate(df.to_numpy(dtype=object)):
                copy.write_row((i, *(_text(x) for x in row)))

    def cleanup(self) -> list[str]:
        """Drop schemas of versions that were never registered (German lines). A write is one
        transaction, so a killed import leaves none; this only catches schemas left by hand
        or by older releases. Without the right to drop them, nothing happens."""
        import psycopg

        lines: list[str] = []
        try:
            with _connect(self.url, timeout=3) as conn:
                if conn.execute(f"SELECT to_regclass('{META}.versions')").fetchone()[0] is None:
                    return []
                known = {_schema(r[0]) for r in conn.execute(
                    f"SELECT id FROM {META}.versions").fetchall()}
                schemas = [r[0] for r in conn.execute(
                    "SELECT schema_name FROM information_schema.schemata WHERE schema_name "
                    "LIKE 'atlas\\_%' AND schema_name <> %s", (META,)).fetchall()]
                for name in sorted(set(schemas) - known):
                    with conn.transaction():
                        conn.execute(f"DROP SCHEMA {_quote(name)} CASCADE")
                    lines.append(f"Unvollständige Version (Schema {name}) entfernt.")
        except (psycopg.Error, DataFileError):
            return lines
        return lines

    def restore(self, version_id: str) -> None:
        """Make an earlier version current again (German `DataFileError` if unknown)."""
        with _connect(self.url) as conn:
            self._ensure_meta(conn)
            with conn.transaction():
                known = conn.execute(f"SELECT 1 FROM {META}.versions WHERE id = %s",
                                     (version_id,)).fetchone()
                if known is None:
                    raise DataFileError(f"Die Version „{version_id[:40]}“ gibt es nicht.")
                self._switch(conn, version_id)


def read_atlas_tables_pg(url: str) -> AtlasTables:
    """The current atlas tables from PostGIS (the counterpart of ``read_atlas_tables``)."""
    return PostgisStore(url).read()


def load_repository_pg(url: str, config: Path = DEFAULT_CONFIG) -> Repository:
    """The `Repository` of the current version in PostGIS."""
    return build_repository(read_atlas_tables_pg(url), load_settings(config))


def main(argv: list[str] | None = None) -> None:
    """``python -m geodata.storage.postgis --import atlas.gpkg [--url URL]``: store a GeoPackage."""
    import argparse
    import os

    from geodata.storage.gpkg import DEFAULT_GPKG, read_atlas_tables

    parser = argparse.ArgumentParser(description="Store a GeoPackage atlas in PostGIS.")
    parser.add_argument("--import", dest="gpkg", type=Path, default=DEFAULT_GPKG)
    parser.add_argument("--url", default=os.environ.get("BILDUNGSATLAS_DATABASE_URL", ""))
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url oder BILDUNGSATLAS_DATABASE_URL fehlt")
    version = PostgisStore(args.url).write(read_atlas_tables(args.gpkg),
                                           args.note or f"Import {args.gpkg.name}")
    print(f"Version {version} gespeichert und aktiv.")


if __name__ == "__main__":
    main()
