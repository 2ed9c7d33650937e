"""Working days on the Chinese calendar: weekends, 国庆, 调休 Saturdays; warnings, pauses, ladder."""

from datetime import date, datetime

import pytest

from liaison.contracts.county_time import LOCAL_TZ
from services.routing.rules.time_limits import (
    CalendarError,
    LadderStep,
    Limits,
    deadline,
    default_calendar,
    default_time_limits,
    extend,
    ladder_time,
    paused_working_days,
)

CAL = default_calendar()
ONE_DAY = Limits(sign_for=1, first_response=3, resolution=15, warn_before=1)


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def due_date(started: datetime, days: int) -> date:
    """The working day whose end is the due time."""
    limits = Limits(days, days, days, 1)
    due = deadline("sign_for", started, limits, CAL).due_at.astimezone(LOCAL_TZ)
    assert (due.hour, due.minute) == (0, 0)
    return date.fromordinal(due.date().toordinal() - 1)


def test_across_a_weekend():
    # Friday 2026-11-20 + 1 working day = Monday 2026-11-23, due at its end.
    assert due_date(at(2026, 11, 20), 1) == date(2026, 11, 23)
    assert due_date(at(2026, 11, 20), 3) == date(2026, 11, 25)


def test_across_national_day():
    # Wednesday 2026-09-30 + 1: Oct 1–7 are 国庆 holidays, Thursday Oct 8 is the next working day.
    assert due_date(at(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.holidays[date(2026, 10, 5)] == "国庆节"


def test_across_a_make_up_saturday():
    # Friday 2026-10-09 + 1: Saturday Oct 10 is a make-up working day (调休).
    assert not CAL.is_working_day(date(2026, 10, 3))  # a Saturday in the holiday
    assert CAL.is_working_day(date(2026, 10, 10))
    assert due_date(at(2026, 10, 9), 1) == date(2026, 10, 10)
    # and a make-up Sunday before it: 2026-09-20
    assert due_date(at(2026, 9, 18), 1) == date(2026, 9, 20)


def test_spring_festival_week():
    # Friday 2026-02-13 + 1: Sat Feb 14 is a make-up working day.
    assert due_date(at(2026, 2, 13), 1) == date(2026, 2, 14)
    # Saturday Feb 14 + 1: Feb 15–23 off, Tuesday Feb 24 is next.
    assert due_date(at(2026, 2, 14), 1) == date(2026, 2, 24)


def test_a_case_opened_on_a_holiday_counts_from_the_next_working_day():
    assert due_date(at(2026, 10, 3), 1) == date(2026, 10, 8)


def test_the_due_time_is_the_end_of_the_day_beijing_time():
    d = deadline("sign_for", at(2026, 11, 20, 16, 30), ONE_DAY, CAL)
    assert d.due_at == datetime(2026, 11, 24, 0, 0, tzinfo=LOCAL_TZ)
    # yellow warning at the start of the last working day
    assert d.warn_at == datetime(2026, 11, 23, 0, 0, tzinfo=LOCAL_TZ)


def test_warning_never_before_the_start_day():
    d = deadline("sign_for", at(2026, 11, 23), Limits(1, 1, 1, warn_before=5), CAL)
    assert d.warn_at == datetime(2026, 11, 23, 0, 0, tzinfo=LOCAL_TZ)


def test_extension_and_pause_move_the_due_time_in_working_days():
    due = datetime(2026, 10, 1, 0, 0, tzinfo=LOCAL_TZ)  # the end of Sep 30
    # +1 working day = the end of Oct 8
    assert extend(due, 1, CAL) == datetime(2026, 10, 9, 0, 0, tzinfo=LOCAL_TZ)
    # paused Friday Nov 20, resumed Wednesday Nov 25: Fri, Mon, Tue = 3 working days
    assert paused_working_days(at(2026, 11, 20), at(2026, 11, 25), CAL) == 3
    assert paused_working_days(at(2026, 11, 20, 9), at(2026, 11, 20, 17), CAL) == 0


def test_ladder_steps_come_in_working_days_after_the_due_time():
    due = datetime(2026, 9, 29, 0, 0, tzinfo=LOCAL_TZ)  # end of Mon Sep 28
    assert ladder_time(due, LadderStep("reminder", 0), CAL) == due
    # +2 working days: Tue Sep 29, Wed Sep 30 → end of Sep 30
    assert ladder_time(due, LadderStep("supervise", 2), CAL) == datetime(
        2026, 10, 1, tzinfo=LOCAL_TZ)
    # +5: Sep 29, 30, Oct 8, 9, 10(调休) → end of Oct 10
    assert ladder_time(due, LadderStep("report", 5), CAL) == datetime(2026, 10, 11, tzinfo=LOCAL_TZ)


def test_the_calendar_covers_2026_and_2027_and_refuses_beyond():
    assert CAL.is_working_day(date(2027, 3, 1))
    assert not CAL.is_working_day(date(2027, 10, 4))
    with pytest.raises(CalendarError):
        CAL.is_working_day(date(2030, 1, 2))


def test_category_limits_fall_back_to_the_default():
    limits = default_time_limits()
    assert limits.for_category("安全隐患").resolution == 5
    assert limits.for_category("营商环境").sign_for == limits.default.sign_for
    assert limits.for_category(None) == limits.default
    assert [s.step for s in limits.ladder] == ["reminder", "supervise", "report"]


def test_the_clock_climbs_one_step_at_a_time():
    from services.routing.rules.time_limits import next_step

    ladder = default_time_limits().ladder
    d = deadline("sign_for", at(2026, 9, 25), ONE_DAY, CAL)  # Fri Sep 25 is 中秋: due end Sep 28
    assert d.due_at == datetime(2026, 9, 29, tzinfo=LOCAL_TZ)
    assert next_step(0, at(2026, 9, 27), d.warn_at, d.due_at, ladder, CAL) is None
    yellow = next_step(0, at(2026, 9, 28), d.warn_at, d.due_at, ladder, CAL)
    assert (yellow.stage, yellow.step, yellow.level) == (1, "warning", "yellow")
    assert next_step(1, at(2026, 9, 28, 23), d.warn_at, d.due_at, ladder, CAL) is None
    red = next_step(1, at(2026, 9, 29, 0, 1), d.warn_at, d.due_at, ladder, CAL)
    assert (red.stage, red.step, red.level) == (2, "reminder", "red")
    # 督办 after 2 more working days: Sep 29, Sep 30 → from Oct 1 00:00
    assert next_step(2, at(2026, 9, 30, 23), d.warn_at, d.due_at, ladder, CAL) is None
    assert next_step(2, at(2026, 10, 1, 0, 1), d.warn_at, d.due_at, ladder, CAL).step == "supervise"
    # already far past due and never warned: straight to red, then one rung per step
    far = at(2026, 12, 1)
    assert next_step(0, far, d.warn_at, d.due_at, ladder, CAL).stage == 2
    assert next_step(3, far, d.warn_at, d.due_at, ladder, CAL).step == "report"
    assert next_step(4, far, d.warn_at, d.due_at, ladder, CAL) is None
