"""Bildungsatlas: the Dash app.

Run ``python app.py`` and open http://127.0.0.1:8050. Imports go one way:
app.py → callbacks → layers → geodata.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")

from dash import Dash  # noqa: E402  (the environment must be set before dash loads)

from callbacks import register_all  # noqa: E402
from geodata.repository import DEFAULT_GPKG, Repository, load_repository  # noqa: E402
from layers.shell import page  # noqa: E402

ASSETS = Path(__file__).resolve().parent / "assets"


def default_repository() -> Repository:
    """The atlas from PostGIS if ``BILDUNGSATLAS_DATABASE_URL`` is set, else the GeoPackage
    ``BILDUNGSATLAS_GPKG`` (default: the demo atlas in geodata/atlas.gpkg)."""
    url = os.environ.get("BILDUNGSATLAS_DATABASE_URL")
    if url:
        from geodata.postgis import load_repository_pg

        return load_repository_pg(url)
    return load_repository(Path(os.environ.get("BILDUNGSATLAS_GPKG", DEFAULT_GPKG)))


def create_app(repo: Repository | None = None) -> Dash:
    """Build the app on a repository (default: `default_repository`)."""
    if repo is None:
        repo = default_repository()
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
    app.layout = page(repo)
    register_all(app, repo)
    return app


def wsgi() -> Any:
    """WSGI entry point for several workers: ``gunicorn --preload -w 4 'app:wsgi()'``."""
    return create_app().server


def main() -> None:
    """Start the development server on 127.0.0.1:8050 (no reloader, no debug)."""
    app = create_app()
    host = os.environ.get("BILDUNGSATLAS_HOST", "127.0.0.1")
    port = int(os.environ.get("BILDUNGSATLAS_PORT", "8050"))
    print(f"Bildungsatlas läuft auf http://{host}:{port}", flush=True)
    app.run(host=host, port=port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
