"""Compiled copies of the per-record modules: used only while they match their source, same results."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import leder_audit._compiled as compiled

from .conftest import FIXTURES

FILES = [str(FIXTURES / n) for n in ("death_certificates.ndjson", "dnacpr_decisions.json", "mortality_reviews.ndjson")]


@pytest.fixture
def built(tmp_path):
    """A package with the source of one module and a compiled copy of it listed in the manifest."""
    package, folder = tmp_path / "leder_audit", tmp_path / "leder_audit" / "_compiled"
    (package / "text").mkdir(parents=True)
    source = package / "text" / "match.py"
    source.write_text("WORDS = 1\n")
    (folder / "text").mkdir(parents=True)
    binary = folder / "text" / f"match{EXTENSION_SUFFIXES[0]}"
    binary.write_bytes(b"compiled")
    manifest = {"leder_audit.text.match": hashlib.sha256(source.read_bytes()).hexdigest()}
    (folder / compiled.MANIFEST).write_text(json.dumps(manifest))
    return package, folder, source, binary


def test_a_compiled_copy_of_the_current_source_is_used(built):
    package, folder, _, binary = built
    assert compiled.compiled_copies(folder, package, environ={}) == {"leder_audit.text.match": binary}


def test_a_source_changed_since_the_build_is_run_as_python(built):
    package, folder, source, _ = built
    source.write_text("WORDS = 2\n")
    assert compiled.compiled_copies(folder, package, environ={}) == {}


@pytest.mark.parametrize("value, used", [("1", False), ("yes", False), ("0", True), ("", True)])
def test_the_environment_can_ask_for_plain_python(built, value, used):
    package, folder, _, _ = built
    copies = compiled.compiled_copies(folder, package, environ={compiled.PURE_PYTHON: value})
    assert bool(copies) is used


def test_no_manifest_a_broken_one_or_no_compiled_file_means_plain_python(built):
    package, folder, _, binary = built
    binary.unlink()
    assert compiled.compiled_copies(folder, package, environ={}) == {}
    binary.write_bytes(b"compiled")
    (folder / compiled.MANIFEST).write_text("{not json")
    assert compiled.compiled_copies(folder, package, environ={}) == {}
    (folder / compiled.MANIFEST).unlink()
    assert compiled.compiled_copies(folder, package, environ={}) == {}


def test_a_module_listed_without_its_source_is_skipped(built):
    package, folder, source, _ = built
    source.unlink()
    assert compiled.compiled_copies(folder, package, environ={}) == {}


def test_the_finder_answers_only_for_compiled_modules(built):
    _, _, _, binary = built
    finder = compiled.CompiledFinder({"leder_audit.text.match": binary})
    spec = finder.find_spec("leder_audit.text.match")
    assert spec is not None and spec.origin == str(binary) and spec.name == "leder_audit.text.match"
    assert finder.find_spec("leder_audit.text.concepts") is None
    assert finder.find_spec("json") is None


def test_every_module_in_use_compiled_is_loaded_from_its_compiled_file():
    import importlib

    for name in compiled.MODULES:
        importlib.import_module(name)
    assert set(compiled.ACTIVE) <= set(compiled.MODULES)
    for name, binary in compiled.ACTIVE.items():
        assert sys.modules[name].__file__ == str(binary)
        assert sys.modules[name].__spec__.name == name  # so relative imports and pickling find the real module
    for name in set(compiled.MODULES) - set(compiled.ACTIVE):
        assert sys.modules[name].__file__.endswith(".py")


def test_the_status_names_how_many_modules_run_compiled(capsys):
    from leder_audit.cli import main

    count = f"compiled: {len(compiled.ACTIVE)} of {len(compiled.MODULES)} "
    expected = count if compiled.ACTIVE else "pure Python"
    assert expected in compiled.status()
    with pytest.raises(SystemExit):
        main(["--version"])
    assert f"({compiled.status()})" in capsys.readouterr().out


def _check(tmp_path: Path, pure: bool) -> tuple[str, str]:
    out = tmp_path / f"findings-{int(pure)}.ndjson"
    environ = {k: v for k, v in os.environ.items() if k != compiled.PURE_PYTHON}
    if pure:
        environ[compiled.PURE_PYTHON] = "1"
    script = ("import sys; from leder_audit.cli import main; import leder_audit._compiled as c; "
              "code = main(sys.argv[1:]); print(c.status()); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script, "check", *FILES, "--format", "ndjson", "--output", str(out),
                           "--as-of", "2024-06-30", "--exit-zero"], capture_output=True, text=True, env=environ)
    assert done.returncode == 0, done.stderr
    return out.read_text(), done.stdout.strip()


def test_compiled_and_plain_python_give_the_same_findings(tmp_path):
    compiled_findings, compiled_status = _check(tmp_path, pure=False)
    plain_findings, plain_status = _check(tmp_path, pure=True)
    assert plain_status == "pure Python"
    assert compiled_status == compiled.status()
    assert compiled_findings == plain_findings
    assert len(plain_findings.splitlines()) > 10
