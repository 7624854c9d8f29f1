"""Running one DynamoDB Local process on 127.0.0.1: start, wait until it answers, stop.

Split from ``dynamodb_local.py`` (the CLI and the import path everyone uses): the process, its
port checks and its pid file, apart from fetching the package and compiling the launcher
(``dynamodb_local_setup.py``). Standard library only, like the CLI.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import http.client
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from scripts.dynamodb_local_setup import (
    LAUNCHER_CLASS,
    DynamoDBLocalError,
    cache_dir,
    classpath,
    fetch,
    launcher_classes,
    require_java,
)

HOST = "127.0.0.1"
START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def answers_dynamodb(port: int, timeout: float = 2.0) -> bool:
    """Whether 127.0.0.1:port answers a DynamoDB ``ListTables`` call.

    DynamoDB Local parses but never verifies the signature, so a fixed header is enough.
    """
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0",
        "X-Amz-Date": "20240101T000000Z",
    }
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("POST", "/", body=b'{"Limit": 1}', headers=headers)
        response = connection.getresponse()
        return response.status == 200 and b"TableNames" in response.read()
    except OSError:
        return False
    finally:
        connection.close()


def _die_with_parent() -> None:
    """Child side of ``Popen``: get SIGTERM if the parent dies, even by SIGKILL (Linux)."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class DynamoDBLocal:
    """One DynamoDB Local process on 127.0.0.1; a context manager for tests.

    ``detach=True`` (the CLI) starts it in its own session so it outlives the caller and is
    stopped through its pid file; ``detach=False`` (pytest) ties it to the calling process.
    """

    def __init__(
        self,
        port: int | None = None,
        db_path: Path | None = None,
        cache: Path | None = None,
        detach: bool = False,
    ) -> None:
        self.port = port or free_port()
        self.db_path = db_path
        self.cache = cache or cache_dir()
        self.detach = detach
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0

    @property
    def endpoint(self) -> str:
        """The endpoint URL clients should use."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid_file(self) -> Path:
        """Where a detached instance records its process id."""
        return pid_file(self.cache, self.port)

    @property
    def log_file(self) -> Path:
        """DynamoDB Local's own output, kept for when it fails to start."""
        return self.cache / "run" / f"dynamodb-local-{self.port}.log"

    def command(self, java: str, emulator: Path, classes: Path) -> list[str]:
        """The JVM command line: in memory, or file-backed under ``db_path``."""
        storage = ["-inMemory"] if self.db_path is None else ["-dbPath", str(self.db_path)]
        return [
            java,
            "-XX:+UseSerialGC",
            f"-Djava.library.path={emulator / 'DynamoDBLocal_lib'}",
            "-cp",
            classpath(emulator, classes),
            LAUNCHER_CLASS,
            *storage,
            # No -sharedDb: like Amazon's own image, one database per access key and region,
            # so everything here must sign as chalicelib.clients.endpoint_credentials says.
            "-disableTelemetry",
            "-port",
            str(self.port),
        ]

    def start(self) -> DynamoDBLocal:
        """Start the JVM and return once it answers ``ListTables``."""
        java = require_java()
        emulator = fetch(self.cache)
        classes = launcher_classes(java, emulator, self.cache)
        if port_in_use(self.port):
            raise DynamoDBLocalError(f"port {self.port} on {HOST} is already in use")
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(java, emulator, classes),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cache,
                start_new_session=self.detach,
                preexec_fn=None if self.detach else _die_with_parent,  # noqa: PLW1509
            )
        if self.detach:
            self.pid_file.write_text(f"{self.process.pid}\n")
        else:
            atexit.register(self.stop)
        self._wait_until_ready()
        self.startup_seconds = time.monotonic() - began
        return self

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DynamoDBLocalError(self._failure("exited during startup"))
            if answers_dynamodb(self.port, timeout=1.0):
                return
            time.sleep(0.1)
        self.stop()
        raise DynamoDBLocalError(self._failure(f"did not answer within {START_TIMEOUT_S:.0f}s"))

    def _failure(self, what: str) -> str:
        tail = self.log_file.read_text(errors="replace").strip().splitlines()[-5:]
        return f"DynamoDB Local {what} (log {self.log_file}): " + " | ".join(tail)

    def stop(self) -> None:
        """Stop the JVM (idempotent); SIGKILL if it ignores SIGTERM for 10 s."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.detach:
            self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> DynamoDBLocal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def pid_file(cache: Path, port: int) -> Path:
    """The pid file of the detached instance on a port."""
    return cache / "run" / f"dynamodb-local-{port}.pid"


def running_pid(cache: Path, port: int) -> int | None:
    """The pid of our detached instance on a port, if it is still alive and still ours."""
    path = pid_file(cache, port)
    try:
        pid = int(path.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if LAUNCHER_CLASS.encode() in cmdline else None
