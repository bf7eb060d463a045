"""Findings as CDS Hooks cards: summary, indicator, markdown detail, source, override reasons, extension."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring as _json_string
from typing import Any, Iterable

from pydantic_core import to_json

from ..findings import SEVERITIES, Evidence, Finding, FindingParts, FoundFinding, Reasons
from ..prose import counted

SUMMARY_LIMIT = 140  # characters; the CDS Hooks specification's limit for a card's summary
EXTENSION = "org.leder-audit.finding"
INCOMPLETE_EXTENSION = "org.leder-audit.incomplete"
RULE_SYSTEM = "urn:leder-audit:rule"
OVERRIDE_SYSTEM = "urn:leder-audit:override-reason"
_CARD_NAMESPACE = uuid.UUID("6f1d3c1e-4a52-5b0e-9d0a-3c1de7a4b5f2")

INDICATOR = {"critical": "critical", "high": "warning", "medium": "warning", "low": "info", "info": "info"}

# What a clinician may say when they go ahead without changing the form. Codes only: the service stores
# the code a client sends back and never a free-text comment.
OVERRIDE_REASONS: tuple[dict[str, str], ...] = (
    {"system": OVERRIDE_SYSTEM, "code": "clinical-reasons-recorded",
     "display": "The clinical reasons are recorded elsewhere on the form"},
    {"system": OVERRIDE_SYSTEM, "code": "misread",
     "display": "The check misread the text (for example, it is negated or about someone else)"},
    {"system": OVERRIDE_SYSTEM, "code": "not-applicable",
     "display": "Does not apply to this person"},
    {"system": OVERRIDE_SYSTEM, "code": "will-complete-later",
     "display": "The field will be completed before the form is signed"},
)
OVERRIDE_CODES = frozenset(r["code"] for r in OVERRIDE_REASONS)

# Characters that would make a clinician's words into markdown links, emphasis, headings or HTML.
MARKDOWN_CHARACTERS = "\\`*_[]<>#|!~"
_ESCAPED = str.maketrans({c: "\\" + c for c in MARKDOWN_CHARACTERS})


def markdown_text(text: str) -> str:
    """Text shown as itself in markdown: every character that markdown would read is escaped."""
    return " ".join(text.split()).translate(_ESCAPED)


_NAMESPACE_SHA1 = hashlib.sha1(_CARD_NAMESPACE.bytes)


def card_uuid(hook_instance: str, key: str) -> str:
    """The same card for the same finding in the same hook instance, whatever order or call it comes in.

    uuid.uuid5(_CARD_NAMESPACE, hook_instance + NUL + key) written out (RFC 9562 section 5.5): the SHA-1 of
    namespace and name, its version nibble 5 and its variant bits 10.
    """
    digest = _NAMESPACE_SHA1.copy()
    digest.update(f"{hook_instance}\0{key}".encode())
    x = digest.hexdigest()
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{'89ab'[int(x[16], 16) & 3]}{x[17:20]}-{x[20:32]}"


@lru_cache(maxsize=4096)
def summary_of(title: str) -> str:
    """The rule's title, cut at a word to fit the card's summary."""
    title = " ".join(title.split())
    if len(title) <= SUMMARY_LIMIT:
        return title
    cut = title[:SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


AnyFinding = Finding | FoundFinding  # a Finding model, or a finding as the engine found it (the same fields)


@dataclass(frozen=True, slots=True)
class _RuleCard:
    """What every card of one rule's finding shares: made once for the rule (and case) the engine found it
    by, or for each Finding model. Cards are read, never changed, so they share these."""

    summary: str
    indicator: str
    guidance: str
    source: dict[str, Any]
    tags: list[str]
    # The card's JSON around what each finding fills in, as json_bytes writes the card: `head` comes after
    # the uuid and before the detail, `middle` before the rulebook hash, `tail` before the path.
    head: str
    middle: str
    tail: str


# The shared parts of the cards of each rule and case, by the engine's FindingParts they come from (held,
# so that its id is not reused): one rulebook has a few hundred.
_RULE_CARDS: dict[int, tuple[FindingParts, _RuleCard]] = {}
_RULE_CARDS_LIMIT = 4096
_OVERRIDE_REASONS = [dict(r) for r in OVERRIDE_REASONS]


def _json_text(value: Any) -> str:
    """Compact JSON, as json_bytes writes it."""
    return to_json(value).decode()


_OVERRIDE_REASONS_JSON = _json_text(_OVERRIDE_REASONS)


def _rule_card(finding: AnyFinding) -> _RuleCard:
    parts = finding.parts if isinstance(finding, FoundFinding) else None
    if parts is not None:
        known = _RULE_CARDS.get(id(parts))
        if known is not None and known[0] is parts:
            return known[1]
    summary = summary_of(finding.title)
    source: dict[str, Any] = {
        "label": f"leder-audit {finding.rule_id} v{finding.rule_version}",
        "topic": {"system": RULE_SYSTEM, "code": finding.rule_id, "display": summary},
    }
    url = guidance_url(finding)
    if url:
        source["url"] = url
    indicator = INDICATOR[finding.severity]
    tags = list(finding.tags)
    head = f'"summary":{_json_string(summary)},"indicator":{_json_string(indicator)},"detail":'
    middle = (f',"source":{_json_text(source)},"overrideReasons":{_OVERRIDE_REASONS_JSON},'
              f'"extension":{{{_json_string(EXTENSION)}:{{"ruleId":{_json_string(finding.rule_id)},'
              f'"ruleVersion":{int.__repr__(finding.rule_version)},"rulebookHash":')
    tail = f',"severity":{_json_string(finding.severity)},"tags":{_json_text(tags)},"path":'
    made = _RuleCard(summary, indicator, _guidance(tuple((r.source, r.section, r.url) for r in finding.references)),
                     source, tags, head, middle, tail)
    if parts is not None:
        if len(_RULE_CARDS) >= _RULE_CARDS_LIMIT:
            _RULE_CARDS.clear()
        _RULE_CARDS[id(parts)] = (parts, made)
    return made


def detail_of(finding: AnyFinding) -> str:
    """Markdown: the message, the words that made the rule fire, and the guidance it rests on."""
    return _detail(finding, _rule_card(finding).guidance)


def _detail(finding: AnyFinding, guidance: str) -> str:
    message = markdown_text(finding.message)
    evidence = finding.evidence
    if evidence is not None and evidence.text:
        where = f" ({markdown_text(evidence.path)})" if evidence.path else ""
        message = f"{message}\n\n> {markdown_text(evidence.text)}{where}"
    return f"{message}\n\n{guidance}" if guidance else message


@lru_cache(maxsize=4096)
def _guidance(references: tuple[tuple[str, str | None, str | None], ...]) -> str:
    """The guidance a rule rests on, as a markdown list; the same for every finding of the rule."""
    lines = []
    for source, section, url in references:
        name = markdown_text(source + (f", {section}" if section else ""))
        lines.append(f"- [{name}]({url})" if url else f"- {name}")
    return "**Guidance**\n\n" + "\n".join(lines) if lines else ""


def guidance_url(finding: AnyFinding) -> str | None:
    return next((r.url for r in finding.references if r.url), None)


def card_of(finding: AnyFinding, hook_instance: str, rulebook_hash: str) -> dict[str, Any]:
    """One finding as a CDS Hooks card."""
    rule = _rule_card(finding)
    evidence = finding.evidence
    fingerprint = finding.fingerprint
    return {
        "uuid": card_uuid(hook_instance, fingerprint),
        "summary": rule.summary,
        "indicator": rule.indicator,
        "detail": _detail(finding, rule.guidance),
        "source": rule.source,
        "overrideReasons": _OVERRIDE_REASONS,
        "extension": {EXTENSION: {
            "ruleId": finding.rule_id,
            "ruleVersion": finding.rule_version,
            "rulebookHash": rulebook_hash,
            "severity": finding.severity,
            "tags": rule.tags,
            "path": finding.path,
            "evidence": None if evidence is None else {
                "text": evidence.text, "start": evidence.start, "end": evidence.end, "path": evidence.path},
            "decidedOnUnknown": finding.decided_on_unknown,
            "fingerprint": fingerprint,
        }},
    }


def shown_on(moment: str, findings: Iterable[AnyFinding]) -> list[AnyFinding]:
    """The findings a hook shows: while a form is edited, not those that rest only on blank fields."""
    if moment == "edit":
        return [f for f in findings if not f.decided_on_unknown]
    return list(findings)


def incomplete_card(hook_instance: str, why: str) -> dict[str, Any]:
    """The card that says the check did not finish, so that no card never reads as 'nothing found'."""
    return {
        "uuid": card_uuid(hook_instance, "incomplete"),
        "summary": "leder-audit could not finish checking this form: no result is not a clear result",
        "indicator": "warning",
        "detail": (f"{why} Some rules did not run, so the absence of other cards does not mean the form "
                   "raises no concern. Check the form again before it is signed, or review it against the "
                   "guidance by hand."),
        "source": {"label": "leder-audit", "topic": {"system": RULE_SYSTEM, "code": "incomplete",
                                                     "display": "Check incomplete"}},
        "extension": {INCOMPLETE_EXTENSION: {"reason": why}},
    }


_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _null_or(text: str | None) -> str:
    return "null" if text is None else _json_string(text)


def _number_or_null(number: int | None) -> str:
    return "null" if number is None else int.__repr__(number)


def _evidence_json(evidence: Evidence | None) -> str:
    if evidence is None:
        return "null"
    return (f'{{"text":{_json_string(evidence.text)},"start":{_number_or_null(evidence.start)},'
            f'"end":{_number_or_null(evidence.end)},"path":{_null_or(evidence.path)}}}')


def _written_rest(finding: AnyFinding, hash_json: str) -> str:
    """A finding's card as JSON after its uuid: all of the card that is not the hook instance's."""
    rule = _rule_card(finding)
    return (f'{rule.head}{_json_string(_detail(finding, rule.guidance))}{rule.middle}'
            f'{hash_json}{rule.tail}{_null_or(finding.path)},"evidence":{_evidence_json(finding.evidence)},'
            f'"decidedOnUnknown":{"true" if finding.decided_on_unknown else "false"},'
            f'"fingerprint":{_json_string(finding.fingerprint)}}}}}}}')


# The cards of recent findings after their uuid, by what they are written from: the rule's shared parts and
# the finding's reasons (the engine shares one Reasons between findings that repeat an explanation), held so
# that their ids are not reused, with its message, fingerprint and the rulebook hash. A form checked again as
# it is edited finds most of its findings again, and their cards differ only in the uuid.
_CARD_RESTS: dict[tuple[int, int, str, str, str], tuple[FindingParts, Reasons, str]] = {}
_CARD_RESTS_LIMIT = 4096


def _card_rest(finding: AnyFinding, rulebook_hash: str, hash_json: str) -> str:
    if not isinstance(finding, FoundFinding):
        return _written_rest(finding, hash_json)
    parts, reasons = finding.parts, finding.reasons
    key = (id(parts), id(reasons), finding.message, finding.fingerprint, rulebook_hash)
    known = _CARD_RESTS.get(key)
    if known is not None and known[0] is parts and known[1] is reasons:
        return known[2]
    rest = _written_rest(finding, hash_json)
    if len(_CARD_RESTS) >= _CARD_RESTS_LIMIT:
        _CARD_RESTS.clear()
    _CARD_RESTS[key] = (parts, reasons, rest)
    return rest


@dataclass(frozen=True, slots=True)
class CardsAnswer:
    """A hook's answer written out: the response body, and what the audit line and the feedback file keep."""

    body: bytes  # {"cards": [...]}, as json_bytes writes the cards cards_for makes
    count: int
    rules: list[str]  # the rule ids that fired, sorted ("incomplete" for the card that says so)
    issued: list[tuple[str, str, int]]  # (card uuid, rule id, rule version) of each finding's card


