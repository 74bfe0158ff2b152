"""The model form marks as required exactly what the registration service requires, and dates typed dd/mm/yyyy
reach the service as ISO dates."""
from __future__ import annotations

import pytest


def test_the_form_marks_required_exactly_the_fields_the_service_requires():
    from gateway.views.models import DATE_FIELDS, FORM_FIELDS, REQUIRED
    from registration.schemas import ModelCreateSchema

    required = {name for name, field in ModelCreateSchema().fields.items() if field.required}
    on_the_form = {name for name, _, _ in FORM_FIELDS} | {name for name, _ in DATE_FIELDS} | {"field"}
    assert required & on_the_form == REQUIRED
    assert required <= on_the_form  # nothing the service requires is missing from the form


@pytest.mark.parametrize(("typed", "iso"), [("05/03/2026", "2026-03-05"), ("5/3/2026", "2026-03-05"),
                                            ("29/02/2028", "2028-02-29"), ("2026-03-05", "2026-03-05"), ("", None)])
def test_a_typed_date_becomes_iso(typed, iso):
    from gateway.pages import form_date

    assert form_date(typed) == iso


@pytest.mark.parametrize("typed", ["31/02/2026", "29/02/2026", "13/13/2026", "05/03/26", "ngày 5", "03-05-2026x"])
def test_an_impossible_date_is_refused_in_vietnamese(typed):
    from gateway.pages import form_date

    with pytest.raises(ValueError, match="Ngày không hợp lệ: nhập ngày/tháng/năm, ví dụ 05/03/2026."):
        form_date(typed)
