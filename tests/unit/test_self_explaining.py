"""The product explains itself: no file of the repository points at documents it does not hold.

The team's working contract and style guide live outside the repository, so a section number
of the one or a rule number of the other tells a reader of the product nothing.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE_REFERENCE = re.compile(
    "|".join((r"\bSPEC\s*\u00a7", r"\bSPEC\.md\b", r"\bSTYLE\s+rule\b", r"\bSTYLE\.md\b"))
)
#: Vendored third-party code is not ours to reword.
NOT_OURS = ("vendor/",)


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [
        ROOT / name
        for name in listed.split("\0")
        if name and not name.startswith(NOT_OURS) and (ROOT / name).is_file()
    ]


def test_no_file_cites_the_team_contract_or_style_guide() -> None:
    cited = []
    for path in tracked_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        cited += [
            f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), 1)
            if OUTSIDE_REFERENCE.search(line)
        ]
    assert cited == [], "explain it in place instead:\n" + "\n".join(cited)
