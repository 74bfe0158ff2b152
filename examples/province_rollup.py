"""Provincial roll-up: every ward's progress side by side, from the events on the province's one Kafka cluster.

Built on the reference subscriber (dvk_platform.subscriber): it joins a consumer group, keeps registration and
reporting events, checks them against the contract, and folds them into per-ward figures:

- target 3 (chỉ tiêu 3): active units that registered at least one "Dân vận khéo" model this year
  (a model sent and not withdrawn: submitted, returned or accepted) over the ward's active units;
- reports on time: for the six-month and the annual report, units whose report arrived by the due date,
  units late, and units expected (active units).

    python examples/province_rollup.py --bootstrap kafka.tinh:9092 --group tinh-tong-hop --year 2026
    python examples/province_rollup.py --embedded var/bus.db --group thu --year 2026   # on `make run`

The figures are folded in memory, so a run needs every event from the beginning: by default each run joins a
fresh consumer group, which starts at the beginning of the topics (mind the topics' retention).
Events are applied in any order and more than once: the newest fact per unit, model and report wins.
"""
from __future__ import annotations

import argparse
import json
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

from dvk_platform.subscriber import Filters, KafkaSource, Source, Subscriber, default_topics, embedded_source

PERIODS = {"six_month": "Sơ kết 6 tháng", "annual": "Tổng kết năm"}
REGISTERED = {"submitted", "returned", "accepted"}
SUBMITTED = {"submitted", "resubmitted", "returned", "accepted"}
TYPES = ("vn.dvk.registration.unit-*", "vn.dvk.registration.model-*", "vn.dvk.reporting.report-*")


@dataclass
class WardState:
    units: dict[int, tuple[str, bool]] = field(default_factory=dict)  # unit_id -> (event time, active)
    models: dict[int, tuple[str, int, int, str]] = field(default_factory=dict)  # model_id -> (at, unit, year, status)
    reports: dict[int, tuple[str, int, int, str, bool, str]] = field(default_factory=dict)  # id -> (at, unit, year, period, late, status)


def _newer(stored: tuple | None, at: str) -> bool:
    return stored is None or at >= stored[0]


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class Rollup:
    """Folds structured CloudEvents (as the subscriber hands them on) into each ward's figures for one year."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.wards: dict[str, WardState] = {}

    def apply(self, event: dict[str, Any]) -> None:
        state = self.wards.setdefault(event["ward"], WardState())
        data, kind = event["data"], event["type"].split(".")[3]
        if kind.startswith("unit-"):
            unit_id = int(data["unit_id"])
            if _newer(state.units.get(unit_id), event["time"]):
                state.units[unit_id] = (event["time"], bool(data.get("active", True)) and kind != "unit-deactivated")
        elif kind in {"model-submitted", "model-resubmitted", "model-returned", "model-accepted", "model-withdrawn"}:
            model_id, at = int(data["model_id"]), data.get("occurred_at") or event["time"]
            if _newer(state.models.get(model_id), at):
                state.models[model_id] = (at, int(data["unit_id"]), int(data["year"]), data["status"])
        elif kind in {"report-submitted", "report-resubmitted", "report-returned", "report-accepted"}:
            report_id, at = int(data["report_id"]), data.get("occurred_at") or event["time"]
            if _newer(state.reports.get(report_id), at):
                state.reports[report_id] = (at, int(data["unit_id"]), int(data["year"]), data["period"],
                                            bool(data["late"]), data["status"])

    def figures(self) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        for ward, state in sorted(self.wards.items()):
            active = {unit for unit, (_, is_active) in state.units.items() if is_active}
            registered = {unit for _, unit, year, status in state.models.values()
                          if year == self.year and status in REGISTERED} & active
            reports: dict[str, Any] = {}
            for period in PERIODS:
                sent = {unit: late for _, unit, year, p, late, status in state.reports.values()
                        if year == self.year and p == period and status in SUBMITTED and unit in active}
                on_time = sum(1 for late in sent.values() if not late)
                reports[period] = {"expected": len(active), "submitted": len(sent), "on_time": on_time,
                                   "late": len(sent) - on_time, "on_time_percent": percent(on_time, len(active))}
            result[ward] = {"units_active": len(active), "units_registered": len(registered),
                            "target3_percent": percent(len(registered), len(active)),
                            "target3_met": bool(active) and registered == active, "reports": reports}
        return result

    def table(self) -> str:
        figures = self.figures()
        wards = list(figures)

        def cell(value: Any) -> str:
            return "—" if value is None else str(value)

        rows = [("Phường", wards),
                ("Đơn vị đang hoạt động", [cell(figures[w]["units_active"]) for w in wards]),
                ("Đã đăng ký mô hình (CT3)", [f"{figures[w]['units_registered']}/{figures[w]['units_active']} "
                                               f"({cell(figures[w]['target3_percent'])}%)" for w in wards])]
        for period, label in PERIODS.items():
            rows.append((f"{label}: đúng hạn / đã nộp / phải nộp",
                         [f"{r['on_time']} / {r['submitted']} / {r['expected']}" for r in
                          (figures[w]["reports"][period] for w in wards)]))
        width = max(len(label) for label, _ in rows)
        columns = [max(len(str(values[i])) for _, values in rows) for i in range(len(wards))]
        lines = [f"Tiến độ phong trào “Dân vận khéo” năm {self.year}"]
        for label, values in rows:
            lines.append(label.ljust(width) + " | " + " | ".join(str(v).ljust(columns[i]) for i, v in enumerate(values)))
        return "\n".join(lines)


def run(source: Source, year: int, wards: tuple[str, ...] = (), stop_after_idle: float = 2.0) -> Rollup:
    """Read until the topics have been quiet for `stop_after_idle` seconds; returns the folded figures."""
    rollup = Rollup(year)
    subscriber = Subscriber(source, rollup.apply, Filters(wards, TYPES), batch_size=500)
    try:
        subscriber.run(stop_after_idle=stop_after_idle, poll_timeout=0.3)
    finally:
        subscriber.close()
    return rollup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tổng hợp tiến độ các phường từ sự kiện (chỉ tiêu 3, báo cáo đúng hạn).")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--bootstrap", help="Kafka bootstrap servers of the province")
    where.add_argument("--embedded", metavar="PATH", help="the embedded log of `make run`")
    parser.add_argument("--group", default=None, help="consumer group (default: a fresh one, reading from the start)")
    parser.add_argument("--topic-prefix", default="")
    parser.add_argument("--ward", action="append", default=[], help="only these wards (repeatable)")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--stop-after-idle", type=float, default=2.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args(argv)
    group = args.group or f"{args.topic_prefix}tinh-tong-hop-{uuid.uuid4().hex[:8]}"
    topics = [t for t in default_topics(args.topic_prefix) if t.endswith((".registration", ".reporting"))]
    source: Source = (embedded_source(args.embedded, group, topics) if args.embedded
                      else KafkaSource(args.bootstrap or "127.0.0.1:9092", group, topics))
    rollup = run(source, args.year, tuple(args.ward), args.stop_after_idle)
    print(json.dumps(rollup.figures(), ensure_ascii=False, indent=2) if args.json else rollup.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
