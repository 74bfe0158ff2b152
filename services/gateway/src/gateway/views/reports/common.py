"""Báo cáo — what its pages share: the blueprint, the parts of a report, who writes and reviews, the year asked for."""
from __future__ import annotations

from flask import Blueprint, request

from dvk_platform.clock import ward_year
from dvk_platform.labels import Labels

from ... import clients

bp = Blueprint("reports", __name__, url_prefix="/bao-cao")

# The sections every unit report covers, in the order the plan prints them (reporting's REPORT_SECTIONS).
SECTIONS = [
    ("leadership", "Công tác lãnh đạo, chỉ đạo"),
    ("effectiveness", "Hiệu quả mang lại"),
    ("good_practices", "Cách làm hay, sáng tạo"),
    ("difficulties", "Khó khăn, vướng mắc"),
    ("recommendations", "Kiến nghị, đề xuất"),
    ("next_direction", "Phương hướng, nhiệm vụ thời gian tới"),
]
# Consolidated report: free text parts, then the lists drafted from the units' reports.
CONSOLIDATED_TEXTS = [
    ("intro", "Phần mở đầu"),
    ("leadership", "Công tác lãnh đạo, chỉ đạo"),
    ("results", "Kết quả thực hiện"),
    ("effectiveness", "Hiệu quả"),
    ("next_direction", "Phương hướng thời gian tới"),
]
CONSOLIDATED_LISTS = [
    ("good_practices", "Cách làm hay, sáng tạo"),
    ("difficulties", "Khó khăn, vướng mắc"),
    ("recommendations", "Kiến nghị, đề xuất"),
]
FIGURES = [
    ("files_received", "Hồ sơ TTHC tiếp nhận"),
    ("files_resolved", "Đã giải quyết"),
    ("files_on_time", "Đúng và trước hạn"),
    ("online_files", "Trực tuyến"),
    ("cashless_payments", "Thanh toán không tiền mặt"),
    ("survey_responses", "Lượt đánh giá"),
    ("satisfied_responses", "Hài lòng"),
    ("digital_literacy_participants", "“Bình dân học vụ số”"),
    ("officials_total", "Cán bộ, công chức"),
    ("officials_violating", "Vi phạm quy tắc ứng xử"),
]
# As the reporting service: a unit's own officer writes and sends its report; Phòng VH-XH reviews it, writes the
# ward's consolidated report and imports the figures. Admin runs the system, not the movement.
WRITERS = ("don_vi",)
REVIEWERS = ("vhxh",)
SIGNERS = ("lanh_dao",)  # the Chairman or a Vice-Chairman approves the consolidated report, or returns it
WARD_READERS = ("admin", "vhxh", "lanh_dao", "giam_sat")
CONSOLIDATED_STATUSES = Labels("consolidated_status")


def _year() -> int:
    return request.values.get("year", type=int) or ward_year()


def _problem_errors(exc: clients.ServiceProblem, shown: tuple[str, ...] = ()) -> dict[str, str]:
    """Messages beside the fields the page shows; the others (e.g. each missing section) in the top alert."""
    errors = exc.field_errors()
    elsewhere = [message for name, message in errors.items() if name not in shown]
    errors.setdefault("_", " ".join([exc.message, *elsewhere]))
    return errors
