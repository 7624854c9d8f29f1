"""Every local shell block of the developer docs runs as written and prints what the docs say.

For each of ``RUN_DOCS`` (README, local development, MCP, Connect) the blocks marked
``<!-- doc-test: local -->`` run in order, in one bash session from the repository root (so a
variable set in one block is there in the next, as in the reader's terminal), against
``make serve`` on a free port over this test's own seeded DynamoDB Local tables: the state a
reader has right after ``make dev``. The documented address ``http://127.0.0.1:8080`` is
replaced by the server's. Each block's output (stdout and stderr) is compared with the
``<!-- doc-test: output -->`` block after it (``tests/doc_commands.py`` says how), and every
command must succeed. Blocks meant for AWS are checked by ``scripts/check_doc_commands.py``
instead.
"""

from __future__ import annotations

import difflib
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.dev_server import make_serve
from tests.doc_commands import DOCUMENTED_API, ROOT, RUN_DOCS, Block, doc_blocks, matches, normalise

#: Printed after each block; a line of its own, so a block's last line needs no newline.
SENTINEL = "@@doc-test: end of block@@"
#: Any failing command is reported in the block's output, where the comparison shows it.
PRELUDE = """set -E -o pipefail
trap 'echo "@@doc-test: command failed (exit $?): $BASH_COMMAND@@"' ERR
"""
#: Set when this runs under ``make test``; a reader's shell has none of them (and a sub-make
#: would print "Entering directory" lines).
MAKE_VARIABLES = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
DOC_TIMEOUT_S = 300


def session_script(blocks: list[Block], base_url: str) -> str:
    """One bash script: each block, then the sentinel on a line of its own."""
    parts = [PRELUDE]
    for block in blocks:
        parts.append(block.text.replace(DOCUMENTED_API, base_url))
        parts.append(f"printf '\\n%s\\n' '{SENTINEL}'")
    return "\n".join(parts) + "\n"


def run_session(script: str, ddb_tables: Any) -> list[str]:
    """Run the script as a reader would; the output of each block, in order."""
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}
    env.update({**ddb_tables.names, "DYNAMODB_ENDPOINT": ddb_tables.endpoint})
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=DOC_TIMEOUT_S,
        check=False,
    )
    return result.stdout.split(f"\n{SENTINEL}\n")


def mismatch(block: Block, actual: str, base_url: str) -> str:
    """A readable difference between what the docs say and what the block printed."""
    expected = block.expected.text if block.expected else ""
    diff = difflib.unified_diff(
        normalise(expected).splitlines(),
        normalise(actual.replace(base_url, DOCUMENTED_API)).splitlines(),
        "documented",
        "printed",
        lineterm="",
    )
    return f"{block.where}:\n{block.text}\n" + "\n".join(diff)


@pytest.mark.parametrize("doc", RUN_DOCS)
def test_every_local_command_of_the_doc_prints_what_it_documents(
    doc: str, ddb_tables: Any, tmp_path: Path
) -> None:
    blocks = [b for b in doc_blocks(doc) if b.marker == "local"]
    assert blocks, f"{doc} has no local block"
    with make_serve(ddb_tables, tmp_path / "serve.log") as server:
        outputs = run_session(session_script(blocks, server.base_url), ddb_tables)
    assert len(outputs) == len(blocks) + 1, f"the session stopped early:\n{outputs[-1]}"
    problems = [
        mismatch(block, actual, server.base_url)
        for block, actual in zip(blocks, outputs, strict=False)
        if not matches(
            block.expected.text if block.expected else "",
            actual.replace(server.base_url, DOCUMENTED_API),
        )
    ]
    assert not problems, "\n\n".join(problems)
