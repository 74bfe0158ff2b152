"""notify's consumer over a batch of records as the runner gets them from a poll: a redelivered event changes nothing,
a late older fact about a model does not overwrite the newer one in the read model (it is still told, as it was
published), and each message names the unit and reaches exactly the active people its route names."""
from __future__ import annotations

from sqlalchemy import func, select

from dvk_platform.bus import Record
from dvk_platform.projections import stamp
from dvk_platform.worker import build_consumer
from notify.models import Delivery, InboxMessage, UnitSubmission

R = "vn.dvk.registration."


def record(event, offset: int) -> Record:
    return Record("registration", 0, offset, event.key.encode(), event.value(), event.headers())


def model_event(kit, name: str, occurred_at: str, **extra):
    return kit.event(R + f"model-{name}.v1", {
        "model_id": 7, "unit_id": 12, "year": 2026, "title": "Camera an ninh vì bình yên khu phố",
        "field": "quoc_phong_an_ninh", "status": name, "late": False, "occurred_at": occurred_at, "actor_role": "vhxh",
        "reason": None,
        **extra}, "7")


def test_a_batch_with_a_redelivery_and_a_late_older_fact(kit, notify):
    unit = kit.event(R + "unit-created.v1", {"unit_id": 12, "code": "tdp-1", "name": "Tổ dân phố 1", "kind": "to_dan_pho",
                                             "active": True, "occurred_at": "2026-01-02T01:00:00+00:00"}, "12")
    submitted = model_event(kit, "submitted", "2026-02-01T02:00:00+00:00")
    accepted = model_event(kit, "accepted", "2026-02-05T02:00:00+00:00")
    returned_late = model_event(kit, "returned", "2026-02-03T02:00:00+00:00", reason="Bổ sung chỉ tiêu.")
    runner = build_consumer(notify)
    for offset, e in enumerate([unit, submitted, accepted, accepted, returned_late, submitted]):
        runner.process(record(e, offset))
    assert (runner.outcome.handled, runner.outcome.duplicates, runner.outcome.dead_lettered) == (4, 2, 0)

    with notify.extensions["dvk_db"].transaction() as session:
        held = session.execute(select(UnitSubmission.status, UnitSubmission.occurred_at, UnitSubmission.unit_id)
                               .where(UnitSubmission.item_kind == "model", UnitSubmission.item_id == 7)).all()
        told = session.execute(select(InboxMessage.user_id, InboxMessage.event_id, InboxMessage.subject)
                               .order_by(InboxMessage.id)).all()
        deliveries = session.scalar(select(func.count()).select_from(Delivery))
    # the newest fact holds, the older one that came late did not overwrite it
    assert [tuple(r) for r in held] == [("accepted", stamp(kit.at("2026-02-05 09:00")), 12)]
    # model-submitted: Phòng VH-XH, naming the unit; accepted and returned: the unit's active officer only
    assert [(r.user_id, r.event_id) for r in told] == [("vhxh-hoa", submitted.id), ("tdp1-tam", accepted.id),
                                                       ("tdp1-tam", returned_late.id)]
    assert told[0].subject == "Tổ dân phố 1 gửi đăng ký mô hình “Camera an ninh vì bình yên khu phố”"
    assert deliveries == 6  # each person told: an inbox delivery and an e-mail, once
