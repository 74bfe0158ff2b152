"""What reporting declares to the platform (`create_app`, `dvk-worker`, `dvk-dev`): its API, its audited records,
the topics it consumes and its handlers, and the scheduled overdue check as a further long-running process."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask

from dvk_platform.spec import Audit, Handler, Process, ServiceSpec

from .config import DEFAULTS


def _blueprints() -> Sequence[Any]:
    from .api import consolidated, figures, progress, report_files, reports

    return [m.blp for m in (reports, report_files, figures, progress, consolidated)]


def _audited() -> Sequence[type]:
    from .models import ConsolidatedReport, ReportDeadline, ReportFile, TargetFigures, UnitReport

    return [ReportDeadline, UnitReport, TargetFigures, ConsolidatedReport, ReportFile]


def _handlers(app: Flask) -> Mapping[str, Handler]:
    from .events import handlers

    return handlers(app)


SPEC = ServiceSpec(
    name="reporting",
    title="Dân Vận Khéo — Báo cáo sơ kết, tổng kết, chỉ tiêu và tiến độ",
    defaults=DEFAULTS,
    blueprints=_blueprints,
    audit=Audit(_audited),  # every change to these records goes to the append-only audit log (GET /audit)
    subscribes=("registration", "awards"),
    handlers=_handlers,
    processes=(Process("overdue", "reporting.overdue", ("--every", "3600")),),
)
