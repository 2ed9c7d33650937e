"""Who may see and do what over HTTP: every refusal, and what the public may see."""

import uuid

import pytest
from sqlalchemy.orm import Session

from liaison.contracts.county_time import utcnow
from liaison.db.engine import make_engine
from services.accounts.handlers import staff_accounts as staff
from services.routing.rules.registry import default_registry
from tests.support.fixtures import url_for
from tests.support.waiting import wait_for
from tools.forms_client import connect, publish_submission

pytestmark = pytest.mark.broker
# Access rules live in the gateway and the accounts service: one backend is enough.
BACKENDS = ("sqlite",)

SHUIPO = {"name": "张丽", "role": "staff", "station": "shuipo-street"}
SHUIPO_DEPUTY = {"name": "王建国", "role": "deputy", "station": "shuipo-street"}
QUANPU = {"name": "李强", "role": "staff", "station": "quanpu-coop"}


@pytest.fixture(scope="module")
def case(system):
    doc = {"external_id": f"acl-{uuid.uuid4().hex[:10]}", "channel": "wechat",
           "submitter": {"name": "刘桂芳", "phone": "13800001101", "type": "resident"},
           "town": "水泊街道", "title": "垃圾回收点位置不合理",
           "content": "村内垃圾回收点离住户太近，电话13800001101",
           "submitted_at": "2026-11-20T09:15:00+08:00"}
    with connect(system.amqp_uri) as conn:
        publish_submission(conn, doc)

    def routed():
        status, found = system.http("GET", f"/api/cases?external_id={doc['external_id']}")
        return found if status == 200 and found["status"] == "routed" else None
    return wait_for(routed, timeout=30, message="routed")


def path(case) -> str:
    return f"/api/cases/{case['tracking_number']}"


def test_queries_need_a_valid_token(system, case):
    assert system.http("GET", path(case), token=None)[0] == 401
    status, answer = system.http("GET", path(case), token="lsk_not-a-real-token")
    assert (status, answer["code"]) == (401, "invalid_token")
    status, answer = system.http("GET", path(case), headers={"Authorization": "Basic x"},
                                 token=None)
    assert (status, answer["code"]) == (401, "unauthenticated")


def test_a_revoked_token_is_refused(system, case):
    engine = make_engine(url_for(system.database_url, "accounts"), pool_size=1)
    with Session(engine) as session:
        member, token = staff.create(session, "离职人员", "staff", "shuipo-street", utcnow(),
                                     default_registry().codes)
        assert staff.revoke(session, member.id, utcnow())
        session.commit()
    engine.dispose()
    assert system.http("GET", path(case), token=token)[0] == 401


def test_staff_see_only_their_station(system, case):
    assert system.http("GET", path(case), token=system.token(SHUIPO))[0] == 200
    status, answer = system.http("GET", path(case), token=system.token(QUANPU))
    assert (status, answer["code"]) == (403, "other_station")
    status, _ = system.http("GET", f"/api/cases?external_id={case['external_id']}",
                            token=system.token(QUANPU))
    assert status == 403
    assert system.http("GET", path(case))[0] == 200  # the county office sees all


def test_the_token_decides_who_acts_not_the_body(system, case):
    spoofed = {"action": "accept", "actor": SHUIPO, "details": {}}
    status, answer = system.http("POST", path(case) + "/actions", spoofed,
                                 token=system.token(QUANPU))
    assert (status, answer["code"]) == (403, "other_station")
    assert system.http("POST", path(case) + "/actions", {"action": "accept"}, token=None)[0] == 401
    status, answer = system.http("POST", path(case) + "/actions",
                                 {"action": "reassign",
                                  "details": {"reason": "x", "to_station": "quanpu-coop"}},
                                 token=system.token(SHUIPO_DEPUTY))
    assert (status, answer["code"]) == (403, "not_allowed")


def test_staff_views_never_show_the_submitter_unmasked(system, case):
    _, shown = system.http("GET", path(case), token=system.token(SHUIPO))
    text = str(shown)
    assert "13800001101" not in text and "刘桂芳" not in text
    assert shown["submitter"]["name"] == "刘**" and "138****1101" in shown["content"]


def test_the_public_tracking_page_shows_no_one(system, case):
    status, tracked = system.http("GET", f"/api/track/{case['tracking_number']}", token=None)
    assert status == 200
    assert set(tracked) == {"tracking_number", "status", "station", "opened_at", "updated_at"}
    assert tracked["station"] == "水泊街道代表联络站"
    assert system.http("GET", "/api/track/LS-1999-000001", token=None)[0] == 404


def test_submissions_are_rate_limited_per_phone(system):
    def post(n):
        doc = {"external_id": f"rate-{uuid.uuid4().hex[:10]}", "channel": "web_form",
               "submitter": {"name": "频繁", "phone": "13911112222", "type": "resident"},
               "title": f"第{n}次反映", "content": "同一号码反复提交",
               "submitted_at": "2026-11-20T09:15:00+08:00"}
        return system.http("POST", "/api/submissions", doc, token=None)

    statuses = [post(n)[0] for n in range(10)]
    assert statuses == [202] * 10
    status, answer = post(11)
    assert status == 429 and "_rate" in answer["errors"]
