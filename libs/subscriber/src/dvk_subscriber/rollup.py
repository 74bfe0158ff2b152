"""`dvk-rollup`: the province's roll-up of the "Dân vận khéo" movement, ward by ward, from the events on the
province's Kafka cluster (or the embedded log of `make run`).

Every ward of the province's registry (dvk_core.wards) gets a column, in the registry's order and under its
Vietnamese name, even one that has published nothing ("chưa có dữ liệu"). For the year asked:

- units: active units (the registry's expected count beside them);
- models: units that registered a model (chỉ tiêu 3: a model sent and not withdrawn), models registered,
  accepted, typical (điển hình);
- reports, six-month and annual: expected (active units), on time, late, overdue (an overdue notice and still
  no report);
- awards: nominations (proposed, not withdrawn), approved by the council, decisions (not revoked);
- the last event received from the ward.

It reads each topic from its beginning to the end it had when the run started, by partition assignment without
a consumer group (`assign` + offsets): a run commits nothing and leaves no group behind, and reads nothing twice.
Events are checked against the contract (those breaking it are counted, not used), applied in any order and more
than once: the newest fact per unit, model and report wins; withdrawals and revocations are final.

    dvk-rollup --bootstrap kafka.tinh.gov.vn:9092 --year 2026
    dvk-rollup --bootstrap kafka.tinh.gov.vn:9092 --year 2026 --json
    dvk-rollup --bootstrap kafka.tinh.gov.vn:9092 --year 2026 --xlsx tong-hop-2026.xlsx
    dvk-rollup --embedded var/bus.db --year 2026          # on `make run`
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dvk_core.envelope import EnvelopeError
from dvk_core.moments import VN
from dvk_core.records import Record
from dvk_core.wards import WardRegistry

from .cli import EXIT_OK, EXIT_UNAVAILABLE, checked_wards, json_logging
from .delivery import contract_problem, decode, report, structured
from .sources import Unreachable, default_topics, embedded_records, kafka_records

PERIODS = {"six_month": "Sơ kết 6 tháng", "annual": "Tổng kết năm"}
REGISTERED = {"submitted", "returned", "accepted"}
SUBMITTED = {"submitted", "resubmitted", "returned", "accepted"}
NO_DATA = "chưa có dữ liệu"


# --- folding ----------------------------------------------------------------------------------------------


@dataclass
class WardState:
    units: dict[int, tuple[str, bool]] = field(default_factory=dict)  # unit -> (at, active)
    models: dict[int, tuple[str, int, int, str]] = field(default_factory=dict)  # model -> (at, unit, year, status)
    typical: dict[int, int] = field(default_factory=dict)  # model -> year
    reports: dict[int, tuple[str, int, int, str, bool, str]] = field(default_factory=dict)  # id -> (at, unit, year, period, late, status)
    overdue: set[tuple[int, int, str]] = field(default_factory=set)  # (unit, year, period)
    nominations: dict[int, tuple[str, int, str]] = field(default_factory=dict)  # id -> (at, year, status)
    withdrawn: set[int] = field(default_factory=set)
    decisions: dict[int, int] = field(default_factory=dict)  # decision -> year
    revoked: set[int] = field(default_factory=set)
    last_event: str | None = None


def _newer(stored: tuple | None, at: str) -> bool:
    return stored is None or at >= stored[0]


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Rollup:
    """Folds structured CloudEvents into each ward's figures for one year, for the wards of the registry."""

    def __init__(self, year: int, registry: WardRegistry, wards: Sequence[str] = ()) -> None:
        self.year = year
        self.registry = registry
        self.shown = list(wards) or registry.codes()
        self.wards: dict[str, WardState] = {}
        self.unlisted: dict[str, int] = {}
        self.invalid = 0

    def apply(self, event: dict[str, Any]) -> None:
        ward = event["ward"]
        if ward not in self.shown:
            if self.registry.get(ward) is None:
                self.unlisted[ward] = self.unlisted.get(ward, 0) + 1
            return
        state = self.wards.setdefault(ward, WardState())
        if state.last_event is None or _instant(event["time"]) > _instant(state.last_event):
            state.last_event = event["time"]
        data, kind = event["data"], event["type"].split(".")[3]
        at = data.get("occurred_at") or event["time"]
        if kind.startswith("unit-"):
            unit_id = int(data["unit_id"])
            if _newer(state.units.get(unit_id), event["time"]):
                state.units[unit_id] = (event["time"], bool(data.get("active", True)) and kind != "unit-deactivated")
        elif kind in {"model-submitted", "model-resubmitted", "model-returned", "model-accepted", "model-withdrawn"}:
            model_id = int(data["model_id"])
            if _newer(state.models.get(model_id), at):
                state.models[model_id] = (at, int(data["unit_id"]), int(data["year"]), data["status"])
        elif kind == "model-marked-typical":
            state.typical[int(data["model_id"])] = int(data["year"])
        elif kind in {"report-submitted", "report-resubmitted", "report-returned", "report-accepted"}:
            report_id = int(data["report_id"])
            if _newer(state.reports.get(report_id), at):
                state.reports[report_id] = (at, int(data["unit_id"]), int(data["year"]), data["period"],
                                            bool(data["late"]), data["status"])
        elif kind == "report-overdue":
            state.overdue.add((int(data["unit_id"]), int(data["year"]), data["period"]))
        elif kind in {"nomination-proposed", "nomination-reviewed"}:
            nomination = int(data["nomination_id"])
            status = "proposed" if kind == "nomination-proposed" else ("approved" if data.get("approved") else "rejected")
            if _newer(state.nominations.get(nomination), at):
                state.nominations[nomination] = (at, int(data["year"]), status)
        elif kind == "nomination-withdrawn":
            state.withdrawn.add(int(data["nomination_id"]))
            state.nominations.setdefault(int(data["nomination_id"]), (at, int(data["year"]), "withdrawn"))
        elif kind == "award-decided":
            state.decisions[int(data["decision_id"])] = int(data["year"])
        elif kind == "award-revoked":
            state.revoked.add(int(data["decision_id"]))

    def _ward_figures(self, state: WardState) -> dict[str, Any]:
        year = self.year
        active = {unit for unit, (_, is_active) in state.units.items() if is_active}
        models = {m: (unit, status) for m, (_, unit, y, status) in state.models.items() if y == year and unit in active}
        registered_units = {unit for unit, status in models.values() if status in REGISTERED}
        reports: dict[str, Any] = {}
        for period in PERIODS:
            sent = {unit: late for _, unit, y, p, late, status in state.reports.values()
                    if y == year and p == period and status in SUBMITTED and unit in active}
            on_time = sum(1 for late in sent.values() if not late)
            overdue = {unit for unit, y, p in state.overdue if y == year and p == period and unit in active} - set(sent)
            reports[period] = {"expected": len(active), "submitted": len(sent), "on_time": on_time,
                               "late": len(sent) - on_time, "overdue": len(overdue),
                               "on_time_percent": percent(on_time, len(active))}
        nominations = {n: status for n, (_, y, status) in state.nominations.items() if y == year and n not in state.withdrawn}
        return {
            "units_active": len(active),
            "models": {"units_registered": len(registered_units),
                       "target3_percent": percent(len(registered_units), len(active)),
                       "target3_met": bool(active) and registered_units == active,
                       "registered": sum(1 for _, status in models.values() if status in REGISTERED),
                       "accepted": sum(1 for _, status in models.values() if status == "accepted"),
                       "typical": sum(1 for m, y in state.typical.items() if y == year and m not in
                                      {m for m, (_, s) in models.items() if s == "withdrawn"})},
            "reports": reports,
            "awards": {"nominations": sum(1 for s in nominations.values() if s in {"proposed", "approved"}),
                       "approved": sum(1 for s in nominations.values() if s == "approved"),
                       "withdrawn": sum(1 for n in state.withdrawn if state.nominations.get(n, ("", 0, ""))[1] == year),
                       "decisions": sum(1 for d, y in state.decisions.items() if y == year and d not in state.revoked),
                       "revoked": sum(1 for d, y in state.decisions.items() if y == year and d in state.revoked)},
        }

    def figures(self) -> dict[str, Any]:
        wards = []
        for code in self.shown:
            ward = self.registry.get(code)
            state = self.wards.get(code)
            entry: dict[str, Any] = {"code": code, "name": ward.name if ward else code,
                                     "expected_units": ward.expected_units if ward else None,
                                     "has_data": state is not None,
                                     "last_event_at": state.last_event if state else None}
            entry.update(self._ward_figures(state) if state else {"units_active": None, "models": None,
                                                                  "reports": None, "awards": None})
            wards.append(entry)
        return {"year": self.year, "wards": wards, "unlisted_wards": dict(sorted(self.unlisted.items())),
                "invalid_events": self.invalid}

    def rows(self) -> tuple[list[str], list[tuple[str, list[str]]]]:
        """(column headings, [(row label, a cell per ward)]) — the table and the spreadsheet share them."""
        figures = self.figures()["wards"]
        heads = [w["name"] for w in figures]

        def each(render: Any) -> list[str]:
            return [render(w) if w["has_data"] else NO_DATA for w in figures]

        def pct(value: float | None) -> str:
            return "—" if value is None else f"{value:.1f}%".replace(".", ",")

        rows: list[tuple[str, list[str]]] = [
            ("Mã phường", [w["code"] for w in figures]),
            ("Đơn vị đang hoạt động / dự kiến", [
                (f"{w['units_active']} / {w['expected_units']}" if w["has_data"] else f"{NO_DATA} / {w['expected_units']}")
                for w in figures]),
            ("Đơn vị đã đăng ký mô hình (CT3)", each(lambda w: f"{w['models']['units_registered']}/{w['units_active']} "
                                                             f"({pct(w['models']['target3_percent'])})")),
            ("Mô hình đã đăng ký", each(lambda w: str(w["models"]["registered"]))),
            ("Mô hình được chấp thuận", each(lambda w: str(w["models"]["accepted"]))),
            ("Mô hình điển hình", each(lambda w: str(w["models"]["typical"]))),
        ]
        for period, label in PERIODS.items():
            rows.append((f"{label}: đúng hạn / trễ hạn / quá hạn chưa nộp / phải nộp", each(
                lambda w, p=period: "{on_time} / {late} / {overdue} / {expected}".format(**w["reports"][p]))))
        rows += [
            ("Đề nghị khen thưởng (đang xét)", each(lambda w: str(w["awards"]["nominations"]))),
            ("Hội đồng đã thông qua", each(lambda w: str(w["awards"]["approved"]))),
            ("Quyết định khen thưởng", each(lambda w: str(w["awards"]["decisions"]))),
            ("Sự kiện gần nhất nhận được", [vn_time(w["last_event_at"]) if w["has_data"] else NO_DATA for w in figures]),
        ]
        return heads, rows

    def table(self) -> str:
        heads, rows = self.rows()
        label_width = max(len("Phường"), *(len(label) for label, _ in rows))
        widths = [max(len(heads[i]), *(len(values[i]) for _, values in rows)) for i in range(len(heads))]
        lines = [f"Tiến độ phong trào “Dân vận khéo” năm {self.year}",
                 "Phường".ljust(label_width) + " | " + " | ".join(h.ljust(widths[i]) for i, h in enumerate(heads)),
                 "-" * label_width + "-+-" + "-+-".join("-" * w for w in widths)]
        for label, values in rows:
            lines.append(label.ljust(label_width) + " | " + " | ".join(v.ljust(widths[i]) for i, v in enumerate(values)))
        if self.unlisted:
            lines.append("Sự kiện của phường ngoài danh sách (không tính): "
                         + ", ".join(f"{code} ({n})" for code, n in sorted(self.unlisted.items())))
        return "\n".join(lines)

    def xlsx(self, path: str, generated: datetime | None = None) -> None:
        """The table as a printable annex (A4 landscape, one page wide)."""
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, Side

        from dvk_documents.sheets import sheet_cell  # ward names come from the province's file: text, never a formula

        heads, rows = self.rows()
        book = Workbook()
        sheet = book.active
        sheet.title = f"Tổng hợp {self.year}"
        moment = (generated or datetime.now(VN)).astimezone(VN)
        last_column = len(heads) + 1
        sheet.cell(1, 1, "PHỤ LỤC").font = Font(bold=True)
        sheet.cell(2, 1, f"TỔNG HỢP TIẾN ĐỘ PHONG TRÀO THI ĐUA “DÂN VẬN KHÉO” NĂM {self.year}").font = Font(bold=True, size=13)
        sheet.cell(3, 1, f"(Số liệu từ sự kiện các phường gửi về, tổng hợp lúc {moment:%H:%M} ngày {moment:%d/%m/%Y})").font = Font(italic=True)
        for row in (1, 2, 3):
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)
            sheet.cell(row, 1).alignment = Alignment(horizontal="center")
        thin = Side(style="thin")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)
        header = ["Nội dung", *heads]
        for column, text in enumerate(header, start=1):
            cell = sheet_cell(sheet, 5, column, text)
            cell.font = Font(bold=True)
            cell.border = box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for offset, (label, values) in enumerate(rows, start=6):
            # wrapped labels get a taller row: spreadsheet programs do not grow a row for wrapped text by themselves
            sheet.row_dimensions[offset].height = 15 * (1 + len(label) // 44)
            for column, text in enumerate([label, *values], start=1):
                cell = sheet_cell(sheet, offset, column, text)
                cell.border = box
                cell.alignment = Alignment(vertical="center", wrap_text=True, horizontal="left" if column == 1 else "center")
        sheet.column_dimensions["A"].width = 44
        for column in range(2, last_column + 1):
            sheet.column_dimensions[sheet.cell(5, column).column_letter].width = 22
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "5:5"
        book.save(path)


def vn_time(text: str | None) -> str:
    return _instant(text).astimezone(VN).strftime("%d/%m/%Y %H:%M") if text else "—"


def fold(records: Iterator[Record], rollup: Rollup, err: Any = None) -> Rollup:
    """Decode, check and apply every record; the ones that are not valid events are counted and reported."""
    for record in records:
        try:
            event = decode(record)
        except EnvelopeError as exc:
            rollup.invalid += 1
            report(err or sys.stderr, "invalid", position=f"{record.topic}/{record.partition}@{record.offset}", error=str(exc))
            continue
        problem = contract_problem(event)
        if problem:
            rollup.invalid += 1
            report(err or sys.stderr, "invalid", event_id=event.id, type=event.type, ward=event.ward, error=problem)
            continue
        rollup.apply(structured(event, record))
    return rollup


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dvk-rollup",
        description="Tổng hợp tiến độ phong trào \"Dân vận khéo\" của các phường trong tỉnh từ sự kiện trên Kafka.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--bootstrap", help="Kafka bootstrap servers of the province, e.g. kafka.tinh.gov.vn:9092")
    where.add_argument("--embedded", metavar="PATH", help="the embedded log of `make run` (var/bus.db)")
    parser.add_argument("--topic-prefix", default=os.environ.get("DVK_TOPIC_PREFIX", ""),
                        help="prefix of the dvk.* topics (DVK_TOPIC_PREFIX of the wards); default: $DVK_TOPIC_PREFIX")
    parser.add_argument("--year", type=int, default=None, help="the movement's year (default: this year)")
    parser.add_argument("--ward", action="append", default=[], help="only these wards (repeatable); default: every ward of the registry")
    parser.add_argument("--wards-file", help="the province's ward registry (YAML or CSV); default: $DVK_WARDS_FILE, "
                        "else the registry shipped with the platform")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--xlsx", metavar="FILE", help="also write the table as a printable spreadsheet (annex)")
    parser.add_argument("--connect-timeout", type=float, default=15.0,
                        help=f"seconds to wait for the Kafka bootstrap before giving up (exit {EXIT_UNAVAILABLE})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    json_logging()
    registry = checked_wards(parser, args.wards_file, args.ward)
    year = args.year or datetime.now(VN).year
    topics = default_topics(args.topic_prefix)
    rollup = Rollup(year, registry, args.ward)
    try:
        records = (embedded_records(args.embedded, topics) if args.embedded
                   else kafka_records(args.bootstrap or "127.0.0.1:9092", topics, args.connect_timeout))
        fold(records, rollup)
    except Unreachable as exc:
        report(sys.stderr, "unreachable", bootstrap=exc.bootstrap, timeout_seconds=exc.timeout, error=str(exc))
        return EXIT_UNAVAILABLE
    print(json.dumps(rollup.figures(), ensure_ascii=False, indent=2) if args.json else rollup.table())
    if args.xlsx:
        rollup.xlsx(args.xlsx)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["NO_DATA", "Rollup", "embedded_records", "fold", "kafka_records", "main"]
