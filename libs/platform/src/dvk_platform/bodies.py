"""One request-body policy for every JSON endpoint of every service, applied before the view runs (so a refused
body changes nothing):

- a body is `application/json` (415 otherwise, even for an action whose body is optional: a form or plain text
  would otherwise be ignored and the action done without what the caller meant to say); a request without any
  body and without a Content-Type is an action sent without a note;
- it is one JSON value, without a key twice in an object (which one would win is a guess) and nested no deeper
  than MAX_DEPTH (400);
- its text is Unicode scalar values: a lone surrogate ("\\ud800") is no character and cannot be stored (400).
"""
from __future__ import annotations

import json
from typing import Any

import flask
from webargs import core
from webargs.flaskparser import FlaskParser

from dvk_core.text import has_lone_surrogate

from .errors import Problem
from .schemas import MAX_DEPTH

JSON = "application/json"


class BodyRefused(ValueError):
    """Why a body cannot be read under the policy, in Vietnamese."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise BodyRefused(f"Khóa \"{key}\" xuất hiện hai lần trong cùng một đối tượng JSON.")
        seen[key] = value
    return seen


def _check_shape(document: Any) -> None:
    """Depth and text of a decoded body, walked without recursion."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if has_lone_surrogate(value):
                raise BodyRefused("Chuỗi ký tự chứa mã UTF-16 đơn lẻ (surrogate), không phải ký tự Unicode hợp lệ.")
            continue
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise BodyRefused(f"Dữ liệu JSON lồng nhau quá {MAX_DEPTH} cấp.")
            if isinstance(value, dict):
                for key in value:
                    if has_lone_surrogate(key):
                        raise BodyRefused("Tên trường chứa mã UTF-16 đơn lẻ (surrogate), không phải ký tự Unicode hợp lệ.")
                stack.extend((v, depth + 1) for v in value.values())
            else:
                stack.extend((v, depth + 1) for v in value)


def read_json(raw: bytes) -> Any:
    """The body as JSON under the policy; raises BodyRefused (bad JSON, duplicate key, too deep, lone surrogate)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused("Nội dung không phải văn bản UTF-8.") from exc
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError as exc:
        raise BodyRefused(f"Dữ liệu JSON lồng nhau quá {MAX_DEPTH} cấp.") from exc
    except json.JSONDecodeError as exc:
        raise BodyRefused("Nội dung JSON không đúng cú pháp hoặc không đọc được.") from exc
    _check_shape(document)
    return document


class BodyPolicyParser(FlaskParser):
    """webargs' parser with the body policy for `location="json"` (flask-smorest's default for @blp.arguments)."""

    def load_json(self, req: flask.Request, schema: Any) -> Any:
        if not req.mimetype and not req.content_length and "Transfer-Encoding" not in req.headers:
            return core.missing  # no body at all (an action without a note): nothing is ignored
        if req.mimetype != JSON:
            given = req.mimetype or "không có"
            raise Problem(415, "unsupported-media-type", "Định dạng dữ liệu không được hỗ trợ.",
                          detail=f"Nội dung gửi lên phải là JSON (Content-Type: application/json); nhận được: {given}.")
        raw = req.get_data(cache=True)
        if not raw.strip():
            return core.missing
        try:
            return read_json(raw)
        except BodyRefused as exc:
            raise Problem(400, "bad-request", "Yêu cầu không hợp lệ (dữ liệu gửi lên không đọc được).", detail=str(exc)) from exc
