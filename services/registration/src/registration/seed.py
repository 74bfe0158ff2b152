"""Demo data for `make run`: the units of phường Minh Xuân with fixed ids, and this year's registration period.
Another ward seeds its own units with `dvk-worker seed registration --units FILE` (seed_units: the same CSV/XLSX
the units import of the web page takes).

Idempotent: units already there (by id or code) and an already opened period are left alone.
"""
from __future__ import annotations

from flask import Flask
from sqlalchemy import select, text

from dvk_platform.auth import Principal
from dvk_platform.clock import now, ward_date
from dvk_platform.db import get_db

from .deadlines import default_deadline
from .models import Unit
from .periods import get_period, open_period
from .units import create_unit

# (id, code, name, kind): the ids other services' seeds refer to.
MINH_XUAN_UNITS: list[tuple[int, str, str, str]] = [
    (1, "vp-hdnd-ubnd", "Văn phòng HĐND-UBND", "co_quan"),
    (2, "phong-kt-ht-dt", "Phòng Kinh tế - Hạ tầng - Đô thị", "co_quan"),
    (3, "phong-vh-xh", "Phòng Văn hóa - Xã hội", "co_quan"),
    (4, "tt-phvhc", "Trung tâm Phục vụ hành chính công", "co_quan"),
    (5, "cong-an-phuong", "Công an phường", "cong_an"),
    (6, "bchqs-phuong", "Ban Chỉ huy Quân sự phường", "quan_su"),
    (7, "ub-mttq", "Ủy ban MTTQ Việt Nam phường", "mttq_doan_the"),
    (8, "hoi-lhpn", "Hội Liên hiệp Phụ nữ phường", "mttq_doan_the"),
    (9, "hoi-ccb", "Hội Cựu chiến binh phường", "mttq_doan_the"),
    (10, "doan-tn", "Đoàn Thanh niên phường", "mttq_doan_the"),
    (11, "hoi-nong-dan", "Hội Nông dân phường", "mttq_doan_the"),
] + [(11 + n, f"tdp-{n}", f"Tổ dân phố {n}", "to_dan_pho") for n in range(1, 11)]

SEEDER = Principal(user_id="seed", name="Dữ liệu mẫu", role="vhxh", unit_id=None, ward="")


def seed(app: Flask) -> None:
    with app.app_context():
        db = get_db()
        with db.transaction() as session:
            taken_ids = set(session.scalars(select(Unit.id)))
            taken_codes = set(session.scalars(select(Unit.code)))
            for unit_id, code, name, kind in MINH_XUAN_UNITS:
                if unit_id not in taken_ids and code not in taken_codes:
                    create_unit(session, {"id": unit_id, "code": code, "name": name, "kind": kind})
            if not db.is_sqlite:
                # explicit ids do not move PostgreSQL's sequence; units added later must not collide
                session.execute(text("SELECT setval(pg_get_serial_sequence('units', 'id'), (SELECT MAX(id) FROM units))"))
            moment = now()
            year = ward_date(moment).year
            if get_period(session, year) is None:
                open_period(session, SEEDER, {"year": year, "deadline": default_deadline(year)}, moment)


def seed_units(app: Flask, file_name: str, content: bytes) -> tuple[int, int, list[str]]:
    """A ward's own units from a spreadsheet (columns as the units import), all or nothing, and this year's
    period. Rows whose code is already there are kept as they are. Returns (created, kept, problems); when there
    are problems nothing was written."""
    from dvk_platform.errors import Problem

    from .units import import_units
    from .units_import import read_table, rows_from_table, validate_row

    try:
        rows = rows_from_table(read_table(file_name, content))
    except Problem as exc:
        return 0, 0, [f"{exc.title} {exc.detail or ''}".strip()]
    with app.app_context():
        db = get_db()
        with db.transaction() as session:
            taken = set(session.scalars(select(Unit.code)))
            fresh = [(n, raw) for n, raw in rows if raw.get("code", "").strip() not in taken]
            created, problems = import_units(session, fresh, validate_row)
            if problems:  # import_units wrote nothing
                return 0, 0, [f"dòng {p.row}: " + "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in p.errors.items())
                              for p in problems]
            moment = now()
            year = ward_date(moment).year
            if get_period(session, year) is None:
                open_period(session, SEEDER, {"year": year, "deadline": default_deadline(year)}, moment)
        return len(created), len(rows) - len(fresh), []
