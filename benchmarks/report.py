"""The machine, the deployment package, and the Markdown and chart written to ``docs/``."""

from __future__ import annotations

import os
import platform
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from benchmarks.harness import ROOT
from benchmarks.warm import Latency
from scripts.package_bytecode import missing_bytecode

PACKAGE_SOURCES = (
    "app.py",
    "chalicelib",
    "mcp_handlers",
    "requirements.txt",
    ".chalice/config.json",
    "scripts/package.sh",
    "scripts/package_bytecode.py",
)
MAX_ZIP_BYTES = 8 * 1024 * 1024


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "ram": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": ", ".join(
            f"{name} {version(name)}"
            for name in ("botocore", "boto3", "chalice", "pydantic", "aws-lambda-powertools")
        ),
        "commit": _git("rev-parse", "--short", "HEAD")
        + (
            " (with uncommitted changes)"
            if _git("status", "--porcelain", "--", "app.py", "chalicelib")
            else ""
        ),
        "load": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def _git(*args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=30
    )
    return completed.stdout.strip()


@dataclass(frozen=True)
class Package:
    """The deployment zip: its size and what takes the room."""

    path: Path
    size: int
    largest: list[tuple[str, int]]
    rebuilt: bool
    log: str
    bytecode: int


def _newest_source() -> float:
    newest = 0.0
    for name in PACKAGE_SOURCES:
        path = ROOT / name
        paths = [path] if path.is_file() else list(path.rglob("*")) if path.exists() else []
        newest = max([newest, *(p.stat().st_mtime for p in paths if p.is_file())])
    return newest


def deployment_package() -> Package:
    """``build/package-dev/deployment.zip`` (what ``make package STAGE=dev`` writes), packaged
    again first when any source is newer than it."""
    path = ROOT / "build" / "package-dev" / "deployment.zip"
    rebuilt, log = False, ""
    if not path.is_file() or path.stat().st_mtime < _newest_source():
        completed = subprocess.run(
            ["scripts/package.sh", "dev"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        rebuilt = True
        log = (completed.stdout + completed.stderr)[-1500:]
        if completed.returncode != 0 or not path.is_file():
            raise RuntimeError(f"scripts/package.sh dev failed: {log}")
    by_top: Counter[str] = Counter()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for info in archive.infolist():
            by_top[info.filename.split("/", 1)[0]] += info.compress_size
    sources = [n for n in names if n.endswith(".py")]
    if missing_bytecode(names):
        raise RuntimeError(f"{path} has sources without bytecode: run make package STAGE=dev")
    return Package(path, path.stat().st_size, by_top.most_common(6), rebuilt, log, len(sources))


def chart(latencies: list[Latency], path: Path) -> None:
    """Latency percentiles per operation (bars) and the raw calls' median (marker)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [lat.operation for lat in latencies]
    positions = range(len(names))
    width = 0.26
    figure, axes = plt.subplots(figsize=(11, 5.5))
    for shift, (label, q) in zip(
        (-width, 0, width), (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)), strict=True
    ):
        axes.bar(
            [p + shift for p in positions], [lat.app_p(q) for lat in latencies], width, label=label
        )
    axes.scatter(
        list(positions),
        [lat.floor_p50 for lat in latencies],
        marker="_",
        s=900,
        color="black",
        zorder=3,
        label="raw DynamoDB calls, p50 (floor)",
    )
    axes.set_xticks(list(positions), names, rotation=25, ha="right")
    axes.set_ylabel("milliseconds (REST handler, in process, DynamoDB Local)")
    axes.set_title("Warm latency per operation")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
