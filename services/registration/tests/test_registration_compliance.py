"""Target 3 (every unit registers at least one model a year) against a hand-computed fixture."""
from __future__ import annotations

from dvk_testing.contract import assert_outbox_matches_contract


def test_compliance_figures_match_the_hand_computed_year(app, http, clock, wf):
    on_time, after_deadline = (2026, 2, 10), (2026, 2, 20)

    def sent(unit: int, day: tuple[int, int, int], **changes) -> dict:
        clock.set(*day)
        return wf.act(http, wf.draft(http, unit, **changes), "submit", "don_vi", unit)

    # unit 1 (Văn phòng HĐND-UBND): one model on time, accepted
    wf.act(http, sent(1, on_time), "accept", "vhxh")
    # unit 2 (Phòng KT-HT-ĐT): one late model accepted, one on time still waiting -> not a late unit
    wf.act(http, sent(2, after_deadline), "accept", "vhxh")
    sent(2, on_time, title="Dân vận khéo trong cấp phép xây dựng")
    # unit 5 (Công an phường): only a late model, returned for revision -> registered, late
    wf.act(http, sent(5, after_deadline), "return", "vhxh", reason="Làm rõ chỉ tiêu.")
    # unit 12 (Tổ dân phố 1): a draft never sent -> missing
    wf.draft(http, 12)
    # unit 13 (Tổ dân phố 2): sent then withdrawn -> missing
    wf.act(http, sent(13, on_time), "withdraw", "don_vi", 13)
    # unit 21 (Tổ dân phố 10): registered, then the unit was dissolved -> not counted at all
    sent(21, on_time)
    unit = http("GET", "/units/21", "admin").json
    assert http("POST", "/units/21/deactivate", "admin", json={}, if_match=unit["version"]).status_code == 200
    # unit 14 (Tổ dân phố 3): registered for 2027 only -> missing in 2026
    assert http("POST", "/periods", "vhxh", json={"year": 2027}).status_code == 201
    sent(14, (2027, 1, 5), year=2027)

    report = http("GET", "/compliance/2026", "lanh_dao")
    assert report.status_code == 200
    figures = report.json
    # 21 seeded units - 1 dissolved = 20 active; registered: 1, 2, 5; accepted: 1, 2
    assert (figures["active_units"], figures["registered_units"], figures["accepted_units"]) == (20, 3, 2)
    assert (figures["percentage"], figures["accepted_percentage"]) == (15.0, 10.0)
    assert figures["deadline"] == "2026-02-15"
    assert [u["unit_id"] for u in figures["late_units"]] == [5]
    assert [u["unit_id"] for u in figures["missing_units"]] == [3, 4, 6, 7, 8, 9, 10, 11] + list(range(12, 21))
    by_unit = {u["unit_id"]: (u["submitted"], u["accepted"], u["late"]) for u in figures["units"]}
    assert by_unit[1] == (1, 1, False)
    assert by_unit[2] == (2, 1, False)
    assert by_unit[5] == (1, 0, True)
    assert by_unit[12] == by_unit[13] == by_unit[14] == (0, 0, False)
    assert 21 not in by_unit
    assert figures["units"][0]["name"] == "Văn phòng HĐND-UBND"

    # the deactivation reached the outbox as the contract's event
    rows = assert_outbox_matches_contract(app)
    assert [r["payload"] for r in rows if r["type"] == "vn.dvk.registration.unit-deactivated.v1"] == [
        {"unit_id": 21, "code": "tdp-10", "name": "Tổ dân phố 10", "kind": "to_dan_pho", "active": False}]


def test_a_year_without_a_period_reports_every_unit_missing(sqlite_http):
    figures = sqlite_http("GET", "/compliance/2030", "giam_sat").json
    assert (figures["active_units"], figures["registered_units"], figures["percentage"], figures["deadline"]) == (21, 0, 0.0, None)
    assert len(figures["missing_units"]) == 21
