"""Supporting documents (minh chứng) of a nomination: Phòng VH-XH attaches them while the nomination is a draft;
whoever may read the nomination opens them; once it is decided or forwarded to the higher level they stay as the
council and the Chairman saw them."""
from __future__ import annotations

from dvk_platform import evidence
from dvk_platform.errors import Conflict

from .models import Nomination, NominationFile, NominationFileChunk, status_label
from .services import visible_nomination

# the council's conclusion turned into a decision or a proposal to the higher level (and what follows a decision)
FROZEN = ("decided", "forwarded", "revoked")


def _editable(nomination: Nomination) -> None:
    if nomination.status in FROZEN:
        raise Conflict("files-frozen", "Đề nghị đã có quyết định khen thưởng hoặc đã trình cấp trên: tệp minh chứng "
                      "được giữ nguyên như khi xét.", detail=f"Trạng thái hiện tại: {status_label(nomination.status)}.")
    if nomination.status != "draft":
        raise Conflict("files-locked", "Chỉ thêm hoặc gỡ tệp minh chứng khi đề nghị còn là bản nháp.",
                      detail=f"Trạng thái hiện tại: {status_label(nomination.status)}.")


# a unit officer reads its own unit's nominations' files (404 for another unit's, as for the nomination)
NOMINATION_FILES = evidence.FileStore(NominationFile, NominationFileChunk, "nomination_id", visible_nomination, _editable)
