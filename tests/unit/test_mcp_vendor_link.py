"""``vendor/mcp_handlers`` ships the package (Chalice zips vendor/, following symlinks) without
shadowing it locally: Chalice appends vendor/ to the end of ``sys.path``, after the project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_vendor_links_to_the_top_level_package() -> None:
    link = ROOT / "vendor" / "mcp_handlers"
    assert link.is_symlink()
    assert os.readlink(link) == "../mcp_handlers"  # relative: survives a clone anywhere
    assert link.resolve() == (ROOT / "mcp_handlers").resolve()


def test_imports_resolve_to_the_top_level_package_with_vendor_on_the_path() -> None:
    code = (
        "import sys; sys.path.append('vendor'); import mcp_handlers; print(mcp_handlers.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert Path(out.stdout.strip()) == ROOT / "mcp_handlers" / "__init__.py"
