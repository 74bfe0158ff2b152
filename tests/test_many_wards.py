"""Many wards, one bus: Minh Xuân and An Phú each run registration and reporting on their own database, and
their relays publish to the same Kafka topics. The province's roll-up `dvk-rollup` shows both wards side by side
under their registry names, and Thủy Phương, an expected ward that has published nothing, as "chưa có dữ liệu";
it leaves no consumer group behind, a mistyped ward is refused, and no topic appears that no service owns."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from flask import Flask
from kafka import KafkaAdminClient

from dvk_core.contracts import load_schemas
from dvk_core.envelope import CloudEvent
from dvk_platform.bus import Message, create_bus
from dvk_platform.config import topic_name
from dvk_platform.consumer import ConsumerRunner
from dvk_platform.worker import build_consumer, build_relay
from dvk_subscriber import EXIT_USAGE
from dvk_testing import wait_until
from dvk_testing.plugin import bearer

ROOT = Path(__file__).resolve().parents[1]
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026
SECTIONS = {"leadership": "Chi bộ ban hành kế hoạch thực hiện", "effectiveness": "Nhân dân đồng thuận",
            "good_practices": "Họp tổ hằng tháng", "difficulties": "Kinh phí hạn chế",
            "recommendations": "Hỗ trợ kinh phí", "next_direction": "Nhân rộng mô hình"}
REGISTRY = """wards:
  - {code: minh-xuan, name: Phường Minh Xuân, expected_units: 4}
  - {code: an-phu, name: Phường An Phú, expected_units: 3}
  - {code: thuy-phuong, name: Phường Thủy Phương, expected_units: 16}
"""


def rollup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dvk_subscriber.rollup", *args], capture_output=True, text=True,
                          timeout=180, check=False)


class WardClock:
    def __init__(self) -> None:
        self.moment = datetime(YEAR, 2, 10, 9, 0, tzinfo=HCM)

    def set(self, month: int, day: int) -> None:
        self.moment = datetime(YEAR, month, day, 9, 0, tzinfo=HCM)

    def __call__(self) -> datetime:
        return self.moment


class Ward:
    """One ward's stack: registration and reporting with their own databases, relays to the shared cluster."""

    def __init__(self, make_service, code: str, database_kind: str, kafka: dict[str, Any]) -> None:
        self.code = code
        self.clock = WardClock()
        self.registration = make_service("registration", database_kind, WARD_CODE=code, CLOCK=self.clock, **kafka)
        self.reporting = make_service("reporting", database_kind, WARD_CODE=code, CLOCK=self.clock, **kafka)

    def call(self, app: Flask, method: str, path: str, role: str, unit: int | None = None, json: Any = None) -> dict:
        response = app.test_client().open(path, method=method, json=json,
                                          headers=bearer(app, role, unit, user_id=f"{role}-{unit or 0}"))
        assert response.status_code < 300, (path, response.status_code, response.get_json())
        return response.get_json()

    def unit(self, code: str, name: str, kind: str = "to_dan_pho") -> int:
        return self.call(self.registration, "POST", "/units", "admin", json={"code": code, "name": name, "kind": kind})["id"]

    def model(self, unit: int, title: str) -> dict:
        body = {"title": title, "field": "van_hoa_xa_hoi", "goals": "Gắn kết Nhân dân", "content": "Vận động hộ gia đình",
                "target_group": "Hộ gia đình trong tổ", "person_in_charge": "Tổ trưởng", "start_date": f"{YEAR}-03-01",
                "end_date": f"{YEAR}-12-31", "expected_results": "100% hộ tham gia", "year": YEAR}
        model = self.call(self.registration, "POST", "/models", "don_vi", unit, json=body)
        return self.call(self.registration, "POST", f"/models/{model['id']}/submit", "don_vi", unit,
                         json={"version": model["version"]})

    def step(self, model: dict, action: str, role: str, unit: int | None = None, **extra: Any) -> dict:
        return self.call(self.registration, "POST", f"/models/{model['id']}/{action}", role, unit,
                         json={"version": model["version"], **extra})

    def report(self, unit: int, period: str, month: int, day: int) -> None:
        self.clock.set(month, day)
        report = self.call(self.reporting, "POST", "/reports", "don_vi", unit,
                           json={"unit_id": unit, "year": YEAR, "period": period, "sections": SECTIONS})
        self.call(self.reporting, "POST", f"/reports/{report['id']}/submit", "don_vi", unit, json={"version": report["version"]})

    def publish(self, app: Flask) -> int:
        relay = build_relay(app)
        relay.bus.ensure_topics([relay.topic])
        try:
            return relay.publish_pending()
        finally:
            relay.bus.close()

    def reporting_consumer(self) -> ConsumerRunner:
        """Reporting's consumer as dvk-worker builds it: a group of this ward's own, other wards' events passed over."""
        runner = build_consumer(self.reporting)
        assert self.code in runner.group and runner.ward == self.code
        return runner

    def progress(self) -> dict:
        return self.call(self.reporting, "GET", f"/progress?year={YEAR}", "vhxh")


