"""``make bench``: package the app, measure every performance budget in one run, print the
tables, and put them in ``docs/PERFORMANCE.md`` between its two markers. The rest of that
document is prose written by hand: the bench owns the figures, the document explains them.

Starts its own DynamoDB Local (in memory, a free port on 127.0.0.1) with the seeded tables of
stage ``bench``; every floor is measured in the same run. ``--quick`` (one round, a few samples)
only checks that the bench works: it prints, and leaves the document alone.

    .venv/bin/python -m benchmarks.run [--runs 11] [--samples 200] [--quick]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from benchmarks import cold, publisher, report, roundtrips, warm
from benchmarks.harness import ROOT, Stack
from tests.wire_counter import WireCounter

DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN = "<!-- make bench writes the figures below; edit the prose, not them -->"
END = "<!-- end of what make bench writes -->"
ZIP = ROOT / "build" / "package-dev" / "deployment.zip"


def say(message: str) -> None:
    """Progress and results on the real stdout (the app's JSON logs go to /dev/null)."""
    sys.__stdout__.write(message + "\n")
    sys.__stdout__.flush()


def package() -> Path:
    """``make package STAGE=dev``'s zip, packaged now: the bench measures the code as it is."""
    say("packaging: scripts/package.sh dev ...")
    done = subprocess.run(
        ["scripts/package.sh", "dev"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"scripts/package.sh dev failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return ZIP


def measure(args: argparse.Namespace, stack: Stack, zip_path: Path) -> str:
    """Every measurement, the fresh processes first (nothing of the app loaded here yet)."""
    from chalicelib.runtime import dynamodb_client

    header = report.machine(args.runs, args.samples)
    sandbox = cold.Sandbox(zip_path, stack)
    try:
        say("cold start: fresh processes from the package, every kind in turn ...")
        entries = {name: (kind, sandbox) for name, kind in cold.KINDS.items()}
        tables = [report.cold_table(cold.cold_start(stack, entries, args.runs))]
    finally:
        sandbox.close()
    say("round trips per operation and channel ...")
    wire = WireCounter()
    wire.attach(dynamodb_client())
    tables.append(report.round_trip_table(roundtrips.round_trips(stack, wire)))
    say("warm latency against the raw calls ...")
    tables.append(report.latency_table(warm.warm_latencies(stack, args.samples)))
    say("card events: the publisher, the write path with and without the stream ...")
    tables.append(report.publisher_table(publisher.throughput()))
    tables.append(report.write_path_table(warm.write_path(stack, args.samples)))
    tables.append(report.package_table(zip_path))
    return report.render(header, tables)


def write_figures(doc: Path, figures: str) -> None:
    """Replace what stands between the document's two markers with ``figures``."""
    text = doc.read_text()
    head, _, rest = text.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if text.count(BEGIN) != 1 or text.count(END) != 1 or not end:
        raise SystemExit(f"{doc} needs the line {BEGIN!r}, then the line {END!r}, once each")
    doc.write_text(f"{head}{BEGIN}\n\n{figures}\n\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    """Run the bench; exit 0 even when a budget is missed (the tables say which)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="fresh processes of each kind")
    parser.add_argument("--samples", type=int, default=200, help="warm samples per operation")
    parser.add_argument("--quick", action="store_true", help="1 run, 10 samples, no document")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.samples = 1, 10
    zip_path = package()
    say("starting DynamoDB Local ...")
    stack = Stack.start()
    real_stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the app's log and EMF lines
    try:
        figures = measure(args, stack, zip_path)
    finally:
        sys.stdout.close()
        sys.stdout = real_stdout
        stack.close()
    say(figures)
    if not args.quick:
        write_figures(DOC, figures)
        say(f"wrote the figures into {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
