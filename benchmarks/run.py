"""``make bench``: measure the performance budgets in one run and write ``docs/PERFORMANCE.md``.

Starts its own DynamoDB Local (in memory, a free port on 127.0.0.1), creates and seeds the
tables of stage ``bench``, measures, prints a summary and writes the document and its chart.
Every floor a figure is compared with is measured in the same run, on the same machine.

    .venv/bin/python benchmarks/run.py [--runs 11] [--samples 200] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import cold, importtime, markdown, publisher, report, roundtrips, throughput, warm
from benchmarks.harness import ROOT, Stack, WireCounter

DOC = ROOT / "docs" / "PERFORMANCE.md"
CHART_NAME = "performance-latency.png"


def say(message: str) -> None:
    """Progress and results on the real stdout (the app's JSON logs go to /dev/null)."""
    sys.__stdout__.write(message + "\n")
    sys.__stdout__.flush()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line: sample sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=11, help="fresh processes per cold start kind (>= 9)"
    )
    parser.add_argument("--samples", type=int, default=200, help="warm samples per operation")
    parser.add_argument("--seconds", type=float, default=3.0, help="per throughput run")
    parser.add_argument("--doc", type=Path, default=DOC, help="where to write the Markdown")
    return parser.parse_args(argv)


def measure(args: argparse.Namespace, stack: Stack) -> markdown.Results:
    """Every measurement, in an order where each leaves the next a quiet machine."""
    from chalicelib.runtime import dynamodb_client

    results = markdown.Results(machine=report.machine(), args=vars(args))
    say("deployment package (scripts/package.sh dev unless fresh) ...")
    results.package = report.deployment_package()
    sandboxes = cold.Sandboxes.open(results.package.path)
    try:
        say("cold start: fresh processes from the package, every kind in turn ...")
        results.cold = cold.cold_start(stack, sandboxes, args.runs)
        results.rss_mib = cold.warm_process_rss(stack, sandboxes, 200)
        say("what each first request imports (-X importtime) ...")
        results.imports = {
            kind: importtime.median_by_package(sandboxes, stack, kind, 3) for kind in cold.BUDGETED
        }
    finally:
        sandboxes.close()
    wire = WireCounter()
    wire.attach(dynamodb_client())
    say("round trips per operation and channel ...")
    results.round_trips = roundtrips.rest_round_trips(stack, wire)
    for channel, module, measure_channel in [
        ("mcp", "mcp_handlers.lambda_adapter", lambda: roundtrips.mcp_round_trips(stack, wire)),
        ("connect", "chalicelib.connect.handler", lambda: roundtrips.connect_round_trips(wire)),
    ]:
        if roundtrips.channel_available(module):
            results.round_trips += measure_channel()
        else:
            results.missing.append(channel)
            say(f"{channel}: not yet available ({module} is missing)")
    say("warm latency against the raw calls ...")
    results.latencies = warm.warm_latencies(stack, args.samples)
    say("throughput ...")
    results.throughput = throughput.throughput(stack, wire, args.seconds)
    say("card events publisher ...")
    results.card_events = publisher.measure(stack, args.samples)
    results.machine["load_end"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the bench; exit 0 even when a budget is missed (the document says which)."""
    args = parse_args(argv)
    say("starting DynamoDB Local ...")
    stack = Stack.start()
    real_stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the app's log and EMF lines
    try:
        results = measure(args, stack)
    finally:
        sys.stdout.close()
        sys.stdout = real_stdout
        stack.close()
    chart = args.doc.parent / CHART_NAME
    report.chart(results.latencies, chart)
    args.doc.write_text(markdown.document(results, Path(CHART_NAME)))
    say(markdown.summary(results))
    if results.card_events is not None:
        say("\n".join(publisher.summary(results.card_events)))
    say(f"wrote {args.doc} and {chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
