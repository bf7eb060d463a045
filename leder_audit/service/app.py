"""The HTTP application: CDS Hooks discovery, service and feedback endpoints, /v1/check, /healthz, /me."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from functools import partial
from json.encoder import encode_basestring as _json_string
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from pydantic_core import from_json, to_json
from starlette.datastructures import URL
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..errors import InputError
from ..intake import render_loc
from ..prose import counted
from .auditlog import AuditLog, AuditTrail
from .auth import Refused, Verifier
from .cards import CardsAnswer, cards_answer, incomplete_card, shown_on
from .checker import Checked, Checks, WarmChecker
from .config import ServiceConfig
from .drafts import Bounds, DraftError, records_of_draft, within_bounds
from .feedback import FLUSH_AFTER_SECONDS, FeedbackStore, Outcome, reason_code
from .hooks import SERVICES, Service, discovery
from .limits import (TOO_MANY, Limits, Refusal, TokenBuckets, body_refusal, client_of, read_body, refuse,
                     request_headers)
from .models import (CardsResponse, CheckResponse, DiscoveryResponse, FeedbackRequest, FeedbackResponse,
                     HealthResponse, HookRequest, OUTCOME_RESPONSES)
from .page import MeDraft, page, shown
from .problems import FHIR_JSON, outcome_bytes, operation_outcome


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
    # Checks known to be quick run on the event loop; the rest on one thread, so a slow check cannot take
    # the event loop with it: the loop answers on time with an incomplete card.
    checks: Checks = field(init=False)
    # The `aud` a token must name, by the path it is sent to (only paths whose calls are authenticated).
    audiences: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.checks = Checks(self.checker, self.deadline)

    def close(self) -> None:
        self.checks.close()
        if self.feedback is not None:
            self.feedback.close()
        self.log.close()


def json_bytes(value: Any) -> bytes:
    """A response body: compact UTF-8 JSON, as Starlette's JSONResponse writes it, serialised in Rust."""
    return to_json(value, inf_nan_mode="null")


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


@dataclass(slots=True)
class Call:
    """A call as its handler reads it: the ASGI scope, the headers by name, the whole body, and the fields
    the handler adds to the call's audit line."""

    scope: Scope
    headers: dict[bytes, bytes]
    body: bytes
    audit: dict[str, Any]

    def header(self, name: bytes) -> str | None:
        value = self.headers.get(name)
        return None if value is None else value.decode("latin-1")


@dataclass(frozen=True, slots=True)
class Answer:
    """What a handler answers: the body, the status, its media type and any other headers."""

    body: bytes
    status: int = 200
    media_type: str = "application/json"
    headers: tuple[tuple[bytes, bytes], ...] = ()


Handler = Callable[[Call], Awaitable[Answer]]
AUDIENCES_KEPT = 64
NO_STORE = ((b"cache-control", b"no-store"),)


def _audience(state: ServiceState, call: Call) -> str:
    """The URL a token must name as its `aud`: the configured base URL, or the one the call was sent to."""
    if state.config.base_url:  # the path as Starlette's URL spells it
        path = str(call.scope["path"])
        audience = state.audiences.get(path)
        if audience is None:
            audience = state.config.base_url.rstrip("/") + (
                path.replace("?", "%3F").replace("#", "%23").replace("\\", "%5C"))
            if len(state.audiences) < AUDIENCES_KEPT:
                state.audiences[path] = audience
        return audience
    url = URL(scope=call.scope)
    return f"{url.scheme}://{url.netloc}".rstrip("/") + url.path


