"""Old module names that still import, with a DeprecationWarning naming the new place.

`import leder_audit.trend` gives the module `leder_audit.cohort.trend` itself (one module object, so
monkeypatching either name patches both).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

MOVED = {
    "leder_audit.cohort_output": "leder_audit.cohort.report",
    "leder_audit.cohort_representation": "leder_audit.cohort.representation",
    "leder_audit.cohort_stats": "leder_audit.cohort.stats",
    "leder_audit.cohort_svg": "leder_audit.cohort.svg",
    "leder_audit.ethnicity": "leder_audit.cohort.ethnicity",
    "leder_audit.trend": "leder_audit.cohort.trend",
    "leder_audit.commands": "leder_audit.cli.check",
    "leder_audit.cohort_commands": "leder_audit.cli.cohort",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(f"{spec.name} has moved to {new}; import it from there", DeprecationWarning, stacklevel=2)
        module = importlib.import_module(new)
        self._specs[new] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system has just given the module the old name's spec; give it back its own.
        module.__spec__ = self._specs[module.__name__]


def install() -> None:
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.append(_Alias())
