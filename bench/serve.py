"""Serve one app of the benchmark in its own process (so its peak memory is its own).

``python -m bench.serve ours|naive ATLAS.gpkg PORT``: loads the atlas, builds the app and
serves it with Werkzeug's threaded server on 127.0.0.1:PORT (the same server for both apps).
Ours runs as ``python app.py`` does: on the versioned store (a fresh data folder whose base
version is ATLAS.gpkg) through the live repository that follows imports.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")


def main() -> None:
    kind, gpkg, port = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    from werkzeug.serving import make_server

    from geodata.storage.gpkg import load_repository

    if kind == "ours":
        import tempfile

        from app import create_app
        from geodata.storage.store import GpkgStore

        data = Path(tempfile.mkdtemp(prefix="ba-bench-"))
        app = create_app(store=GpkgStore(data, base=gpkg))
    else:
        from bench.naive_app import create_naive_app

        app = create_naive_app(load_repository(gpkg))
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
