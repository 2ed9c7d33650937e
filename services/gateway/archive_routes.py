"""HTTP routes of the deputies' archives (一人一档), mixed into the gateway (kept apart from the
case routes; the archive answers over RPC, services/archive/service.py)::

    POST /api/deputies/registry            200 {station_registered, deputy_registered, …} | 400
                                           | 403 (only the county office)
    GET  /api/deputies                     200 [deputy]
    GET  /api/deputies/<id>/archive        200 {deputy, chain, entries} | 404
    GET  /api/deputies/<id>/term-book      200 JSON (?format=html: the HTML page) | 404
    POST /api/records                      202 {"status": "accepted", record_id, event_id}
                                           200 duplicate | 400 {"status": "rejected", errors}
                                           | 403 (staff and deputies: their own station only)
    GET  /api/archive/check?year=Y[&deputy=][&group=]        the yearly check
    GET  /api/archive/evaluation?year=Y                     evaluation data, ranked, with inputs
    GET  /api/archive/statistics?period=P[&by=D&format=csv] figures of a month, quarter or year
    GET  /api/archive/monthly-report?month=YYYY-MM          the monthly report's data
    GET  /api/archive/verify                                every hash chain re-checked

Who may: where the gateway authenticates staff (``_actor``), every route asks for it and a record
is recorded by the token's owner; until then the body's ``recorded_by`` says who.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import eventlet
from nameko.exceptions import RemoteError
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

log = logging.getLogger(__name__)

ARCHIVE_RPC_SECONDS = 30  # reports read the whole archive
MAX_BODY = 1024 * 1024


class _ArchiveDown(Exception):
    pass


class _Refused(Exception):
    def __init__(self, status: int, payload: dict[str, Any]):
        self.status, self.payload = status, payload


def _json(status: int, payload: Any, mimetype: str = "application/json") -> Response:
    body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return Response(body, status=status, mimetype=mimetype,
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _guarded(handler):
    """Turn refusals, authentication failures and an unavailable archive into answers."""
    def wrapper(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return handler(self, request, *args, **kwargs)
        except _Refused as refused:
            return _json(refused.status, refused.payload)
        except _ArchiveDown:
            return _json(503, {"error": "the archive service is not available; try again"})
        except Exception as exc:
            if hasattr(exc, "status") and hasattr(exc, "code"):  # the gateway's AccessDenied
                return _json(exc.status, {"ok": False, "code": exc.code,
                                          "message": getattr(exc, "message", str(exc))})
            raise
    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


class ArchiveRoutes:
    """Mixed into GatewayService, which provides ``self.archive`` (an RpcProxy)."""

    archive: Any

    # --- registry and records ------------------------------------------------------------------

    @http("POST", "/api/deputies/registry")
    @_guarded
    def load_deputy_registry(self, request: Request) -> Response:
        actor = self._archive_actor(request)
        outcome = self._archive_call("load_registry", _body(request), actor)
        return _json(_status(outcome, 200), outcome)

    @http("GET", "/api/deputies")
    @_guarded
    def list_deputies(self, request: Request) -> Response:
        self._archive_actor(request)
        return _json(200, self._archive_call("deputies"))

    @http("POST", "/api/records")
    @_guarded
    def add_record(self, request: Request) -> Response:
        payload = _body(request)
        actor = self._archive_actor(request)
        if actor is not None and isinstance(payload, dict):
            payload = {**payload, "recorded_by": {k: actor.get(k) for k in ("name", "role",
                                                                            "station")}}
        outcome = self._archive_call("record", payload)
        return _json(_status(outcome, 202), outcome)

    # --- archives and reports ------------------------------------------------------------------

    @http("GET", "/api/deputies/<string:deputy_id>/archive")
    @_guarded
    def deputy_archive(self, request: Request, deputy_id: str) -> Response:
        self._archive_actor(request)
        archive = self._archive_call("deputy_archive", deputy_id)
        return _json(200, archive) if archive else _json(404, {"error": f"no deputy {deputy_id}"})

    @http("GET", "/api/deputies/<string:deputy_id>/term-book")
    @_guarded
    def deputy_term_book(self, request: Request, deputy_id: str) -> Response:
        self._archive_actor(request)
        as_html = request.args.get("format") == "html"
        book = self._archive_call("term_book", deputy_id, as_html)
        if book is None:
            return _json(404, {"error": f"no deputy {deputy_id}"})
        return _json(200, book["html"], "text/html") if as_html else _json(200, book)

    @http("GET", "/api/archive/check")
    @_guarded
    def yearly_check(self, request: Request) -> Response:
        self._archive_actor(request)
        return _json(200, self._archive_call("yearly_check", _year(request),
                                             request.args.get("deputy"), request.args.get("group")))

    @http("GET", "/api/archive/evaluation")
    @_guarded
    def evaluation(self, request: Request) -> Response:
        self._archive_actor(request)
        return _json(200, self._archive_call("evaluation", _year(request)))

    @http("GET", "/api/archive/statistics")
    @_guarded
    def statistics(self, request: Request) -> Response:
        self._archive_actor(request)
        period = _required(request, "period")
        as_csv = request.args.get("format") == "csv"
        answer = self._archive_call("statistics", period,
                                    request.args.get("by", "station") if as_csv else None)
        if isinstance(answer, dict) and "error" in answer:
            return _json(400, answer)
        return _json(200, answer, "text/csv") if as_csv else _json(200, answer)

    @http("GET", "/api/archive/monthly-report")
    @_guarded
    def monthly_report(self, request: Request) -> Response:
        self._archive_actor(request)
        answer = self._archive_call("monthly_report", _required(request, "month"))
        return _json(400 if "error" in answer else 200, answer)

    @http("GET", "/api/archive/verify")
    @_guarded
    def verify_archive(self, request: Request) -> Response:
        self._archive_actor(request)
        return _json(200, self._archive_call("verify"))

    # --- helpers -------------------------------------------------------------------------------

    def _archive_actor(self, request: Request) -> dict[str, Any] | None:
        """The authenticated staff member, where the gateway authenticates (else None)."""
        authenticate = getattr(self, "_actor", None)
        return authenticate(request) if authenticate is not None else None

    def _archive_call(self, method: str, *args: Any) -> Any:
        try:
            with eventlet.Timeout(ARCHIVE_RPC_SECONDS):
                return getattr(self.archive, method)(*args)
        except eventlet.Timeout:
            log.warning("RPC archive.%s timed out", method)
        except RemoteError as error:
            log.warning("RPC archive.%s failed: %s", method, error.exc_type)
        raise _ArchiveDown()


def _status(outcome: dict[str, Any], accepted: int) -> int:
    if outcome["status"] == "rejected":
        return 403 if outcome.get("code") == "not_allowed" else 400
    return accepted if outcome["status"] == "accepted" else 200


def _body(request: Request) -> Any:
    if (request.content_length or 0) > MAX_BODY:
        raise _Refused(413, {"status": "rejected", "errors": {"_body": ["too large"]}})
    try:
        return json.loads(request.get_data(cache=False)[:MAX_BODY] or b"null")
    except ValueError as exc:
        raise _Refused(400, {"status": "rejected", "errors": {"_body": [f"not JSON: {exc}"]}}) \
            from None


def _required(request: Request, name: str) -> str:
    value = request.args.get(name)
    if not value:
        raise _Refused(400, {"errors": {name: ["required query parameter"]}})
    return value


def _year(request: Request) -> int:
    try:
        return int(_required(request, "year"))
    except ValueError:
        raise _Refused(400, {"errors": {"year": ["a year, like 2026"]}}) from None
