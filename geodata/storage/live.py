"""The live repository: the app's view of the store that follows imports without a restart.

`LiveRepository` has the interface of `Repository` (attribute access is forwarded). It checks
``store.current_version()`` at most once per `POLL_SECONDS`; when the version changed, a new
`Repository` is built completely in a background thread and only then swapped in, so requests
never see half-imported data. Within an HTTP request every access goes to one snapshot, pinned
in ``flask.g`` on first use, so a request never mixes two versions.

A *page* never mixes versions either: every answer names the store version it was built from
(header ``X-Atlas-Version``), the page's script (``assets/versionpin.js``) sends the version
of its first answer with every later request, and the server answers such a request from that
version. Several workers notice a new version at slightly different moments (each polls and
then loads for a second or more); a page whose first request went to a worker that had
switched already is then served the new version by every worker: one that has not loaded it
yet waits for its load. A page opened before an import stays on the version it started with
(the previous version is kept in memory, `KEEP_PREVIOUS`), until it is reloaded. Only the
current and the previously current version are served this way; a request naming any other
version gets the current one.

At start, `LiveRepository` asks the store to clean up after killed imports
(`geodata.storage.store.GpkgStore.cleanup`) and logs what it removed.
"""

from __future__ import annotations

import dataclasses
import logging
import re
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
WAIT_SECONDS = 120.0  # how long a pinned request waits for its version's load
KEEP_PREVIOUS = 1  # versions kept in memory besides the current one, for open pages
VERSION_HEADER = "X-Atlas-Version"
LOG = logging.getLogger(__name__)
_VERSION_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


class LiveRepository:
    """A `Repository` proxy over an `AtlasStore`, swapped atomically after each import."""

    def __init__(self, store: Any, settings: Settings, poll_seconds: float = POLL_SECONDS) -> None:
        self._store = store
        self._settings = settings
        self._poll = poll_seconds
        self._lock = threading.Lock()
        self.cleaned: list[str] = []
        cleanup = getattr(store, "cleanup", None)
        if cleanup is not None:
            try:
                self.cleaned = cleanup()
            except (OSError, AtlasError) as err:  # never keep the app from starting
                LOG.warning("Bildungsatlas: Aufräumen nach abgebrochenen Importen: %s", err)
            for line in self.cleaned:
                LOG.warning("Bildungsatlas: %s", line)
        self._version = store.current_version()
        self._repo = _ready(build_repository(store.read(), settings))
        self._previous: dict[str, Repository] = {}
        self._checked = time.monotonic()
        self._loading: threading.Thread | None = None
        self._retry_at = 0.0
        self._pinned: ContextVar[Repository | None] = ContextVar(f"atlas-{id(self)}",
                                                                  default=None)
        self.last_error = ""

    def attach(self, server: Any, unpinned: tuple[str, ...] = ()) -> None:
        """Pin one snapshot per HTTP request of a Flask ``server`` (fast attribute access):
        the version the request names in `VERSION_HEADER`, else the current one (see module
        docstring). Paths starting with one of ``unpinned`` always get the current version
        (the upload page must see what it just imported)."""

        @server.before_request
        def _pin() -> None:
            from flask import g, request

            asked = request.headers.get(VERSION_HEADER, "")
            pinned = not request.path.startswith(unpinned) if unpinned else True
            version, repo = self.for_version(asked if pinned else "")
            g.bildungsatlas_version = version
            g.bildungsatlas_pin = self._pinned.set(repo)

        @server.after_request
        def _name_version(response: Any) -> Any:
            from flask import g

            version = g.get("bildungsatlas_version")
            if version:
                response.headers[VERSION_HEADER] = version
            return response

        @server.teardown_request
        def _unpin(_exc: BaseException | None) -> None:
            from flask import g

            token = g.pop("bildungsatlas_pin", None)
            if token is not None:
                try:
                    self._pinned.reset(token)
                except ValueError:  # reset in another context: the next request sets anew
                    self._pinned.set(None)

    def for_version(self, version: str) -> tuple[str, Repository]:
        """(store version, repository) to answer a request naming ``version`` ("" = none):
        that version if it is the current or the previous one, or the store's newer current
        one (waiting for its load); else the current one."""
        current = self._current()
        with self._lock:
            cur_version = self._version
            kept = self._previous.get(version)
        if not version or version == cur_version or not _VERSION_TEXT.fullmatch(version):
            return cur_version, current
        if kept is not None:
            return version, kept
        try:
            newest = self._store.current_version()
        except (OSError, AtlasError):
            return cur_version, current
        if version != newest:
            return cur_version, current  # unknown or long replaced: the current one
        self._wait_for(version)
        with self._lock:
            return self._version, self._repo

    def _wait_for(self, version: str) -> None:
        """Make ``version`` (the store's current one) this worker's current version: wait for
        the background load, or load it here."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                if self._version == version:
                    return
                loading = self._loading if self._loading and self._loading.is_alive() else None
            if loading is None:
                self._checked = 0.0
                self._maybe_reload()
                with self._lock:
                    loading = self._loading
                if loading is None:
                    return  # the load failed a moment ago: serve what there is
            loading.join(timeout=max(0.0, deadline - time.monotonic()))

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
        self._swap(version, repo)

    def _swap(self, version: str, repo: Repository) -> None:
        """Make ``repo`` current; the previous one is kept for pages that started on it."""
        with self._lock:
            if version == self._version:
                return
            self._previous.pop(version, None)
            self._previous[self._version] = self._repo
            while len(self._previous) > KEEP_PREVIOUS:
                self._previous.pop(next(iter(self._previous)))
            self._repo, self._version = repo, version
            self.last_error = ""

    def refresh(self) -> Repository:
        """Load the store's current version now (blocking), e.g. right after an import."""
        version = self._store.current_version()
        if version != self._version:
            repo = _ready(build_repository(self._store.read(), self._settings))
            self._swap(version, repo)
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
