"""Ship bytecode in the deployment zip: Lambda runs it from a read-only directory.

Lambda unpacks ``deployment.zip`` into ``/var/task``, which is read-only, so Python cannot write
``__pycache__`` there and compiles pydantic, Powertools, Chalice and our code from source on
every cold start (about half of it, measured: docs/PERFORMANCE.md). ``chalice package`` ships
sources only, so this step, run by ``scripts/package.sh`` on its output, adds a ``.pyc`` beside
every ``.py``:

* compiled by the interpreter running the packaging, which must be the Python of the Lambda
  runtime the template declares (bytecode is specific to one minor version: a 3.11 ``.pyc`` is
  ignored by 3.12, which would silently bring the slow cold start back), so a mismatch fails;
* ``unchecked-hash`` pycs: Python loads them without comparing the source's timestamp, which the
  zip does not preserve exactly (and would cost a ``stat`` per module);
* sources kept, so tracebacks show the lines.

    python -m scripts.package_bytecode build/package-dev
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import py_compile
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

#: Where Lambda unpacks the code; tracebacks from the pycs name the files there.
TASK_ROOT = "/var/task"


def runtime_tag() -> str:
    """The Lambda runtime name of the running interpreter (``python3.11``)."""
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def declared_runtimes(template: dict[str, object]) -> set[str]:
    """Every ``Runtime`` the template's functions declare (their ``Globals`` included)."""
    runtimes: set[str] = set()
    sections = [template.get("Globals", {}), *dict(template.get("Resources", {})).values()]
    for section in sections:
        if not isinstance(section, dict):
            continue
        for key in ("Properties", "Function"):
            properties = section.get(key)
            if isinstance(properties, dict) and isinstance(properties.get("Runtime"), str):
                runtimes.add(properties["Runtime"])
    return runtimes


def runtime_problem(template_path: Path) -> str | None:
    """Why this interpreter must not compile for the template (``None`` when it may)."""
    runtimes = declared_runtimes(json.loads(template_path.read_text(encoding="utf-8")))
    if not runtimes:
        return f"{template_path} declares no function Runtime"
    if runtimes != {runtime_tag()}:
        return (
            f"packaging runs {runtime_tag()} ({sys.executable}) but the template declares "
            f"{', '.join(sorted(runtimes))}: bytecode would not load there; package with the "
            "runtime's Python"
        )
    return None


def bytecode_name(source: str) -> str:
    """The zip member Python looks for as the bytecode of ``source`` (a ``.py`` member), for an
    interpreter without ``-O``, as Lambda runs it (whatever ``PYTHONOPTIMIZE`` says here)."""
    return Path(importlib.util.cache_from_source(source, optimization="")).as_posix()


def missing_bytecode(names: Iterable[str]) -> list[str]:
    """The ``.py`` members of a zip that have no ``.pyc`` for this interpreter beside them."""
    members = set(names)
    return sorted(n for n in members if n.endswith(".py") and bytecode_name(n) not in members)


def compile_tree(root: Path) -> None:
    """Compile every ``.py`` under ``root`` to unchecked-hash bytecode; raise on any failure."""
    ok = compileall.compile_dir(
        root,
        quiet=1,
        stripdir=str(root),
        prependdir=TASK_ROOT,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        optimize=0,
        workers=1,
    )
    if not ok:
        raise SystemExit("package_bytecode: some files do not compile (see above)")


def add_bytecode(zip_path: Path) -> int:
    """Rewrite ``zip_path`` with a ``.pyc`` beside each ``.py``; return how many it added.

    The original members keep their order, dates and permissions; each pyc takes its
    source's permissions.
    """
    with tempfile.TemporaryDirectory(prefix="package-bytecode-") as scratch:
        tree = Path(scratch) / "task"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(tree)
            # Bytecode already there for a source (a second run) is compiled again, not doubled.
            ours = {bytecode_name(n) for n in archive.namelist() if n.endswith(".py")}
            infos = [info for info in archive.infolist() if info.filename not in ours]
        compile_tree(tree)
        rebuilt = Path(scratch) / "deployment.zip"
        added = 0
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
            for info in infos:
                data = b"" if info.is_dir() else (tree / info.filename).read_bytes()
                out.writestr(info, data)
                if not info.filename.endswith(".py"):
                    continue
                pyc = bytecode_name(info.filename)
                pyc_info = zipfile.ZipInfo(pyc, date_time=info.date_time)
                pyc_info.external_attr = info.external_attr
                pyc_info.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(pyc_info, (tree / pyc).read_bytes())
                added += 1
        shutil.move(rebuilt, zip_path)
    return added


def main(argv: list[str] | None = None) -> int:
    """Check the runtime, add the bytecode, check that every source has its pyc."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="a chalice package output directory")
    args = parser.parse_args(argv)
    problem = runtime_problem(args.package_dir / "sam.json")
    if problem:
        print(f"package_bytecode: {problem}", file=sys.stderr)
        return 1
    zip_path = args.package_dir / "deployment.zip"
    before = zip_path.stat().st_size
    added = add_bytecode(zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        missing = missing_bytecode(archive.namelist())
    if missing:
        print(f"package_bytecode: no bytecode for {', '.join(missing[:5])}", file=sys.stderr)
        return 1
    print(
        f"package_bytecode: {added} pycs for {runtime_tag()} (unchecked-hash); zip "
        f"{before / 1024 / 1024:.2f} -> {zip_path.stat().st_size / 1024 / 1024:.2f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
