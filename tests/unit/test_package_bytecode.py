"""The bytecode step of ``make package``: refuses a Python other than the template's runtime,
and puts an unchecked-hash pyc beside every source of the zip."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

from scripts import package_bytecode

RUNNING = f"python{sys.version_info.major}.{sys.version_info.minor}"


def _package_dir(tmp_path: Path, runtime: str) -> Path:
    template = {
        "Resources": {
            "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": runtime}},
            "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {}},
        }
    }
    (tmp_path / "sam.json").write_text(json.dumps(template))
    with zipfile.ZipFile(tmp_path / "deployment.zip", "w") as archive:
        archive.writestr("app.py", "VALUE = 1\n")
        archive.writestr("chalicelib/__init__.py", "")
        archive.writestr("chalicelib/data.json", "{}")
    return tmp_path


def test_a_packaging_python_other_than_the_lambda_runtime_fails_and_changes_nothing(
    tmp_path: Path,
) -> None:
    other = "python3.12" if RUNNING != "python3.12" else "python3.11"
    package = _package_dir(tmp_path, other)
    before = (package / "deployment.zip").read_bytes()
    assert package_bytecode.main([str(package)]) == 1
    assert (package / "deployment.zip").read_bytes() == before


def test_every_source_gets_an_unchecked_hash_pyc_and_keeps_its_source(tmp_path: Path) -> None:
    package = _package_dir(tmp_path, RUNNING)
    assert package_bytecode.main([str(package)]) == 0
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        names = archive.namelist()
        assert package_bytecode.missing_bytecode(names) == []
        assert {"app.py", "chalicelib/__init__.py", "chalicelib/data.json"} <= set(names)
        pyc = archive.read(package_bytecode.bytecode_name("app.py"))
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, source never checked


def test_a_second_run_leaves_one_pyc_per_source(tmp_path: Path) -> None:
    package = _package_dir(tmp_path, RUNNING)
    assert package_bytecode.main([str(package)]) == 0
    assert package_bytecode.main([str(package)]) == 0
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        names = archive.namelist()
    assert len(names) == len(set(names)) == 5


def test_missing_bytecode_names_the_sources_without_a_pyc() -> None:
    names = ["a.py", package_bytecode.bytecode_name("a.py"), "b/c.py", "b/d.txt"]
    assert package_bytecode.missing_bytecode(names) == ["b/c.py"]
