"""One error shape: application/problem+json (RFC 9457) with a Vietnamese title and a machine type."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Titles by HTTP status, in Vietnamese, for errors raised without a domain-specific one.
STATUS_TITLES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Yêu cầu không hợp lệ (dữ liệu gửi lên không đọc được)."),
    401: ("unauthenticated", "Chưa xác thực hoặc mã xác thực không hợp lệ."),
    403: ("forbidden", "Không có quyền thực hiện thao tác này."),
    404: ("not-found", "Không tìm thấy tài nguyên yêu cầu."),
    405: ("method-not-allowed", "Phương thức không được hỗ trợ cho địa chỉ này."),
    409: ("conflict", "Thao tác xung đột với trạng thái hiện tại."),
    412: ("precondition-failed", "Dữ liệu đã bị người khác thay đổi; vui lòng tải lại trước khi sửa."),
    413: ("payload-too-large", "Dữ liệu gửi lên vượt quá dung lượng cho phép."),
    415: ("unsupported-media-type", "Định dạng dữ liệu không được hỗ trợ."),
    422: ("validation-error", "Dữ liệu không hợp lệ."),
    428: ("precondition-required", "Cần gửi kèm phiên bản (If-Match) khi sửa dữ liệu."),
    429: ("too-many-requests", "Quá nhiều yêu cầu; vui lòng thử lại sau."),
    500: ("internal-error", "Lỗi hệ thống; vui lòng thử lại sau."),
    503: ("unavailable", "Dịch vụ tạm thời không sẵn sàng; vui lòng thử lại sau."),
}


def problem_type(slug: str) -> str:
    return f"urn:dvk:problem:{slug}"


class Problem(Exception):
    """A domain error to answer as problem+json, e.g. Problem(409, "invalid-transition", "...")."""

    def __init__(self, status: int, slug: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extra = extra


class DomainError(Problem):
    """What a service layer refuses, said in the domain's terms; its HTTP status comes from DOMAIN_STATUS, the one
    mapping to problem+json (a use case never names a status). `slug` becomes the problem's `type`, `title` and
    `detail` are the Vietnamese words the person reads, `extra` further members (e.g. `current_status`)."""

    def __init__(self, slug: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(domain_status(type(self)), slug, title, detail, **extra)


class NotFound(DomainError):
    """No such record, or one the actor may not see (another unit's is not found, not forbidden)."""


class Forbidden(DomainError):
    """The actor may not do this (e.g. a unit account not yet attached to a unit)."""


class Conflict(DomainError):
    """The records as they are refuse the change (a code already used, a number already taken, files frozen)."""


class InvalidTransition(Conflict):
    """A workflow step the transition table does not hold from the record's current state."""

    def __init__(self, title: str, detail: str | None, current: str) -> None:
        super().__init__("invalid-transition", title, detail, current_status=current)


VALIDATION_TITLE = "Dữ liệu không hợp lệ."


class Invalid(DomainError):
    """Data the rules refuse: each field with its Vietnamese messages (`errors`: {field: [message]}, as a schema's
    refusal reads; an import's refusal lists its rows instead)."""

    def __init__(self, errors: dict[str, list[str]] | list[dict[str, Any]] | None = None, detail: str | None = None, *,
                 slug: str = "validation-error", title: str = VALIDATION_TITLE, **extra: Any) -> None:
        super().__init__(slug, title, detail, errors=errors, **extra)


class Unavailable(DomainError):
    """Something the use case needs from elsewhere cannot be had now; try again later."""


# The one mapping of domain errors to HTTP statuses (the most specific class listed wins).
DOMAIN_STATUS: dict[type[DomainError], int] = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422, Unavailable: 503}


def domain_status(kind: type[DomainError]) -> int:
    for klass in kind.__mro__:
        if klass in DOMAIN_STATUS:
            return DOMAIN_STATUS[klass]
    raise TypeError(f"{kind.__name__} is not mapped to a status in DOMAIN_STATUS")


def problem_response(status: int, slug: str, title: str, detail: str | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    return response


def from_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    slug, title = STATUS_TITLES.get(status, ("http-error", exc.name))
    extra: dict[str, Any] = {}
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # webargs/flask-smorest: {"json": {"field": ["msg"]}} -> {"field": ["msg"]}
        flat: dict[str, Any] = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                flat.update(location_errors)
        extra["errors"] = flat or messages
    if status == 400:
        # webargs says "Invalid JSON body." in English; ward staff get the Vietnamese reason instead
        extra.pop("errors", None)
        extra["detail"] = "Nội dung JSON không đúng cú pháp hoặc không đọc được."
    if status == 405 and getattr(exc, "valid_methods", None):
        extra["allowed"] = list(exc.valid_methods)
    detail = extra.pop("detail", None)
    response = problem_response(status, slug, title, detail, **extra)
    for name, value in (exc.get_headers() or []):
        if name.lower() not in {"content-type", "content-length"}:
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc.status, exc.slug, exc.title, exc.detail, **exc.extra)

    @app.errorhandler(IntegrityError)
    def _lost_race(exc: IntegrityError) -> Response:
        # a uniqueness or reference the use case checked, broken by a concurrent writer in between
        log.info("integrity error: %r", exc.orig)
        return problem_response(409, "conflict", "Thao tác xung đột với dữ liệu vừa được ghi; vui lòng thử lại.")

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(exc: Exception) -> Response:
        # a number the database cannot hold (SQLite: beyond 2^63; PostgreSQL: beyond its column type)
        log.info("value out of range: %r", exc)
        slug, title = STATUS_TITLES[422]
        return problem_response(422, slug, title, detail="Giá trị số vượt quá giới hạn cho phép.")

    @app.errorhandler(StaleDataError)
    def _concurrent_edit(_exc: StaleDataError) -> Response:
        # two edits of the same version raced in the database; the later one loses instead of overwriting
        slug, title = STATUS_TITLES[412]
        return problem_response(412, slug, title, detail="Bản ghi vừa được người khác cập nhật.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return from_http_exception(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        from sqlalchemy import exc as sa_exc

        if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)):
            log.warning("database unavailable: %r", exc)
            slug, title = STATUS_TITLES[503]
            response = problem_response(503, slug, title)
            response.headers["Retry-After"] = "5"
            return response
        log.exception("unhandled error")
        slug, title = STATUS_TITLES[500]
        return problem_response(500, slug, title)
