"""Wiring only: one module per feature, each with ``register(app, repo)``."""

from __future__ import annotations

from dash import Dash

from geodata.statistics.published import PublishedAtlas


def register_all(app: Dash, repo: PublishedAtlas) -> None:
    """Register every feature's callbacks and routes."""
    from callbacks import exports, indexbuilder, navigation, reports, routes, search

    routes.register(app, repo)
    exports.register(app, repo)
    reports.register(app, repo)
    navigation.register(app, repo)
    search.register(app, repo)
    indexbuilder.register(app, repo)
