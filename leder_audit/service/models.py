"""Request and response bodies, as pydantic models: they validate what comes in and document what goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class HookContext(BaseModel):
    """The context of the edit and sign hooks: who is writing, about whom, and the draft form."""

    model_config = ConfigDict(extra="allow")
    userId: str = Field(max_length=256, description="e.g. Practitioner/123")
    patientId: str | None = Field(None, max_length=256)
    draft: dict[str, Any] | None = Field(None, description="A FHIR R4 resource or Bundle: the form as written so far.")


class HookRequest(BaseModel):
    """A CDS Hooks 2.0 call."""

    model_config = ConfigDict(extra="allow")
    hook: str = Field(max_length=256)
    hookInstance: str = Field(min_length=1, max_length=128, description="A UUID for this firing of the hook.")
    fhirServer: str | None = Field(None, max_length=2048)
    fhirAuthorization: dict[str, Any] | None = None
    context: HookContext
    prefetch: dict[str, Any] | None = None


class Coding(BaseModel):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class Topic(Coding):
    pass


class Source(BaseModel):
    label: str
    url: str | None = None
    topic: Topic | None = None


class Card(BaseModel):
    """A CDS Hooks card (only the fields this service sends)."""

    uuid: str
    summary: str = Field(max_length=140)
    indicator: Literal["info", "warning", "critical"]
    detail: str | None = None
    source: Source
    overrideReasons: list[Coding] = []
    extension: dict[str, Any] = {}


class CardsResponse(BaseModel):
    cards: list[Card]


class DiscoveredService(BaseModel):
    hook: str
    id: str
    title: str | None = None
    description: str
    prefetch: dict[str, str] = {}
    usageRequirements: str | None = None


class DiscoveryResponse(BaseModel):
    services: list[DiscoveredService]


class OverrideReason(BaseModel):
    model_config = ConfigDict(extra="allow")
    reason: Coding | None = None
    userComment: str | None = Field(None, max_length=10_000, description="Accepted and never stored.")


class AcceptedSuggestion(BaseModel):
    id: str = Field(max_length=128)


class FeedbackEntry(BaseModel):
    """What the user did with one card."""

    model_config = ConfigDict(extra="allow")
    card: str = Field(min_length=1, max_length=128, description="The card's uuid.")
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] = Field([], max_length=100)
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: datetime


class FeedbackRequest(BaseModel):
    feedback: list[FeedbackEntry] = Field(min_length=1, max_length=100)


class FeedbackResponse(BaseModel):
    recorded: int = Field(description="Entries kept for the first time.")
    alreadyRecorded: int = Field(description="Entries that repeat ones kept before: nothing changed.")


class CheckResponse(BaseModel):
    complete: bool = Field(description="False when some rules did not run: no finding then is not a clear result.")
    incomplete: str | None = None
    findings: list[dict[str, Any]] = Field(description="Findings, as docs/schemas/finding.schema.json describes.")
    rulebookHash: str


class HealthResponse(BaseModel):
    status: Literal["ok"]
    version: str
    rules: int
    rulebookHash: str


class OperationOutcome(BaseModel):
    resourceType: Literal["OperationOutcome"]
    issue: list[dict[str, Any]]


OUTCOME_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": OperationOutcome, "description": description,
             "content": {"application/fhir+json": {"schema": {"$ref": "#/components/schemas/OperationOutcome"}}}}
    for status, description in {400: "The request is malformed", 401: "The client token is missing or refused",
                                404: "No such service", 412: "The hook's context has no draft form",
                                413: "The body or the form is too big", 415: "The body is not JSON",
                                422: "The form cannot be read as a record", 429: "Too many requests"}.items()
}
