"""Cold start: fresh interpreters running the deployment package as Lambda runs it.

Every kind of function (the REST handler, an MCP tool Lambda called by AgentCore Gateway, the
Connect Lambda) is measured from ``deployment.zip`` unpacked read-only with the SDK outside it
(``benchmarks.lambda_task``), beside its floor (import boto3 + create the clients it needs),
the same package without its bytecode (as it shipped before) and the venv (where pip compiled
the dependencies at install). The kinds alternate, one process each per round, so the
machine's noise hits them alike; the ratios are of medians measured in the same run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.harness import ROOT, Stack
from benchmarks.lambda_task import LambdaTask

CHILD = ROOT / "benchmarks" / "cold_child.py"
CHILD_TIMEOUT_S = 120
SESSION_ARN = (
    "arn:aws:wisdom:us-east-1:123456789012:session/"
    "11111111-1111-1111-1111-111111111111/22222222-2222-2222-2222-222222222222"
)


@dataclass(frozen=True)
class Kind:
    """One thing measured in fresh processes: where it runs, the child's mode, its floor."""

    label: str
    where: str  # "package", "sources" (the package without bytecode) or "venv"
    mode: str
    floor: str | None = None  # the kind whose median this one is divided by
    card: bool = False  # takes a fresh card of the bench customer per run


#: Every kind, in the order of the table. The budgeted ones name their floor.
KINDS = {
    "floor": Kind("floor: import boto3 + create one DynamoDB client", "package", "floor"),
    "rest": Kind("REST handler: import app + first lock", "package", "rest", "floor", True),
    "mcp": Kind(
        "MCP lock_card Lambda: import app + first lock (AgentCore Gateway event)",
        "package",
        "mcp",
        "floor",
        True,
    ),
    "floor-connect": Kind(
        "Connect floor: import boto3 + its three clients (DynamoDB, Connect, Q in Connect)",
        "package",
        "floor-connect",
    ),
    "connect": Kind(
        "Connect Lambda: import app + first answer (customer by id, session updated)",
        "package",
        "connect",
        "floor-connect",
    ),
    "rest-sources": Kind(
        "REST handler from the package without bytecode (as shipped before)",
        "sources",
        "rest",
        "floor",
        True,
    ),
    "rest-venv": Kind(
        "REST handler from the project venv (dependencies compiled by pip at install)",
        "venv",
        "rest",
        "floor",
        True,
    ),
    "floor+calls": Kind(
        "floor + the lock's two calls, raw (TransactGetItems, TransactWriteItems)",
        "package",
        "floor+calls",
        "floor",
        True,
    ),
    "minimal": Kind(
        "the same + import chalice.app + pydantic validating one body (one one-field model): "
        "the least the mandated stack allows",
        "package",
        "minimal",
        "floor",
        True,
    ),
    "pydantic": Kind(
        "import pydantic + define and validate one one-field model",
        "package",
        "pydantic",
        "floor",
    ),
    "chalice": Kind("import chalice.app (the Chalice runtime)", "package", "chalice", "floor"),
}
#: The kinds the cold-start budget applies to.
BUDGETED = ("rest", "mcp", "connect")


@dataclass(frozen=True)
class ColdStart:
    """Seconds per kind over fresh processes: wall clock (what the budget counts) and the
    process's CPU time (which other processes' load disturbs far less; the DynamoDB Local
    round trips of the first request are not in it)."""

    seconds: dict[str, list[float]]
    cpu_seconds: dict[str, list[float]]

    def median(self, kind: str, cpu: bool = False) -> float:
        """Median seconds of one kind."""
        return statistics.median((self.cpu_seconds if cpu else self.seconds)[kind])

    def ratio(self, kind: str, cpu: bool = False) -> float:
        """Median of ``kind`` over the median of its floor (the floor itself: 1)."""
        floor = KINDS[kind].floor or kind
        return self.median(kind, cpu) / self.median(floor, cpu)


