"""What one bench run measured, as the Markdown tables it prints (and puts in the document):
each figure beside its floor of the same run, its budget and the verdict."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from benchmarks.cold import BUDGETED, COLD_BUDGET, COLD_GOAL, KINDS, ColdStart
from benchmarks.harness import ROOT
from benchmarks.publisher import PublishRun
from benchmarks.roundtrips import RoundTrips
from benchmarks.warm import Latency, percentile
from chalicelib.publishing import STREAM_BATCH_SIZE
from scripts.check_template import MAX_ZIP_BYTES

VERSIONS = ("botocore", "boto3", "chalice", "pydantic", "aws-lambda-powertools")


@dataclass(frozen=True)
class Table:
    """One measurement's Markdown table, and what in it missed its budget."""

    text: str
    over: list[str]


def machine(runs: int, samples: int) -> list[str]:
    """What the figures were measured on, and when."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    commit = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain", "--", "app.py", "chalicelib", "mcp_handlers"):
        commit += " (with uncommitted changes)"
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return [
        f"- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}; "
        f"{runs} cold processes of each kind, {samples} warm samples per operation",
        f"- {cpu}, {os.cpu_count()} cores, {ram_gib:.1f} GiB RAM, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}; "
        + ", ".join(f"{name} {version(name)}" for name in VERSIONS),
        f"- load average (1/5/15 min) at the start: {_load()}",
    ]


def _load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def _git(*args: str) -> str:
    command = ["git", *args]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


def table(header: list[str], rows: list[list[str]], over: list[str]) -> Table:
    """A Markdown table (``over``: what in it missed its budget)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return Table("\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]), over)


def verdict(within: bool) -> str:
    return "met" if within else "**over**"


def cold_within(c: ColdStart, name: str) -> bool:
    return c.ratio(name, KINDS[name].floor or name) <= COLD_BUDGET


def cold_table(c: ColdStart) -> Table:
    """Every kind of cold start, over its floor."""
    rows = []
    for name, kind in KINDS.items():
        floor = kind.floor or name
        budget = f"<= {COLD_BUDGET} x (goal {COLD_GOAL} x)" if name in BUDGETED else "-"
        rows.append(
            [
                kind.label,
                f"{c.median(name) * 1000:.0f}",
                f"{c.ratio(name, floor):.2f}" if kind.floor else "(floor)",
                f"{min(c.seconds[name]) * 1000:.0f} - {max(c.seconds[name]) * 1000:.0f}",
                f"{c.median(name, cpu=True) * 1000:.0f}",
                f"{c.ratio(name, floor, cpu=True):.2f}" if kind.floor else "(floor)",
                budget,
                verdict(cold_within(c, name)) if name in BUDGETED else "-",
            ]
        )
    header = ["cold start", "median ms", "x floor", "range ms", "CPU ms", "CPU x floor"]
    over = [f"cold start {name}" for name in BUDGETED if not cold_within(c, name)]
    return table([*header, "budget", "verdict"], rows, over)


def round_trip_table(trips: list[RoundTrips]) -> Table:
    """Round trips per operation and channel."""
    rows = [
        [
            t.channel,
            t.operation,
            str(len(t.sent)),
            " + ".join(t.sent) or "-",
            f"<= {t.budget}",
            verdict(t.within) + ("" if t.ok else " (the operation failed)"),
        ]
        for t in trips
    ]
    over = [f"round trips {t.channel} {t.operation}" for t in trips if not t.within]
    return table(
        ["channel", "operation", "round trips", "requests", "budget", "verdict"], rows, over
    )


def latency_table(latencies: list[Latency]) -> Table:
    """Warm latency per operation, over its raw calls."""
    rows = [
        [
            lat.operation,
            *(f"{lat.app_ms(q):.2f}" for q in (0.5, 0.9, 0.99)),
            f"{lat.floor_ms:.2f}",
            " + ".join(lat.calls),
            f"{lat.ratio:.2f}",
            "-" if lat.budget is None else f"<= {lat.budget} x",
            "-" if lat.budget is None else verdict(lat.within),
        ]
        for lat in latencies
    ]
    header = ["warm, REST handler", "p50 ms", "p90 ms", "p99 ms", "raw calls p50 ms", "raw calls"]
    over = [f"warm {lat.operation}" for lat in latencies if not lat.within]
    return table([*header, "p50 / raw", "budget", "verdict"], rows, over)


def publisher_table(runs: list[PublishRun]) -> Table:
    """The publisher's throughput on one shard."""
    rows = [
        [
            r.label,
            str(r.events),
            str(r.calls),
            f"{r.seconds * 1000 / (r.events / STREAM_BATCH_SIZE):.1f}",
            f"{r.per_second:,.0f}",
        ]
        for r in runs
    ]
    header = ["publisher, in process", "events", "PutEvents calls", "ms per batch", "events/s"]
    return table(header, rows, [])


def write_path_table(write_path: dict[str, list[float]]) -> Table:
    """A lock's raw DynamoDB calls on tables with and without the card-events stream."""
    rows = [
        [label, f"{statistics.median(ms):.2f}", f"{percentile(ms, 0.9):.2f}", str(len(ms))]
        for label, ms in write_path.items()
    ]
    return table(
        ["a lock's DynamoDB calls, raw, on tables", "p50 ms", "p90 ms", "samples"], rows, []
    )


def package_table(zip_path: Path) -> Table:
    """The deployment zip's size, and what takes the room."""
    size = zip_path.stat().st_size
    by_top: Counter[str] = Counter()
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            by_top[info.filename.split("/", 1)[0]] += info.compress_size
    largest = ", ".join(f"{name} {part / 1024:.0f} KiB" for name, part in by_top.most_common(5))
    row = [f"{size / 1024**2:.2f} MiB", largest, f"<= {MAX_ZIP_BYTES / 1024**2:.0f} MiB"]
    over = [] if size <= MAX_ZIP_BYTES else ["deployment zip"]
    return table(
        ["deployment zip", "largest parts", "budget", "verdict"], [[*row, verdict(not over)]], over
    )


def render(machine: list[str], tables: list[Table]) -> str:
    """The run's date and machine, what missed its budget, then every table."""
    over = [name for t in tables for name in t.over]
    summary = "**Over budget: " + "; ".join(over) + ".**" if over else "Every budget is met."
    head = "\n".join([*machine, f"- load average at the end: {_load()}"])
    return "\n\n".join([head, summary, *(t.text for t in tables)])
