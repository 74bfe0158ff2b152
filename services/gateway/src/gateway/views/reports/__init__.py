"""Báo cáo: unit reports per period, their review by Phòng VH-XH, the ward's consolidated report with its Word
and Excel files, and the target figures (chỉ tiêu) with their import (reporting service).

One blueprint ("reports"), its pages in three modules as the pages fall: `unit_reports`, `consolidated` (the ward's
report) and `figures` (the Plan's target figures); `common` holds what they share."""
from __future__ import annotations

from . import consolidated, figures, unit_reports  # noqa: F401  (their pages register themselves on bp)
from .common import CONSOLIDATED_STATUSES, bp
from .unit_reports import REPORT_ACTIONS

__all__ = ["CONSOLIDATED_STATUSES", "REPORT_ACTIONS", "bp"]