class _QConnect(BaseHTTPRequestHandler):
    """Answers every request 200 ``{}``: UpdateSessionData as Q in Connect would, locally."""

    def do_PATCH(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_PATCH

    def log_message(self, *_: object) -> None:
        """Quiet."""


@dataclass
class Sandboxes:
    """The package unpacked twice (with and without bytecode), and a local Q in Connect."""

    package: LambdaTask
    sources: LambdaTask
    qconnect: ThreadingHTTPServer
    scratch: tempfile.TemporaryDirectory[str]

    @classmethod
    def open(cls, zip_path: Path) -> Sandboxes:
        """Unpack ``zip_path`` read-only and start the local Q in Connect on a free port."""
        scratch = tempfile.TemporaryDirectory(prefix="bench-lambda-")
        root = Path(scratch.name)
        qconnect = ThreadingHTTPServer(("127.0.0.1", 0), _QConnect)
        threading.Thread(target=qconnect.serve_forever, daemon=True).start()
        package = LambdaTask.unpack(zip_path, root)
        sources = LambdaTask.unpack(zip_path, root, bytecode=False)
        return cls(package, sources, qconnect, scratch)

    def env(self, stack: Stack) -> dict[str, str]:
        """A deployed function's environment, pointed at the bench's tables and Q in Connect."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "COV_"))}
        env.update(stack.env)
        env["AWS_ENDPOINT_URL_QCONNECT"] = f"http://127.0.0.1:{self.qconnect.server_port}"
        env["BENCH_SESSION"] = SESSION_ARN
        return env

    def command(self, where: str, env: dict[str, str], *args: str) -> tuple[list[str], dict]:
        """The command line and environment of one child running in ``where``."""
        if where == "venv":
            return [sys.executable, str(CHILD), *args], {
                **env,
                "PYTHONPATH": str(ROOT),
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        task = self.package if where == "package" else self.sources
        return task.command(str(CHILD), *args), task.env(env)

    def close(self) -> None:
        """Stop Q in Connect, delete the unpacked packages."""
        self.qconnect.shutdown()
        self.package.close()
        self.sources.close()
        self.scratch.cleanup()


def run_child(sandboxes: Sandboxes, env: dict[str, str], where: str, *args: str) -> dict:
    """Run one fresh interpreter and return what it measured."""
    command, child_env = sandboxes.command(where, env, *args)
    completed = subprocess.run(
        command,
        env=child_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"cold child {where} {args} failed: {completed.stderr[-2000:]}")
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def child_args(kind: Kind, card: str) -> list[str]:
    if kind.mode == "connect":
        return [kind.mode, "CUST001"]
    return [kind.mode, card] if kind.card else [kind.mode]


def cold_start(stack: Stack, sandboxes: Sandboxes, runs: int) -> ColdStart:
    """``runs`` rounds; each runs every kind once, in a fresh process, on its own card."""
    env = sandboxes.env(stack)
    cards = {name: stack.add_cards(f"C{index:02d}", runs + 1) for index, name in enumerate(KINDS)}
    for name, kind in KINDS.items():  # warm the page cache (and prove every kind works)
        run_child(sandboxes, env, kind.where, *child_args(kind, cards[name][-1]))
    seconds: dict[str, list[float]] = {name: [] for name in KINDS}
    cpu: dict[str, list[float]] = {name: [] for name in KINDS}
    for index in range(runs):
        for name, kind in KINDS.items():
            result = run_child(sandboxes, env, kind.where, *child_args(kind, cards[name][index]))
            seconds[name].append(result["seconds"])
            cpu[name].append(result["cpu_seconds"])
    return ColdStart(seconds, cpu)


def warm_process_rss(stack: Stack, sandboxes: Sandboxes, warm_ops: int) -> float:
    """Peak RSS (MiB) of a fresh process from the package after its first lock and
    ``warm_ops`` more writes."""
    card = stack.add_cards("RS", 1)[0]
    result = run_child(sandboxes, sandboxes.env(stack), "package", "rest", card, str(warm_ops))
    return result["rss_kib"] / 1024
