"""The tables of ``docs/PERFORMANCE.md``: one per section, each with the prose it needs.

Split from ``benchmarks/markdown.py``, which puts the sections together with the document's
framing text; here is how each measurement becomes Markdown rows.
"""

from __future__ import annotations

from benchmarks.cold import PARTS, ColdStart
from benchmarks.results import COLD_BUDGET, Results


def markdown_table(header: list[str], rows: list[list[str]] | list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def round_trip_section(r: Results) -> str:
    rows = [
        [
            t.channel,
            t.operation,
            str(t.count),
            " + ".join(t.sent) or "-",
            "-" if t.budget is None else f"<= {t.budget}",
            ("met" if t.within else "**over**")
            + ("" if t.ok else f" (failed: {t.note or 'error answer'})"),
        ]
        for t in r.round_trips
    ]
    text = markdown_table(
        ["channel", "operation", "round trips", "requests", "budget", "verdict"], rows
    )
    text += (
        "\n\nActivating the replacement of a lost or stolen card also takes 3: the old card was "
        "closed when the replacement was ordered, but whether it is still open is only known "
        "after reading it, and the new card names it only once the new card has been read: the "
        "same reason SPEC §10 gives for its budget of 3, so it is held to that budget."
    )
    for channel in r.missing:
        text += f"\n\n`{channel}`: not yet available (its module is missing in this checkout)."
    return text


def latency_section(r: Results) -> str:
    rows = [
        [
            lat.operation,
            f"{lat.app_p(0.5):.2f}",
            f"{lat.app_p(0.9):.2f}",
            f"{lat.app_p(0.99):.2f}",
            f"{lat.floor_p50:.2f}",
            " + ".join(lat.calls),
            f"{lat.ratio:.2f}",
            "-" if lat.budget is None else f"<= {lat.budget}",
        ]
        for lat in r.latencies
    ]
    header = ["operation", "p50 ms", "p90 ms", "p99 ms", "floor p50 ms", "raw calls (floor)"]
    return markdown_table([*header, "p50 / floor", "budget"], rows)


def throughput_section(r: Results) -> str:
    rows = [
        [
            t.label,
            str(t.threads),
            f"{t.per_second:.0f}",
            str(t.ops),
            ", ".join(f"{k} {v}" for k, v in sorted(t.outcomes.items())),
            str(t.cancelled),
        ]
        for t in r.throughput
    ]
    header = ["cards", "threads", "ops/s", "ops", "outcomes", "conflicts (cancelled transactions)"]
    return markdown_table(header, rows)


def cold_section(c: ColdStart) -> list[str]:
    rows = [
        ["import app + first lock (REST handler, DynamoDB Local)", c.app_seconds],
        ["floor: import boto3 + create one DynamoDB client", c.floor_seconds],
        *([PARTS[name], c.parts[name]] for name in PARTS),
    ]
    minimal = c.part_median("minimal") / c.floor_median
    return [
        "## Cold start",
        "",
        "Fresh interpreters, the kinds alternating so that noise hits them alike; the clock "
        "starts at the child's first statement (interpreter start-up is the same for all).",
        "",
        markdown_table(
            ["measure", "median ms", "x floor", "min ms", "max ms"],
            [
                [
                    str(name),
                    f"{_med(v):.0f}",
                    f"{_med(v) / 1000 / c.floor_median:.2f}",
                    f"{min(v) * 1000:.0f}",
                    f"{max(v) * 1000:.0f}",
                ]
                for name, v in rows
                if isinstance(v, list)
            ],
        ),
        "",
        f"Ratio of medians: **{c.ratio:.2f}** (budget ≤ {COLD_BUDGET}). The least the mandated "
        f"stack allows (the `minimal` row: the floor, the lock's two raw calls, Chalice's runtime "
        f"and one pydantic validation, no code of ours) is **{minimal:.2f}** x the floor: "
        f"pydantic's import alone is {c.part_median('pydantic') * 1000:.0f} ms here. "
        + (
            "The budget is met."
            if c.ratio <= COLD_BUDGET
            else "The budget cannot be met while the first request is validated with pydantic "
            "(SPEC §1, STYLE rule 4); what our code adds is the gap between the app and the "
            f"`minimal` row: {(c.app_median - c.part_median('minimal')) * 1000:.0f} ms."
        ),
        "",
    ]


def _med(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return 1000 * (ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2)
