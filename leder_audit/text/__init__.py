"""Clinical text understanding: concept word lists, mentions and their context."""

from leder_audit.text.concepts import ConceptError, ConceptSet, classify, load_concepts
from leder_audit.text.context import Context, TriggerSet
from leder_audit.text.match import Mention

__all__ = [
    "ConceptError",
    "ConceptSet",
    "Context",
    "Mention",
    "TriggerSet",
    "classify",
    "load_concepts",
]
