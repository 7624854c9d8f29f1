"""Fetch, start and stop Amazon's DynamoDB Local for development and tests.

The jar ships inside the npm package ``amplify-dynamodb-simulator`` (pinned in
``dynamodb_local_setup.py``), so the only things a machine needs are Java 17+ and npm. DynamoDB
Local itself has no flag to choose the interface it listens on and binds every interface; we
start it through a twelve-line launcher (compiled once into the cache) that sets Jetty's host to
127.0.0.1 before the server starts, so nothing outside this machine can reach it
(``dynamodb_local_process.py``). This module is the CLI and the one import path for the rest.

Standard library only: ``make dev`` and ``make test`` run it before anything else is set up.

    python -m scripts.dynamodb_local fetch
    python -m scripts.dynamodb_local start --port 8000 --db-path .cache/dynamodb-local/data
    python -m scripts.dynamodb_local status --port 8000
    python -m scripts.dynamodb_local stop --port 8000
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from scripts.dynamodb_local_process import (
    HOST,
    DynamoDBLocal,
    answers_dynamodb,
    pid_file,
    port_in_use,
    running_pid,
)
from scripts.dynamodb_local_setup import PACKAGE, VERSION, DynamoDBLocalError, cache_dir, fetch

DEFAULT_PORT = 8000


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
