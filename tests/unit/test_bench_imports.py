"""``make bench`` is not part of ``make test``, so what can be checked of it without running it
is checked here: its modules import (a circular import between them broke the benchmark once
without any test noticing), a cold child answers in the shape the bench reads, and the
figures it writes land between the document's markers and nowhere else."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.cold import CHILD
from benchmarks.harness import ROOT


def test_the_benchmark_entry_point_imports() -> None:
    assert callable(run.main)


def test_the_before_after_tools_import() -> None:
    for name in ("benchmarks.compare", "benchmarks.importtime"):
        assert callable(importlib.import_module(name).main)


def test_a_cold_child_reports_its_wall_and_cpu_seconds() -> None:
    # The floor creates a client and sends nothing: no DynamoDB is needed.
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
    }
    completed = subprocess.run(
        [sys.executable, str(CHILD), "floor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert 0 < result["cpu_seconds"] <= result["seconds"] + 0.05
    assert set(result) == {"seconds", "cpu_seconds"}


def test_the_figures_replace_only_what_stands_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text(f"# Prose\n\n{run.BEGIN}\n\nold figures\n\n{run.END}\n\nMore prose.\n")
    run.write_figures(doc, "| new | figures |")
    run.write_figures(doc, "| newer | figures |")
    assert doc.read_text() == (
        f"# Prose\n\n{run.BEGIN}\n\n| newer | figures |\n\n{run.END}\n\nMore prose.\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "no markers at all",
        f"{run.END}\n{run.BEGIN}\n",
        f"{run.BEGIN}\n{run.END}\n{run.BEGIN}\n",
        f"{run.BEGIN}\n{run.END}\n{run.END}\n",
    ],
)
def test_a_document_without_its_markers_once_and_in_order_is_left_alone(
    tmp_path: Path, text: str
) -> None:
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text(text)
    with pytest.raises(SystemExit, match="needs the line"):
        run.write_figures(doc, "figures")
    assert doc.read_text() == text


def test_performance_md_has_the_markers_the_bench_writes_between() -> None:
    text = (ROOT / "docs" / "PERFORMANCE.md").read_text()
    assert text.count(run.BEGIN) == 1
    assert text.count(run.END) == 1
    assert text.index(run.BEGIN) < text.index(run.END)
