"""What every resource of the API shares: the transaction with its conflict mapping, versions, visibility."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from dvk_platform.auth import Principal
from dvk_platform.db import get_db
from dvk_platform.errors import Problem

from ..models import Nomination
from ..services import duplicate

READERS = ("admin", "vhxh", "lanh_dao", "don_vi", "giam_sat")
WARD_READERS = ("admin", "vhxh", "lanh_dao", "giam_sat")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction; a race lost to another writer answers 409/412 instead of a server error."""
    try:
        with get_db().transaction() as session:
            yield session
    except sa_exc.IntegrityError as exc:
        text = str(exc.orig)
        if "uq_nominations_open_award" in text or "nominations." in text:
            raise duplicate(None) from exc
        raise Problem(409, "conflict", "Thao tác xung đột với dữ liệu vừa được ghi; vui lòng thử lại.") from exc


def visible_nomination(session: Session, principal: Principal, nomination_id: int) -> Nomination:
    """A unit officer sees only their own unit's nominations; anything else is simply not found."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or (principal.role == "don_vi" and nomination.unit_id != principal.unit_id):
        raise Problem(404, "not-found", "Không tìm thấy đề nghị khen thưởng.", detail=f"Không có đề nghị số {nomination_id}.")
    return nomination
