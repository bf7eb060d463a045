"""The `completion` command: a shell's completion script, made by shtab from the parser itself."""

from __future__ import annotations

import argparse
from typing import Any, Callable

from ..errors import LederAuditError
from .config import PATH_METAVARS, all_parsers

SHELLS = ["bash", "zsh", "fish", "tcsh"]
# Positionals that name files: record files, explain's one file, the two reports diff compares.
FILE_POSITIONALS = frozenset({"paths", "record_file", "old", "new"})


def add_completion_parser(commands: Any) -> None:
    """Add `completion` to the command line's sub-commands."""
    completion = commands.add_parser("completion", help="print a shell completion script (needs the completion extra)",
                                     description="Print the completion script for SHELL on standard output. "
                                                 "Load it from your shell's start-up file, or save it where your "
                                                 "shell looks for completions.")
    completion.add_argument("shell", choices=SHELLS, metavar="SHELL", help="the shell: %(choices)s")


def completion_script(shell: str, make_parser: Callable[[], argparse.ArgumentParser]) -> str:
    """The completion script for shell: commands, options, choices, and file names where a FILE is asked for."""
    try:
        import shtab
    except ImportError:
        raise LederAuditError('shell completion needs the completion extra: pip install "leder-audit[completion]"') \
            from None
    parser = make_parser()
    for sub in all_parsers(parser):
        for action in sub._actions:
            if action.metavar == "DIR":
                action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
            elif action.metavar in PATH_METAVARS or action.dest in FILE_POSITIONALS:
                action.complete = shtab.FILE  # type: ignore[attr-defined]
    script: str = shtab.complete(parser, shell=shell)
    return script


def completion(args: argparse.Namespace, make_parser: Callable[[], argparse.ArgumentParser]) -> int:
    print(completion_script(args.shell, make_parser), end="")
    return 0
