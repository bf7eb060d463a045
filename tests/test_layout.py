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


@pytest.mark.parametrize("module, old, new", [
    ("leder_audit.findings", "RuleError", "RuleFailure"),
    ("leder_audit.records", "Severity", "DisabilitySeverity"),
])
def test_a_renamed_name_still_imports_with_a_warning_naming_the_new_one(module, old, new):
    loaded = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=new):
        value = getattr(loaded, old)
    assert value is getattr(loaded, new)


def test_the_exception_and_the_finding_model_have_different_names():
    import leder_audit
    from leder_audit import errors, findings

    assert leder_audit.RuleError is errors.RuleError
    assert issubclass(errors.RuleError, Exception) and not issubclass(findings.RuleFailure, Exception)
