"""Where the rules and concepts that ship with the package live."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def builtin_rules_dir() -> Path:
    """The folder of built-in rules and concepts, in a checkout or an installed wheel."""
    root: Traversable = files("leder_audit.builtin_rules")
    return Path(str(root))
