"""Domain errors are defined once in the platform and mapped to problem+json in one place (DOMAIN_STATUS): service
modules raise NotFound, Forbidden, Conflict, InvalidTransition, Invalid or Unavailable and never name a status."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from dvk_platform import errors
from dvk_platform.errors import Conflict, DomainError, Forbidden, Invalid, InvalidTransition, NotFound, Problem, Unavailable

REPO = Path(__file__).resolve().parents[2]
# the gateway answers with HTML pages and reads the services' problems; the others raise domain errors
DOMAIN_SERVICES = sorted(p.parent.name for p in (REPO / "services").glob("*/src") if p.parent.name != "gateway")


@pytest.mark.parametrize(("error", "status", "slug"), [
    (NotFound("unit-not-found", "Không tìm thấy đơn vị."), 404, "unit-not-found"),
    (Forbidden("no-unit", "Tài khoản chưa gắn với đơn vị nào."), 403, "no-unit"),
    (Conflict("duplicate-unit", "Mã đơn vị đã tồn tại."), 409, "duplicate-unit"),
    (InvalidTransition("Không thể gửi.", "Trạng thái hiện tại: Đã gửi (submitted).", "submitted"), 409, "invalid-transition"),
    (Invalid({"deadline": ["Hạn đăng ký phải thuộc năm 2026."]}), 422, "validation-error"),
    (Unavailable("recipients-unavailable", "Chưa lấy được danh sách cán bộ nhận thông báo."), 503, "recipients-unavailable"),
])
def test_each_domain_error_is_answered_as_problem_json_with_its_status(error, status, slug):
    app = Flask(__name__)
    errors.init_app(app)

    @app.get("/x")
    def refuse():  # noqa: ANN202
        raise error

    response = app.test_client().get("/x")
    body = response.get_json(force=True)
    assert response.status_code == status and response.mimetype == errors.PROBLEM_JSON
    assert body["type"] == f"urn:dvk:problem:{slug}" and body["status"] == status and body["title"] == error.title
    assert isinstance(error, Problem)


def test_a_refused_step_names_the_current_state_and_a_validation_error_its_fields():
    step = InvalidTransition("Không thể gửi.", None, "accepted")
    assert (step.status, step.extra) == (409, {"current_status": "accepted"})
    invalid = Invalid({"year": ["Phải là số nguyên."]})
    assert invalid.title == "Dữ liệu không hợp lệ." and invalid.extra == {"errors": {"year": ["Phải là số nguyên."]}}


def test_a_domain_error_not_in_the_mapping_is_refused_when_raised():
    class Unmapped(DomainError):
        pass

    with pytest.raises(TypeError, match="DOMAIN_STATUS"):
        Unmapped("x", "y")


def _problem_statuses(path: Path) -> list[tuple[int, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem" and node.args \
                and isinstance(node.args[0], ast.Constant) and node.args[0].value in errors.DOMAIN_STATUS.values():
            found.append((node.lineno, node.args[0].value))
    return found


@pytest.mark.parametrize("service", DOMAIN_SERVICES)
def test_no_service_module_names_a_status_a_domain_error_stands_for(service):
    named = {str(path.relative_to(REPO)): lines for path in (REPO / "services" / service / "src").rglob("*.py")
             if (lines := _problem_statuses(path))}
    assert named == {}