def _authenticate(state: ServiceState, call: Call) -> str:
    """Who called: the verified issuer, or 'anonymous' when no issuers are configured."""
    if not state.verifier.enabled:
        return "anonymous"
    try:
        return state.verifier.verify(call.header(b"authorization"), _audience(state, call)).iss
    except Refused as refused:
        raise ServiceError(401, str(refused), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None


def _service(service_id: str) -> Service:
    service = SERVICES.get(service_id)
    if service is None:
        raise ServiceError(404, f"no CDS service {service_id[:64]!r}; services are {', '.join(SERVICES)}")
    return service


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


@dataclass(frozen=True, slots=True)
class HookCall:
    """What a CDS Hooks call's handler reads of its body: the hook, its instance, and the draft form (from
    context.draft, else the prefetch item draft; None when there is neither)."""

    hook: str
    hook_instance: str
    draft: Any


def _text(value: Any, longest: int, shortest: int = 0) -> bool:
    return type(value) is str and shortest <= len(value) <= longest


def _optional_text(value: Any, longest: int) -> bool:
    return value is None or _text(value, longest)


def _optional_object(value: Any) -> bool:
    return value is None or type(value) is dict


def _fits(body: Any) -> bool:
    """Whether a body read from JSON is one HookRequest accepts, by its fields' own bounds: every body this
    says yes to, the model accepts with the same values (tests/test_service_hot.py holds the two to it)."""
    if type(body) is not dict:
        return False
    context = body.get("context")
    return (type(context) is dict and _text(body.get("hook"), 256) and _text(body.get("hookInstance"), 128, 1)
            and _text(context.get("userId"), 256) and _optional_text(context.get("patientId"), 256)
            and _optional_object(context.get("draft")) and _optional_text(body.get("fhirServer"), 2048)
            and _optional_object(body.get("fhirAuthorization")) and _optional_object(body.get("prefetch")))


def hook_request(body: bytes) -> HookCall:
    """A CDS Hooks call's body, read once by pydantic-core's JSON parser. A body whose fields are plainly
    within HookRequest's bounds is read as it is; any other is validated by the model, and one that does not
    fit is validated again as JSON text, so that its error is the one _parsed gives."""
    try:
        value = from_json(body)
    except (ValueError, RecursionError):  # not JSON: the model says where
        value = None
    if _fits(value):
        context = value["context"]
        draft = context.get("draft")
        if draft is None:
            draft = (value.get("prefetch") or {}).get("draft")
        return HookCall(value["hook"], value["hookInstance"], draft)
    try:
        request = HookRequest.model_validate(value)
    except (ValueError, RecursionError):  # a body that does not fit (ValidationError is a ValueError)
        request = _parsed(HookRequest, body)
    draft = request.context.draft if request.context.draft is not None else (request.prefetch or {}).get("draft")
    return HookCall(request.hook, request.hookInstance, draft)


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
    handlers = Handlers(state)
    _routes(api, state, handlers)
    api.openapi = _documented(api)  # type: ignore[method-assign]
    buckets = TokenBuckets(config.rate_limit.per_second, config.rate_limit.burst)
    inner = Limits(api, config.max_body_bytes, buckets, lambda path: _route_of(path) in POSTED)
    cors = CORSMiddleware(inner, allow_origins=config.cors_origins, allow_methods=["GET", "POST"],
                          allow_headers=["authorization", "content-type"], max_age=600)
    stack = AuditTrail(cors, state.log, _route_of)
    return ServiceApp(Hot(stack, handlers.hot(), state, buckets, cors), api, state)


UNEXPECTED = "the service failed to answer this call; the failure is in its audit log"


def _error_response(error: ServiceError | DraftError) -> JSONResponse:
    return outcome_response(error.status, error.message, error.field, getattr(error, "headers", None))


def _error_answer(error: ServiceError | DraftError) -> Answer:
    headers = tuple((k.lower().encode("latin-1"), v.encode("latin-1"))
                    for k, v in (getattr(error, "headers", None) or {}).items())
    return Answer(outcome_bytes(error.status, error.message, error.field), error.status, FHIR_JSON, headers)


VARY_ORIGIN = (b"vary", b"Origin")


def cors_headers(cors: CORSMiddleware, origin: bytes | None) -> list[tuple[bytes, bytes]]:
    """The CORS headers the middleware would add to a (non-preflight) response to a call from `origin`."""
    if origin is None:
        return [VARY_ORIGIN]
    named = {name.lower(): value for name, value in cors.simple_headers.items()}
    text = origin.decode("latin-1")
    if (cors.allow_all_origins and cors.allow_credentials) or (
            not cors.allow_all_origins and cors.is_allowed_origin(origin=text)):
        named["access-control-allow-origin"] = text
    return [*((name.encode("latin-1"), value.encode("latin-1")) for name, value in named.items()), VARY_ORIGIN]


class Hot:
    """ASGI: the calls made on every edit of a form or pause in typing (a hook, /me/check, /v1/check) and the
    checking page are answered here whole: the rate limit, JSON only, the body limit, CORS, the handler and
    the audit line, each done once, with no middleware, routing or request objects between the server and
    the handler. Every other call goes through the audit trail, CORS, the limits and FastAPI. The answers,
    errors and audit lines are the same either way; the handlers are the ones FastAPI routes and documents.
    """

    def __init__(self, stack: ASGIApp, routes: dict[tuple[str, str], Handler], state: ServiceState,
                 buckets: TokenBuckets, cors: CORSMiddleware) -> None:
        self.stack, self.state, self.buckets, self.cors = stack, state, buckets, cors
        # Each call's handler and the route its audit line names, by method and path.
        self.routes = {key: (handler, _route_of(key[1])) for key, handler in routes.items()}
        self.max_body_bytes = state.config.max_body_bytes
        self.forwarded: ASGIApp | None = None  # reads X-Forwarded-* into the scope, when trusted (trust_proxies)

    def trust_proxies(self, trusted_hosts: str) -> None:
        """Read X-Forwarded-For and X-Forwarded-Proto from the hosts named as uvicorn's proxy headers
        middleware reads them, in place of that middleware around the app: a hot call that carries neither
        header is answered with no middleware call at all; any other call goes through it as before."""
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        self.forwarded = cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, _scope_read), trusted_hosts))
        self.stack = cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, self.stack), trusted_hosts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.routes.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if found is None:
            await self.stack(scope, receive, send)
            return
        started = time.perf_counter()
        handler, route = found
        audit: dict[str, Any] = {}
        status = 500
        try:
            status = await self._answer(handler, scope, receive, send, audit)
        finally:
            self.state.log.call(scope["method"], route, status, time.perf_counter() - started, audit)

    async def _answer(self, handler: Handler, scope: Scope, receive: Receive, send: Send,
                      audit: dict[str, Any]) -> int:
        """The call answered; its status (500 when the caller went away before it was read)."""
        headers = request_headers(scope)
        if self.forwarded is not None and (b"x-forwarded-for" in headers or b"x-forwarded-proto" in headers):
            await self.forwarded(scope, receive, send)  # the client and scheme the proxy names, into the scope
        extra = cors_headers(self.cors, headers.get(b"origin"))
        if not self.buckets.allow(client_of(scope)):
            await refuse(send, TOO_MANY, extra)
            return TOO_MANY.status
        body = b""
        if scope["method"] == "POST":
            read = body_refusal(headers, self.max_body_bytes, True) or await read_body(receive, self.max_body_bytes)
            if read is None:
                return 500
            if isinstance(read, Refusal):
                await refuse(send, read, extra)
                return read.status
            body = read
        try:
            answer = await handler(Call(scope, headers, body, audit))
        except (ServiceError, DraftError) as error:
            answer = _error_answer(error)
        except Exception:
            answer = Answer(outcome_bytes(500, UNEXPECTED), 500, FHIR_JSON)
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": [(b"content-length", str(len(answer.body)).encode()),
                                (b"content-type", answer.media_type.encode()), *answer.headers, *extra]})
        await send({"type": "http.response.body", "body": answer.body})
        return answer.status


