"""Serving a WSGI app over real HTTP on a free loopback port, in a thread (for tests)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serve_wsgi(wsgi_app: Any) -> Iterator[str]:
    """Yield the base URL while ``wsgi_app`` is served (threaded Werkzeug server)."""
    from werkzeug.serving import make_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
