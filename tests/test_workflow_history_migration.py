"""The three workflow histories share the platform's columns (dvk_platform.history.WorkflowHistory); the migrations
that renamed reporting's and awards' columns keep every step already recorded, on PostgreSQL and SQLite alike."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from dvk_platform.db import make_engine
from dvk_platform.migrations import upgrade

WHEN = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
# service, history table, revision before the renaming, the step as the older columns held it, and as it reads now
CASES = [
    ("reporting", "report_history", "0009",
     {"action": "return", "from_status": "submitted", "to_status": "returned", "actor_id": "7", "actor_role": "vhxh",
      "reason": "Bổ sung kết quả của mô hình.", "at": WHEN},
     {"note": "Bổ sung kết quả của mô hình.", "occurred_at": WHEN, "actor_name": "", "actor_id": "7"}),
    ("awards", "nomination_steps", "0006",
     {"action": "submit", "from_status": "draft", "to_status": "submitted", "actor_id": "7",
      "actor_name": "Trần Thị Minh Thư", "actor_role": "don_vi", "note": None, "at": WHEN},
     {"note": None, "occurred_at": WHEN, "actor_name": "Trần Thị Minh Thư", "to_status": "submitted"}),
]


def _value(column: sa.Column) -> Any:
    if isinstance(column.type, sa.JSON):
        return {}
    kind = column.type.python_type
    if kind is str:
        return "x"
    if kind is bool:
        return False
    if kind is int:
        return 1
    if kind is datetime:
        return WHEN
    if kind is date:
        return date(2026, 1, 1)
    raise AssertionError(f"no sample value for {column}")


def _required(connection: sa.Connection, metadata: sa.MetaData, name: str, given: dict[str, Any]) -> int:
    """A row of `name` with every NOT NULL column filled (its parents first); its id."""
    table = metadata.tables[name]
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.primary_key or column.nullable or column.server_default is not None:
            continue
        parents = list(column.foreign_keys)
        row[column.name] = _required(connection, metadata, parents[0].column.table.name, {}) if parents else _value(column)
    return connection.execute(table.insert().values(row)).inserted_primary_key[0]


@pytest.mark.parametrize(("service", "table", "before", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_the_renaming_keeps_every_recorded_step(service, table, before, old, new, database_kind, new_database_url):
    url = new_database_url(database_kind, service)
    upgrade(service, url, before)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            metadata = sa.MetaData()
            metadata.reflect(connection)
            _required(connection, metadata, table, old)
        upgrade(service, url)
        with engine.connect() as connection:
            metadata = sa.MetaData()
            metadata.reflect(connection)
            step = connection.execute(sa.select(metadata.tables[table])).mappings().one()
    finally:
        engine.dispose()
    assert "at" not in step and "reason" not in step
    for name, value in new.items():
        found = step[name]
        if isinstance(found, datetime):  # SQLite hands back the stored UTC time without its zone
            found = found if found.tzinfo else found.replace(tzinfo=UTC)
        assert found == value, name
