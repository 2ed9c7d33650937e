"""The HTTP front (port ``HTTP_PORT``, default 8000): no tables, it calls the services over RPC.

Public:
    POST /api/submissions                  202 {"status", "tracking_number"} | 400 | 413 | 429
    GET  /api/track/<tracking_number>      200 {status, station, updated_at} | 404
    GET  /health                           200 {"status": "ok"}
Staff (Authorization: Bearer <token>; staff see only their station's cases):
    GET  /api/cases/<tracking_number>      200 case | 401 | 403 | 404
    GET  /api/cases?external_id=<id>       200 case | 401 | 403 | 404
    POST /api/cases/<tracking_number>/actions
                                           200 {"ok": true, …} | 400 | 401 | 403 | 404 | 409
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import eventlet
from nameko.exceptions import RemoteError
from nameko.rpc import RpcProxy
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from liaison.contracts.submission import MAX_BODY_BYTES
from liaison.service_kit.rpc import BROKER_GONE
from services.gateway.adapters.dependencies import Guard
from services.gateway.archive_routes import ArchiveRoutes  # deputies' archives (一人一档)
from services.gateway.rules.access import AccessDenied, bearer_token, may_see

log = logging.getLogger(__name__)

RPC_TIMEOUT_SECONDS = 10

# HTTP status of each refusal code of services/routing/handlers/act.py (anything else: 409 Conflict).
ACTION_STATUS = {
    "invalid_fields": 400, "invalid_json": 400, "unknown_action": 400, "unknown_station": 400,
    "unknown_case": 400, "unknown_role": 403, "not_allowed": 403, "other_station": 403,
    "not_found": 404,
}


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                 **(headers or {})},
    )


class _Unavailable(Exception):
    def __init__(self, service: str):
        self.service = service


class GatewayService(ArchiveRoutes):
    name = "gateway"

    intake = RpcProxy("intake")
    routing = RpcProxy("routing")
    accounts = RpcProxy("accounts")
    archive = RpcProxy("archive")
    guard = Guard()

    # --- public ------------------------------------------------------------------------------

    @http("POST", "/api/submissions")
    def submit(self, request: Request) -> Response:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return json_response(413, {"status": "rejected", "errors": {
                "_body": [f"too large: the limit is {MAX_BODY_BYTES} bytes"]}})
        body = request.stream.read(MAX_BODY_BYTES + 1)
        limited = self._rate_limited(request, body)
        if limited is not None:
            return limited
        try:
            outcome = self._call("intake", self.intake.submit,
                                 base64.b64encode(body).decode("ascii"),
                                 request.headers.get("Content-Type"))
        except _Unavailable as exc:
            return _unavailable(exc.service)
        if outcome["status"] == "rejected":
            return json_response(400, {"status": "rejected", "errors": outcome["reasons"],
                                       "rejection_id": outcome.get("rejection_id")})
        tracking = outcome["tracking_number"]
        return json_response(202, {**outcome, "links": {"track": f"/api/track/{tracking}"}})

    @http("GET", "/api/track/<string:tracking_number>")
    def track(self, request: Request, tracking_number: str) -> Response:
        """For the submitter: where their concern stands, and nothing personal."""
        try:
            case = self._call("archive", self.archive.get_case, tracking_number)
        except _Unavailable as exc:
            return _unavailable(exc.service)
        if case is None:
            return json_response(404, {"error": f"no case {tracking_number}"})
        return json_response(200, {
            "tracking_number": case["tracking_number"], "status": case["status"],
            "station": (case.get("station") or {}).get("name"),
            "opened_at": case["opened_at"], "updated_at": case["updated_at"]})

    @http("GET", "/health")
    def health(self, request: Request) -> Response:
        return json_response(200, {"status": "ok"})

    # --- staff -------------------------------------------------------------------------------

    @http("GET", "/api/cases/<string:tracking_number>")
    def get_case(self, request: Request, tracking_number: str) -> Response:
        return self._show_case(request, self.archive.get_case, tracking_number,
                               f"no case {tracking_number}")

    @http("GET", "/api/cases")
    def find_case(self, request: Request) -> Response:
        external_id = request.args.get("external_id")
        if not external_id:
            return json_response(400, {"errors": {"external_id": ["required query parameter"]}})
        return self._show_case(request, self.archive.find_case, external_id,
                               f"no case with external_id {external_id}")

    @http("POST", "/api/cases/<string:tracking_number>/actions")
    def act(self, request: Request, tracking_number: str) -> Response:
        """A staff action on a case (README, "Working a case"); the actor is the token's owner."""
        try:
            actor = self._actor(request)
            payload = json.loads(request.get_data(cache=False)[:MAX_BODY_BYTES])
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
            answer = self._call("routing", self.routing.act, tracking_number,
                                {**payload, "actor": actor})
        except AccessDenied as denied:
            return _denied(denied)
        except ValueError as exc:
            return json_response(400, {"ok": False, "code": "invalid_json", "message": str(exc)})
        except _Unavailable as exc:
            return _unavailable(exc.service)
        return json_response(200 if answer["ok"] else ACTION_STATUS.get(answer["code"], 409),
                             answer)

    # --- helpers -----------------------------------------------------------------------------

    def _show_case(self, request: Request, method, key: str, missing: str) -> Response:
        try:
            actor = self._actor(request)
            case = self._call("archive", method, key)
        except AccessDenied as denied:
            return _denied(denied)
        except _Unavailable as exc:
            return _unavailable(exc.service)
        if case is None:
            return json_response(404, {"error": missing})
        if not may_see(actor, case):
            return _denied(AccessDenied(403, "other_station",
                                        "this case belongs to another station"))
        return json_response(200, case)

    def _actor(self, request: Request) -> dict[str, Any]:
        token = bearer_token(request.headers.get("Authorization"))
        return self.guard.tokens.actor(
            token, lambda t: self._call("accounts", self.accounts.authenticate, t))

    def _rate_limited(self, request: Request, body: bytes) -> Response | None:
        address = request.remote_addr or "?"
        if self.guard.trust_forwarded_for and request.headers.get("X-Forwarded-For"):
            address = request.headers["X-Forwarded-For"].split(",")[0].strip()
        wait = self.guard.per_address.check(f"addr:{address}")
        if not wait:
            phone = _submitter_phone(body)
            wait = self.guard.per_phone.check(f"phone:{phone}") if phone else 0.0
        if not wait:
            return None
        return json_response(429, {"status": "rejected", "errors": {
            "_rate": [f"too many submissions; try again in {int(wait) + 1} s"]}},
            headers={"Retry-After": str(int(wait) + 1)})

    def _call(self, service: str, method, *args: Any) -> Any:
        """An RPC with a deadline (nameko 2's proxies would otherwise wait forever); a service
        that failed or did not answer, or a broker that is not there, becomes a 503, never a
        stack trace."""
        try:
            with eventlet.Timeout(RPC_TIMEOUT_SECONDS):
                return method(*args)
        except eventlet.Timeout:
            log.warning("RPC to %s timed out after %ss", service, RPC_TIMEOUT_SECONDS)
        except RemoteError as error:
            log.warning("RPC to %s failed: %s", service, error.exc_type)
        except BROKER_GONE as error:
            log.warning("RPC to %s: the broker is unreachable (%s)", service, type(error).__name__)
        raise _Unavailable(service)


def _submitter_phone(body: bytes) -> str | None:
    try:
        phone = json.loads(body)["submitter"]["phone"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):
        return None
    return phone.replace(" ", "") if isinstance(phone, str) and phone else None


def _denied(denied: AccessDenied) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if denied.status == 401 else None
    return json_response(denied.status, {"ok": False, "code": denied.code,
                                         "message": denied.message}, headers)


def _unavailable(service: str) -> Response:
    return json_response(503, {"error": f"the {service} service is not available; try again"})
