"""What one bench run measured, and the budgets it is judged against.

``Results`` is filled by ``benchmarks/run.py``; ``budget_rows`` is the verdict table that both
the document and the terminal summary start with (``benchmarks/markdown.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.cold import BUDGETED, KINDS, ColdStart
from benchmarks.publisher import PublisherFigures
from benchmarks.report import MAX_ZIP_BYTES, Package
from benchmarks.roundtrips import RoundTrips
from benchmarks.throughput import Throughput
from benchmarks.warm import Latency

#: Cold start from the package, import + first request, over its floor in the same run.
COLD_BUDGET = 1.5
COLD_GOAL = 1.3


@dataclass
class Results:
    """Everything one run measured."""

    machine: dict[str, str]
    args: dict[str, Any]
    cold: ColdStart | None = None
    imports: dict[str, dict[str, float]] = field(default_factory=dict)
    rss_mib: float = 0.0
    round_trips: list[RoundTrips] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    latencies: list[Latency] = field(default_factory=list)
    throughput: list[Throughput] = field(default_factory=list)
    package: Package | None = None
    card_events: PublisherFigures | None = None


def _met(ok: bool) -> str:
    return "met" if ok else "**over**"


def budget_rows(r: Results) -> list[tuple[str, str, str, str, str]]:
    """(figure, measured, floor, budget, verdict) for every budget."""
    rows = []
    by_budget: dict[int, list[RoundTrips]] = {}
    for trip in r.round_trips:
        if trip.budget is not None:
            by_budget.setdefault(trip.budget, []).append(trip)
    for budget, trips in sorted(by_budget.items()):
        worst = max(trips, key=lambda t: t.count)
        rows.append(
            (
                f"DynamoDB round trips, operations budgeted {budget} ({len(trips)} measured)",
                f"max {worst.count} ({worst.channel}: {worst.operation})",
                "-",
                f"<= {budget}",
                _met(all(t.within and t.ok for t in trips)),
            )
        )
    if r.cold is not None:
        c = r.cold
        for name in BUDGETED:
            floor = KINDS[name].floor or name
            rows.append(
                (
                    f"cold start from the package, {KINDS[name].label} (median)",
                    f"{c.median(name) * 1000:.0f} ms = {c.ratio(name):.2f} x floor "
                    f"(CPU time {c.ratio(name, cpu=True):.2f} x)",
                    f"{KINDS[floor].label.split(': ', 1)[1]}: {c.median(floor) * 1000:.0f} ms",
                    f"<= {COLD_BUDGET} x (goal {COLD_GOAL} x)",
                    _met(c.ratio(name) <= COLD_BUDGET),
                )
            )
    for lat in r.latencies:
        if lat.budget is not None:
            rows.append(
                (
                    f"warm {lat.operation}, p50 (REST handler, in process)",
                    f"{lat.app_p(0.5):.2f} ms = {lat.ratio:.2f} x floor",
                    f"raw {' + '.join(lat.calls)}: {lat.floor_p50:.2f} ms",
                    f"<= {lat.budget} x",
                    _met(lat.ratio <= lat.budget),
                )
            )
    if r.package is not None:
        p = r.package
        rows.append(
            (
                "deployment package (zipped)",
                f"{p.size / 1024 / 1024:.2f} MiB",
                "-",
                "<= 8 MiB",
                _met(p.size <= MAX_ZIP_BYTES),
            )
        )
    return rows
