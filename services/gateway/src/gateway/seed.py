"""Demo accounts for `make run`: one per role, two unit officers. Idempotent; logins are printed once."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from dvk_platform.db import get_db

from .accounts import hash_password
from .models import ROLE_LABELS, User

# `dvk-worker seed gateway` refuses to run under DVK_ENV=production: its passwords are published. A real ward's
# first account comes from `dvk-worker create-admin gateway`.
DEMO_ONLY = True

# (username, full name, role, unit id, password) — demo only; change or disable them before real use.
DEMO_ACCOUNTS = [
    ("quantri", "Quản trị hệ thống", "admin", None, "QuanTri@2026"),
    ("vhxh", "Nguyễn Thị Hoa (Phòng VH-XH)", "vhxh", None, "VanHoa@2026"),
    ("lanhdao", "Trần Văn Minh (Chủ tịch UBND)", "lanh_dao", None, "LanhDao@2026"),
    ("giamsat", "Lê Thị Lan (Ủy ban MTTQ)", "giam_sat", None, "GiamSat@2026"),
    ("tdp1", "Phạm Văn Nam (Tổ dân phố 1)", "don_vi", 12, "ToDanPho1@2026"),
    ("tdp2", "Hoàng Thị Mai (Tổ dân phố 2)", "don_vi", 13, "ToDanPho2@2026"),
]


def seed(app: Flask) -> list[str]:
    """Create the demo accounts that do not exist yet; returns (and prints) the usernames created."""
    created: list[tuple[str, str, str]] = []
    with app.app_context(), get_db().transaction() as s:
        existing = set(s.scalars(select(User.username)))
        for username, name, role, unit_id, password in DEMO_ACCOUNTS:
            if username in existing:
                continue
            s.add(User(username=username, full_name=name, role=role, unit_id=unit_id,
                       email=f"{username}@minhxuan.example.vn", password_hash=hash_password(password), active=True))
            created.append((username, password, ROLE_LABELS[role]))
    if created:
        print("Tài khoản thử nghiệm (chỉ in một lần):")
        for username, password, role in created:
            print(f"  {username:<10} {password:<16} {role}")
    return [username for username, _, _ in created]