def cards_answer(findings: Iterable[AnyFinding], moment: str, hook_instance: str, rulebook_hash: str,
                 rule_errors: int = 0) -> CardsAnswer:
    """The cards cards_for makes, written as JSON from the parts every card of a rule shares, with no card
    built as a dict: the same cards, in the same order, byte for byte."""
    shown = sorted(shown_on(moment, findings), key=lambda f: (-_RANK[f.severity], f.rule_id, f.path or ""))
    cards: dict[str, str] = {}
    issued = []
    rules = set()
    hash_json = _json_string(rulebook_hash)
    for finding in shown:
        fingerprint = finding.fingerprint
        card = card_uuid(hook_instance, fingerprint)
        if card in cards:
            continue
        cards[card] = f'{{"uuid":"{card}",{_card_rest(finding, rulebook_hash, hash_json)}'
        issued.append((card, finding.rule_id, finding.rule_version))
        rules.add(finding.rule_id)
    if rule_errors:
        incomplete = incomplete_card(hook_instance, f"{counted(rule_errors, 'rule')} failed while checking this form.")
        cards[incomplete["uuid"]] = _json_text(incomplete)
        rules.add("incomplete")
    return CardsAnswer(f'{{"cards":[{",".join(cards.values())}]}}'.encode(), len(cards), sorted(rules), issued)


def cards_for(findings: Iterable[AnyFinding], moment: str, hook_instance: str, rulebook_hash: str,
              rule_errors: int = 0) -> list[tuple[dict[str, Any], AnyFinding | None]]:
    """The cards a hook answers with, most severe first, each beside the finding it shows (None for the
    card that says the check is incomplete, added when rules failed to run)."""
    shown = sorted(shown_on(moment, findings), key=lambda f: (-_RANK[f.severity], f.rule_id, f.path or ""))
    cards: dict[str, tuple[dict[str, Any], AnyFinding | None]] = {}
    for finding in shown:
        card = card_of(finding, hook_instance, rulebook_hash)
        cards.setdefault(card["uuid"], (card, finding))
    if rule_errors:
        card = incomplete_card(hook_instance, f"{counted(rule_errors, 'rule')} failed while checking this form.")
        cards[card["uuid"]] = (card, None)
    return list(cards.values())
