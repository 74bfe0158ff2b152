"""A read model's "newest fact wins" as one statement (dvk_platform.projections.upsert_newest), on PostgreSQL and
SQLite: the first fact inserts, a newer or equal one updates, a late older one changes nothing, and a row holding a
time in an older stored form is still compared as an instant."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, event, select, update

from dvk_core.envelope import CloudEvent
from dvk_platform.projections import project_unit, upsert_newest

R = "vn.dvk.registration."
units = Table("projected_units", MetaData(), Column("unit_id", Integer, primary_key=True, autoincrement=False),
              Column("code", String(40), default=""), Column("name", String(200), default=""),
              Column("kind", String(20), default=""), Column("active", Boolean, default=True),
              Column("seen_at", String(40), default=""))


def unit_event(occurred_at: str, name: str, event_type: str = R + "unit-updated.v1") -> CloudEvent:
    return CloudEvent(type=event_type, source="/wards/minh-xuan/registration", subject="12", ward="minh-xuan",
                      data={"unit_id": 12, "code": "tdp-1", "name": name, "kind": "to_dan_pho", "active": True,
                            "occurred_at": occurred_at})


def held(db) -> tuple[str, bool, str]:
    with db.transaction() as session:
        row = session.execute(select(units.c.name, units.c.active, units.c.seen_at)).one()
    return row.name, row.active, row.seen_at


def test_newest_fact_wins_in_one_statement_and_a_late_older_fact_changes_nothing(make_service, database_kind):
    app = make_service("registration", database_kind)
    db = app.extensions["dvk_db"]
    units.create(db.engine)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def apply(fact: CloudEvent) -> bool:
        statements.clear()
        with db.transaction() as session:
            applied = upsert_newest(session, units, {"unit_id": 12}, {"name": fact.data["name"]}, "seen_at", fact)
        return applied

    assert apply(unit_event("2026-03-02T08:00:00+07:00", "Tổ dân phố 1"))  # first seen: inserted
    assert len(statements) == 1
    assert held(db) == ("Tổ dân phố 1", True, "2026-03-02T01:00:00.000000+00:00")
    assert apply(unit_event("2026-03-02T01:00:00.000001Z", "Tổ dân phố số 1"))  # newer by a microsecond
    assert len(statements) == 1
    assert held(db)[0] == "Tổ dân phố số 1"
    assert apply(unit_event("2026-03-02T01:00:00.000001+00:00", "Tổ dân phố số 1"))  # a redelivery: applied again
    assert not apply(unit_event("2026-03-02T07:59:59+07:00", "Tên cũ"))  # late and older: left alone
    assert held(db) == ("Tổ dân phố số 1", True, "2026-03-02T01:00:00.000001+00:00")

    # project_unit: the same rule for the unit events every service keeps
    with db.transaction() as session:
        assert project_unit(session, units, "seen_at",
                            unit_event("2026-03-03T01:00:00Z", "Tổ dân phố 1", R + "unit-deactivated.v1"))
        assert not project_unit(session, units, "seen_at", unit_event("2026-03-02T23:00:00Z", "Tên cũ"))
    assert held(db) == ("Tổ dân phố 1", False, "2026-03-03T01:00:00.000000+00:00")


def test_a_time_stored_in_an_older_form_is_compared_as_an_instant(make_service, database_kind):
    app = make_service("registration", database_kind)
    db = app.extensions["dvk_db"]
    units.create(db.engine)
    with db.transaction() as session:
        upsert_newest(session, units, {"unit_id": 12}, {"name": "Tổ dân phố 1"}, "seen_at",
                      unit_event("2026-03-02T00:00:00Z", "Tổ dân phố 1"))
        # as an older version wrote it: 08:00 in Hà Nội, that is 01:00 UTC
        session.execute(update(units).values(seen_at="2026-03-02T08:00:00.000+07:00"))
    with db.transaction() as session:  # 00:30 UTC is older than 01:00 UTC: left alone, however the texts sort
        assert not upsert_newest(session, units, {"unit_id": 12}, {"name": "Tên cũ"}, "seen_at",
                                 unit_event("2026-03-02T00:30:00Z", "Tên cũ"))
    assert held(db) == ("Tổ dân phố 1", True, "2026-03-02T08:00:00.000+07:00")
    with db.transaction() as session:  # 02:00 UTC is newer, though its text sorts before "…T08:00…+07:00": applied,
        # and stored in the one form from now on
        assert upsert_newest(session, units, {"unit_id": 12}, {"name": "Tổ dân phố số 1"}, "seen_at",
                             unit_event("2026-03-02T02:00:00Z", "Tổ dân phố số 1"))
    assert held(db) == ("Tổ dân phố số 1", True, "2026-03-02T02:00:00.000000+00:00")
    with db.transaction() as session:  # an unreadable stored time never blocks
        session.execute(update(units).values(seen_at="hỏng"))
    with db.transaction() as session:
        assert upsert_newest(session, units, {"unit_id": 12}, {"name": "Tổ dân phố 1"}, "seen_at",
                             unit_event("2000-01-01T00:00:00Z", "Tổ dân phố 1"))
    assert held(db)[0] == "Tổ dân phố 1"
