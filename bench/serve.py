"""Serve one app of the benchmark in its own process (so its peak memory is its own).

``python -m bench.serve ours|naive ATLAS.gpkg PORT``: loads the atlas, builds the app and
serves it with Werkzeug's threaded server on 127.0.0.1:PORT (the same server for both apps).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")


def main() -> None:
    kind, gpkg, port = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    from werkzeug.serving import make_server

    from geodata.repository import load_repository

    repo = load_repository(gpkg)
    if kind == "ours":
        from app import create_app

        app = create_app(repo)
    else:
        from bench.naive_app import create_naive_app

        app = create_naive_app(repo)
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
