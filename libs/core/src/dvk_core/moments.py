"""Moments given on a command line (the worker's replay, the province's subscriber): Vietnam's time unless told."""
from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is Vietnam's time (Asia/Ho_Chi_Minh)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"thời điểm không hợp lệ {text!r}: dùng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM (giờ Việt Nam nếu không ghi múi giờ) / "
            f"invalid time {text!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN)

