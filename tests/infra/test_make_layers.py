"""``make dev`` installs only what serving needs; the test and lint tools come with their targets.

A fresh clone's ``make dev`` spent four of its five minutes installing mypy, schemathesis,
cfn-lint, matplotlib… that serving the API never imports. ``make -n -B`` prints every command a
target would run from scratch without running any, so the layers are read off the Makefile's
own plan rather than from a copy of it. (Not ``make -n test``: make runs a recipe line that
calls ``$(MAKE)`` even under ``-n``, and that one runs pytest.)
"""

from __future__ import annotations

import subprocess

import pytest

from tests.doc_commands import ROOT

DEV_TOOLS = ("pytest", "mypy", "ruff", "schemathesis", "hypothesis", "cfn-lint")


def planned_commands(target: str) -> str:
    result = subprocess.run(
        ["make", "-n", "-B", "--no-print-directory", target, "DEV_PORT=1", "DYNAMODB_LOCAL_PORT=2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("target", ["dev", "serve", "invoke", "seed", "tables"])
def test_serving_targets_install_only_the_serving_layer(target: str) -> None:
    plan = planned_commands(target)
    assert "-r requirements-serve.txt" in plan
    assert "requirements-dev.txt" not in plan


@pytest.mark.parametrize("target", ["lint", "bench", "gateway-schema"])
def test_tool_targets_add_the_dev_layer(target: str) -> None:
    assert "-r requirements-dev.txt" in planned_commands(target)


def test_the_serving_layer_holds_no_test_or_lint_tool() -> None:
    serve = (ROOT / "requirements-serve.txt").read_text().lower()
    assert not [tool for tool in DEV_TOOLS if tool in serve]
    assert "-r requirements-serve.txt" in (ROOT / "requirements-dev.txt").read_text()
