"""No sequence of API calls reaches a state the domain forbids.

Hypothesis drives each workflow through the service's HTTP API with random steps, random callers (every role,
the owning unit's officer and another unit's) and random versions (current, stale, missing). A model of the
rules predicts every answer; after each step the record, its history and the outbox are checked:
- the status and version are those the rules give; a refused call changes nothing and writes no event;
- each successful workflow step writes exactly one event of the right type for that record;
- the history is a chain from creation to the current state;
- an accepted model or report is never edited;
- a revoked award is not counted: not by awards' decisions, not by reporting's progress figures.
"""
from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from dvk_testing.contract import assert_outbox_matches_contract

from .conftest import TDP, deliver, outbox_after, outbox_as_events, outbox_last_seq, unit_created

SETTINGS = settings(max_examples=30, stateful_step_count=15, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

CALLERS = ["admin", "vhxh", "lanh_dao", "giam_sat", "own", "other"]
# "right" is the caller the rules allow for the step, drawn often so that runs get deep into each workflow
WHO = st.sampled_from(["right"] * 4 + CALLERS)
VERSIONS = ["current", "current", "stale", "missing"]  # mostly the version the caller saw


def as_role(caller: str, own_unit: int, other_unit: int, right: str) -> tuple[str, int | None]:
    if caller == "right":
        caller = "own" if right == "don_vi" else right
    if caller == "own":
        return "don_vi", own_unit
    if caller == "other":
        return "don_vi", other_unit
    return caller, None


def version_sent(mode: str, version: int) -> int | None:
    return {"current": version, "stale": version + 1, "missing": None}[mode]


def assert_history_chain(steps: list[dict[str, Any]], status: str, created_action: str, created_status: str) -> None:
    assert steps[0]["action"] == created_action and steps[0]["from_status"] is None and steps[0]["to_status"] == created_status
    for before, after in itertools.pairwise(steps):
        assert after["from_status"] == before["to_status"], f"history breaks between {before} and {after}"
    assert steps[-1]["to_status"] == status


# --------------------------------------------------------------------------------------------- registration

class DocumentWorkflow(RuleBasedStateMachine):
    """A unit's document (a model, a report) through its workflow: the unit's officer writes and sends it, Phòng
    VH-XH returns or accepts it. Each service's machine says its path, steps, roles and how an edit looks."""

    app: Any
    call: Any
    records = Bundle("records")
    PATH: str
    STEPS: dict[str, dict[str, tuple[str, str | None]]]
    RETURN_REASON: str
    CONTENT: str  # the field an edit changes, and that acceptance freezes

    def __init__(self) -> None:
        super().__init__()
        self.expected: dict[int, dict[str, Any]] = {}

    def role_for(self, action: str) -> str:
        raise NotImplementedError

    def expected_status(self, action: str, role: str, unit: int | None, owner: int, status: str, mode: str) -> int:
        raise NotImplementedError

    def edit(self, known: dict[str, Any], n: int) -> tuple[dict[str, Any], Any]:
        """The PATCH body of edit number n, and the content it leaves."""
        raise NotImplementedError

    def check(self, record_id: int) -> None:
        raise NotImplementedError

    def created(self, owner: int, record: dict[str, Any]) -> int:
        self.expected[record["id"]] = {"owner": owner, "status": "draft", "version": record["version"], "steps": 1,
                                       self.CONTENT: record[self.CONTENT], "accepted": None}
        return record["id"]

    @rule(record_id=records, data=st.data())
    def advance(self, record_id, data):
        """A step the rules allow now, by the right caller with the version it saw."""
        status = self.expected[record_id]["status"]
        allowed = sorted(a for a, starts in self.STEPS.items() if status in starts)
        if allowed:
            self.step(record_id, data.draw(st.sampled_from(allowed)), "right", "current", data.draw(st.integers(0, 999)))

    def step(self, record_id, action, who, mode, n):
        """One step by one caller with one version (each machine's `any_step` rule draws them)."""
        known = self.expected[record_id]
        role, unit = as_role(who, known["owner"], 25 - known["owner"], self.role_for(action))
        wanted = self.expected_status(action, role, unit, known["owner"], known["status"], mode)
        before = outbox_last_seq(self.app)
        sent = version_sent(mode, known["version"])
        if action == "edit":
            body, content = self.edit(known, n)
            response = self.call("PATCH", f"{self.PATH}/{record_id}", role, unit, json=body, if_match=sent)
        else:
            body = {"reason": self.RETURN_REASON} if action == "return" else {}
            response = self.call("POST", f"{self.PATH}/{record_id}/{action}", role, unit, json=body, if_match=sent)
        assert response.status_code == wanted, (action, who, mode, known["status"], response.json)
        written = outbox_after(self.app, before)
        if wanted != 200:
            assert response.mimetype == "application/problem+json"
            assert written == [], f"a refused call wrote {[r['type'] for r in written]}"
        else:
            target, event_type = self.STEPS[action][known["status"]]
            assert response.json["status"] == target
            # every change moves the version on; an edit that changes nothing leaves it
            assert response.json["version"] == known["version"] + (action != "edit" or content != known[self.CONTENT])
            if event_type is None:
                assert written == []
                known[self.CONTENT] = content
            else:
                assert [(r["type"], r["aggregateid"], r["payload"]["status"]) for r in written] == [
                    (event_type, str(record_id), target)]
                known["steps"] += 1
            known["status"], known["version"] = target, response.json["version"]
            if target == "accepted":
                known["accepted"] = known[self.CONTENT]
                self.check(record_id)
                # its own officer, with the version just seen, may no longer change it
                self.step(record_id, "edit", "right", "current", n)
                return
        self.check(record_id)

    def check_content(self, record_id: int, shown: dict[str, Any]) -> None:
        known = self.expected[record_id]
        assert (shown["status"], shown["version"], shown[self.CONTENT]) == (known["status"], known["version"], known[self.CONTENT])
        if known["accepted"] is not None:
            assert shown[self.CONTENT] == known["accepted"], f"an accepted {self.PATH[1:-1]} was edited"


# --------------------------------------------------------------------------------------------- registration

REG = "vn.dvk.registration."
REG_STEPS = {  # action -> {from status: (to status, event type or None)}
    "submit": {"draft": ("submitted", REG + "model-submitted.v1"), "returned": ("submitted", REG + "model-resubmitted.v1")},
    "return": {"submitted": ("returned", REG + "model-returned.v1")},
    "accept": {"submitted": ("accepted", REG + "model-accepted.v1")},
    "withdraw": {s: ("withdrawn", REG + "model-withdrawn.v1") for s in ("draft", "submitted", "returned")},
    "edit": {s: (s, None) for s in ("draft", "returned")},
}
REG_ROLE = {"submit": "don_vi", "withdraw": "don_vi", "edit": "don_vi", "return": "vhxh", "accept": "vhxh"}


def registration_expected(action: str, role: str, unit: int | None, owner: int, status: str, mode: str) -> int:
    """The answer the registration rules give: role, then visibility, then state, then version."""
    if role != REG_ROLE[action]:
        return 403
    if role == "don_vi" and unit != owner:
        return 404
    if status not in REG_STEPS[action]:
        return 409
    return {"current": 200, "stale": 412, "missing": 428}[mode]


class RegistrationWorkflow(DocumentWorkflow):
    PATH, STEPS, RETURN_REASON, CONTENT = "/models", REG_STEPS, "Bổ sung chỉ tiêu đo lường.", "title"

    @rule(target=DocumentWorkflow.records, owner=st.sampled_from([12, 13]))
    def draft(self, owner):
        response = self.call("POST", "/models", "don_vi", owner, json={
            "title": "Tổ dân phố tự quản \"Sáng - Xanh - Sạch - Đẹp\"", "field": "kinh_te_do_thi",
            "goals": "Giữ gìn vệ sinh tuyến hẻm.", "content": "Ra quân mỗi sáng Chủ nhật.",
            "target_group": "Các hộ gia đình", "person_in_charge": "Nguyễn Thị Hòa", "start_date": "2026-03-01",
            "end_date": "2026-12-31", "expected_results": "100% tuyến hẻm sạch.",
        })
        assert response.status_code == 201, response.json
        return self.created(owner, response.json)

    @rule(record_id=DocumentWorkflow.records, action=st.sampled_from(sorted(REG_STEPS)), who=WHO,
          mode=st.sampled_from(VERSIONS), n=st.integers(0, 999))
    def any_step(self, record_id, action, who, mode, n):
        self.step(record_id, action, who, mode, n)

    def role_for(self, action: str) -> str:
        return REG_ROLE[action]

    def expected_status(self, action: str, role: str, unit: int | None, owner: int, status: str, mode: str) -> int:
        return registration_expected(action, role, unit, owner, status, mode)

    def edit(self, known: dict[str, Any], n: int) -> tuple[dict[str, Any], Any]:
        title = f"Tên mô hình sửa lần {n}"
        return {"title": title}, title

    def check(self, record_id: int) -> None:
        shown = self.call("GET", f"/models/{record_id}", "vhxh").json
        self.check_content(record_id, shown)
        assert len(shown["history"]) == self.expected[record_id]["steps"]
        assert_history_chain(shown["history"], shown["status"], "create", "draft")


def test_registration_workflow_never_reaches_a_forbidden_state(make_service, ward_clock, caller):
    from registration.seed import seed

    app = make_service("registration", "sqlite", CLOCK=ward_clock)
    seed(app)
    RegistrationWorkflow.app, RegistrationWorkflow.call = app, caller(app)
    run_state_machine_as_test(RegistrationWorkflow, settings=SETTINGS)
    rows = assert_outbox_matches_contract(app)
    assert any(r["type"] == REG + "model-accepted.v1" for r in rows), "no run reached acceptance"


# --------------------------------------------------------------------------------------------- reporting

REP = "vn.dvk.reporting."
REP_STEPS = {
    "submit": {"draft": ("submitted", REP + "report-submitted.v1"), "returned": ("resubmitted", REP + "report-resubmitted.v1")},
    "return": {s: ("returned", REP + "report-returned.v1") for s in ("submitted", "resubmitted")},
    "accept": {s: ("accepted", REP + "report-accepted.v1") for s in ("submitted", "resubmitted")},
    "edit": {s: (s, None) for s in ("draft", "returned")},
}
# security/access/reporting.md: a unit's officer writes and sends its report, Phòng VH-XH reviews it
REP_ROLES = {"submit": ("don_vi",), "edit": ("don_vi",), "return": ("vhxh",), "accept": ("vhxh",)}
SECTIONS = ("leadership", "effectiveness", "good_practices", "difficulties", "recommendations", "next_direction")


def reporting_expected(action: str, role: str, unit: int | None, owner: int, status: str, mode: str) -> int:
    """The answer the reporting rules give: role, then visibility, then version, then state."""
    if role not in REP_ROLES[action]:
        return 403
    if role == "don_vi" and unit != owner:
        return 404
    if mode != "current":
        return {"stale": 412, "missing": 428}[mode]
    return 200 if status in REP_STEPS[action] else 409


class ReportingWorkflow(DocumentWorkflow):
    PATH, STEPS, RETURN_REASON, CONTENT = "/reports", REP_STEPS, "Bổ sung số liệu.", "sections"
    periods: Any

    @rule(target=DocumentWorkflow.records, owner=st.sampled_from([12, 13]))
    def draft(self, owner):
        year, period = next(self.periods[owner])
        response = self.call("POST", "/reports", "don_vi", owner, json={
            "year": year, "period": period, "sections": {s: f"Nội dung mục {s} của tổ dân phố." for s in SECTIONS}})
        assert response.status_code == 201, response.json
        return self.created(owner, response.json)

    @rule(record_id=DocumentWorkflow.records, action=st.sampled_from(sorted(REP_STEPS)), who=WHO,
          mode=st.sampled_from(VERSIONS), n=st.integers(0, 999))
    def any_step(self, record_id, action, who, mode, n):
        self.step(record_id, action, who, mode, n)

    def role_for(self, action: str) -> str:
        return REP_ROLES[action][0]

    def expected_status(self, action: str, role: str, unit: int | None, owner: int, status: str, mode: str) -> int:
        return reporting_expected(action, role, unit, owner, status, mode)

    def edit(self, known: dict[str, Any], n: int) -> tuple[dict[str, Any], Any]:
        change = {"difficulties": f"Khó khăn ghi lần {n}."}
        return {"sections": change}, {**known["sections"], **change}

    def check(self, record_id: int) -> None:
        shown = self.call("GET", f"/reports/{record_id}", "vhxh").json
        self.check_content(record_id, shown)
        steps = self.call("GET", f"/reports/{record_id}/history", "giam_sat").json
        assert len(steps) == self.expected[record_id]["steps"]
        assert_history_chain(steps, shown["status"], "create", "draft")


def test_reporting_workflow_never_reaches_a_forbidden_state(make_service, ward_clock, caller):
    app = make_service("reporting", "sqlite", CLOCK=ward_clock)
    deliver(app, [unit_created(unit_id, code, name) for unit_id, (code, name) in TDP.items()])
    ReportingWorkflow.app, ReportingWorkflow.call = app, caller(app)
    # each report its own unit, year and period (one report per unit and period is a rule of its own)
    ReportingWorkflow.periods = {u: itertools.product(range(2026, 2101), ("six_month", "annual")) for u in (12, 13)}
    run_state_machine_as_test(ReportingWorkflow, settings=SETTINGS)
    rows = assert_outbox_matches_contract(app)
    assert any(r["type"] == REP + "report-accepted.v1" for r in rows), "no run reached acceptance"


# --------------------------------------------------------------------------------------------- awards

AW = "vn.dvk.awards."
AW_STEPS = {
    "propose": {"draft": ("proposed", AW + "nomination-proposed.v1")},
    "approve": {"proposed": ("approved", AW + "nomination-reviewed.v1")},
    "reject": {"proposed": ("not_approved", AW + "nomination-reviewed.v1")},
    "decide": {"approved": ("decided", AW + "award-decided.v1")},
    "forward": {"approved": ("forwarded", AW + "award-forwarded.v1")},
    "revoke": {"decided": ("revoked", AW + "award-revoked.v1")},
    # a draft was never announced, so neither is its withdrawal
    "withdraw": {"draft": ("withdrawn", None), **{s: ("withdrawn", AW + "nomination-withdrawn.v1") for s in ("proposed", "approved")}},
    "edit": {"draft": ("draft", None)},
}
AW_ROLES = {"propose": ("vhxh",), "approve": ("vhxh", "lanh_dao"), "reject": ("vhxh", "lanh_dao"), "decide": ("lanh_dao",),
            "forward": ("lanh_dao",), "revoke": ("lanh_dao",), "withdraw": ("vhxh",), "edit": ("vhxh",)}
AW_ACTION_NAME = {"propose": "proposed", "approve": "reviewed", "reject": "reviewed", "decide": "decided",
                  "forward": "forwarded", "revoke": "revoked", "withdraw": "withdrawn", "edit": "edited"}
MINUTES = "Biên bản họp Hội đồng Thi đua - Khen thưởng phường ngày 28/11/2026: 7/7 thành viên có mặt."


def awards_expected(action: str, role: str, status: str, level: str, mode: str) -> int:
    """The answer the awards rules give: role, then version, then state (and the award's level for a document)."""
    if role not in AW_ROLES[action]:
        return 403
    if mode != "current":
        # a decision or letter names each nomination with its version in the body: none sent is a field error
        return {"stale": 412, "missing": 422 if action in ("decide", "forward") else 428}[mode]
    if status not in AW_STEPS[action]:
        return 409
    if action == "decide" and level != "phuong" or action == "forward" and level != "cap_tren":
        return 409
    return 201 if action in ("decide", "forward") else 200


class AwardsWorkflow(RuleBasedStateMachine):
    app: Any
    reporting: Any
    call: Any
    awards: dict[str, int]
    call_reporting: Any
    reporting_seq = 0  # awards' events up to this outbox row were delivered to reporting by earlier runs
    seen: dict[int, dict[str, Any]] = {}  # every nomination of every run: the figures count them all
    names = itertools.count(1)
    nominations = Bundle("nominations")

    def __init__(self) -> None:
        super().__init__()
        self.expected: dict[int, dict[str, Any]] = {}

    @rule(target=nominations, unit=st.sampled_from([12, 13]), level=st.sampled_from(["phuong", "cap_tren"]))
    def nominate(self, unit, level):
        # one person per nomination: the duplicate rule has its own tests in services/awards
        response = self.call("POST", "/nominations", "vhxh", json={
            "year": 2026, "nominee_kind": "individual", "unit_id": unit, "person_name": f"Nguyễn Văn {next(self.names)}",
            "catalogue": "form", "award_id": self.awards[level],
            "achievements": "Tích cực vận động nhân dân tham gia mô hình tự quản.",
        })
        assert response.status_code == 201, response.json
        nomination = response.json
        self.expected[nomination["id"]] = {"status": "draft", "version": nomination["version"], "level": level, "steps": 1,
                                           "decision_id": None}
        return nomination["id"]

    @rule(nomination_id=nominations, data=st.data())
    def advance(self, nomination_id, data):
        """A step the rules allow now, by the right caller with the version it saw."""
        known = self.expected[nomination_id]
        allowed = sorted(a for a, starts in AW_STEPS.items() if known["status"] in starts and a not in ("edit", "withdraw")
                         and not (a == "decide" and known["level"] != "phuong") and not (a == "forward" and known["level"] != "cap_tren"))
        if allowed:
            self.step(nomination_id, data.draw(st.sampled_from(allowed)), "right", "current", data.draw(st.integers(0, 999)))

    @rule(nomination_id=nominations, action=st.sampled_from(sorted(AW_STEPS)), who=WHO,
          mode=st.sampled_from(VERSIONS), n=st.integers(0, 999))
    def step(self, nomination_id, action, who, mode, n):
        known = self.expected[nomination_id]
        role, unit = as_role(who, 12, 13, AW_ROLES[action][0])
        wanted = awards_expected(action, role, known["status"], known["level"], mode)
        before = outbox_last_seq(self.app)
        sent = version_sent(mode, known["version"])
        path = f"/nominations/{nomination_id}/{action}"
        if action in ("decide", "forward"):
            ref = {"id": nomination_id} if sent is None else {"id": nomination_id, "version": sent}
            path = "/decisions" if action == "decide" else "/proposal-letters"
            response = self.call("POST", path, role, unit, json={"nominations": [ref], "signer_name": "Phạm Quốc Chương"})
        elif action == "edit":
            response = self.call("PATCH", f"/nominations/{nomination_id}", role, unit, if_match=sent,
                                 json={"achievements": f"Thành tích bổ sung lần {n}: vận động 40 hộ tham gia."})
        else:
            body = {
                "approve": {"approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": MINUTES},
                "reject": {"approved": False, "meeting_date": "2026-11-28", "votes_for": 2, "votes_against": 5, "minutes": MINUTES},
                "revoke": {"reason": "Phát hiện kê khai thành tích không đúng sự thật."},
            }.get(action, {})
            path = f"/nominations/{nomination_id}/" + ("review" if action in ("approve", "reject") else action)
            response = self.call("POST", path, role, unit, json=body, if_match=sent)
        assert response.status_code == wanted, (action, who, mode, known["status"], known["level"], response.json)
        written = outbox_after(self.app, before)
        if wanted >= 400:
            assert response.mimetype == "application/problem+json"
            assert written == [], f"a refused call wrote {[r['type'] for r in written]}"
        else:
            target, event_type = AW_STEPS[action][known["status"]]
            assert [(r["type"], r["aggregateid"]) for r in written] == ([] if event_type is None else [(event_type, str(nomination_id))])
            if action == "decide":
                known["decision_id"] = response.json["id"]
            known["status"] = target
            known["steps"] += 1
        shown = self.call("GET", f"/nominations/{nomination_id}", "giam_sat").json
        assert shown["status"] == known["status"]
        if wanted < 400:
            assert shown["version"] > known["version"]
        known["version"] = shown["version"]
        steps = shown["history"]
        assert len(steps) == known["steps"] and steps[0]["action"] == "created"
        for before_step, after_step in itertools.pairwise(steps):
            assert after_step["from_status"] == before_step["to_status"]
        assert steps[-1]["to_status"] == known["status"]
        if wanted < 400:
            assert steps[-1]["action"] == AW_ACTION_NAME[action]

    def teardown(self):
        """What the ward's figures say matches what was decided: revoked awards count nowhere."""
        if not self.expected:
            return
        for nomination_id, known in self.expected.items():
            if known["decision_id"] is not None:
                decision = self.call("GET", f"/decisions/{known['decision_id']}", "lanh_dao").json
                awardee = next(a for a in decision["awardees"] if a["nomination_id"] == nomination_id)
                assert awardee["status"] == known["status"]
                assert decision["revoked"] is (known["status"] == "revoked")
        rows = outbox_after(self.app, type(self).reporting_seq)
        if rows:
            type(self).reporting_seq = rows[-1]["seq"]
        deliver(self.reporting, outbox_as_events(rows, "awards"))
        figures = self.call_reporting("GET", "/progress?year=2026", "lanh_dao").json["commendations"]
        AwardsWorkflow.seen.update(self.expected)
        statuses = [k["status"] for k in AwardsWorkflow.seen.values()]
        assert figures["decided"] == statuses.count("decided"), "a revoked or undecided award is counted"
        assert figures["revoked"] == statuses.count("revoked")
        assert figures["forwarded"] == statuses.count("forwarded")
        assert figures["proposed"] == len(statuses) - statuses.count("draft") - statuses.count("withdrawn"), "a withdrawn nomination is counted"
        decided = {d["nomination_id"] for d in figures["decisions"]}
        assert decided == {i for i, k in AwardsWorkflow.seen.items() if k["status"] == "decided"}


def test_awards_workflow_never_counts_a_revoked_award(make_service, ward_clock, caller):
    app = make_service("awards", "sqlite", CLOCK=ward_clock)
    reporting = make_service("reporting", "sqlite", CLOCK=ward_clock)
    units = [unit_created(unit_id, code, name) for unit_id, (code, name) in TDP.items()]
    deliver(app, units)
    deliver(reporting, units)
    call = caller(app)
    entries = call("GET", "/catalogue/forms", "admin").json
    awards = {}
    for entry in entries:  # the admin checks the legal basis of the two forms used here
        if entry["code"] in ("giay-khen-chu-tich-ubnd-phuong", "bang-khen-chu-tich-ubnd-tinh"):
            confirmed = call("PATCH", f"/catalogue/forms/{entry['id']}", "admin", json={"needs_confirmation": False},
                             if_match=entry["version"])
            assert confirmed.status_code == 200, confirmed.json
            awards[entry["granting_level"]] = entry["id"]
    AwardsWorkflow.app, AwardsWorkflow.reporting, AwardsWorkflow.call, AwardsWorkflow.awards = app, reporting, call, awards
    AwardsWorkflow.call_reporting = caller(reporting)
    AwardsWorkflow.reporting_seq, AwardsWorkflow.seen = 0, {}
    run_state_machine_as_test(AwardsWorkflow, settings=SETTINGS)
    rows = assert_outbox_matches_contract(app)
    assert any(r["type"] == AW + "award-revoked.v1" for r in rows), "no run reached a revocation"

