"""GET /feed: the events after a cursor, for systems that cannot run a Kafka consumer. API key, ward scope,
every body signed with the key's secret the Standard Webhooks way (dvk_core.webhooks: webhook-id, webhook-timestamp, webhook-signature)."""
from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView

from dvk_core import webhooks
from dvk_platform.app import Blueprint, refusals
from dvk_platform.db import get_db

from .. import services
from ..schemas import FeedPageSchema, FeedQuerySchema

blp = Blueprint("feed", __name__, url_prefix="/feed", description="Sự kiện của các phường, kéo về theo con trỏ")


def presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("ApiKey "):
        return header[7:].strip()
    return request.headers.get("X-API-Key")


def key_checked_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """The API key is checked before the query is read: a caller without a valid key learns nothing, not even
    which query values would be refused (401 before 422)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with get_db().transaction() as session:
            services.authenticate(session, presented_key())
        return view(*args, **kwargs)

    return wrapper


@blp.route("")
class Feed(MethodView):
    @key_checked_first
    @blp.doc(security=[{"apiKey": []}])
    @blp.arguments(FeedQuerySchema, location="query")
    @blp.alt_response(200, schema=FeedPageSchema, success=True, description="events after the cursor, signed", headers={
        "webhook-id": {"description": "this response's own id (Standard Webhooks): refuse one already seen",
                       "schema": {"type": "string"}},
        "webhook-timestamp": {"description": "Unix seconds when the page was signed: refuse one over 5 minutes off",
                              "schema": {"type": "string"}},
        "webhook-signature": {"description": "v1,<base64 HMAC-SHA256 of '<webhook-id>.<webhook-timestamp>.<body>' with "
                              "the key's signing secret> (two, space-separated, while a rotated secret still signs)",
                              "schema": {"type": "string"}},
        "X-DVK-Key-Id": {"description": "id of the key that read the page", "schema": {"type": "string"}}})
    @refusals(blp, {401: "no API key (Authorization: ApiKey <key> or X-API-Key), or an unknown or revoked one",
                    403: "the ward asked for is outside the key's scope",
                    422: "a bad query: cursor not a number, limit out of range, malformed ward or type"})
    def get(self, query):
        """Trang sự kiện sau con trỏ `after`, theo thứ tự của nguồn; `next_cursor` là con trỏ trang sau."""
        config = current_app.config
        limit = query["limit"] or min(int(config["FEED_PAGE_SIZE_DEFAULT"]), int(config["FEED_PAGE_SIZE_MAX"]))
        with get_db().transaction() as session:
            key = services.authenticate(session, presented_key())
            page = services.read_page(session, key, services.parse_cursor(query["after"]), limit, query["ward"], query["type"])
            signing = services.signing_secrets(config["FEED_SIGNING_KEY"], key, services.utcnow())
            key_id = key.id
        body = json.dumps({"events": page.events, "next_cursor": page.next_cursor, "has_more": page.has_more},
                          ensure_ascii=False, separators=(",", ":")).encode()
        response = Response(body, status=200, mimetype="application/json")
        response.headers.update(webhooks.signed_headers(body, signing, message_id=f"feed_{uuid.uuid4().hex}"))
        response.headers["X-DVK-Key-Id"] = str(key_id)
        response.headers["Cache-Control"] = "no-store"
        return response
