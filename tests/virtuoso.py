"""A real Virtuoso for the tests: Debian's virtuoso-opensource, started with its own
configuration in a temporary folder, listening only on 127.0.0.1, stopped afterwards."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BINARY = shutil.which("virtuoso-t")
VAD = Path("/usr/share/virtuoso-opensource-7/vad")
VSP = Path("/var/lib/virtuoso-opensource-7/vsp")

INI = """\
[Database]
DatabaseFile = {root}/virtuoso.db
ErrorLogFile = {root}/virtuoso.log
LockFile = {root}/virtuoso.lck
TransactionFile = {root}/virtuoso.trx
xa_persistent_file = {root}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {root}/virtuoso-temp.db
TransactionFile = {root}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {root}, {vad}
VADInstallDir = {vad}/
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
MaxQueryMem = 1G
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
MaxClientConnections = 20
ServerThreads = 20
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@dataclass(frozen=True)
class Virtuoso:
    """Where the test Virtuoso answers; the database's default user is dba/dba."""

    http_port: int
    user: str = "dba"
    password: str = "dba"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def running_virtuoso(root: Path, sql_port: int, http_port: int) -> Iterator[Virtuoso]:
    """Start Virtuoso in ``root``; yield it once its SPARQL endpoint answers; stop it."""
    assert BINARY is not None
    root.mkdir(parents=True, exist_ok=True)
    ini = root / "virtuoso.ini"
    ini.write_text(INI.format(root=root, sql_port=sql_port, http_port=http_port, vad=VAD, vsp=VSP))
    log = (root / "stdout.log").open("wb")
    process = subprocess.Popen([BINARY, "+foreground", "+configfile", str(ini)], cwd=root,
                               stdout=log, stderr=subprocess.STDOUT)
    server = Virtuoso(http_port)
    try:
        deadline = time.monotonic() + 60
        while not _ready(server.query_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Virtuoso did not start; see {root / 'virtuoso.log'}")
            time.sleep(0.25)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
