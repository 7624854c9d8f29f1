"""Check a ``chalice package`` output directory before anything is uploaded.

Two things a successful ``chalice package`` can still get wrong:

* The merge template deep-merges dicts, so an intrinsic merged over an intrinsic yields one
  object with two ``Fn::`` keys (``{"Fn::Sub": ..., "Fn::GetAtt": ...}``). CloudFormation
  rejects or misreads it and cfn-lint does not flag it. Any object holding an intrinsic key must
  hold nothing else.
* A missing dependency only warns during packaging (exit 0), and a requirement can drag boto3
  in. The zip must hold ``app.py``, ``chalicelib/``, ``mcp_handlers/`` and pydantic-core built
  for Linux x86_64, no boto3/botocore, a ``.pyc`` beside every ``.py`` (Lambda's read-only
  ``/var/task`` cannot cache bytecode: ``scripts/package_bytecode.py``), and stay within the
  size budget (8 MB).

    python -m scripts.check_template build/package-dev

Exit 0 when every check passes; 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scripts.package_bytecode import missing_bytecode

MAX_ZIP_BYTES = 8 * 1024 * 1024
REQUIRED_MEMBERS = ("app.py", "chalicelib/__init__.py", "mcp_handlers/__init__.py")
FORBIDDEN_TOP_LEVEL = ("boto3", "botocore", "s3transfer")
PYDANTIC_CORE_SO = re.compile(r"^pydantic_core/_pydantic_core\.cpython-3\d+-x86_64-linux-gnu\.so$")
LINUX_X86_TAG = re.compile(r"^Tag: cp3\d+-cp3\d+-manylinux[_0-9]*_x86_64$", re.MULTILINE)


def is_intrinsic_key(key: str) -> bool:
    """``Ref`` and every ``Fn::`` function (``Condition`` is only a key inside conditions)."""
    return key == "Ref" or key.startswith("Fn::")


def mixed_intrinsics(node: Any, path: str = "") -> Iterator[str]:
    """Yield the path of every object that holds an intrinsic key beside any other key."""
    if isinstance(node, dict):
        intrinsic = [key for key in node if is_intrinsic_key(key)]
        if intrinsic and len(node) > 1:
            yield f"{path or '/'}: {sorted(node)}"
        for key, value in node.items():
            yield from mixed_intrinsics(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from mixed_intrinsics(value, f"{path}[{index}]")


def zip_problems(zip_path: Path) -> list[str]:
    """Everything wrong with the deployment package (empty when it is fine)."""
    problems: list[str] = []
    if not zip_path.is_file():
        return [f"{zip_path} not found: did chalice package run?"]
    size = zip_path.stat().st_size
    print(f"deployment package: {zip_path} {size} bytes ({size / 1024 / 1024:.2f} MiB)")
    if size > MAX_ZIP_BYTES:
        problems.append(f"package is {size} bytes, over the {MAX_ZIP_BYTES}-byte budget")
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        problems.extend(f"missing {m}" for m in REQUIRED_MEMBERS if m not in names)
        tops = {name.split("/", 1)[0] for name in names}
        problems.extend(
            f"{top}/ is packaged: the Lambda runtime provides it (is it in requirements.txt?)"
            for top in FORBIDDEN_TOP_LEVEL
            if top in tops
        )
        missing = missing_bytecode(names)
        if missing:
            problems.append(f"{len(missing)} sources without bytecode, e.g. {missing[0]}")
        if not any(PYDANTIC_CORE_SO.match(name) for name in names):
            problems.append("no Linux x86_64 pydantic_core extension (.so) in the package")
        wheels = [n for n in names if re.match(r"^pydantic_core-[^/]+\.dist-info/WHEEL$", n)]
        if not wheels:
            problems.append("pydantic_core's WHEEL metadata is missing")
        elif not LINUX_X86_TAG.search(archive.read(wheels[0]).decode("utf-8")):
            problems.append("pydantic_core in the package is not a manylinux x86_64 wheel")
    return problems


def template_problems(template_path: Path) -> list[str]:
    """Two-intrinsic objects and a CodeUri that points nowhere."""
    if not template_path.is_file():
        return [f"{template_path} not found"]
    template = json.loads(template_path.read_text(encoding="utf-8"))
    problems = [f"two intrinsics in one object at {p}" for p in mixed_intrinsics(template)]
    for logical_id, resource in template.get("Resources", {}).items():
        code_uri = resource.get("Properties", {}).get("CodeUri")
        if isinstance(code_uri, str) and not (template_path.parent / code_uri).is_file():
            problems.append(f"{logical_id}: CodeUri {code_uri} does not exist")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run every check on one package directory."""
    parser = argparse.ArgumentParser(description="Check a chalice package output directory.")
    parser.add_argument("package_dir", type=Path)
    args = parser.parse_args(argv)
    package_dir: Path = args.package_dir
    problems = template_problems(package_dir / "sam.json")
    problems += zip_problems(package_dir / "deployment.zip")
    for problem in problems:
        print(f"check_template: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_template: {package_dir} OK")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
