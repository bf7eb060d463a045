"""`python -m leder_audit.cli`: the leder-audit command."""

from .main import entry

entry()
