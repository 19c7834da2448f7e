"""Shared fixtures: the demo repository, a live app server and headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")

from geodata.model.repository import Repository
from geodata.storage.gpkg import load_repository
from tests.pg_server import pg_database, pg_demo, pg_live_url, pg_server  # noqa: E402,F401
from tests.serving import serve_wsgi  # noqa: E402

ROOT_DIR = Path(__file__).resolve().parents[1]
SOURCES = ROOT_DIR / "geodata" / "demo" / "sources"
SCREENSHOTS = ROOT_DIR / "tests" / "screenshots"
CHROMIUM = os.environ.get("BILDUNGSATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def half_up(value: float, decimals: int) -> float:
    """A value rounded as published (halves away from zero on the decimal number), worked out
    with Python's decimal module, independently of the app's rounding."""
    q = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(q, rounding=ROUND_HALF_UP))


@pytest.fixture(scope="session")
def repo() -> Repository:
    """The demo atlas, loaded once."""
    return load_repository()


@pytest.fixture(scope="session")
def atlas():
    """The stored tables of the demo atlas (read once; tests must not modify them)."""
    from geodata.storage.gpkg import read_atlas_tables

    return read_atlas_tables()


@pytest.fixture(scope="session")
def settings():
    """The configuration of the demo atlas."""
    from geodata.model.settings import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def app(repo: Repository):
    """The Dash app on the demo atlas."""
    from app import create_app

    return create_app(repo)


@pytest.fixture(scope="session")
def client(app):
    """Flask test client of the app."""
    return app.server.test_client()


@pytest.fixture(scope="session")
def live_url(app) -> Iterator[str]:
    """The app served over real HTTP on a free loopback port, in a thread."""
    with serve_wsgi(app.server) as url:
        yield url


@pytest.fixture()
def store_url(tmp_path) -> Iterator[str]:
    """The app on its own versioned data store (empty: the demo atlas is the base version),
    with hot reload and the upload page, served over HTTP."""
    from app import create_app
    from geodata.storage.store import GpkgStore

    with serve_wsgi(create_app(store=GpkgStore(tmp_path / "daten")).server) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (never downloads a browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium fehlt unter {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    """A fresh page (1440×900, German locale) that records console errors."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="de-DE")
    pg = context.new_page()
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    SCREENSHOTS.mkdir(exist_ok=True)
    yield pg
    errors = list(pg.console_errors)
    context.close()
    assert not errors, f"Browser-Konsole meldet Fehler: {errors}"


@pytest.fixture()
def index_dir(tmp_path, monkeypatch):
    """Saved need indices go to a temporary folder (with the shipped example), not the repo."""
    from geodata.index.files import INDEX_DIR

    folder = tmp_path / "indizes"
    shutil.copytree(INDEX_DIR, folder)
    monkeypatch.setenv("BILDUNGSATLAS_INDIZES", str(folder))
    return folder
