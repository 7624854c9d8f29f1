"""Run the deployment package the way the Lambda Python runtime does, on this machine.

Lambda unpacks ``deployment.zip`` into ``/var/task`` (read-only) and imports the handler with
``/var/task`` first on ``sys.path`` and the runtime's own boto3/botocore after it. Here:

* the zip is unpacked into a directory made read-only (``chmod -R a-w``), so no bytecode cache
  can be written beside it, whatever the interpreter tries;
* the SDK (boto3, botocore and what they need) comes from outside the package, as links to the
  project venv's copies (pip compiled those, as the runtime image ships them);
* the interpreter is the venv's base Python with ``-S`` (no site-packages: nothing of the venv
  leaks in), ``-P`` (the script's folder is not put on ``sys.path``) and
  ``PYTHONDONTWRITEBYTECODE=1``.

``benchmarks/cold.py`` measures cold starts through it and ``tests/infra/test_package.py``
runs the packaged code through it against DynamoDB Local.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import zipfile
from dataclasses import dataclass
from importlib.metadata import distribution
from pathlib import Path

#: The SDK the Lambda runtime provides outside the package.
SDK = "boto3"


def _requirements(name: str, seen: set[str]) -> set[str]:
    """``name`` and every distribution it needs (extras left out)."""
    if name not in seen:
        seen.add(name)
        for requirement in distribution(name).requires or []:
            if "extra ==" not in requirement:
                _requirements(re.split(r"[ <>=!~;\[(]", requirement, maxsplit=1)[0], seen)
    return seen


def link_sdk(directory: Path) -> Path:
    """A folder of links to the installed SDK's packages, modules and their bytecode."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in sorted(_requirements(SDK, set())):
        dist = distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or []}
        for top in sorted(tops - {"..", "__pycache__"}):
            source = Path(str(dist.locate_file(top)))
            (directory / top).symlink_to(source)
            if top.endswith(".py"):  # a one-module distribution (six.py): its pyc too
                cache = Path(source.parent / "__pycache__").glob(f"{top[:-3]}.*.pyc")
                (directory / "__pycache__").mkdir(exist_ok=True)
                for pyc in cache:
                    (directory / "__pycache__" / pyc.name).symlink_to(pyc)
    return directory


def make_read_only(root: Path) -> None:
    """``chmod -R a-w``: Lambda's ``/var/task`` cannot be written, bytecode caches included."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)


def make_writable(root: Path) -> None:
    """Undo ``make_read_only`` so the folder can be deleted."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IWUSR)


@dataclass(frozen=True)
class LambdaTask:
    """An unpacked, read-only package and the SDK beside it."""

    task: Path
    sdk: Path

    @classmethod
    def unpack(cls, zip_path: Path, root: Path) -> LambdaTask:
        """Unpack ``zip_path`` under ``root`` (into ``task``, the SDK into ``runtime-sdk``)."""
        task = root / "task"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(task)
        make_read_only(task)
        return cls(task, link_sdk(root / "runtime-sdk"))

    def command(self, *args: str) -> list[str]:
        """The interpreter command line for ``args`` (a script and its arguments)."""
        return [getattr(sys, "_base_executable", sys.executable), "-S", "-P", *args]

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` without Python's own variables, with the task's ``sys.path``."""
        env = {k: v for k, v in base.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env["PYTHONPATH"] = os.pathsep.join([str(self.task), str(self.sdk)])
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def close(self) -> None:
        """Make the task writable again (its folder is then removable)."""
        make_writable(self.task)
