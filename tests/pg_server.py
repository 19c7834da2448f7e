"""A private PostgreSQL/PostGIS server for the tests (a real server, never a mock).

The Debian packages ``postgresql`` and ``postgresql-15-postgis-3`` are installed by
``tests/run_all.sh``. The session fixture `pg_url` creates a throw-away cluster in a temporary
directory (``initdb``; as user ``postgres`` when the tests run as root), starts it on a Unix
socket only, creates a database with the PostGIS extension and stops and removes everything
at the end. If the server cannot start, the tests fail with the reason (never skip).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ROOT = Path("/usr/lib/postgresql")
DB = "bildungsatlas"


def _bin_dir() -> Path:
    found = sorted(PG_ROOT.glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not found:
        pytest.fail("PostgreSQL fehlt: apt-get install postgresql postgresql-15-postgis-3 "
                    "(tests/run_all.sh installiert es)")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Conninfo base (socket dir and port) of a running private PostgreSQL server."""
    bindir = _bin_dir()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    tmp = Path(tempfile.mkdtemp(prefix="ba-pg-"))
    if as_postgres:
        shutil.chown(tmp, "postgres", "postgres")
    data, log, port = tmp / "data", tmp / "server.log", _free_port()

    def run(*cmd: str) -> None:
        proc = subprocess.run([*as_postgres, *cmd], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            detail = log.read_text() if log.exists() else ""
            pytest.fail(f"PostgreSQL-Testserver: {' '.join(cmd[:2])} schlug fehl:\n"
                        f"{proc.stdout}{proc.stderr}{detail}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
        "-E", "UTF8", "--locale=C.UTF-8")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
        f"-p {port} -k {tmp} -c listen_addresses='' -c fsync=off", "start")
    base = f"host={tmp} port={port} user=postgres"
    try:
        yield base
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "-w", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_database(pg_server: str) -> str:
    """Conninfo of a fresh database with the PostGIS extension."""
    import psycopg

    with psycopg.connect(f"{pg_server} dbname=postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DB}")
    url = f"{pg_server} dbname={DB}"
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION postgis")
        except psycopg.Error as err:
            pytest.fail(f"PostGIS fehlt im Testserver ({err}): apt-get install "
                        "postgresql-15-postgis-3")
    return url


@pytest.fixture(scope="session")
def pg_demo(pg_database: str) -> str:
    """Conninfo of the test database holding the demo atlas as its current version."""
    from geodata.storage.gpkg import read_atlas_tables
    from geodata.storage.postgis import PostgisStore

    PostgisStore(pg_database).write(read_atlas_tables(), "Demo-Atlas")
    return pg_database


@pytest.fixture(scope="session")
def pg_live_url(pg_demo: str) -> Iterator[str]:
    """The app on the PostGIS backend (demo atlas), served over real HTTP."""
    from app import create_app
    from geodata.storage.postgis import load_repository_pg
    from tests.serving import serve_wsgi

    with serve_wsgi(create_app(load_repository_pg(pg_demo)).server) as url:
        yield url
