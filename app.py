"""Bildungsatlas: the Dash app.

Run ``python app.py`` and open http://127.0.0.1:8050. Imports go one way:
app.py → callbacks → layers → geodata.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")

from dash import Dash  # noqa: E402  (the environment must be set before dash loads)

from callbacks import register_all  # noqa: E402
from callbacks.auth import RequestAccess, audit_writer, init_auth  # noqa: E402
from callbacks.hardening import init_hardening  # noqa: E402
from geodata.importer.core import MAX_UPLOAD_BYTES
from geodata.model.authconfig import AuthSettings, load_auth_settings
from geodata.model.repository import Repository
from geodata.model.settings import load_settings
from geodata.statistics.disclosure import disclosure
from geodata.statistics.published import published
from geodata.storage.gpkg import DEFAULT_GPKG, load_repository
from geodata.storage.live import LiveRepository
from geodata.storage.store import default_store
from geodata.storage.versions import AtlasStore
from layers.shell import page  # noqa: E402

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app(repo: Repository | None = None, store: AtlasStore | None = None,
               bind_host: str = "127.0.0.1", auth: AuthSettings | None = None) -> Dash:
    """Build the app on a fixed repository, or (default) on the data store (`default_store`)
    with hot reload after imports and the upload page. ``BILDUNGSATLAS_GPKG`` pins one
    GeoPackage file instead (no imports).

    ``bind_host``: the address the server listens on; on a loopback address without sign-in
    the local user is ``redaktion``, elsewhere the app is public and read-only unless
    ``auth`` (default: ``atlas.toml [anmeldung]``) configures a sign-in."""
    if repo is None and store is None and os.environ.get("BILDUNGSATLAS_GPKG"):
        repo = load_repository(Path(os.environ.get("BILDUNGSATLAS_GPKG", DEFAULT_GPKG)))
        disclosure(repo)  # decided once, before the first request (and before a fork)
    if repo is None:
        repo = LiveRepository(store or default_store(), load_settings())  # type: ignore[assignment]
    app = Dash(
        __name__,
        title=repo.settings.title,
        assets_folder=str(ASSETS),
        update_title="Bildungsatlas lädt …",
        compress=True,  # callback answers and JS bundles compressed (flask-compress)
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    # Streamed file responses (assets/) stay uncompressed: flask-compress would leave their
    # files open. Dash's bundles and every callback answer are compressed.
    app.server.config["COMPRESS_STREAMS"] = False
    app.index_string = app.index_string.replace("<html>", '<html lang="de">', 1)
    # Layers and callbacks get only the published atlas: every value they show or export has
    # passed the disclosure control (geodata.statistics.disclosure) and the access check of
    # the request's role (callbacks.auth); no raw value is in reach.
    atlas = published(repo, RequestAccess())
    settings = auth or load_auth_settings()
    init_auth(app.server, settings, bind_host, _key_folder(repo), audit_writer(repo))
    app.layout = lambda: page(atlas)  # a function: a new indicator appears after an import
    register_all(app, atlas)
    if isinstance(repo, LiveRepository):
        from callbacks.upload import BASE, register_upload

        repo.attach(app.server, unpinned=(BASE,))
        register_upload(app, repo, atlas)
    init_hardening(app, settings, bind_host, MAX_UPLOAD_BYTES * 4 // 3 + 1024 * 1024,
                   extra_images=_tile_origin(repo.settings.tile_url))
    return app


def _key_folder(repo: Any) -> Path:
    """Where the session key file lives: the data store's folder, else the temp folder."""
    folder = getattr(getattr(repo, "store", None), "data_dir", None)
    return Path(folder) if folder else Path(tempfile.gettempdir())


def _tile_origin(url: str) -> tuple[str, ...]:
    """The basemap's origin for the CSP's img-src ("" → none)."""
    if not url:
        return ()
    parts = urlsplit(url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0")
                     .replace("{y}", "0"))
    return (f"{parts.scheme}://{parts.netloc}",) if parts.netloc else ()


def wsgi() -> Any:
    """WSGI entry point for several workers: ``gunicorn --preload -w 4 'app:wsgi()'``. The
    disclosure control is decided before the workers fork, so they share it.
    ``BILDUNGSATLAS_HOST`` names the address gunicorn binds (default: not loopback, so
    without sign-in the app is public and read-only)."""
    return create_app(bind_host=os.environ.get("BILDUNGSATLAS_HOST", "0.0.0.0")).server


def main() -> None:
    """Start the development server on 127.0.0.1:8050 (no reloader, no debug)."""
    host = os.environ.get("BILDUNGSATLAS_HOST", "127.0.0.1")
    app = create_app(bind_host=host)
    port = int(os.environ.get("BILDUNGSATLAS_PORT", "8050"))
    print(f"Bildungsatlas läuft auf http://{host}:{port}", flush=True)
    app.run(host=host, port=port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
