"""`kg serve --workers N`: several gunicorn workers share the build and pick up a new one live."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from kg.build import build
from kg.config import Settings
from tests.conftest import BASE, copy_data, free_port, kg_command, wait_for

TEST_RELEASE = Path(__file__).resolve().parent / "data" / "releases" / "100_acme_plant.txt"
COUNT = "SELECT (COUNT(?r) AS ?n) WHERE { ?r a pf:PressRelease }"


def releases(base: str) -> int:
    url = base + "sparql?" + urllib.parse.urlencode({"query": COUNT})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return int(json.load(response)["results"]["bindings"][0]["n"]["value"])


def test_workers_pick_up_a_new_build_without_restart_and_never_fail(tmp_path: Path) -> None:
    settings = Settings(base_uri=BASE, data_dir=copy_data(tmp_path / "data"),
                        build_dir=tmp_path / "build")
    build(settings)
    port = free_port()
    env = {**os.environ, "KG_BUILD_DIR": str(settings.build_dir), "KG_WORKERS": "2"}
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([*kg_command(), "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    failures: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                with urllib.request.urlopen(base + "page/person/wang-ping", timeout=20) as r:
                    if r.status != 200:
                        failures.append(str(r.status))
            except Exception as err:  # noqa: BLE001 - any failure is what we look for
                failures.append(repr(err))

    try:
        wait_for(port, process)
        assert releases(base) == 1
        clients = [threading.Thread(target=hammer) for _ in range(3)]
        for client in clients:
            client.start()
        shutil.copy(TEST_RELEASE, settings.data_dir / "releases" / TEST_RELEASE.name)
        build(settings)
        seen = {releases(base) for _ in range(8)}  # both workers, whichever answers
        stop.set()
        for client in clients:
            client.join()
        assert seen == {2}
        assert failures == []
    finally:
        stop.set()
        process.terminate()
        process.wait(timeout=15)
        log.close()
