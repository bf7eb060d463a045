"""The package layout: modules that moved still import from their old names, with a warning."""

import importlib
import subprocess
import sys
import warnings

import pytest

from leder_audit._moved import MOVED


@pytest.mark.parametrize("old, new", sorted(MOVED.items()))
def test_a_moved_module_imports_from_its_old_name_as_the_same_module_with_a_warning(old, new):
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert module.__name__ == new and module.__spec__.name == new
    assert any(issubclass(w.category, DeprecationWarning) and new in str(w.message) for w in caught)


def test_the_command_runs_as_a_module():
    for name in ("leder_audit", "leder_audit.cli"):
        done = subprocess.run([sys.executable, "-m", name, "--version"], capture_output=True, text=True)
        assert done.returncode == 0 and "leder-audit" in done.stdout, done.stderr
