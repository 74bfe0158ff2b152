"""What registration declares to the platform (`create_app`, `dvk-worker`, `dvk-dev`): its API and audited records;
it publishes and consumes nothing; its seed is Minh Xuân's units and this year's period, or a ward's own units with
`--units FILE`."""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask

from dvk_platform.spec import Audit, CommandRefused, Seed, ServiceSpec

from .config import DEFAULTS


def _blueprints() -> Sequence[Any]:
    from .api import compliance, files, inspection_files, periods, registrations, units

    return [m.blp for m in (units, periods, registrations, files, inspection_files, compliance)]


def _audited() -> Sequence[type]:
    from .models import Inspection, InspectionFile, ModelFile, ModelRegistration, PeriodChange, RegistrationPeriod, Unit

    return [Unit, RegistrationPeriod, PeriodChange, ModelRegistration, Inspection, ModelFile, InspectionFile]


def _seed_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--units", metavar="FILE", help="the ward's units from this CSV/XLSX (the columns the units "
                       "import takes) instead of Minh Xuân's demo units")


def _seed(app: Flask, args: argparse.Namespace) -> int:
    from . import seed

    if not args.units:
        seed.seed(app)
        return 0
    # the ward's own units from a spreadsheet, all or nothing; units already there (same code) are kept
    try:
        content = Path(args.units).read_bytes()
    except OSError as exc:
        raise CommandRefused(f"Không đọc được tệp {args.units}: {exc.strerror} / cannot read {args.units}") from None
    created, kept, problems = seed.seed_units(app, Path(args.units).name, content)
    if problems:
        raise CommandRefused(f"Không nạp đơn vị nào từ {args.units} / no unit loaded from {args.units}:\n" + "\n".join(problems))
    print(f"Đã thêm {created} đơn vị, giữ nguyên {kept} đơn vị đã có. / Added {created} units, kept {kept} already there.")
    return 0


SPEC = ServiceSpec(
    name="registration",
    title="Dân Vận Khéo — Đăng ký mô hình",
    defaults=DEFAULTS,
    blueprints=_blueprints,
    audit=Audit(_audited),  # every change to these records goes to the append-only audit log (GET /audit)
    seed=Seed(run=_seed, arguments=_seed_arguments),
)
