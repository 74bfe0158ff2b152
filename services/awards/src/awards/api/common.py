"""What every resource of the API shares: the roles that read, the transaction that names a lost race for a
nomination (any other lost race is the platform's 409 `conflict`)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from dvk_platform.db import get_db

from ..services import duplicate

READERS = ("admin", "vhxh", "lanh_dao", "don_vi", "giam_sat")
WARD_READERS = ("admin", "vhxh", "lanh_dao", "giam_sat")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction; a race lost to another writer over the same open nomination is a duplicate nomination."""
    try:
        with get_db().transaction() as session:
            yield session
    except sa_exc.IntegrityError as exc:
        text = str(exc.orig)
        if "uq_nominations_open_award" in text or "nominations." in text:
            raise duplicate(None) from exc
        raise

