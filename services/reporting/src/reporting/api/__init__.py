"""HTTP resources of the reporting service."""
from __future__ import annotations

from typing import Any

from flask import request

from dvk_platform.errors import Problem


def expected_version(data: dict[str, Any] | None = None) -> int | None:
    """The version the client edits: If-Match header first, else "version" in the body."""
    header = request.headers.get("If-Match")
    if header:
        raw = header.strip().removeprefix("W/").strip('"')
        try:
            return int(raw)
        except ValueError as exc:
            raise Problem(400, "bad-if-match", "Yêu cầu không hợp lệ (dữ liệu gửi lên không đọc được).",
                          detail="If-Match phải là số phiên bản, ví dụ If-Match: 3.") from exc
    return (data or {}).get("version")
