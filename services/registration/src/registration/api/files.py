"""Evidence files (minh chứng) of a model: the unit uploads photos, minutes and scans while the model is editable;
whoever may read the model may open them."""
from __future__ import annotations

from dvk_platform.evidence_web import FilesApi, files_blueprint

from .. import services
from ..schemas import ModelFileSchema

blp = files_blueprint(FilesApi(
    name="model_files", rule="/models/<int:model_id>", store=services.MODEL_FILES, schema=ModelFileSchema,
    description="Tệp minh chứng của mô hình: ảnh, biên bản, văn bản scan", writers=("don_vi",),
    record="mô hình", editable_when="là bản nháp hoặc bị trả lại", frozen_when="đã tiếp nhận"))
