"""Compiled copies of the modules that do the per-record work, used only while they match their source.

`pip install` compiles these modules with Cython when it and a C compiler are available (see setup.py),
into this folder rather than beside the source, with `sources.json` naming each module and the SHA-256 of
the source it was compiled from. `install()` makes `import leder_audit.engine` load the compiled copy
when that hash is the current source's, and the Python source otherwise: a source edited since the build,
a machine with no compiler, or LEDER_AUDIT_PURE_PYTHON=1 in the environment all run the plain Python,
which gives the same results, only more slowly.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
PACKAGE = HERE.parent
MANIFEST = "sources.json"
PURE_PYTHON = "LEDER_AUDIT_PURE_PYTHON"

# The modules compiled, as setup.py builds them: where a record's time goes.
MODULES = (
    "leder_audit.engine",
    "leder_audit.duplicates",
    "leder_audit.language.compile",
    "leder_audit.language.functions",
    "leder_audit.language.interpret",
    "leder_audit.readers.jsonfile",
    "leder_audit.text.concepts",
    "leder_audit.text.context",
    "leder_audit.text.match",
    "leder_audit.text.normalise",
)


def source_of(name: str, package: Path = PACKAGE) -> Path:
    """The Python source of a module: leder_audit.text.match -> <package>/text/match.py."""
    return package.joinpath(*name.split(".")[1:]).with_suffix(".py")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compiled_copies(folder: Path = HERE, package: Path = PACKAGE, environ: Any = os.environ) -> dict[str, Path]:
    """Module name -> compiled file, for each module whose compiled copy was built from its current source."""
    if environ.get(PURE_PYTHON, "") not in ("", "0"):
        return {}
    try:
        built = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    usable: dict[str, Path] = {}
    for name, source_hash in built.items() if isinstance(built, dict) else ():
        parts = name.split(".")[1:]
        candidates = (folder.joinpath(*parts[:-1], parts[-1] + suffix) for suffix in EXTENSION_SUFFIXES)
        binary = next((path for path in candidates if path.is_file()), None)
        if binary is None:
            continue
        try:
            current = digest(source_of(name, package))
        except OSError:
            continue
        if current == source_hash:
            usable[name] = binary
    return usable


class CompiledFinder:
    """Finds the compiled copy of a module, for the import system; every other import it leaves alone."""

    def __init__(self, copies: dict[str, Path]) -> None:
        self.copies = copies

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        binary = self.copies.get(name)
        return None if binary is None else spec_from_file_location(name, binary)


ACTIVE: dict[str, Path] = {}


def install() -> None:
    """Load compiled copies from now on, where there are usable ones; once per process."""
    if any(isinstance(finder, CompiledFinder) for finder in sys.meta_path):
        return
    ACTIVE.update(compiled_copies())
    if ACTIVE:
        sys.meta_path.insert(0, CompiledFinder(ACTIVE))


def status() -> str:
    """How many of the per-record modules run compiled, in a few words."""
    if not ACTIVE:
        return "pure Python"
    return f"compiled: {len(ACTIVE)} of {len(MODULES)} per-record modules"
