"""Calls to the ward's services with a service token minted per call from the signed-in user.

A service that does not answer, times out or fails with 5xx becomes ServiceUnavailable (a Vietnamese
message on the page); a problem+json refusal becomes ServiceProblem with the service's Vietnamese text.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import current_app, g

from dvk_platform.auth import issue_token, private_key_from

from .security import current_user

log = logging.getLogger(__name__)

SERVICE_LABELS = {
    "registration": "Đăng ký mô hình",
    "reporting": "Báo cáo",
    "awards": "Khen thưởng",
    "notify": "Thông báo",
}


class ServiceUnavailable(Exception):
    def __init__(self, service: str) -> None:
        self.service = service
        self.message = f"Dịch vụ {SERVICE_LABELS.get(service, service)} tạm thời không phản hồi. Vui lòng thử lại sau ít phút."
        super().__init__(self.message)


@dataclass(eq=False)
class ServiceProblem(Exception):
    """A refusal from a service (4xx), in the service's own Vietnamese words."""

    service: str
    status: int
    title: str
    detail: str | None = None
    errors: Any = field(default_factory=dict)  # {field: [messages]}, or [{row, column, message}] for a file
    slug: str = ""
    rows: list[Any] = field(default_factory=list)  # [{row, errors: {column: [messages]}}] of a refused file

    def __post_init__(self) -> None:
        super().__init__(self.title)

    @property
    def message(self) -> str:
        return f"{self.title} {self.detail}" if self.detail else self.title

    def field_errors(self) -> dict[str, str]:
        """{"field": "first message"} for showing beside each form field."""
        out: dict[str, str] = {}
        if not isinstance(self.errors, dict):
            return out  # row-by-row errors of an imported file are shown as a table, not beside fields
        for name, messages in self.errors.items():
            if isinstance(messages, list) and messages:
                out[name] = " ".join(str(m) for m in messages)
            elif isinstance(messages, dict):
                out[name] = "; ".join(str(v[0] if isinstance(v, list) and v else v) for v in messages.values())
            else:
                out[name] = str(messages)
        return out


@dataclass
class Reply:
    status: int
    data: Any
    headers: dict[str, str]
    content: bytes = b""

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


def _session() -> requests.Session:
    # One pooled connection set per process; requests.Session is safe for these simple calls.
    sess = current_app.extensions.get("gateway_http")
    if sess is None:
        sess = requests.Session()
        sess.trust_env = False  # services are on the ward's own network; never through a proxy
        current_app.extensions["gateway_http"] = sess
    return sess


def service_token(role: str | None = None, user_id: str | None = None, name: str | None = None,
                  unit_id: int | None = None) -> str:
    """A short-lived token for one call: the signed-in user's identity unless given explicitly."""
    cfg = current_app.config
    user = current_user()
    if role is None:
        if user is None:
            raise RuntimeError("a service call needs a signed-in user or an explicit role")
        role, user_id, name, unit_id = user.role, str(user.id), user.full_name, user.unit_id
    key = current_app.extensions.get("gateway_token_key")
    if key is None:
        key = private_key_from(cfg)
        if key is None:
            raise RuntimeError("DVK_SERVICE_TOKEN_PRIVATE_KEY is not set: the gateway cannot sign service tokens")
        current_app.extensions["gateway_token_key"] = key
    return issue_token(key, user_id=user_id or "gateway", name=name or "Cổng thông tin",
                       role=role, unit_id=unit_id, ward=cfg["WARD_CODE"], ttl=int(cfg["SERVICE_TOKEN_TTL"]))


def call(service: str, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
         data: Any = None, files: Any = None, if_match: int | str | None = None, token: str | None = None,
         raw: bool = False) -> Reply:
    cfg = current_app.config
    url = cfg[f"{service.upper()}_URL"].rstrip("/") + path
    headers = {"Authorization": f"Bearer {token or service_token()}", "Accept": "application/json",
               "X-Request-ID": g.get("request_id", "")}
    if if_match is not None:
        headers["If-Match"] = str(if_match)
    try:
        response = _session().request(
            method, url, json=json, params={k: v for k, v in (params or {}).items() if v not in (None, "")},
            data=data, files=files, headers=headers,
            timeout=(float(cfg["SERVICE_CONNECT_TIMEOUT"]), float(cfg["SERVICE_READ_TIMEOUT"])),
        )
    except requests.RequestException as exc:
        log.warning("service %s unreachable: %s %s: %r", service, method, path, exc)
        raise ServiceUnavailable(service) from exc
    if response.status_code >= 500:
        log.warning("service %s answered %s on %s %s", service, response.status_code, method, path)
        raise ServiceUnavailable(service)
    body: Any = None
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type:
        try:
            body = response.json()
        except ValueError:
            body = None
    if response.status_code >= 400:
        problem = body if isinstance(body, dict) else {}
        raise ServiceProblem(
            service=service, status=response.status_code,
            title=problem.get("title") or "Yêu cầu không được chấp nhận.",
            detail=problem.get("detail"), errors=problem.get("errors") or {},
            slug=str(problem.get("type", "")).rsplit(":", 1)[-1],
            rows=problem.get("rows") if isinstance(problem.get("rows"), list) else [],
        )
    return Reply(response.status_code, body, dict(response.headers), response.content if raw else b"")


def get(service: str, path: str, **kwargs: Any) -> Any:
    return call(service, "GET", path, **kwargs).data


def items(data: Any) -> list[dict[str, Any]]:
    """The records of a list answer, whether the service pages it (`{"items": [...], ...}`) or answers a bare list."""
    if isinstance(data, dict):
        return list(data.get("items") or [])
    return list(data or [])


