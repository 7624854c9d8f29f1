"""What each function kind's first request imports, from the package, by ``python -X importtime``.

Runs cold children of a kind (``benchmarks/cold_child.py``) inside the unpacked package with
``-X importtime``, sums the self time of every module by top-level package (ours: ``app``,
``chalicelib``, ``mcp_handlers``; the dependencies; the SDK; the standard library) and prints
the slowest modules: how the changes in ``benchmarks/FIXES.md`` were found and measured.

    .venv/bin/python -m benchmarks.importtime rest [--top 25] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks.cold import KINDS, Sandbox
from benchmarks.harness import ROOT, Stack

#: One ``-X importtime`` line: self and cumulative microseconds, the module (indented by depth).
ImportLine = tuple[int, int, str]


def trace(sandbox: Sandbox, stack: Stack, kind: str) -> list[ImportLine]:
    """Every import one fresh process of ``kind`` makes."""
    command, env = sandbox.command(KINDS[kind], stack)
    command.insert(1, "-Ximporttime")
    completed = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    lines = []
    for line in completed.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, cumulative, module = line.removeprefix("import time:").split("|", 2)
            lines.append((int(self_us), int(cumulative), module.rstrip()))
    return lines


def by_package(lines: list[ImportLine]) -> dict[str, int]:
    """Self microseconds summed per top-level package."""
    sums: dict[str, int] = defaultdict(int)
    for self_us, _, module in lines:
        sums[module.strip().split(".")[0]] += self_us
    return dict(sums)


def main(argv: list[str] | None = None) -> int:
    """Print the packages and the slowest modules of one kind's first request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("--zip", type=Path, default=ROOT / "build/package-dev/deployment.zip")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    stack = Stack.start()
    sandbox = Sandbox(args.zip, stack)
    try:
        traces = [trace(sandbox, stack, args.kind) for _ in range(args.runs)]
    finally:
        sandbox.close()
        stack.close()
    samples = [by_package(lines) for lines in traces]
    names = {name for sample in samples for name in sample}
    sums = {name: statistics.median(s.get(name, 0) for s in samples) / 1000 for name in names}
    total = sum(sums.values())
    print(f"{args.kind}: self time by package (ms), median of {args.runs}, total {total:.0f}")
    for name, ms in sorted(sums.items(), key=lambda item: -item[1])[: args.top]:
        print(f"  {ms:8.1f}  {name}")
    print("slowest modules by cumulative time (the last run, ms):")
    for self_us, cumulative, module in sorted(traces[-1], key=lambda line: -line[1])[: args.top]:
        print(f"  {cumulative / 1000:8.1f} {self_us / 1000:8.1f}  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
