"""Cold start: fresh interpreters running the deployment package as Lambda runs it.

Each function kind (the REST handler, an MCP tool Lambda called by AgentCore Gateway, the
Connect Lambda) runs from ``deployment.zip`` unpacked read-only with the SDK outside it
(``benchmarks.lambda_task``), beside its floor (import boto3 and create the clients it needs)
and the same handler in the project venv. The kinds alternate, one fresh process each per
round, so the machine's noise hits them alike; the ratios are of medians of the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import BENCH_CUSTOMER, ROOT, Stack, contact_flow_event, write_event
from benchmarks.lambda_task import LambdaTask

CHILD = ROOT / "benchmarks" / "cold_child.py"
#: Cold start from the package, import + first request, over its floor in the same run.
COLD_BUDGET = 1.5
COLD_GOAL = 1.3


@dataclass(frozen=True)
class Kind:
    """One thing measured in fresh processes: the child's mode, its floor, where it runs."""

    label: str
    mode: str
    floor: str | None = None  # the kind whose median this one is divided by
    venv: bool = False  # the project venv instead of the package


#: Every kind, in the order of the table.
KINDS = {
    "floor": Kind("floor: import boto3 + create one DynamoDB client", "floor"),
    "rest": Kind("REST handler: import app + first lock", "rest", "floor"),
    "mcp": Kind("MCP lock_card Lambda: import app + first lock (Gateway event)", "mcp", "floor"),
    "floor-connect": Kind(
        "Connect floor: import boto3 + its three clients (DynamoDB, Connect, Q in Connect)",
        "floor-connect",
    ),
    "connect": Kind(
        "Connect Lambda: import app + first answer (customer by id, session updated)",
        "connect",
        "floor-connect",
    ),
    "rest-venv": Kind("REST handler from the project venv, for comparison", "rest", "floor", True),
    "minimal": Kind(
        "the least the mandated stack allows: floor + the lock's two raw calls + import "
        "chalice.app + pydantic validating one body",
        "minimal",
        "floor",
    ),
}
#: The kinds the cold-start budget applies to.
BUDGETED = ("rest", "mcp", "connect")


def child_argument(kind: Kind, stack: Stack) -> str | None:
    """The JSON the child of ``kind`` is given: a fresh card's event, or nothing."""
    if kind.mode == "connect":
        return json.dumps(contact_flow_event("CUST001"))
    if kind.mode not in ("rest", "mcp", "minimal"):
        return None
    (card,) = stack.new_cards(1)
    by_mode = {
        "rest": write_event("lock", BENCH_CUSTOMER, card),
        "mcp": {"customer_id": BENCH_CUSTOMER, "card_id": card},
        "minimal": card,
    }
    return json.dumps(by_mode[kind.mode])


class Sandbox:
    """The package unpacked read-only, and how to run a child in it."""

    def __init__(self, zip_path: Path, stack: Stack) -> None:
        self._scratch = tempfile.TemporaryDirectory(prefix="bench-lambda-")
        self.task = LambdaTask.unpack(zip_path, Path(self._scratch.name))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COV_"))}
        self.env.update(stack.env)

    def command(self, kind: Kind, stack: Stack) -> tuple[list[str], dict[str, str]]:
        """The command line and environment of one child of ``kind``."""
        argument = child_argument(kind, stack)
        args = [str(CHILD), kind.mode, *([argument] if argument else [])]
        if kind.venv:
            env = {**self.env, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
            return [sys.executable, *args], env
        return self.task.command(*args), self.task.env(self.env)

    def run(self, kind: Kind, stack: Stack) -> dict[str, float]:
        """One fresh interpreter of ``kind``: what it measured."""
        command, env = self.command(kind, stack)
        completed = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        if completed.returncode != 0:
            raise RuntimeError(f"cold child {kind.label} failed: {completed.stderr[-2000:]}")
        result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
        return result

    def close(self) -> None:
        """Delete the unpacked package."""
        self.task.close()
        self._scratch.cleanup()


@dataclass(frozen=True)
class ColdStart:
    """Seconds per entry over fresh processes: the wall clock (what the budget counts) and the
    process's CPU time (the DynamoDB Local round trips of the first request are not in it)."""

    seconds: dict[str, list[float]]
    cpu_seconds: dict[str, list[float]]

    def median(self, name: str, cpu: bool = False) -> float:
        """Median seconds of one entry."""
        return statistics.median((self.cpu_seconds if cpu else self.seconds)[name])

    def ratio(self, name: str, floor: str, cpu: bool = False) -> float:
        """Median of ``name`` over the median of ``floor``."""
        return self.median(name, cpu) / self.median(floor, cpu)


def cold_start(stack: Stack, entries: dict[str, tuple[Kind, Sandbox]], runs: int) -> ColdStart:
    """``runs`` rounds, each running every entry once in a fresh process; a first round that
    is not counted warms the page cache and proves every entry works."""
    seconds: dict[str, list[float]] = {name: [] for name in entries}
    cpu: dict[str, list[float]] = {name: [] for name in entries}
    for index in range(-1, runs):
        for name, (kind, sandbox) in entries.items():
            result = sandbox.run(kind, stack)
            if index >= 0:
                seconds[name].append(result["seconds"])
                cpu[name].append(result["cpu_seconds"])
    return ColdStart(seconds, cpu)
