"""Cold start: fresh interpreters doing "import app + first lock" against "import boto3 +
create one DynamoDB client", interleaved so that the machine's noise hits both alike."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

from benchmarks.harness import ROOT, Stack

CHILD = ROOT / "benchmarks" / "cold_child.py"
CHILD_TIMEOUT_S = 120


@dataclass(frozen=True)
class ColdStart:
    """Medians over fresh processes and their ratio (budget: at most 1.3)."""

    app_seconds: list[float]
    floor_seconds: list[float]
    parts: dict[str, list[float]]

    @property
    def app_median(self) -> float:
        """Median of import app + first lock."""
        return statistics.median(self.app_seconds)

    @property
    def floor_median(self) -> float:
        """Median of import boto3 + one DynamoDB client."""
        return statistics.median(self.floor_seconds)

    def part_median(self, name: str) -> float:
        """Median of one part measured alone."""
        return statistics.median(self.parts[name])

    @property
    def ratio(self) -> float:
        """App over floor."""
        return self.app_median / self.floor_median


def run_child(env: dict[str, str], *args: str) -> dict[str, float]:
    """Run one fresh interpreter and return what it measured."""
    completed = subprocess.run(
        [sys.executable, str(CHILD), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"cold child {args} failed: {completed.stderr[-2000:]}")
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def child_env(stack: Stack) -> dict[str, str]:
    """The environment of a deployed function, pointed at the bench's tables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COV_"))}
    env.update(stack.env)
    env["PYTHONPATH"] = str(ROOT)
    return env


def cold_start(stack: Stack, runs: int) -> ColdStart:
    """``runs`` fresh processes of each kind, alternating, each app run on its own card."""
    env = child_env(stack)
    cards = stack.add_cards("CS", runs + 1)
    run_child(env, "app", cards[-1], "0")  # warm the page cache and the .pyc files
    run_child(env, "floor")
    app_seconds, floor_seconds = [], []
    parts: dict[str, list[float]] = {name: [] for name in PARTS}
    for index in range(runs):
        floor_seconds.append(run_child(env, "floor")["seconds"])
        app_seconds.append(run_child(env, "app", cards[index], "0")["seconds"])
        for name in ("floor+calls", "minimal"):
            parts[name].append(run_child(env, name, cards[index])["seconds"])
        for name in ("pydantic", "chalice"):
            parts[name].append(run_child(env, name)["seconds"])
    return ColdStart(app_seconds, floor_seconds, parts)


#: What the app's cold start is made of, each measured alone in fresh processes.
PARTS = {
    "floor+calls": "import boto3 + one client + the lock's two calls, raw (TransactGetItems, "
    "TransactWriteItems)",
    "minimal": "the same, plus import chalice.app and pydantic validating one body (one "
    "one-field model): the least the mandated stack (SPEC §1) allows",
    "pydantic": "import pydantic + define and validate one one-field model",
    "chalice": "import chalice.app (the Chalice runtime)",
}


def warm_process_rss(stack: Stack, warm_ops: int) -> float:
    """Peak RSS (MiB) of a fresh process after its first lock and ``warm_ops`` more writes."""
    card = stack.add_cards("RS", 1)[0]
    return run_child(child_env(stack), "app", card, str(warm_ops))["rss_kib"] / 1024
