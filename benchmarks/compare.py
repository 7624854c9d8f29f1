"""Before / after of one change: two deployment zips, one function kind, alternating processes.

How the figures of ``benchmarks/FIXES.md`` were measured: package the code before the change
(``PACKAGE_OUT=/tmp/before scripts/package.sh dev``) and after it, then

    .venv/bin/python benchmarks/compare.py connect /tmp/before/deployment.zip \\
        build/package-dev/deployment.zip --runs 15

Each round runs the kind's floor, then the kind from each zip, each in a fresh process from
its read-only unpacked package (``benchmarks.cold``), so both sides share the machine's noise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cold import KINDS, Sandboxes, child_args, run_child
from benchmarks.harness import Stack


def main(argv: list[str] | None = None) -> int:
    """Print the medians of both zips and of the floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    kind = KINDS[args.kind]
    stack = Stack.start()
    sides = {"before": Sandboxes.open(args.before), "after": Sandboxes.open(args.after)}
    floor_kind = KINDS[kind.floor or args.kind]
    seconds: dict[str, list[float]] = {"floor": [], "before": [], "after": []}
    cpu: dict[str, list[float]] = {"floor": [], "before": [], "after": []}
    try:
        cards = stack.add_cards("CMP", 2 * args.runs + 2)
        for index in range(-1, args.runs):  # round -1 warms the page cache
            env = sides["before"].env(stack)
            floor = run_child(sides["before"], env, "package", *child_args(floor_kind, ""))
            if index >= 0:
                seconds["floor"].append(floor["seconds"])
                cpu["floor"].append(floor["cpu_seconds"])
            for offset, (name, sandboxes) in enumerate(sides.items()):
                card = cards[2 * (index + 1) + offset]
                result = run_child(
                    sandboxes, sandboxes.env(stack), kind.where, *child_args(kind, card)
                )
                if index >= 0:
                    seconds[name].append(result["seconds"])
                    cpu[name].append(result["cpu_seconds"])
    finally:
        for sandboxes in sides.values():
            sandboxes.close()
        stack.close()
    print(f"{kind.label}, {args.runs} alternating rounds, medians (wall ms, x floor; CPU ms, x):")
    print(f"  floor: {floor_kind.label}")
    for name in ("floor", "before", "after"):
        wall, own = (statistics.median(d[name]) * 1000 for d in (seconds, cpu))
        wall_floor, cpu_floor = (statistics.median(d["floor"]) * 1000 for d in (seconds, cpu))
        print(
            f"  {name:<7} {wall:6.0f} {wall / wall_floor:5.2f} x   CPU {own:6.0f} "
            f"{own / cpu_floor:5.2f} x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
