"""`python -m leder_audit`: the leder-audit command."""

from .cli.main import entry

entry()
