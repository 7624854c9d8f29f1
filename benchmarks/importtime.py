"""What each function kind's first request imports, from the package, by ``python -X importtime``.

Runs one cold child (``benchmarks/cold_child.py``) of a kind inside the unpacked package with
``-X importtime`` and sums the self time of every module by top-level package (our
``chalicelib``, ``mcp_handlers``, ``app``; the dependencies; the SDK; the standard library).
``make bench`` puts the sums in ``docs/PERFORMANCE.md``; run alone it prints the slowest
modules too, which is how the changes in ``benchmarks/FIXES.md`` were found and measured:

    .venv/bin/python benchmarks/importtime.py rest [--top 25] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cold import KINDS, Sandboxes, child_args
from benchmarks.harness import ROOT, Stack


@dataclass(frozen=True)
class ImportLine:
    """One line of ``-X importtime``: self and cumulative microseconds, the module."""

    self_us: int
    cumulative_us: int
    module: str

    @property
    def top(self) -> str:
        """The top-level package."""
        return self.module.strip().split(".")[0]


def parse(stderr: str) -> list[ImportLine]:
    """The ``import time:`` lines of a child's stderr."""
    lines = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, module = line.removeprefix("import time:").split("|", 2)
        lines.append(ImportLine(int(self_us), int(cumulative), module.rstrip()))
    return lines


def trace(sandboxes: Sandboxes, stack: Stack, kind: str, card: str) -> list[ImportLine]:
    """Every import one fresh process of ``kind`` makes, from the package."""
    spec = KINDS[kind]
    command, env = sandboxes.command("package", sandboxes.env(stack), *child_args(spec, card))
    command.insert(1, "-Ximporttime")
    completed = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return parse(completed.stderr)


def by_package(lines: list[ImportLine]) -> dict[str, int]:
    """Self microseconds summed per top-level package."""
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[line.top] += line.self_us
    return dict(sums)


def median_by_package(sandboxes: Sandboxes, stack: Stack, kind: str, runs: int) -> dict[str, float]:
    """Median over ``runs`` fresh processes of each package's summed self time (ms)."""
    cards = stack.add_cards(f"I{kind[:2].upper()}", runs)
    samples = [by_package(trace(sandboxes, stack, kind, cards[i])) for i in range(runs)]
    names = {name for sample in samples for name in sample}
    return {
        name: statistics.median(sample.get(name, 0) for sample in samples) / 1000 for name in names
    }


def main(argv: list[str] | None = None) -> int:
    """Print the packages and the slowest modules of one kind's first request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("--zip", type=Path, default=ROOT / "build/package-dev/deployment.zip")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    stack = Stack.start()
    sandboxes = Sandboxes.open(args.zip)
    try:
        sums = median_by_package(sandboxes, stack, args.kind, args.runs)
        lines = trace(sandboxes, stack, args.kind, stack.add_cards("IT", 1)[0])
    finally:
        sandboxes.close()
        stack.close()
    total = sum(sums.values())
    print(f"{args.kind}: self time by package (ms), median of {args.runs}, total {total:.0f}")
    for name, ms in sorted(sums.items(), key=lambda item: -item[1])[: args.top]:
        print(f"  {ms:8.1f}  {name}")
    print("slowest modules by cumulative time (one run, ms):")
    for line in sorted(lines, key=lambda item: -item.cumulative_us)[: args.top]:
        print(f"  {line.cumulative_us / 1000:8.1f} {line.self_us / 1000:8.1f}  {line.module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
