"""Supporting documents (minh chứng) of a nomination: Phòng VH-XH uploads them while the nomination is a draft;
whoever may read the nomination opens them (the council's dossier)."""
from __future__ import annotations

from dvk_platform.evidence_web import FilesApi, file_schema, files_blueprint

from ..evidence import NOMINATION_FILES

NominationFileSchema = file_schema("NominationFileSchema", "nomination_id", "a nomination")

blp = files_blueprint(FilesApi(
    name="nomination_files", rule="/nominations/<int:nomination_id>", store=NOMINATION_FILES,
    schema=NominationFileSchema, description="Tệp minh chứng của đề nghị khen thưởng: báo cáo thành tích, văn bản, ảnh",
    writers=("vhxh",), record="đề nghị", editable_when="còn là bản nháp",
    frozen_when="đã có quyết định hoặc đã trình cấp trên"))