@pytest.mark.slow
def test_two_wards_on_one_kafka_cluster_rolled_up_side_by_side(make_service, kafka_server, topic_prefix, tmp_path):
    kafka = {"BUS": "kafka", "KAFKA_BOOTSTRAP": kafka_server.bootstrap, "KAFKA_PARTITIONS": 3}
    minh_xuan = Ward(make_service, "minh-xuan", "postgresql", kafka)
    an_phu = Ward(make_service, "an-phu", "sqlite", kafka)
    assert topic_name(minh_xuan.registration.config, "registration") == topic_name(an_phu.registration.config, "registration")

    # Minh Xuân: four units; one model accepted, one withdrawn, one returned, and the fourth unit leaves
    mx = [minh_xuan.unit(f"tdp-{n}", f"Tổ dân phố {n}") for n in range(1, 5)]
    minh_xuan.call(minh_xuan.registration, "POST", "/periods", "vhxh", json={"year": YEAR})
    first = minh_xuan.step(minh_xuan.model(mx[0], "Tổ dân phố văn minh"), "accept", "vhxh")
    minh_xuan.step(minh_xuan.model(mx[1], "Ngõ phố sáng - xanh"), "withdraw", "don_vi", mx[1])
    minh_xuan.step(minh_xuan.model(mx[2], "Camera an ninh"), "return", "vhxh", reason="Bổ sung chỉ tiêu đo lường")
    minh_xuan.model(mx[3], "Sân chơi cho thiếu nhi")
    unit4 = minh_xuan.call(minh_xuan.registration, "GET", f"/units/{mx[3]}", "admin")
    minh_xuan.call(minh_xuan.registration, "POST", f"/units/{mx[3]}/deactivate", "admin", json={"version": unit4["version"]})
    # An Phú: three units, every one registered
    ap = [an_phu.unit(f"kp-{n}", f"Khu phố {n}") for n in range(1, 4)]
    an_phu.call(an_phu.registration, "POST", "/periods", "vhxh", json={"year": YEAR})
    an_phu.step(an_phu.model(ap[0], "Khu phố không rác thải nhựa"), "accept", "vhxh")
    an_phu.model(ap[1], "Dân vận khéo trong giải phóng mặt bằng")
    an_phu.model(ap[2], "Bữa cơm nghĩa tình")
    for ward in (minh_xuan, an_phu):
        assert ward.publish(ward.registration) > 0

    # each ward's reporting learns its own units and models from the shared topic
    for ward, active, registered in ((minh_xuan, 3, 2), (an_phu, 3, 3)):
        runner = ward.reporting_consumer()
        try:
            assert wait_until(lambda r=runner, w=ward, a=active, g=registered: r.run_once(0.5) >= 0 and
                              (w.progress()["units"]["active"], w.progress()["units"]["with_registered_model"]) == (a, g),
                              timeout=60, interval=0)
        finally:
            runner.close()

    # reports: due 10/06 (six-month) and 15/11 (annual)
    minh_xuan.report(mx[0], "six_month", 6, 5)
    minh_xuan.report(mx[2], "six_month", 6, 12)  # late
    an_phu.report(ap[0], "six_month", 6, 9)
    an_phu.report(ap[1], "six_month", 6, 10)  # the due day itself is on time
    an_phu.report(ap[0], "annual", 11, 10)
    for ward in (minh_xuan, an_phu):
        assert ward.publish(ward.reporting) > 0

    # a typical model (Minh Xuân), overdue notices after the six-month due date (both wards)
    minh_xuan.clock.set(7, 2)
    minh_xuan.call(minh_xuan.registration, "POST", f"/models/{first['id']}/inspections", "vhxh",
                   json={"inspected_on": f"{YEAR}-07-01", "inspector": "Tổ kiểm tra phường", "rating": "tot",
                         "findings": "Mô hình duy trì tốt"})
    model = minh_xuan.call(minh_xuan.registration, "GET", f"/models/{first['id']}", "vhxh")
    minh_xuan.call(minh_xuan.registration, "POST", f"/models/{first['id']}/typical", "vhxh",
                   json={"version": model["version"], "note": "Nhân rộng"})
    assert minh_xuan.publish(minh_xuan.registration) == 2  # inspected, marked typical
    from reporting.overdue import run_check

    for ward in (minh_xuan, an_phu):
        assert len(run_check(ward.reporting, datetime(YEAR, 6, 20, 9, 0, tzinfo=HCM))) == 1
        assert ward.publish(ward.reporting) == 1
    # An Phú's awards: two nominations, one withdrawn, one decided (the contract's example events)
    awards_topic = topic_name(an_phu.registration.config, "awards")
    award_events = [
        example("vn.dvk.awards.nomination-proposed.v1", "an-phu", nomination_id=1, unit_id=ap[0], year=YEAR),
        example("vn.dvk.awards.nomination-proposed.v1", "an-phu", nomination_id=2, unit_id=ap[1], year=YEAR),
        example("vn.dvk.awards.nomination-withdrawn.v1", "an-phu", nomination_id=2, unit_id=ap[1], year=YEAR),
        example("vn.dvk.awards.nomination-reviewed.v1", "an-phu", nomination_id=1, unit_id=ap[0], year=YEAR),
        example("vn.dvk.awards.award-decided.v1", "an-phu", nomination_id=1, decision_id=1, unit_id=ap[0], year=YEAR),
    ]
    bus = create_bus(kafka)
    try:
        assert bus.publish(awards_topic, [Message(e.key.encode(), e.value(), e.headers()) for e in award_events]) == 5
    finally:
        bus.close()

    registry = tmp_path / "phuong.yaml"
    registry.write_text(REGISTRY, encoding="utf-8")
    admin = KafkaAdminClient(bootstrap_servers=kafka_server.bootstrap, request_timeout_ms=10_000)
    groups_before = {g["group_id"] for g in admin.list_groups()}
    common = ["--bootstrap", kafka_server.bootstrap, "--topic-prefix", topic_prefix, "--year", str(YEAR),
              "--wards-file", str(registry)]
    as_json = rollup(*common, "--json")
    assert as_json.returncode == 0, as_json.stderr
    figures = json.loads(as_json.stdout)
    assert [w["code"] for w in figures["wards"]] == ["minh-xuan", "an-phu", "thuy-phuong"]
    mx_figures, ap_figures, silent = figures["wards"]
    assert mx_figures["last_event_at"] and ap_figures["last_event_at"]
    del mx_figures["last_event_at"], ap_figures["last_event_at"]
    assert mx_figures == {
        "code": "minh-xuan", "name": "Phường Minh Xuân", "expected_units": 4, "has_data": True, "units_active": 3,
        "models": {"units_registered": 2, "target3_percent": 66.7, "target3_met": False, "registered": 2,
                   "accepted": 1, "typical": 1},
        "reports": {"six_month": {"expected": 3, "submitted": 2, "on_time": 1, "late": 1, "overdue": 1, "on_time_percent": 33.3},
                    "annual": {"expected": 3, "submitted": 0, "on_time": 0, "late": 0, "overdue": 0, "on_time_percent": 0.0}},
        "awards": {"nominations": 0, "approved": 0, "withdrawn": 0, "decisions": 0, "revoked": 0},
    }
    assert ap_figures == {
        "code": "an-phu", "name": "Phường An Phú", "expected_units": 3, "has_data": True, "units_active": 3,
        "models": {"units_registered": 3, "target3_percent": 100.0, "target3_met": True, "registered": 3,
                   "accepted": 1, "typical": 0},
        "reports": {"six_month": {"expected": 3, "submitted": 2, "on_time": 2, "late": 0, "overdue": 1, "on_time_percent": 66.7},
                    "annual": {"expected": 3, "submitted": 1, "on_time": 1, "late": 0, "overdue": 0, "on_time_percent": 33.3}},
        "awards": {"nominations": 1, "approved": 1, "withdrawn": 1, "decisions": 1, "revoked": 0},
    }
    assert silent == {"code": "thuy-phuong", "name": "Phường Thủy Phương", "expected_units": 16, "has_data": False,
                      "last_event_at": None, "units_active": None, "models": None, "reports": None, "awards": None}
    # the province sees what each ward's own progress page shows
    for ward, mine in ((minh_xuan, mx_figures), (an_phu, ap_figures)):
        own = ward.progress()
        assert own["units"]["with_registered_model"] == mine["models"]["units_registered"]
        assert own["reports"]["six_month"]["on_time"] == mine["reports"]["six_month"]["on_time"]

    xlsx = tmp_path / "tong-hop.xlsx"
    as_table = rollup(*common, "--xlsx", str(xlsx))
    assert as_table.returncode == 0, as_table.stderr
    lines = as_table.stdout.splitlines()
    assert lines[0] == "Tiến độ phong trào “Dân vận khéo” năm 2026"
    assert lines[1].split(" | ")[1:] == [h.ljust(len(h)) for h in lines[1].split(" | ")[1:]]
    assert [c.strip() for c in lines[1].split(" | ")] == ["Phường", "Phường Minh Xuân", "Phường An Phú", "Phường Thủy Phương"]
    rows = {line.split(" | ")[0].strip(): [c.strip() for c in line.split(" | ")[1:]] for line in lines[3:]}
    assert rows["Đơn vị đã đăng ký mô hình (CT3)"] == ["2/3 (66,7%)", "3/3 (100,0%)", "chưa có dữ liệu"]
    assert rows["Đơn vị đang hoạt động / dự kiến"] == ["3 / 4", "3 / 3", "chưa có dữ liệu / 16"]
    assert rows["Mô hình điển hình"] == ["1", "0", "chưa có dữ liệu"]
    assert rows["Sơ kết 6 tháng: đúng hạn / trễ hạn / quá hạn chưa nộp / phải nộp"] == ["1 / 1 / 1 / 3", "2 / 0 / 1 / 3", "chưa có dữ liệu"]
    assert rows["Quyết định khen thưởng"] == ["0", "1", "chưa có dữ liệu"]
    last = rows["Sự kiện gần nhất nhận được"]
    assert last[2] == "chưa có dữ liệu" and all(datetime.strptime(v, "%d/%m/%Y %H:%M") for v in last[:2])
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet["A2"].value == "TỔNG HỢP TIẾN ĐỘ PHONG TRÀO THI ĐUA “DÂN VẬN KHÉO” NĂM 2026"
    assert [c.value for c in sheet[5]] == ["Nội dung", "Phường Minh Xuân", "Phường An Phú", "Phường Thủy Phương"]
    assert [c.value for c in sheet[8]] == ["Đơn vị đã đăng ký mô hình (CT3)", "2/3 (66,7%)", "3/3 (100,0%)", "chưa có dữ liệu"]

    # no run left a consumer group behind: every group that appeared meanwhile is one of the wards' own
    time.sleep(1)
    new_groups = {g["group_id"] for g in admin.list_groups()} - groups_before
    for group in new_groups:
        offsets = admin.list_group_offsets(group).get(group, {})
        assert not any(getattr(tp, "topic", "").startswith(topic_prefix) for tp in offsets), group

    # a mistyped ward is refused with the known ones
    typo = rollup(*common, "--ward", "an-phuu")
    assert typo.returncode == EXIT_USAGE and not typo.stdout
    assert "an-phuu" in typo.stderr and "an-phu (Phường An Phú)" in typo.stderr and "thuy-phuong" in typo.stderr

    # every topic under this prefix has an owner: the relays' topics (registration, reporting, the awards
    # events published above) — reading every dvk.* topic created neither dvk.notify nor a DLQ
    topics = {t for t in admin.list_topics() if t.startswith(topic_prefix)}
    admin.close()
    assert topics == {f"{topic_prefix}dvk.registration", f"{topic_prefix}dvk.reporting", f"{topic_prefix}dvk.awards"}


def example(event_type: str, ward: str, **changes: Any) -> CloudEvent:
    data = {**load_schemas()[event_type]["examples"][0], **changes}
    subject = str(data.get("decision_id") or data.get("nomination_id"))
    return CloudEvent(type=event_type, source=f"/wards/{ward}/awards", subject=subject, ward=ward, data=data)
