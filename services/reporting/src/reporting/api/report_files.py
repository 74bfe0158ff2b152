"""Evidence files (minh chứng) of a unit report: the unit uploads photos, minutes and workbooks while the report is
a draft or returned; whoever may read the report may open them."""
from __future__ import annotations

from dvk_platform.evidence_web import FilesApi, files_blueprint

from ..evidence import REPORT_FILES
from ..schemas import ReportFileSchema

blp = files_blueprint(FilesApi(
    name="report_files", rule="/reports/<int:report_id>", store=REPORT_FILES, schema=ReportFileSchema,
    description="Tệp minh chứng của báo cáo: ảnh hoạt động, biên bản, số liệu", writers=("don_vi",),
    record="báo cáo", editable_when="là dự thảo hoặc bị trả lại", frozen_when="đã tiếp nhận"))
