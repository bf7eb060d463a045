"""The leder-audit command line: main and exit codes, shared options, one module per command group."""

from .main import build_parser, entry, main

__all__ = ["build_parser", "entry", "main"]