async def _scope_read(scope: Scope, receive: Receive, send: Send) -> None:
    """Nothing: what the proxy headers middleware calls once it has read the headers into the scope."""


class ServiceApp:
    """The ASGI application: the hot calls answered directly, the rest through the audit trail, CORS, limits
    and FastAPI."""

    def __init__(self, asgi: Hot, api: FastAPI, state: ServiceState) -> None:
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


async def _routed(handler: Handler, request: Request) -> Response:
    """A handler answering through FastAPI: the same Call it gets on the hot path, its Answer as a Response."""
    call = Call(request.scope, request_headers(request.scope), await request.body(), request.state.audit)
    answer = await handler(call)
    return Response(answer.body, answer.status, {k.decode("latin-1"): v.decode("latin-1") for k, v in answer.headers},
                    media_type=answer.media_type)


class Handlers:
    """The handlers of the calls that check a form, each taking a Call and giving an Answer."""

    def __init__(self, state: ServiceState) -> None:
        self.state = state

    def hot(self) -> dict[tuple[str, str], Handler]:
        """The calls the hot path answers, by method and path."""
        routes: dict[tuple[str, str], Handler] = {
            ("POST", f"/cds-services/{service_id}"): partial(self.call_service, service_id) for service_id in SERVICES}
        routes[("POST", "/v1/check")] = self.check_record
        if self.state.config.me_page:
            routes[("POST", "/me/check")] = self.me_check
            routes[("GET", "/me")] = self.me_page
        return routes

    def authenticated(self, call: Call) -> str:
        """The caller, checked before the body is parsed: an unauthenticated call learns nothing from it."""
        client = call.audit["client"] = _authenticate(self.state, call)
        return client

    async def call_service(self, service_id: str, call: Call) -> Answer:
        """Check the draft form in the hook's context; a card for each finding."""
        state = self.state
        self.authenticated(call)
        request = hook_request(call.body)
        service = _service(service_id)
        hook = service.hook(request.hook)
        if hook is None:
            raise ServiceError(400, f"service {service.id} answers the hooks {service.edit.name} and "
                                    f"{service.sign.name}, not {request.hook[:80]!r}", "hook")
        audit = call.audit
        audit["service"], audit["hook"] = service.id, hook.moment
        if request.draft is None:
            raise ServiceError(412, "no draft form: send it in context.draft (or as the prefetch item draft)",
                               "context.draft")
        records = records_of_draft(request.draft, service, state.bounds, len(call.body))
        try:
            checked = await state.checks.run(records, len(call.body))
        except InputError as error:
            raise _input_error(error) from None
        answer = _cards(state, service, hook.moment, request.hook_instance, checked)
        audit["cards"], audit["rules"] = answer.count, answer.rules
        return Answer(answer.body)

    async def feedback(self, service_id: str, call: Call) -> Answer:
        """Whether the user accepted or overrode each card, with the coded override reason."""
        state = self.state
        self.authenticated(call)
        body = _parsed(FeedbackRequest, call.body)
        service = _service(service_id)
        call.audit["service"] = service.id
        if state.feedback is None:
            raise ServiceError(404, "feedback is not kept by this service (feedback_db is off)")
        outcomes = [Outcome(str(entry.card), entry.outcome,
                            reason_code(entry.overrideReason.model_dump() if entry.overrideReason else None)
                            if entry.outcome == "overridden" else None,
                            entry.outcomeTimestamp.isoformat())
                    for entry in body.feedback]
        loop = asyncio.get_running_loop()
        added, repeated = await loop.run_in_executor(None, state.feedback.record, service.id, outcomes)
        call.audit["outcomes"] = len(outcomes)
        return Answer(json_bytes({"recorded": added, "alreadyRecorded": repeated}))

    async def check_record(self, call: Call) -> Answer:
        """Check one record in the library's own shapes (docs/records.md); its findings."""
        state = self.state
        self.authenticated(call)
        record = _json_object(call.body)
        within_bounds(record, state.bounds, "record", len(call.body))
        try:
            checked = await state.checks.run([record], len(call.body))
        except InputError as error:
            raise ServiceError(422, error.message, error.field) from None
        call.audit["records"] = 1
        return Answer(_check_response(state, checked))

    async def me_page(self, call: Call) -> Answer:
        """The medical examiner's checking page: type Part I and Part II, see findings as you type."""
        html, policy = page()
        return Answer(html, media_type="text/html; charset=utf-8", headers=(
            (b"content-security-policy", policy.encode()), (b"cache-control", b"no-store"),
            (b"referrer-policy", b"no-referrer"), (b"x-content-type-options", b"nosniff")))

    async def me_check(self, call: Call) -> Answer:
        """The page's check of what has been typed so far: findings on written words only, never stored."""
        state = self.state
        draft = _parsed(MeDraft, call.body)
        checked = await state.checks.run([draft.record()], len(call.body))
        if checked is None:
            body = {"complete": False, "incomplete": f"the check took longer than {state.config.deadline_ms} ms",
                    "findings": [], "rulebookHash": state.checker.rulebook_hash}
        else:
            result = checked[0]
            body = {"complete": result.rule_errors == 0, "incomplete": None,
                    "findings": [shown(f) for f in shown_on("edit", result.found)],
                    "rulebookHash": state.checker.rulebook_hash}
        return Answer(json_bytes(body), headers=NO_STORE)


