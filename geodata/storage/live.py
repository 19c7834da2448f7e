"""The live repository: the app's view of the store that follows imports without a restart.

`LiveRepository` has the interface of `Repository` (attribute access is forwarded). It checks
``store.current_version()`` at most once per `POLL_SECONDS`; when the version changed, a new
`Repository` is built completely in a background thread and only then swapped in, so requests
never see half-imported data. Within an HTTP request every access goes to one snapshot, pinned
in ``flask.g`` on first use, so a request never mixes two versions.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from contextvars import ContextVar
from typing import Any

from geodata.model.errors import AtlasError
from geodata.model.repository import Repository
from geodata.model.settings import Settings
from geodata.statistics.disclosure import disclosure
from geodata.storage.tables import build_repository

POLL_SECONDS = 1.0
RETRY_SECONDS = 10.0
LOG = logging.getLogger(__name__)


class LiveRepository:
    """A `Repository` proxy over an `AtlasStore`, swapped atomically after each import."""

    def __init__(self, store: Any, settings: Settings, poll_seconds: float = POLL_SECONDS) -> None:
        self._store = store
        self._settings = settings
        self._poll = poll_seconds
        self._lock = threading.Lock()
        self._version = store.current_version()
        self._repo = _ready(build_repository(store.read(), settings))
        self._checked = time.monotonic()
        self._loading: threading.Thread | None = None
        self._retry_at = 0.0
        self._pinned: ContextVar[Repository | None] = ContextVar(f"atlas-{id(self)}",
                                                                  default=None)
        self.last_error = ""

    def attach(self, server: Any) -> None:
        """Pin one snapshot per HTTP request of a Flask ``server`` (fast attribute access)."""

        @server.before_request
        def _pin() -> None:
            from flask import g

            g.bildungsatlas_pin = self._pinned.set(self._current())

        @server.teardown_request
        def _unpin(_exc: BaseException | None) -> None:
            from flask import g

            token = g.pop("bildungsatlas_pin", None)
            if token is not None:
                try:
                    self._pinned.reset(token)
                except ValueError:  # reset in another context: the next request sets anew
                    self._pinned.set(None)

    @property
    def store(self) -> Any:
        return self._store

    def snapshot(self) -> Repository:
        """The repository to use now: pinned per HTTP request, else the newest complete one."""
        pinned = self._pinned.get()
        if pinned is not None:
            return pinned
        try:
            from flask import g, has_request_context
        except ImportError:  # pragma: no cover - flask comes with dash
            return self._current()
        if not has_request_context():
            return self._current()
        pinned = g.get("bildungsatlas_repo")
        if pinned is None:
            pinned = self._current()
            g.bildungsatlas_repo = pinned
        return pinned

    def _current(self) -> Repository:
        now = time.monotonic()
        if now - self._checked >= self._poll:
            self._checked = now
            self._maybe_reload()
        return self._repo

    def _maybe_reload(self) -> None:
        try:
            version = self._store.current_version()
        except (OSError, AtlasError) as err:  # store unreachable: keep serving this version
            self.last_error = str(err)
            return
        with self._lock:
            if version == self._version or (self._loading and self._loading.is_alive()):
                return
            if time.monotonic() < self._retry_at:
                return  # the last attempt to load a new version failed a moment ago
            self._loading = threading.Thread(target=self._load, args=(version,), daemon=True)
            self._loading.start()

    def _load(self, version: str) -> None:
        try:
            repo = _ready(build_repository(self._store.read(), self._settings))
        except (AtlasError, OSError, ValueError) as err:
            # Keep serving the previous version and try this one again after RETRY_SECONDS
            # (a database that was briefly away, a file still being copied).
            self.last_error = f"Version {version} nicht geladen: {err}"
            LOG.warning("Bildungsatlas: %s", self.last_error)
            with self._lock:
                self._retry_at = time.monotonic() + RETRY_SECONDS
            return
        with self._lock:
            self._repo, self._version = repo, version
            self.last_error = ""

    def refresh(self) -> Repository:
        """Load the store's current version now (blocking), e.g. right after an import."""
        version = self._store.current_version()
        if version != self._version:
            repo = _ready(build_repository(self._store.read(), self._settings))
            with self._lock:
                self._repo, self._version = repo, version
        self._checked = time.monotonic()
        return self._repo

    @property
    def store_version(self) -> str:
        """The store version the current snapshot was built from."""
        return self._version

    def __getattr__(self, name: str) -> Any:
        # Hot path (every repository access of every callback): one frame when pinned.
        if name[0] == "_":
            raise AttributeError(name)
        pinned = self._pinned.get()
        return getattr(pinned if pinned is not None else self.snapshot(), name)


def _ready(repo: Repository) -> Repository:
    """A new repository with its disclosure control decided, before any request sees it (a
    Germany-sized atlas takes seconds; no request should wait for that)."""
    disclosure(repo)
    return repo


def _forward(name: str) -> property:
    def get(self: LiveRepository) -> Any:
        pinned = self._pinned.get()
        return getattr(pinned if pinned is not None else self.snapshot(), name)

    get.__name__ = name
    return property(get, doc=f"`Repository.{name}` of the current snapshot.")


# Every public attribute and method of Repository as a property: no failed attribute lookup
# (and no ``__getattr__``) on the hot path of the callbacks.
for _name in sorted({f.name for f in dataclasses.fields(Repository)}
                    | {n for n in vars(Repository) if not n.startswith("_")}):
    if not _name.startswith("_") and not hasattr(LiveRepository, _name):
        setattr(LiveRepository, _name, _forward(_name))
