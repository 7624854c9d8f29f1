"""The shell blocks of the developer docs, what each is for, and what each should print.

Each fenced shell block in the docs the doc-runner reads carries a marker, an HTML comment on
the line before it (invisible on GitHub):

- ``<!-- doc-test: local -->``: runs on a developer's machine; the doc-runner runs it, in order,
  against ``make serve`` on the test's own tables, and compares what it prints with the block
  that follows it when that one is marked ``<!-- doc-test: output -->`` (else it must print
  nothing). Every command of it must succeed.
- ``<!-- doc-test: aws -->``: needs an AWS account; ``scripts/check_doc_commands.py`` parses
  each ``aws`` command of it with the AWS CLI's own command tables instead.
- ``<!-- doc-test: not run: REASON -->``: neither, and the reason says why (``make dev`` and
  ``make test`` themselves, Docker).

An expected output matches exactly, except that ``...`` stands for any text, and that values
which differ on every run are compared by shape: UUIDs (request ids), timestamps, dates and
the ids of newly issued cards.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The docs whose local commands are run, in the order a new developer reads them.
RUN_DOCS = ("README.md", "docs/LOCAL_DEVELOPMENT.md", "docs/MCP.md", "docs/CONNECT.md")
SHELL_LANGUAGES = frozenset({"bash", "sh", "shell", "console", "zsh"})
DOCUMENTED_API = "http://127.0.0.1:8080"
WILDCARD = "..."

_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
_MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*(?P<kind>[^>]*?)\s*-->\s*$")
#: Values that change from run to run, replaced by their shape before comparing.
VOLATILE = (
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (
        re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
        "<timestamp>",
    ),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<date>"),
    (re.compile(r"\bCARD[0-9A-F]{16}\b"), "CARD<new>"),
)


@dataclass
class Block:
    """One fenced block: where it starts, its language, marker and text."""

    doc: str
    line: int  #: 1-based line of the opening fence
    language: str
    marker: str | None
    text: str
    expected: Block | None = field(default=None, repr=False)

    @property
    def where(self) -> str:
        """``doc:line``, for messages."""
        return f"{self.doc}:{self.line}"

    @property
    def is_shell(self) -> bool:
        """A block of shell commands."""
        return self.language in SHELL_LANGUAGES


def parse_blocks(doc: str, markdown: str) -> list[Block]:
    """Every fenced block of ``markdown`` with the marker on the line before it, if any."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        indent = len(fence["indent"])
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not _FENCE.match(lines[end]):
            body.append(lines[end][indent:] if lines[end][:indent].isspace() else lines[end])
            end += 1
        previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marker = _MARKER.match(previous)
        blocks.append(
            Block(
                doc=doc,
                line=index + 1,
                language=fence["lang"],
                marker=marker["kind"] if marker else None,
                text="\n".join(body),
            )
        )
        index = end + 1
    for block, following in itertools.pairwise(blocks):
        if block.marker == "local" and following.marker == "output":
            block.expected = following
    return blocks


def doc_blocks(doc: str) -> list[Block]:
    """The blocks of one of ``RUN_DOCS``."""
    return parse_blocks(doc, (ROOT / doc).read_text())


def marker_problems(blocks: list[Block]) -> list[str]:
    """Shell blocks without a known marker, and output blocks that follow no local block."""
    problems = []
    for block in blocks:
        kind = block.marker or ""
        if block.is_shell and not (kind in ("local", "aws") or kind.startswith("not run: ")):
            problems.append(f"{block.where}: shell block without a doc-test marker ({kind!r})")
        if kind == "output" and not any(b.expected is block for b in blocks):
            problems.append(f"{block.where}: output block that follows no local block")
    return problems


def normalise(text: str) -> str:
    """``text`` with run-to-run values replaced by their shape and trailing blanks dropped."""
    for pattern, shape in VOLATILE:
        text = pattern.sub(shape, text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is what ``expected`` documents (``...`` matching any text)."""
    parts = [re.escape(part) for part in normalise(expected).split(WILDCARD)]
    return re.fullmatch(".*?".join(parts), normalise(actual), flags=re.DOTALL) is not None
