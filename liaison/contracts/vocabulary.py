"""The words every service shares, defined once: roles, deputy levels, station kinds, the clock's
phases, satisfaction levels; each stable code with the Chinese a person reads for it."""

from __future__ import annotations

# Who acts on a case (staff accounts, the lifecycle, the archives).
STAFF, DEPUTY, COUNTY_OFFICE = "staff", "deputy", "county_office"
ROLES = frozenset({STAFF, DEPUTY, COUNTY_OFFICE})
ROLE_NAMES = {STAFF: "联络站工作人员", DEPUTY: "人大代表", COUNTY_OFFICE: "县代表联络工作室"}

# Deputies.
DEPUTY_LEVELS = ("county", "township")
DEPUTY_LEVEL_NAMES = {"county": "县人大代表", "township": "镇人大代表"}

# Stations: a town's own station, a county-wide industry station, the county office's triage.
STATION_KINDS = ("town", "industry", "triage")
TRIAGE = "triage"

# The clock of a case: sign for it, answer first, resolve it (working days, routing's time limits).
SIGN_FOR, FIRST_RESPONSE, RESOLUTION = "sign_for", "first_response", "resolution"
PHASES = (SIGN_FOR, FIRST_RESPONSE, RESOLUTION)
PHASE_NAMES = {SIGN_FOR: "签收", FIRST_RESPONSE: "首次答复", RESOLUTION: "办结"}

# A return visit (回访), a deputy's view of a department's answer, constituents' ratings.
SATISFIED, BASICALLY_SATISFIED, DISSATISFIED = "satisfied", "basically_satisfied", "dissatisfied"
SATISFACTION_LEVELS = (SATISFIED, BASICALLY_SATISFIED, DISSATISFIED)
SATISFACTION_NAMES = {SATISFIED: "满意", BASICALLY_SATISFIED: "基本满意", DISSATISFIED: "不满意"}
CONTENT = (SATISFIED, BASICALLY_SATISFIED)  # what counts for 满意率
