"""What registration declares to the platform (`dvk-worker`, `dvk-dev`): it publishes and consumes nothing; its
seed is Minh Xuân's units and this year's period, or a ward's own units with `--units FILE`."""
from __future__ import annotations

import argparse
from pathlib import Path

from flask import Flask

from dvk_platform.spec import CommandRefused, Seed, ServiceSpec


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


SPEC = ServiceSpec(name="registration", seed=Seed(run=_seed, arguments=_seed_arguments))