def _routes(api: FastAPI, state: ServiceState, handlers: Handlers) -> None:
    @api.get("/cds-services", response_model=DiscoveryResponse, tags=["CDS Hooks"])
    async def cds_services() -> JSONResponse:
        """The CDS Hooks discovery document."""
        return JSONResponse(discovery())

    @api.post("/cds-services/{service_id}", response_model=CardsResponse, responses=OUTCOME_RESPONSES,
              tags=["CDS Hooks"], openapi_extra=_model_body(HookRequest))
    async def call_service(service_id: str, request: Request) -> Response:
        """Check the draft form in the hook's context; a card for each finding."""
        return await _routed(partial(handlers.call_service, service_id), request)

    @api.post("/cds-services/{service_id}/feedback", response_model=FeedbackResponse, responses=OUTCOME_RESPONSES,
              tags=["CDS Hooks"], openapi_extra=_model_body(FeedbackRequest))
    async def feedback(service_id: str, request: Request) -> Response:
        """Whether the user accepted or overrode each card, with the coded override reason."""
        return await _routed(partial(handlers.feedback, service_id), request)

    @api.post("/v1/check", response_model=CheckResponse, responses=OUTCOME_RESPONSES, tags=["Records"],
              openapi_extra=RECORD_BODY)
    async def check_record(request: Request) -> Response:
        """Check one record in the library's own shapes (docs/records.md); its findings."""
        return await _routed(handlers.check_record, request)

    if state.config.me_page:
        @api.get("/me", response_class=HTMLResponse, tags=["Medical examiner"])
        async def me_page(request: Request) -> Response:
            """The medical examiner's checking page: type Part I and Part II, see findings as you type."""
            return await _routed(handlers.me_page, request)

        @api.post("/me/check", response_model=CheckResponse, responses=OUTCOME_RESPONSES, tags=["Medical examiner"],
                  openapi_extra=_model_body(MeDraft))
        async def me_check(request: Request) -> Response:
            """The page's check of what has been typed so far: findings on written words only, never stored."""
            return await _routed(handlers.me_check, request)

    @api.get("/healthz", response_model=HealthResponse, tags=["Service"])
    async def healthz() -> JSONResponse:
        """Whether the service is up, and which rulebook it checks with."""
        return JSONResponse({"status": "ok", "version": __version__, "rules": len(state.checker.rulebook.rules),
                             "rulebookHash": state.checker.rulebook_hash})


