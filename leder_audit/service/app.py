"""The HTTP application: CDS Hooks discovery, service and feedback endpoints, /v1/check, /healthz."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from functools import partial
from typing import Any, Awaitable, Callable, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..intake import render_loc
from ..errors import InputError
from .auditlog import AuditLog, AuditTrail
from .auth import Refused, Verifier
from .cards import cards_for, incomplete_card, shown_on
from .checker import Checked, WarmChecker
from .config import ServiceConfig
from .drafts import Bounds, DraftError, records_of_draft, within_bounds
from .feedback import FLUSH_AFTER_SECONDS, FeedbackStore, Outcome, reason_code
from .hooks import SERVICES, Service, discovery
from .limits import Limits, TokenBuckets
from .models import (CardsResponse, CheckResponse, DiscoveryResponse, FeedbackRequest, FeedbackResponse,
                     HealthResponse, HookRequest, OUTCOME_RESPONSES)
from .page import MeDraft, page, shown
from .problems import FHIR_JSON, operation_outcome
from ..prose import counted

class ServiceError(Exception):
    """A call answered with an OperationOutcome: status, message and the field it is about."""

    def __init__(self, status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.field, self.headers = status, message, field, headers


@dataclass
class ServiceState:
    """What every request shares: the warm checker, the token verifier, limits, feedback store, audit log."""

    config: ServiceConfig
    checker: WarmChecker
    verifier: Verifier
    feedback: FeedbackStore | None
    log: AuditLog
    bounds: Bounds
    deadline: float
    # One thread runs every check, so the checker is never entered twice and a slow check cannot take
    # the event loop with it: the loop answers on time with an incomplete card.
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "leder-audit-check"))

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.feedback is not None:
            self.feedback.close()
        self.log.close()


def outcome_response(status: int, message: str, field: str | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(operation_outcome(status, message, field), status_code=status, media_type=FHIR_JSON,
                        headers=headers)


def _route_of(path: str) -> str:
    """The route a path is for, as logged: never the raw path of an unknown one, which a caller chose."""
    if path in ("/cds-services", "/v1/check", "/healthz", "/openapi.json", "/me", "/me/check"):
        return path
    parts = path.strip("/").split("/")
    if len(parts) in (2, 3) and parts[0] == "cds-services" and parts[1] in SERVICES:
        return "/cds-services/" + "/".join(parts[1:])
    return "unmatched"


POSTED = frozenset({"/v1/check", "/me/check", *(f"/cds-services/{s}" for s in SERVICES),
                    *(f"/cds-services/{s}/feedback" for s in SERVICES)})


def _audience(state: ServiceState, request: Request) -> str:
    base = state.config.base_url or f"{request.url.scheme}://{request.url.netloc}"
    return base.rstrip("/") + request.url.path


def _authenticate(state: ServiceState, request: Request) -> str:
    """Who called: the verified issuer, or 'anonymous' when no issuers are configured."""
    if not state.verifier.enabled:
        return "anonymous"
    try:
        return state.verifier.verify(request.headers.get("authorization"), _audience(state, request)).iss
    except Refused as refused:
        raise ServiceError(401, str(refused), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None


def _service(service_id: str) -> Service:
    service = SERVICES.get(service_id)
    if service is None:
        raise ServiceError(404, f"no CDS service {service_id[:64]!r}; services are {', '.join(SERVICES)}")
    return service


async def _check_in_time(state: ServiceState, records: list[Any]) -> list[Checked] | None:
    """Every record's findings, or None when the deadline passed first."""
    loop = asyncio.get_running_loop()
    work = loop.run_in_executor(state.executor, lambda: [state.checker.check(r) for r in records])
    try:
        return await asyncio.wait_for(work, state.deadline)
    except asyncio.TimeoutError:
        return None


Body = TypeVar("Body", bound=BaseModel)

# The bodies the POST endpoints read. Each handler reads its body once and validates it with the model's
# own JSON parser, rather than FastAPI building the model from a parsed copy; the models are still what
# /openapi.json documents (see _documented).
BODY_MODELS: tuple[type[BaseModel], ...] = (HookRequest, FeedbackRequest, MeDraft)


