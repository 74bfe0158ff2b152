"""Many wards, one bus: Minh Xuân and An Phú each run registration and reporting on their own database, and
their relays publish to the same Kafka topics. The provincial roll-up (examples/province_rollup.py, built on
the reference subscriber) shows both wards' target-3 compliance and reports on time side by side."""
from __future__ import annotations

import importlib.util
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from dvk_platform.config import topic_name
from dvk_platform.consumer import ConsumerRunner
from dvk_platform.subscriber import KafkaSource
from dvk_platform.testing import wait_until
from dvk_platform.testing.plugin import bearer
from dvk_platform.worker import build_consumer, build_relay

ROOT = Path(__file__).resolve().parents[1]
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026
SECTIONS = {"leadership": "Chi bộ ban hành kế hoạch thực hiện", "effectiveness": "Nhân dân đồng thuận",
            "good_practices": "Họp tổ hằng tháng", "difficulties": "Kinh phí hạn chế",
            "recommendations": "Hỗ trợ kinh phí", "next_direction": "Nhân rộng mô hình"}


def load_rollup():
    spec = importlib.util.spec_from_file_location("province_rollup", ROOT / "examples" / "province_rollup.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


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
def test_two_wards_on_one_kafka_cluster_rolled_up_side_by_side(make_service, kafka_server, topic_prefix):
    kafka = {"BUS": "kafka", "KAFKA_BOOTSTRAP": kafka_server.bootstrap, "KAFKA_PARTITIONS": 3}
    minh_xuan = Ward(make_service, "minh-xuan", "postgresql", kafka)
    an_phu = Ward(make_service, "an-phu", "sqlite", kafka)
    assert topic_name(minh_xuan.registration.config, "registration") == topic_name(an_phu.registration.config, "registration")

    # Minh Xuân: four units; one model accepted, one withdrawn, one returned, and the fourth unit leaves
    mx = [minh_xuan.unit(f"tdp-{n}", f"Tổ dân phố {n}") for n in range(1, 5)]
    minh_xuan.call(minh_xuan.registration, "POST", "/periods", "vhxh", json={"year": YEAR})
    minh_xuan.step(minh_xuan.model(mx[0], "Tổ dân phố văn minh"), "accept", "vhxh")
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

    rollup_module = load_rollup()
    topics = [topic_name(minh_xuan.registration.config, s) for s in ("registration", "reporting")]
    source = KafkaSource(kafka_server.bootstrap, f"{topic_prefix}tinh-tong-hop", topics)
    rollup = rollup_module.run(source, YEAR, stop_after_idle=1.5)
    figures = rollup.figures()

    assert set(figures) == {"minh-xuan", "an-phu"}
    assert figures["minh-xuan"] == {
        "units_active": 3, "units_registered": 2, "target3_percent": 66.7, "target3_met": False,
        "reports": {"six_month": {"expected": 3, "submitted": 2, "on_time": 1, "late": 1, "on_time_percent": 33.3},
                    "annual": {"expected": 3, "submitted": 0, "on_time": 0, "late": 0, "on_time_percent": 0.0}},
    }
    assert figures["an-phu"] == {
        "units_active": 3, "units_registered": 3, "target3_percent": 100.0, "target3_met": True,
        "reports": {"six_month": {"expected": 3, "submitted": 2, "on_time": 2, "late": 0, "on_time_percent": 66.7},
                    "annual": {"expected": 3, "submitted": 1, "on_time": 1, "late": 0, "on_time_percent": 33.3}},
    }
    # the province sees what each ward's own progress page shows
    for ward in (minh_xuan, an_phu):
        own = ward.progress()
        assert own["units"]["with_registered_model"] == figures[ward.code]["units_registered"]
        assert own["reports"]["six_month"]["on_time"] == figures[ward.code]["reports"]["six_month"]["on_time"]
    table = rollup.table()
    assert "Phường                " in table and "minh-xuan" in table.splitlines()[1] and "an-phu" in table.splitlines()[1]
    assert "2/3 (66.7%)" in table and "3/3 (100.0%)" in table
