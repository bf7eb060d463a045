"""The two CDS services, the custom hooks they answer, and what each hook's context carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HOOK_PREFIX = "org.leder-audit"


@dataclass(frozen=True, slots=True)
class ContextField:
    """One field of a hook's context, as the CDS Hooks specification tabulates them."""

    name: str
    optionality: str  # REQUIRED or OPTIONAL
    prefetch_token: str  # "Yes" when the field may be used as a prefetch token
    type: str
    description: str


@dataclass(frozen=True, slots=True)
class Hook:
    """A custom hook: the moment a form is edited or signed."""

    name: str
    moment: str  # "edit" or "sign"
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Service:
    """A CDS service: the record type it checks, and its edit and sign hooks."""

    id: str
    record_type: str
    title: str
    description: str
    form: str  # what the draft is, in words
    draft_resources: tuple[str, ...]
    edit: Hook
    sign: Hook

    @property
    def hooks(self) -> tuple[Hook, Hook]:
        return (self.edit, self.sign)

    def hook(self, name: str) -> Hook | None:
        return self.edit if name == self.edit.name else self.sign if name == self.sign.name else None


def _context(form: str, resources: str) -> tuple[ContextField, ...]:
    return (
        ContextField("userId", "REQUIRED", "Yes", "string",
                     "The FHIR resource type and id of the user writing the form: `Practitioner/123` or "
                     "`PractitionerRole/123`."),
        ContextField("patientId", "OPTIONAL", "Yes", "string",
                     "The FHIR id of the patient the form is about. Not read by the check; never logged."),
        ContextField("draft", "REQUIRED", "No", "object",
                     f"The {form} as written so far: a FHIR R4 resource or a Bundle of them ({resources}). "
                     "May instead be given as the prefetch item `draft`."),
    )


DNACPR = Service(
    id="leder-audit-dnacpr",
    record_type="dnacpr_decision",
    title="leder-audit: DNACPR, ReSPECT and treatment escalation decisions",
    description=("Checks a DNACPR, ReSPECT or treatment escalation form as it is written: learning disability or "
                 "Down's syndrome given as the reason, capacity and best interests, who the decision was "
                 "discussed with."),
    form="DNACPR, ReSPECT or treatment escalation form",
    draft_resources=("QuestionnaireResponse", "Consent", "Observation", "Patient"),
    edit=Hook(f"{HOOK_PREFIX}.dnacpr-decision-edit", "edit", "DNACPR decision being written",
              "The user is writing or changing a DNACPR, ReSPECT or treatment escalation form."),
    sign=Hook(f"{HOOK_PREFIX}.dnacpr-decision-sign", "sign", "DNACPR decision about to be signed",
              "The user is about to sign a DNACPR, ReSPECT or treatment escalation form."),
)

MCCD = Service(
    id="leder-audit-mccd",
    record_type="death_certificate",
    title="leder-audit: medical certificate of cause of death",
    description=("Checks a draft medical certificate of cause of death as it is written: learning disability, "
                 "Down's syndrome or autism given as a cause in Part I, or coded as the underlying cause."),
    form="draft medical certificate of cause of death",
    draft_resources=("Observation (VRDR cause of death, Part I lines and Part II)", "Composition", "Patient"),
    edit=Hook(f"{HOOK_PREFIX}.death-certificate-edit", "edit", "Death certificate being written",
              "The user is writing or changing a draft medical certificate of cause of death."),
    sign=Hook(f"{HOOK_PREFIX}.death-certificate-sign", "sign", "Death certificate about to be issued",
              "The user is about to sign or issue a medical certificate of cause of death."),
)

SERVICES: dict[str, Service] = {s.id: s for s in (DNACPR, MCCD)}


def context_fields(service: Service) -> tuple[ContextField, ...]:
    """The context every hook of this service carries (the edit and sign hooks carry the same)."""
    return _context(service.form, ", ".join(service.draft_resources))


def discovery() -> dict[str, Any]:
    """The discovery document: each service listed under each of its two hooks.

    One endpoint answers both hooks of a service and tells them apart by the request's `hook`, so a
    service's id appears twice, once per hook.
    """
    return {"services": [
        {"hook": hook.name, "id": service.id, "title": service.title,
         "description": f"{service.description} {hook.description}",
         "prefetch": {},
         "usageRequirements": ("Send the form as written so far in context.draft (a FHIR R4 resource or Bundle). "
                               + HOLD_BACK[hook.moment])}
        for service in SERVICES.values() for hook in service.hooks
    ]}


HOLD_BACK = {
    "edit": "Findings that rest only on fields not filled in yet are held back while the form is edited.",
    "sign": "Every finding is shown, including fields left blank.",
}