def _check_response(state: ServiceState, checked: list[Checked] | None) -> bytes:
    """/v1/check's answer: each finding's JSON as the engine writes it, which is the Finding model's own."""
    if checked is None:
        return json_bytes({"complete": False, "incomplete": f"the check took longer than {state.config.deadline_ms} ms",
                           "findings": [], "rulebookHash": state.checker.rulebook_hash})
    result = checked[0]
    incomplete = f"{counted(result.rule_errors, 'rule')} could not run on this record" if result.rule_errors else None
    findings = ",".join([f.json() for f in result.found])
    return (f'{{"complete":{"false" if result.rule_errors else "true"},"incomplete":'
            f'{"null" if incomplete is None else _json_string(incomplete)},"findings":[{findings}],'
            f'"rulebookHash":{_json_string(state.checker.rulebook_hash)}}}').encode()


def _cards(state: ServiceState, service: Service, moment: str, hook_instance: str,
           checked: list[Checked] | None) -> CardsAnswer:
    if checked is None:
        card = incomplete_card(hook_instance, f"The check took longer than {state.config.deadline_ms} ms.")
        return CardsAnswer(json_bytes({"cards": [card]}), 1, ["incomplete"], [])
    if len(checked) == 1:
        found, rule_errors = checked[0].found, checked[0].rule_errors
    else:
        found = [f for result in checked for f in result.found]
        rule_errors = sum(result.rule_errors for result in checked)
    answer = cards_answer(found, moment, hook_instance, state.checker.rulebook_hash, rule_errors)
    if state.feedback is not None and state.feedback.issued(service.id, moment, answer.issued):
        loop = asyncio.get_running_loop()
        loop.call_later(FLUSH_AFTER_SECONDS, loop.run_in_executor, None, state.feedback.flush)
    return answer
