from datetime import UTC, datetime, timedelta

from services.archive.cases.rules.history import describe
from services.archive.cases.rules.projection import HistoryEntry, derive

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def entry(event_type, minutes, **data):
    return HistoryEntry(f"e-{event_type}-{minutes}", event_type, "LS-2026-000001",
                        T0 + timedelta(minutes=minutes), "x", "actor", data)


OPENED = entry("case_opened", 0, external_id="f-1", title="路灯不亮", channel="wechat",
               town="梁山街道", submitter={"type": "resident", "anonymous": False})
ROUTED = entry("case_routed", 1, station={"code": "liangshan-street", "name": "梁山街道站"},
               deputies=[{"name": "赵一"}], reason="规则3")
SENT = entry("notification_sent", 2, kind="receipt", audience="submitter",
             recipient="138****5678", channel="sms")


def test_status_follows_the_history():
    assert derive("LS", [OPENED]).status == "opened"
    state = derive("LS", [OPENED, ROUTED, SENT])
    assert state.status == "routed"
    assert state.station == "liangshan-street"
    assert state.external_id == "f-1"
    assert state.notifications_sent == 1


def test_order_of_arrival_does_not_matter():
    # The archive can receive case_routed before case_opened (they travel different queues).
    assert derive("LS", [SENT, ROUTED, OPENED]) == derive("LS", [OPENED, ROUTED, SENT])


def test_routed_without_opened_is_still_routed():
    assert derive("LS", [ROUTED]).status == "routed"


def test_history_lines_read_to_a_person():
    assert describe(OPENED) == "受理诉求：路灯不亮（wechat）"
    assert describe(ROUTED) == "分派至梁山街道站（值班代表：赵一）。规则3"
    assert describe(SENT) == "受理回执已发送：反映人 138****5678（sms）"
