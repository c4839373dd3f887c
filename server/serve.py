"""Run the web app under gunicorn: several worker processes, each with its own threads.

Workers share the one published store read-only (each opens it on its first
request) and each notices a new build by itself, so a new build needs no restart.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from kg.config import Settings
from server import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn with its options given in code, loading our app factory in every worker."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # older gunicorns lack some (the control socket)
                self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.settings)


def run(settings: Settings) -> None:
    """Serve until stopped (Ctrl-C or SIGTERM), with ``settings.workers`` worker processes."""
    options = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": "gthread",
        "threads": settings.threads,
        "timeout": int(settings.query_timeout) + 30,
        "graceful_timeout": 10,
        "accesslog": "-" if settings.log_level.upper() == "DEBUG" else None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        # no control socket in the home folder: several sites may run on one machine
        "control_socket_disable": True,
    }
    _Gunicorn(settings, options).run()