def post(service: str, path: str, **kwargs: Any) -> Any:
    return call(service, "POST", path, **kwargs).data


# Headers of a service's file answer that the browser needs to save it under the right name and type.
_PASSED_HEADERS = ("Content-Type", "Content-Disposition")


def open_download(service: str, path: str, *, params: dict[str, Any] | None = None) -> Any:
    """A service's file answer, not yet read (`requests` streaming; close it, or use it in a `with`).

    Refusals and outages are raised before anything is read, like any other call.
    """
    return downloader(service)(path, params=params)


def downloader(service: str) -> Any:
    """open_download for one service, bound now to the signed-in person's token and the settings, so that it can
    still be called once the request is being answered (a ZIP written while it is sent)."""
    cfg = current_app.config
    base = cfg[f"{service.upper()}_URL"].rstrip("/")
    headers = {"Authorization": f"Bearer {service_token()}", "X-Request-ID": g.get("request_id", "")}
    timeout = (float(cfg["SERVICE_CONNECT_TIMEOUT"]), float(cfg["SERVICE_READ_TIMEOUT"]))
    http = _session()

    def open_(path: str, *, params: dict[str, Any] | None = None) -> Any:
        try:
            upstream = http.get(base + path, params={k: v for k, v in (params or {}).items() if v not in (None, "")},
                                headers=headers, stream=True, timeout=timeout)
        except requests.RequestException as exc:
            log.warning("service %s unreachable: GET %s: %r", service, path, exc)
            raise ServiceUnavailable(service) from exc
        if upstream.status_code >= 400:
            try:
                problem = upstream.json() if "json" in upstream.headers.get("Content-Type", "") else {}
            except ValueError:
                problem = {}
            finally:
                upstream.close()
            if upstream.status_code >= 500:
                raise ServiceUnavailable(service)
            problem = problem if isinstance(problem, dict) else {}
            raise ServiceProblem(service=service, status=upstream.status_code,
                                 title=problem.get("title") or "Yêu cầu không được chấp nhận.",
                                 detail=problem.get("detail"), errors=problem.get("errors") or {},
                                 slug=str(problem.get("type", "")).rsplit(":", 1)[-1])
        return upstream

    return open_


def download(service: str, path: str, *, params: dict[str, Any] | None = None) -> Any:
    """A file from a service (DOCX, XLSX), streamed to the browser chunk by chunk, never held whole in memory.

    Refusals and outages are raised before anything is sent, like any other call.
    """
    from flask import Response

    upstream = open_download(service, path, params=params)

    def chunks() -> Any:
        try:
            yield from upstream.iter_content(chunk_size=64 * 1024)
        finally:
            upstream.close()

    passed = {name: upstream.headers[name] for name in _PASSED_HEADERS if name in upstream.headers}
    return Response(chunks(), status=200, headers=passed, direct_passthrough=True)


class MultipartFile:
    """A multipart/form-data body with one file, read by `requests` piece by piece from the file's own stream (the
    browser's upload, spooled to disk by the gateway's form parser): its length is known in advance, so the service
    gets a Content-Length and the gateway never holds the file in memory."""

    def __init__(self, stream: Any, filename: str, content_type: str, fields: dict[str, str]) -> None:
        import secrets

        self.boundary = f"dvk-{secrets.token_hex(16)}"
        head = b""
        for name, value in fields.items():
            head += (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").encode() + value.encode() + b"\r\n"
        # as a browser sends it: the name in UTF-8 between quotes, a quote or a line break percent-encoded (WHATWG)
        quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        head += (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{quoted}\"\r\n"
                 f"Content-Type: {content_type}\r\n\r\n").encode()
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        self.parts = [io.BytesIO(head), stream, io.BytesIO(f"\r\n--{self.boundary}--\r\n".encode())]
        self.length = len(head) + size + len(self.parts[2].getvalue())

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Any:
        while piece := self.read(64 * 1024):
            yield piece

    def read(self, size: int = -1) -> bytes:
        out = b""
        while self.parts and (size < 0 or len(out) < size):
            piece = self.parts[0].read(-1 if size < 0 else size - len(out))
            if not piece:
                self.parts.pop(0)
                continue
            out += piece
        return out


# Sending a 20 MB file to a service and having it hashed, checked and stored takes longer than an ordinary call.
UPLOAD_READ_TIMEOUT = 120.0


def send_file(service: str, path: str, stream: Any, filename: str, content_type: str, fields: dict[str, str]) -> Reply:
    """POST one file to a service as multipart/form-data, streamed (see MultipartFile)."""
    body = MultipartFile(stream, filename, content_type, fields)
    cfg = current_app.config
    headers = {"Authorization": f"Bearer {service_token()}", "Accept": "application/json",
               "X-Request-ID": g.get("request_id", ""), "Content-Type": body.content_type}
    url = cfg[f"{service.upper()}_URL"].rstrip("/") + path
    try:
        response = _session().post(url, data=body, headers=headers,
                                   timeout=(float(cfg["SERVICE_CONNECT_TIMEOUT"]), UPLOAD_READ_TIMEOUT))
    except requests.RequestException as exc:
        log.warning("service %s unreachable: POST %s: %r", service, path, exc)
        raise ServiceUnavailable(service) from exc
    if response.status_code >= 500:
        raise ServiceUnavailable(service)
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code >= 400:
        problem = data if isinstance(data, dict) else {}
        raise ServiceProblem(service=service, status=response.status_code,
                             title=problem.get("title") or "Yêu cầu không được chấp nhận.", detail=problem.get("detail"),
                             errors=problem.get("errors") or {}, slug=str(problem.get("type", "")).rsplit(":", 1)[-1])
    return Reply(response.status_code, data, dict(response.headers))
