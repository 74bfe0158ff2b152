"""What every resource of the API shares: the roles that read, the transaction with its conflict mapping."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from dvk_platform.db import get_db
from dvk_platform.errors import Problem

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

