"""Evidence files (minh chứng) of a unit report: added and removed by its unit while the report is a draft or
returned; kept as they were once it is sent and accepted."""
from __future__ import annotations

from dvk_platform import evidence
from dvk_platform.errors import Conflict

from .models import ReportFile, ReportFileChunk, UnitReport
from .services import get_report, status_text

EDITABLE = ("draft", "returned")


def _editable(report: UnitReport) -> None:
    if report.status == "accepted":
        raise Conflict("files-frozen", "Báo cáo đã được tiếp nhận: tệp minh chứng được giữ nguyên như khi tiếp nhận.")
    if report.status not in EDITABLE:
        raise Conflict("files-locked", "Chỉ thêm hoặc gỡ tệp minh chứng khi báo cáo là dự thảo hoặc bị trả lại.",
                      detail=status_text(report.status))


# the unit's own report (404 for another unit's, as for the report)
REPORT_FILES = evidence.FileStore(ReportFile, ReportFileChunk, "report_id", get_report, _editable)
