"""Evidence files (minh chứng) of an inspection: Phòng VH-XH attaches the minutes signed on the ground and photos of
what it saw; whoever may read the model may open them. They stay as they were once the model is named typical."""
from __future__ import annotations

from dvk_platform.evidence_web import FilesApi, file_schema, files_blueprint

from .. import services

InspectionFileSchema = file_schema("InspectionFileSchema", "inspection_id", "an inspection")

blp = files_blueprint(FilesApi(
    name="inspection_files", rule="/models/<int:model_id>/inspections/<int:inspection_id>",
    store=services.INSPECTION_FILES, schema=InspectionFileSchema,
    description="Tệp minh chứng của lần kiểm tra: biên bản kiểm tra, ảnh thực tế", writers=("vhxh",),
    record="lần kiểm tra", editable_when="thuộc mô hình chưa được chọn làm điển hình",
    frozen_when="thuộc mô hình đã được chọn làm điển hình"))
