"""Before / after of one change: two deployment zips, one function kind, alternating processes.

How the figures of ``benchmarks/FIXES.md`` are measured: package the code before the change
(``PACKAGE_OUT=/tmp/before scripts/package.sh dev``) and after it, then

    .venv/bin/python -m benchmarks.compare connect /tmp/before/deployment.zip \\
        build/package-dev/deployment.zip --runs 15

Each round runs the kind's floor, then the kind from each zip, each in a fresh process from
its read-only unpacked package (``benchmarks.cold``), so both sides share the machine's noise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.cold import KINDS, Sandbox, cold_start
from benchmarks.harness import Stack


def main(argv: list[str] | None = None) -> int:
    """Print the medians of the floor and of both zips."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    kind = KINDS[args.kind]
    floor = KINDS[kind.floor or args.kind]
    stack = Stack.start()
    before, after = Sandbox(args.before, stack), Sandbox(args.after, stack)
    try:
        entries = {"floor": (floor, before), "before": (kind, before), "after": (kind, after)}
        c = cold_start(stack, entries, args.runs)
    finally:
        before.close()
        after.close()
        stack.close()
    print(f"{kind.label}, {args.runs} alternating rounds, medians (wall ms, x floor; CPU ms, x):")
    print(f"  floor: {floor.label}")
    for name in entries:
        wall, cpu = c.median(name) * 1000, c.median(name, cpu=True) * 1000
        ratio, cpu_ratio = c.ratio(name, "floor"), c.ratio(name, "floor", cpu=True)
        print(f"  {name:<7} {wall:6.0f} {ratio:5.2f} x   CPU {cpu:6.0f} {cpu_ratio:5.2f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
