"""Codes and their Vietnamese labels are written once, in the event contract (`enum` + `x-labels`): no module of a
service or of the gateway keeps its own label table for a code the contract labels (a dict literal from such codes
to words), and every service reads the same labels."""
from __future__ import annotations

import ast
from pathlib import Path

from dvk_platform.labels import Labels, code_labels, labelled_properties

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(p for p in (REPO / "services").glob("*/src/*/**/*.py") if ".egg-info" not in str(p))


def _looks_like_words(value: str) -> bool:
    """A label (words a person reads), not another code: has a space or a letter beyond ASCII, and is a name, not a
    sentence (a table of messages by status, each ending with a full stop, is no label table)."""
    return (" " in value or any(ord(ch) > 127 for ch in value)) and not value.rstrip().endswith(".")


def label_tables(source: str, labelled: dict[str, set[str]]) -> list[tuple[int, str]]:
    """(line, property) of each dict literal in `source` that maps two or more codes of one labelled property to
    words."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Dict) or len(node.keys) < 2:
            continue
        keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        values = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        if len(keys) != len(node.keys) or not any(_looks_like_words(v) for v in values):
            continue
        for prop, codes in labelled.items():
            if set(keys) <= codes:
                found.append((node.lineno, prop))
    return found


def test_the_checker_finds_a_label_table_and_leaves_other_mappings_alone():
    labelled = {"period": {"six_month", "annual"}}
    assert label_tables('PERIODS = {"six_month": "Sơ kết 6 tháng", "annual": "Tổng kết năm"}', labelled) == [(1, "period")]
    assert label_tables('KINDS = {"six_month": "six_month_report", "annual": "annual_report"}', labelled) == []
    assert label_tables('ONE = {"six_month": "Sơ kết"}', labelled) == []
    assert label_tables('WHY = {"six_month": "Kỳ sơ kết đã khóa.", "annual": "Kỳ tổng kết đã khóa."}', labelled) == []


def test_no_service_or_gateway_module_keeps_its_own_labels_for_a_code_the_contract_labels():
    labelled = {prop: set(labels) for prop, labels in labelled_properties().items()}
    assert {"field", "rating", "period", "kind", "nominee_kind", "catalogue",
            "model_status", "report_status", "consolidated_status", "nomination_status"} <= set(labelled)
    tables = [f"{path.relative_to(REPO)}:{line} labels {prop}" for path in MODULES
              for line, prop in label_tables(path.read_text(encoding="utf-8"), labelled)]
    assert tables == []


def test_a_hand_written_status_table_is_found():
    labelled = {prop: set(labels) for prop, labels in labelled_properties().items()}
    source = 'STATUSES = {"draft": "bản nháp", "submitted": "đã gửi", "accepted": "đã tiếp nhận"}'
    assert ("model_status" in {prop for _, prop in label_tables(source, labelled)})
    consolidated = 'CONSOLIDATED = {"awaiting_signature": "đang trình ký", "finalised": "đã ban hành"}'
    assert label_tables(consolidated, labelled) == [(1, "consolidated_status")]


def test_services_and_the_gateway_read_the_contracts_labels():
    from awards import models as awards_models
    from gateway import pages
    from gateway.views import reports as gateway_reports
    from notify import routing
    from registration import models as registration_models
    from reporting import consolidated
    from reporting import models as reporting_models

    assert dict(registration_models.FIELDS) == dict(pages.FIELDS) == dict(routing.FIELD_LABELS) == code_labels("field")
    assert dict(registration_models.RATINGS) == dict(pages.RATINGS) == dict(routing.RATING_LABELS) == code_labels("rating")
    assert dict(reporting_models.PERIODS) == dict(pages.PERIODS) == code_labels("period")
    assert dict(awards_models.NOMINEE_KINDS) == dict(pages.NOMINEE_KINDS) == code_labels("nominee_kind")
    assert dict(awards_models.CATALOGUES) == code_labels("catalogue") == {"title": "Danh hiệu thi đua", "form": "Hình thức khen thưởng"}
    assert isinstance(pages.UNIT_KINDS, Labels) and dict(registration_models.UNIT_KINDS) == code_labels("kind")
    assert routing.period_label("annual") == "báo cáo tổng kết năm" and routing.period_label(None) == "báo cáo"
    assert dict(registration_models.STATUSES) == dict(pages.STATUSES) == dict(reporting_models.MODEL_STATUS_LABELS) \
        == code_labels("model_status")
    assert dict(reporting_models.REPORT_STATUSES) == dict(pages.REPORT_STATUSES) == code_labels("report_status")
    assert dict(consolidated.CONSOLIDATED_STATUSES) == dict(gateway_reports.CONSOLIDATED_STATUSES) \
        == code_labels("consolidated_status")
    assert dict(awards_models.NOMINATION_STATUSES) == dict(pages.NOMINATION_STATUSES) == code_labels("nomination_status")
    assert code_labels("report_status")["returned"] == "Trả lại để chỉnh sửa"
