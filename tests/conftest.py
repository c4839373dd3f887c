"""Shared fixtures: one seed build per session, an app and client over it, and a live server.

The seed build is made from the repository's own ``data/`` (the seed release and
its curated facts), so tests assert on the facts the product really publishes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kg.build import build
from kg.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
SEED_ID = "000_634751f1f0fbc018"
BASE = "http://127.0.0.1:5000/"


def copy_data(target: Path, releases: list[Path] | None = None) -> Path:
    """A private copy of data/ (or of the given release files plus data/facts and links) to build from."""
    (target / "releases").mkdir(parents=True)
    shutil.copytree(DATA / "facts", target / "facts")
    if (DATA / "links").is_dir():
        shutil.copytree(DATA / "links", target / "links")
    for path in releases if releases is not None else sorted((DATA / "releases").glob("*.txt")):
        shutil.copy(path, target / "releases" / path.name)
    return target


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a published build of the repository's data/ (built once per session)."""
    root = tmp_path_factory.mktemp("seed")
    settings = Settings(base_uri=BASE, data_dir=copy_data(root / "data"), build_dir=root / "build")
    build(settings)
    return settings


@pytest.fixture()
def fresh_settings(tmp_path: Path) -> Settings:
    """Settings over a private copy of data/ with no build yet (for tests that break things)."""
    return Settings(base_uri=BASE, data_dir=copy_data(tmp_path / "data"), build_dir=tmp_path / "build")


STORES = ["embedded", pytest.param("virtuoso", marks=pytest.mark.virtuoso)]


@pytest.fixture(scope="session", params=STORES)
def app(request: pytest.FixtureRequest, seed_settings: Settings) -> Flask:
    """The site over the seed build: on the embedded store, then on Virtuoso (loaded with
    `kg publish`), so every web test runs against both stores."""
    settings = seed_settings
    if request.param == "virtuoso":
        from kg.publish import publish
        from kg.remote import Endpoint, RemoteStore

        server = request.getfixturevalue("virtuoso")
        settings = seed_settings.replace(store="sparql", sparql_query_url=server.query_url,
                                         sparql_update_url=server.update_url,
                                         sparql_user=server.user, sparql_password=server.password)
        endpoint = Endpoint(server.query_url, server.update_url, server.user, server.password)
        publish(settings.build_dir, RemoteStore(endpoint))
    flask_app = __import__("server").create_app(settings)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kg_command() -> list[str]:
    """The installed ``kg`` next to this Python (the venv's), else ``python -m kg.cli``."""
    script = Path(sys.executable).parent / "kg"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kg.cli"]


def wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"kg serve did not listen on port {port} within {timeout} s")


def _virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.virtuoso import BINARY, running_virtuoso

    if BINARY is None:
        pytest.skip("virtuoso-opensource is not installed (apt-get install virtuoso-opensource)")
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso"), free_port(), free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Virtuoso on 127.0.0.1 holding the seed build, for the site's tests on the
    remote store (skipped where the package is absent; .ci/run installs it)."""
    yield from _virtuoso(tmp_path_factory)


@pytest.fixture(scope="module")
def scratch_virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Virtuoso of its own for tests that publish and withdraw graphs."""
    yield from _virtuoso(tmp_path_factory)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kg build` then `kg serve` as real processes on a free 127.0.0.1 port; yields the base URL."""
    root = tmp_path_factory.mktemp("live")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "KG_DATA_DIR": str(copy_data(root / "data")),
           "KG_BUILD_DIR": str(root / "build"), "KG_BASE_URI": base}
    subprocess.run([*kg_command(), "build"], env=env, check=True, capture_output=True)
    log = (root / "serve.log").open("wb")
    process = subprocess.Popen([*kg_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(port, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
