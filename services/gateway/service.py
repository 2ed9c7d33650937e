"""The HTTP front (port ``HTTP_PORT``, default 8000): no tables, it calls the services over RPC.

    POST /api/submissions                  202 {"status", "tracking_number"} | 400 {"errors"}
    GET  /api/cases/<tracking_number>      200 case | 404
    GET  /api/cases?external_id=<id>       200 case | 404
    POST /api/cases/<tracking_number>/actions
                                           200 {"ok": true, "status", …} | 400 | 403 | 404 | 409
    GET  /health                           200 {"status": "ok"}
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

from services.intake.schemas import MAX_BODY_BYTES

log = logging.getLogger(__name__)

RPC_TIMEOUT_SECONDS = 10

# HTTP status of each refusal code of services/routing/workflow.py (anything else: 409 Conflict).
ACTION_STATUS = {
    "invalid_fields": 400, "invalid_json": 400, "unknown_action": 400, "unknown_station": 400,
    "unknown_case": 400, "unknown_role": 403, "not_allowed": 403, "other_station": 403,
    "not_found": 404,
}


def json_response(status: int, payload: Any) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


class GatewayService:
    name = "gateway"

    intake = RpcProxy("intake")
    routing = RpcProxy("routing")
    archive = RpcProxy("archive")

    @http("POST", "/api/submissions")
    def submit(self, request: Request) -> Response:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return json_response(413, {"status": "rejected", "errors": {
                "_body": [f"too large: the limit is {MAX_BODY_BYTES} bytes"]}})
        body = request.stream.read(MAX_BODY_BYTES + 1)
        outcome = self._call(self.intake.submit, base64.b64encode(body).decode("ascii"),
                             request.headers.get("Content-Type"))
        if outcome is _UNAVAILABLE:
            return _unavailable("intake")
        if outcome["status"] == "rejected":
            return json_response(400, {"status": "rejected", "errors": outcome["reasons"],
                                       "rejection_id": outcome.get("rejection_id")})
        tracking = outcome["tracking_number"]
        return json_response(202, {**outcome, "links": {"case": f"/api/cases/{tracking}"}})

    @http("GET", "/api/cases/<string:tracking_number>")
    def get_case(self, request: Request, tracking_number: str) -> Response:
        case = self._call(self.archive.get_case, tracking_number)
        return _case_response(case, f"no case {tracking_number}")

    @http("GET", "/api/cases")
    def find_case(self, request: Request) -> Response:
        external_id = request.args.get("external_id")
        if not external_id:
            return json_response(400, {"errors": {"external_id": ["required query parameter"]}})
        case = self._call(self.archive.find_case, external_id)
        return _case_response(case, f"no case with external_id {external_id}")

    @http("POST", "/api/cases/<string:tracking_number>/actions")
    def act(self, request: Request, tracking_number: str) -> Response:
        """A staff action on a case (README, "Working a case")."""
        try:
            payload = json.loads(request.get_data(cache=False, as_text=False)[:MAX_BODY_BYTES])
        except ValueError as exc:
            return json_response(400, {"ok": False, "code": "invalid_json", "message": str(exc)})
        if not isinstance(payload, dict):
            return json_response(400, {"ok": False, "code": "invalid_json",
                                       "message": "the body must be a JSON object"})
        answer = self._call(self.routing.act, tracking_number, payload)
        if answer is _UNAVAILABLE:
            return _unavailable("routing")
        return json_response(200 if answer["ok"] else ACTION_STATUS.get(answer["code"], 409),
                             answer)

    @http("GET", "/health")
    def health(self, request: Request) -> Response:
        return json_response(200, {"status": "ok"})

    def _call(self, method, *args: Any) -> Any:
        """An RPC with a deadline (nameko 2's proxies would otherwise wait forever); a service
        that failed or did not answer becomes a 503, never a stack trace."""
        try:
            with eventlet.Timeout(RPC_TIMEOUT_SECONDS):
                return method(*args)
        except eventlet.Timeout:
            log.warning("RPC timed out after %ss", RPC_TIMEOUT_SECONDS)
        except RemoteError as error:
            log.warning("RPC failed: %s", error.exc_type)
        return _UNAVAILABLE


_UNAVAILABLE = object()


def _case_response(case: Any, missing: str) -> Response:
    if case is _UNAVAILABLE:
        return _unavailable("archive")
    if case is None:
        return json_response(404, {"error": missing})
    return json_response(200, case)


def _unavailable(service: str) -> Response:
    return json_response(503, {"error": f"the {service} service is not available; try again"})
