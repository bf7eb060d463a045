"""leder-audit: the LeDeR recommendations as executable, tested rules over health and care records."""

__version__ = "0.1.0"

from .dataframes import DataFrameAudit, audit_dataframe, check_dataframe
from .engine import Auditor, Checker
from .errors import InputError, LederAuditError, RuleError
from .findings import AuditResult, Evidence, Finding, Reference, Rejection
from .records import DeathCertificate, DnacprDecision, MortalityReview, Person
from .rulebook import Rule, Rulebook, audit, load_rulebook
from .suppressions import Suppression, Suppressions, load_suppressions
from ._moved import install as _install_moved

_install_moved()

__all__ = [
    "Auditor", "AuditResult", "Checker", "DataFrameAudit", "DeathCertificate", "DnacprDecision", "Evidence",
    "Finding", "InputError", "LederAuditError", "MortalityReview", "Person", "Reference", "Rejection", "Rule",
    "RuleError", "Rulebook", "Suppression", "Suppressions", "audit", "audit_dataframe", "check_dataframe",
    "load_rulebook", "load_suppressions",
]
