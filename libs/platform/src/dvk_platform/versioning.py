"""Optimistic locking, the same in every service: the client says which version it edits (If-Match, or
"version" in the body); a missing one is 428, a stale one 412 — never a silent overwrite."""
from __future__ import annotations

import re
from typing import Any

from flask import request
from sqlalchemy import Connection, Table, update

from .errors import STATUS_TITLES, Problem

# ASCII digits only (str.isdigit() also takes ² and other digits int() refuses), at most what a version column holds
IF_MATCH_PATTERN = r'(?:W/)?(?:"([0-9]{1,9})"|([0-9]{1,9}))'
_IF_MATCH = re.compile(IF_MATCH_PATTERN)


def requested_version(body: dict[str, Any] | None = None) -> int | None:
    """The version the client edits: If-Match ("3" or W/"3") first, else "version" taken out of the body."""
    body_version = body.pop("version", None) if body is not None else None
    header = request.headers.get("If-Match")
    if header is not None:  # sent, even empty: it is the version the client means, and must be one
        found = _IF_MATCH.fullmatch(header)
        raw = found.group(1) or found.group(2) if found else ""
        if not found:
            # a value that is not a version can never match the current one
            raise Problem(412, "precondition-failed", "Phiên bản gửi kèm (If-Match) không hợp lệ.",
                          detail=f"If-Match phải là số phiên bản, ví dụ If-Match: 3. Giá trị nhận được: {header}.")
        return int(raw)
    if body_version is not None and (isinstance(body_version, bool) or not isinstance(body_version, int)):
        raise Problem(422, "validation-error", "Dữ liệu không hợp lệ.", errors={"version": ["Phải là số nguyên."]})
    return body_version


def check_version(current: int, requested: int | None, what: str = "bản ghi") -> None:
    if requested is None:
        raise Problem(428, "precondition-required", "Cần gửi kèm phiên bản (If-Match) khi sửa dữ liệu.",
                      detail=f"Gửi header If-Match hoặc trường \"version\" với phiên bản đang xem của {what.lower()}.",
                      current_version=current)
    if requested != current:
        raise Problem(412, "precondition-failed", "Dữ liệu đã bị người khác thay đổi; vui lòng tải lại trước khi sửa.",
                      detail=f"Phiên bản bạn gửi: {requested}; phiên bản hiện tại: {current}.",
                      current_version=current)


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def update_versioned(connection: Connection, table: Table, row_id: int, version: int, values: dict[str, Any]) -> int:
    """Write `values` to one row and raise its version, in one statement whose WHERE is the version check
    (`UPDATE … SET …, version = version + 1 WHERE id = :id AND version = :version`); the new version. When another
    edit came in since the row was read nothing is written and the answer is 412, as when the ORM finds the same."""
    done = connection.execute(update(table).where(table.c.id == row_id, table.c.version == version)
                              .values(**values, version=version + 1))
    if done.rowcount != 1:
        slug, title = STATUS_TITLES[412]
        raise Problem(412, slug, title, detail="Bản ghi vừa được người khác cập nhật.")
    return version + 1