def _request_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _model_body(model: type[BaseModel]) -> dict[str, Any]:
    return _request_body({"$ref": f"#/components/schemas/{model.__name__}"})


RECORD_BODY = _request_body({"type": "object", "additionalProperties": True, "title": "Record",
                             "description": "A record in the library's own shapes (docs/records.md)."})


def _invalid(error: ValidationError) -> ServiceError:
    """The first thing wrong with a body, as a 400 naming the field."""
    first = error.errors(include_url=False)[0]
    if first.get("type") == "json_invalid":
        return ServiceError(400, "the request body is not valid JSON")
    where = render_loc(tuple(first.get("loc", ())))
    return ServiceError(400, f"{where or 'the request body'}: {first.get('msg', 'invalid')}", where or None)


def _parsed(model: type[Body], body: bytes) -> Body:
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise _invalid(error) from None


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        raise ServiceError(400, "the request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise ServiceError(400, "the request body: Input should be a valid dictionary")
    return value


def _documented(api: FastAPI) -> Callable[[], dict[str, Any]]:
    """api.openapi, with the request body models among the document's schemas."""
    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = get_openapi(title=api.title, version=api.version, description=api.description,
                                   routes=api.routes)
            _, defs = models_json_schema([(m, "validation") for m in BODY_MODELS],
                                         ref_template="#/components/schemas/{model}")
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in defs.get("$defs", {}).items():
                schemas.setdefault(name, schema)
            api.openapi_schema = document
        return api.openapi_schema
    return openapi


def _input_error(error: InputError) -> ServiceError:
    return ServiceError(422, f"the form does not fit its record model: {error.message}", error.field)


def create_app(config: ServiceConfig, checker: WarmChecker, relative_to: Path | None = None,
               clock: Callable[[], float] = time.time) -> "ServiceApp":
    """The service, ready for uvicorn (or any ASGI server) to run."""
    state = ServiceState(
        config=config, checker=checker, verifier=Verifier(config, relative_to or Path.cwd(), clock),
        feedback=FeedbackStore(config.feedback_db) if config.feedback_db else None,
        log=AuditLog(config.audit_log),
        bounds=Bounds(max_entries=config.max_bundle_entries, max_text=config.max_text_chars),
        deadline=config.deadline_ms / 1000,
    )
    api = FastAPI(title="leder-audit service", version=__version__, docs_url=None, redoc_url=None,
                  description="CDS Hooks 2.0 services that check DNACPR decisions and death certificates "
                              "against the LeDeR recommendations, a plain JSON check, and a checking page.")
    _errors(api)
    direct: dict[str, Handler] = {}
    _routes(api, state, direct)
    api.openapi = _documented(api)  # type: ignore[method-assign]
    buckets = TokenBuckets(config.rate_limit.per_second, config.rate_limit.burst)
    inner = Limits(Direct(api, direct), config.max_body_bytes, buckets, lambda path: _route_of(path) in POSTED)
    cors = CORSMiddleware(inner, allow_origins=config.cors_origins, allow_methods=["GET", "POST"],
                          allow_headers=["authorization", "content-type"], max_age=600)
    return ServiceApp(AuditTrail(cors, state.log, _route_of), api, state)


Handler = Callable[[Request], Awaitable[Response]]
UNEXPECTED = "the service failed to answer this call; the failure is in its audit log"


def _error_response(error: ServiceError | DraftError) -> JSONResponse:
    return outcome_response(error.status, error.message, error.field, getattr(error, "headers", None))


class Direct:
    """ASGI: the calls made on every edit of a form or pause in typing (a hook, /me/check, /v1/check) go
    straight to their handlers, past FastAPI's routing, dependency and middleware machinery, which costs
    more CPU than the rest of such a call but the check; every other call goes to FastAPI. The handlers
    are the ones FastAPI routes and documents, with the same answers and errors."""

    def __init__(self, api: FastAPI, routes: dict[str, Handler]) -> None:
        self.api, self.routes = api, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if handler is None:
            await self.api(scope, receive, send)
            return
        try:
            response = await handler(Request(scope, receive))
        except (ServiceError, DraftError) as error:
            response = _error_response(error)
        except Exception:
            response = outcome_response(500, UNEXPECTED)
        await response(scope, receive, send)


class ServiceApp:
    """The ASGI application: the audit trail, CORS and limits around the service's routes."""

    def __init__(self, asgi: ASGIApp, api: FastAPI, state: ServiceState) -> None:
        self.asgi, self.api, self.state = asgi, api, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    def close(self) -> None:
        self.state.close()


def _errors(api: FastAPI) -> None:
    @api.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> JSONResponse:
        return _error_response(error)

    @api.exception_handler(DraftError)
    async def draft_error(request: Request, error: DraftError) -> JSONResponse:
        return _error_response(error)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = {404: "no such endpoint; see GET /cds-services and /openapi.json",
                   405: f"{request.method} is not allowed here"}.get(error.status_code, str(error.detail))
        return outcome_response(error.status_code, message, headers=getattr(error, "headers", None))

    @api.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        loc = tuple(p for p in first.get("loc", ()) if p != "body")
        if first.get("type") == "json_invalid":
            return outcome_response(400, "the request body is not valid JSON")
        return outcome_response(400, f"{render_loc(loc) or 'the request body'}: {first.get('msg', 'invalid')}",
                                render_loc(loc) or None)

    @api.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        return outcome_response(500, UNEXPECTED)


def _routes(api: FastAPI, state: ServiceState, direct: dict[str, Handler]) -> None:
    @api.get("/cds-services", response_model=DiscoveryResponse, tags=["CDS Hooks"])
    async def cds_services() -> JSONResponse:
        """The CDS Hooks discovery document."""
        return JSONResponse(discovery())

    def authenticated(request: Request) -> str:
        """The caller, checked before the body is read: an unauthenticated call learns nothing from it."""
        client = request.state.audit["client"] = _authenticate(state, request)
        return client

    @api.post("/cds-services/{service_id}", response_model=CardsResponse, responses=OUTCOME_RESPONSES,
              tags=["CDS Hooks"], openapi_extra=_model_body(HookRequest))
    async def call_service(service_id: str, request: Request) -> JSONResponse:
        """Check the draft form in the hook's context; a card for each finding."""
        authenticated(request)
        call = _parsed(HookRequest, await request.body())
        audit = request.state.audit
        service = _service(service_id)
        hook = service.hook(call.hook)
        if hook is None:
            raise ServiceError(400, f"service {service.id} answers the hooks {service.edit.name} and "
                                    f"{service.sign.name}, not {call.hook[:80]!r}", "hook")
        audit.update(service=service.id, hook=hook.moment)
        draft = call.context.draft if call.context.draft is not None else (call.prefetch or {}).get("draft")
        if draft is None:
            raise ServiceError(412, "no draft form: send it in context.draft (or as the prefetch item draft)",
                               "context.draft")
        records = records_of_draft(draft, service, state.bounds)
        try:
            checked = await _check_in_time(state, records)
        except InputError as error:
            raise _input_error(error) from None
        cards = _cards(state, service, hook.moment, call.hookInstance, checked)
        audit["cards"] = len(cards)
        audit["rules"] = sorted({c["source"]["topic"]["code"] for c in cards})
        return JSONResponse({"cards": cards})

    direct.update({f"/cds-services/{service_id}": partial(call_service, service_id) for service_id in SERVICES})

    @api.post("/cds-services/{service_id}/feedback", response_model=FeedbackResponse, responses=OUTCOME_RESPONSES,
              tags=["CDS Hooks"], openapi_extra=_model_body(FeedbackRequest))
    async def feedback(service_id: str, request: Request) -> JSONResponse:
        """Whether the user accepted or overrode each card, with the coded override reason."""
        authenticated(request)
        body = _parsed(FeedbackRequest, await request.body())
        service = _service(service_id)
        request.state.audit["service"] = service.id
        if state.feedback is None:
            raise ServiceError(404, "feedback is not kept by this service (feedback_db is off)")
        outcomes = [Outcome(str(entry.card), entry.outcome,
                            reason_code(entry.overrideReason.model_dump() if entry.overrideReason else None)
                            if entry.outcome == "overridden" else None,
                            entry.outcomeTimestamp.isoformat())
                    for entry in body.feedback]
        loop = asyncio.get_running_loop()
        added, repeated = await loop.run_in_executor(None, state.feedback.record, service.id, outcomes)
        request.state.audit["outcomes"] = len(outcomes)
        return JSONResponse({"recorded": added, "alreadyRecorded": repeated})

    @api.post("/v1/check", response_model=CheckResponse, responses=OUTCOME_RESPONSES, tags=["Records"],
              openapi_extra=RECORD_BODY)
    async def check_record(request: Request) -> JSONResponse:
        """Check one record in the library's own shapes (docs/records.md); its findings."""
        authenticated(request)
        record = _json_object(await request.body())
        within_bounds(record, state.bounds, "record")
        try:
            checked = await _check_in_time(state, [record])
        except InputError as error:
            raise ServiceError(422, error.message, error.field) from None
        request.state.audit["records"] = 1
        return JSONResponse(_check_response(state, checked))

    direct["/v1/check"] = check_record

    if state.config.me_page:
        _page_routes(api, state, direct)

    @api.get("/healthz", response_model=HealthResponse, tags=["Service"])
    async def healthz() -> JSONResponse:
        """Whether the service is up, and which rulebook it checks with."""
        return JSONResponse({"status": "ok", "version": __version__, "rules": len(state.checker.rulebook.rules),
                             "rulebookHash": state.checker.rulebook_hash})


def _page_routes(api: FastAPI, state: ServiceState, direct: dict[str, Handler]) -> None:
    @api.get("/me", response_class=HTMLResponse, tags=["Medical examiner"])
    async def me_page() -> HTMLResponse:
        """The medical examiner's checking page: type Part I and Part II, see findings as you type."""
        html, policy = page()
        return HTMLResponse(html, headers={"Content-Security-Policy": policy, "Cache-Control": "no-store",
                                           "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"})

    @api.post("/me/check", response_model=CheckResponse, responses=OUTCOME_RESPONSES, tags=["Medical examiner"],
              openapi_extra=_model_body(MeDraft))
    async def me_check(request: Request) -> JSONResponse:
        """The page's check of what has been typed so far: findings on written words only, never stored."""
        draft = _parsed(MeDraft, await request.body())
        checked = await _check_in_time(state, [draft.record()])
        if checked is None:
            body = {"complete": False, "incomplete": f"the check took longer than {state.config.deadline_ms} ms",
                    "findings": [], "rulebookHash": state.checker.rulebook_hash}
        else:
            result = checked[0]
            body = {"complete": result.rule_errors == 0, "incomplete": None,
                    "findings": [shown(f) for f in shown_on("edit", result.findings)],
                    "rulebookHash": state.checker.rulebook_hash}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    direct["/me/check"] = me_check


def _check_response(state: ServiceState, checked: list[Checked] | None) -> dict[str, Any]:
    if checked is None:
        return {"complete": False, "incomplete": f"the check took longer than {state.config.deadline_ms} ms",
                "findings": [], "rulebookHash": state.checker.rulebook_hash}
    result = checked[0]
    return {"complete": result.rule_errors == 0,
            "incomplete": f"{counted(result.rule_errors, 'rule')} could not run on this record" if result.rule_errors else None,
            "findings": [f.model_dump(mode="json") for f in result.findings],
            "rulebookHash": state.checker.rulebook_hash}


def _cards(state: ServiceState, service: Service, moment: str, hook_instance: str,
           checked: list[Checked] | None) -> list[dict[str, Any]]:
    if checked is None:
        return [incomplete_card(hook_instance, f"The check took longer than {state.config.deadline_ms} ms.")]
    pairs = cards_for([f for result in checked for f in result.findings], moment, hook_instance,
                      state.checker.rulebook_hash, sum(result.rule_errors for result in checked))
    if state.feedback is not None and state.feedback.issued(
            service.id, moment, [(card["uuid"], finding.rule_id, finding.rule_version)
                                 for card, finding in pairs if finding is not None]):
        loop = asyncio.get_running_loop()
        loop.call_later(FLUSH_AFTER_SECONDS, loop.run_in_executor, None, state.feedback.flush)
    return [card for card, _ in pairs]
