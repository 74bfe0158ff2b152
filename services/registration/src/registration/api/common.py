"""Helpers shared by the registration endpoints: optimistic locking and the principal's unit."""
from __future__ import annotations

from typing import Any

from flask import request

from dvk_platform.errors import Problem


def expected_version(data: dict[str, Any] | None = None) -> int:
    """The version the client edited: If-Match (an ETag such as "3" or W/"3") or "version" in the body."""
    body_version = (data or {}).pop("version", None)
    header = request.headers.get("If-Match")
    if header:
        raw = header.strip().removeprefix("W/").strip('"')
        if not raw.isdigit():
            raise Problem(412, "stale-version", "Phiên bản gửi kèm (If-Match) không hợp lệ.", detail=f"Giá trị nhận được: {header}.")
        return int(raw)
    if body_version is not None:
        return int(body_version)
    raise Problem(428, "precondition-required", "Cần gửi kèm phiên bản (If-Match) khi sửa dữ liệu.",
                  detail="Gửi header If-Match với phiên bản đang xem, hoặc trường \"version\" trong nội dung.")


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}
