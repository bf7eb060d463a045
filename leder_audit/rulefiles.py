"""Rule files: where they are and how each is read. One loader for record rules and cohort rules.

A rules folder holds record rules anywhere in it, cohort rules under `cohort/` and concept lists under
`concepts/`. The built-in folder is shown as `builtin:<path>`; a folder the user gives is shown as
given. Every file is read through yamlfile (located errors, duplicate keys refused, aliases bounded),
each entry validated against its pydantic spec, and every rule id is claimed once across all files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import Origin, RuleError
from .resources import builtin_rules_dir
from .yamlfile import Located, Path_, load_mappings, read_text, within

COHORT_FOLDER = "cohort"
CONCEPTS_FOLDER = "concepts"
NOT_RULES = (CONCEPTS_FOLDER, COHORT_FOLDER)  # sub-folders of a rules folder that hold other data
NOT_RULE_FILES = ("profiles.yaml",)

Spec = TypeVar("Spec", bound=BaseModel)


@dataclass(frozen=True)
class Root:
    """A rules folder or file, built in or given by the user."""

    path: Path
    builtin: bool

    def display(self, file: Path) -> str:
        """How a file under this root is named in messages, reports and the rulebook's sources."""
        return f"builtin:{file.relative_to(self.path).as_posix()}" if self.builtin else str(file)

    def record_rule_files(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        return within(self.path, sorted(p for p in self.path.rglob("*.yaml")
                                        if not set(p.relative_to(self.path).parts[:-1]) & set(NOT_RULES)
                                        and p.name not in NOT_RULE_FILES))

    def cohort_rule_files(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        folder = self.path if self.path.name == COHORT_FOLDER else self.path / COHORT_FOLDER
        return within(self.path, sorted(folder.rglob("*.yaml"))) if folder.is_dir() else []

    def concept_files(self) -> list[Path]:
        folder = self.path / CONCEPTS_FOLDER
        return within(self.path, sorted(folder.glob("*.yaml"))) if self.path.is_dir() and folder.is_dir() else []


def rule_roots(paths: tuple[str | Path, ...] | list[str | Path], builtin: bool = True) -> list[Root]:
    """The built-in rules folder (unless builtin=False) and then each folder or file given, which must exist."""
    roots = ([Root(builtin_rules_dir(), True)] if builtin else []) + [Root(Path(p), False) for p in paths]
    for root in roots:
        if not root.path.exists():
            raise RuleError(f"no such rules file or folder: {root.path}", Origin(str(root.path)))
    return roots


def user_folders(roots: list[Root]) -> list[Path]:
    """The folders the user gave, whose `concepts/` add to the built-in concept lists."""
    return [root.path for root in roots if not root.builtin and root.path.is_dir()]


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class UniqueIds:
    """The rule ids seen so far, across every file read: a second use is refused where it is written."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.seen: dict[str, str] = {}

    def claim(self, rule_id: str, display: str, doc: Located, base: Path_) -> None:
        if rule_id in self.seen:
            raise doc.error(base + ("id",), f"{self.what} id {rule_id} is used twice: here and in {self.seen[rule_id]}",
                            "give each rule its own id")
        self.seen[rule_id] = display


def read_specs(path: Path, display: str, spec: type[Spec], what: str, start_hint: str, needs: str,
               hints: dict[str, str] | None = None,
               ids: UniqueIds | None = None) -> tuple[Located, list[tuple[Path_, Spec]]]:
    """Every entry of one rule file, validated against its spec, with the key path of each entry."""
    doc, entries = load_mappings(read_text(path, display), display, f"a {what}", start_hint)
    specs: list[tuple[Path_, Spec]] = []
    for base, raw in entries:
        try:
            validated = spec.model_validate(raw)
        except ValidationError as error:
            raise doc.invalid(base, error, spec, what, needs, hints) from None
        if ids is not None:
            ids.claim(str(getattr(validated, "id")), display, doc, base)
        specs.append((base, validated))
    return doc, specs

