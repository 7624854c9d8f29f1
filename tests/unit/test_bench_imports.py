"""``make bench`` is not part of ``make test``, so its modules are at least imported here: a
circular import between them broke the benchmark once without any test noticing."""

from __future__ import annotations

import importlib


def test_the_benchmark_entry_point_imports() -> None:
    run = importlib.import_module("benchmarks.run")
    assert callable(run.main)


def test_the_before_after_tools_import() -> None:
    for name in ("benchmarks.compare", "benchmarks.importtime"):
        assert callable(importlib.import_module(name).main)
