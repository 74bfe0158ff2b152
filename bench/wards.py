"""Realistic ward data for the benchmarks: Minh Xuân's registration database with many draft models ready
to be sent, and outbox rows shaped exactly like registration's own events."""
from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from unidecode import unidecode

from dvk_platform.migrations import upgrade

UNIT_IDS = list(range(1, 22))  # the 21 units registration's seed creates for Minh Xuân

FIELDS = ["kinh_te_do_thi", "van_hoa_xa_hoi", "quoc_phong_an_ninh", "xay_dung_dang", "chinh_quyen"]
TITLES = [
    "Tuyến phố văn minh, sạch đẹp",
    "Chợ an toàn thực phẩm, không dùng tiền mặt",
    "Tổ dân phố tự quản về an ninh trật tự",
    "Bình dân học vụ số cho người cao tuổi",
    "Một cửa thân thiện, giải quyết hồ sơ đúng hạn",
    "Vận động hiến đất mở rộng hẻm",
    "Camera an ninh cộng đồng",
    "Hội viên phụ nữ giúp nhau phát triển kinh tế",
]


def pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def registration_database(databases: Any, config: dict[str, Any]) -> str:
    """A migrated registration database seeded like a new ward (its 21 units and this year's period)."""
    from registration import create_app
    from registration.seed import seed

    url = databases.create("bench_registration")
    upgrade("registration", url)
    app = create_app({"DATABASE_URL": url, **config})
    seed(app)
    app.extensions["dvk_db"].dispose()
    return url


def unit_of(model_id: int) -> int:
    """Which unit owns a benchmark draft: spread over the ward's 21 units."""
    return UNIT_IDS[model_id % len(UNIT_IDS)]


def add_drafts(url: str, first_id: int, count: int, year: int) -> None:
    """`count` draft models with ids first_id.. (version 1), as units write them, loaded with COPY."""
    now = datetime.now(UTC)
    columns = ("id", "unit_id", "year", "title", "field", "goals", "content", "target_group", "person_in_charge",
               "start_date", "end_date", "expected_results", "indicators", "attachments", "status", "late", "typical",
               "search_text", "created_by", "version", "created_at", "updated_at")
    rng = random.Random(first_id)
    with psycopg.connect(pg_dsn(url)) as conn:
        with conn.cursor() as cur, cur.copy(f"COPY model_registrations ({', '.join(columns)}) FROM STDIN") as copy:
            for model_id in range(first_id, first_id + count):
                title = f"{rng.choice(TITLES)} ({model_id})"
                goals = "Nâng cao chất lượng đời sống, xây dựng khu dân cư văn minh, đoàn kết."
                content = ("Tuyên truyền, vận động nhân dân cùng tham gia; phân công cán bộ phụ trách từng tổ; "
                           "sơ kết hằng quý, biểu dương cách làm hay.")
                row = (model_id, unit_of(model_id), year, title, rng.choice(FIELDS), goals, content,
                       "Nhân dân trên địa bàn", "Nguyễn Văn An", date(year, 1, 1), date(year, 12, 31),
                       "100% hộ dân được tuyên truyền", Jsonb([{"name": "Số hộ tham gia", "target": 200}]), Jsonb([]),
                       "draft", False, False, unidecode(f"{title} {goals} {content}").lower(),
                       f"don_vi-{unit_of(model_id)}", 1, now, now)
                copy.write_row(row)
        conn.execute("SELECT setval(pg_get_serial_sequence('model_registrations', 'id'), "
                     "(SELECT MAX(id) FROM model_registrations))")


def outbox_rows(count: int, start: int = 1) -> list[tuple[Any, ...]]:
    """`count` model-submitted outbox rows as registration writes them (id, aggregate, type, payload, time)."""
    rng = random.Random(count)
    moment = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
    rows = []
    for n in range(start, start + count):
        at = moment + timedelta(milliseconds=n)
        payload = {"model_id": n, "unit_id": unit_of(n), "year": 2026, "title": f"{rng.choice(TITLES)} ({n})",
                   "field": rng.choice(FIELDS), "status": "submitted", "late": False, "occurred_at": at.isoformat(),
                   "actor_role": "don_vi", "reason": None}
        rows.append((str(uuid.uuid4()), "model", str(n), "vn.dvk.registration.model-submitted.v1", Jsonb(payload), at, 0))
    return rows


def load_outbox(url: str, rows: list[tuple[Any, ...]]) -> None:
    with psycopg.connect(pg_dsn(url)) as conn:
        conn.execute("TRUNCATE outbox_messages")
        with conn.cursor() as cur, cur.copy(
            "COPY outbox_messages (id, aggregatetype, aggregateid, type, payload, created_at, attempts) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute("ANALYZE outbox_messages")
