"""The two catalogues, kept apart: emulation titles (danh hiệu thi đua) and award forms (hình thức khen thưởng)."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from unidecode import unidecode

from dvk_platform.errors import Conflict, NotFound
from dvk_platform.versioning import check_version

from .models import CATALOGUES, AwardEntry
from .services import invalid


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", unidecode(text).lower()).strip("-")[:60] or "muc"


def create_entry(session: Session, catalogue: str, data: dict[str, Any]) -> AwardEntry:
    code = data.pop("code", None) or slug(data["name"])
    if session.scalar(select(AwardEntry.id).where(AwardEntry.code == code)) is not None:
        raise Conflict("duplicate-entry", "Mã mục danh mục đã tồn tại.", detail=f"Mã '{code}' đã được dùng.")
    entry = AwardEntry(catalogue=catalogue, code=code, **data)
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: Session, catalogue: str, entry_id: int) -> AwardEntry:
    entry = session.get(AwardEntry, entry_id)
    if entry is None or entry.catalogue != catalogue:
        raise NotFound("not-found", "Không tìm thấy mục danh mục.",
                      detail=f"Không có mục mã {entry_id} trong danh mục {CATALOGUES[catalogue].lower()}.")
    return entry


def entries(session: Session, catalogue: str, active: bool | None = None) -> list[AwardEntry]:
    statement = select(AwardEntry).where(AwardEntry.catalogue == catalogue)
    if active is not None:
        statement = statement.where(AwardEntry.active == active)
    return list(session.scalars(statement.order_by(AwardEntry.name)))


def update_entry(session: Session, catalogue: str, entry_id: int, data: dict[str, Any],
                 expected_version: int | None) -> AwardEntry:
    entry = get_entry(session, catalogue, entry_id)
    check_version(entry.version, expected_version, f"mục “{entry.name}”")
    for name, value in data.items():
        setattr(entry, name, value)
    if not entry.for_individuals and not entry.for_collectives:
        raise invalid({"for_collectives": ["Phải áp dụng cho cá nhân, tập thể hoặc cả hai."]})
    session.flush()
    return entry
