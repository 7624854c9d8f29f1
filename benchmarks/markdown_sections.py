"""The tables of ``docs/PERFORMANCE.md``: one per section, each with the prose it needs.

Split from ``benchmarks/markdown.py``, which puts the sections together with the document's
framing text; here is how each measurement becomes Markdown rows.
"""

from __future__ import annotations

from benchmarks.cold import BUDGETED, KINDS, ColdStart
from benchmarks.results import COLD_BUDGET, COLD_GOAL, Results


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
        "same reason the budget of 3 exists for activate, so it is held to that budget."
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


def cold_section(c: ColdStart, imports: dict[str, dict[str, float]]) -> list[str]:
    rows = [
        [
            KINDS[name].label,
            f"{c.median(name) * 1000:.0f}",
            f"{c.ratio(name):.2f}" + ("" if KINDS[name].floor else " (floor)"),
            f"{min(v) * 1000:.0f} - {max(v) * 1000:.0f}",
            f"{c.median(name, cpu=True) * 1000:.0f}",
            f"{c.ratio(name, cpu=True):.2f}",
        ]
        for name, v in c.seconds.items()
    ]
    verdicts = ", ".join(
        f"{name} {c.ratio(name):.2f} x (CPU {c.ratio(name, cpu=True):.2f} x)" for name in BUDGETED
    )
    sources, package = c.median("rest-sources"), c.median("rest")
    return [
        "## Cold start",
        "",
        "What a cold start costs on Lambda is its INIT duration (the runtime starting, then the "
        "handler module imported) plus the first invocation; the figure below is the part our "
        "package decides: from the first statement of a fresh interpreter to the first answer "
        "(import + first request). It is measured the way Lambda runs the code: `deployment.zip` "
        "of `make package STAGE=dev` unpacked into a read-only directory (`chmod -R a-w`, like "
        "`/var/task`), `PYTHONDONTWRITEBYTECODE=1`, the venv's base interpreter with `-S -P` "
        "(nothing of the venv on `sys.path`), boto3/botocore from outside the package as the "
        "runtime provides them (`benchmarks/lambda_task.py`), first request against DynamoDB "
        "Local. Each floor is the SDK alone: import boto3 and create the clients the function "
        "needs. The kinds alternate, one fresh process each per round, so the machine's noise "
        "hits them alike. Beside the wall clock (what the budget counts) is each process's own "
        "CPU time over the same span: on a loaded machine the wall clock mostly measures the "
        "wait for a core, the CPU time far less (it leaves out the DynamoDB Local round trips, "
        "which run in the emulator's process).",
        "",
        markdown_table(
            ["measure", "median ms", "x its floor", "range ms", "CPU median ms", "CPU x floor"],
            rows,
        ),
        "",
        f"Ratios of medians: {verdicts} (budget ≤ {COLD_BUDGET} x, goal {COLD_GOAL} x). The "
        f"bytecode the package now ships saves {(sources - package) * 1000:.0f} ms of the REST "
        f"handler's cold start ({sources * 1000:.0f} ms from sources only, "
        f"{package * 1000:.0f} ms with the pycs). The least the mandated stack allows (the "
        "`minimal` row: the floor, the lock's two raw calls, Chalice's runtime and one pydantic "
        f"validation, no code of ours) is {c.ratio('minimal'):.2f} x the floor; what our code "
        f"adds to a REST lock is the gap to it: "
        f"{(package - c.median('minimal')) * 1000:.0f} ms.",
        "",
        *_imports_section(imports),
    ]


def _imports_section(imports: dict[str, dict[str, float]]) -> list[str]:
    if not imports:
        return []
    ours = ("app", "chalicelib", "mcp_handlers")
    rows = []
    for name, sums in imports.items():
        top = sorted(((ms, pkg) for pkg, ms in sums.items() if pkg not in ours), reverse=True)
        rows.append(
            [
                KINDS[name].label.split(":", 1)[0],
                f"{sum(sums.values()):.0f}",
                " / ".join(f"{sums.get(pkg, 0):.0f}" for pkg in ours),
                ", ".join(f"{pkg} {ms:.0f}" for ms, pkg in top[:6]),
            ]
        )
    return [
        "What each first request imports, from the package: `python -X importtime` of one "
        "cold child, self time summed by top-level package, median of 3 processes "
        "(`.venv/bin/python benchmarks/importtime.py KIND` prints the slowest modules too).",
        "",
        markdown_table(
            [
                "function",
                "imports, ms",
                "app / chalicelib / mcp_handlers, ms",
                "largest others, ms",
            ],
            rows,
        ),
        "",
    ]


#: Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB.
MB_PER_VCPU = 1769
FUNCTION_MB = 512


def lambda_section() -> list[str]:
    """What the cold-start figures mean on Lambda, and what is left to gain."""
    share = FUNCTION_MB / MB_PER_VCPU
    return [
        "### What this means on Lambda",
        "",
        "A cold start is billed and reported as the `Init Duration` of the `REPORT` log line: "
        "the runtime starting, then the handler module imported (up to 10 s); the first "
        "invocation's `Duration` follows it. Lambda gives a function CPU in proportion to its "
        f"memory, one vCPU at {MB_PER_VCPU:,} MB, so our {FUNCTION_MB} MB functions get about "
        f"{share:.2f} of a vCPU; the import and first request are CPU-bound (reading bytecode, "
        "building classes and validators, parsing botocore's JSON models), so on Lambda they "
        f"take roughly 1 / {share:.2f} = {1 / share:.1f} x what one unloaded core takes here, "
        "the floor included. The ratios to the floor carry over; the absolute figures do not "
        "(this machine's cores are shared and their speed is not Lambda's). Every millisecond "
        f"saved here is about {1 / share:.1f} ms of `Init Duration` there.",
        "",
        "What remains: most of the rest is the mandated stack itself (the SDK's floor, "
        "pydantic's import and first validator, Chalice's runtime). Lambda SnapStart, which "
        "restores a snapshot taken after INIT instead of running it, exists for Python only "
        "from the python3.12 runtime on; this project targets python3.11. A 3.12 interpreter "
        "cannot be installed here from Debian (bookworm's archive has python3.11 only) or PyPI "
        "(which distributes no CPython builds; `portable-python` there builds one from "
        "python.org sources, which this machine cannot reach). This machine's image happens to "
        "carry a pyenv-built 3.12.1, which nothing in the project installs, so a 3.12 figure "
        "would not be reproducible by `make bench` on a fresh machine: how far a 3.12 runtime "
        "would move these figures is not measured. With SnapStart the import part of INIT "
        "would be paid once per published version instead of once per cold start; what stays "
        "is the restore and the first request (its clients' first calls).",
        "",
    ]
