"""The web app: SPARQL endpoint, dereferenceable IRIs, entity pages, dumps, ontology.

``create_app`` is the only place an app is born; nothing happens at import.
The app reads the published build and never writes it.
"""

from __future__ import annotations

import logging

from flask import Flask

from kg.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app for a build folder given by ``settings`` (defaults: ``KG_*`` variables)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["KG"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.getLogger("server").setLevel(settings.log_level.upper())

    from server import compression, errors, store, templating
    from server.views import dataset, dumps, home, ontology, resources, search, sparql

    store.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    compression.init_app(app)
    for blueprint in (home.bp, resources.bp, sparql.bp, dumps.bp, ontology.bp, search.bp,
                      dataset.bp):
        app.register_blueprint(blueprint)
    return app
