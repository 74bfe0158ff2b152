"""Thông báo: the signed-in user's inbox from the notify service."""
from __future__ import annotations

import contextlib
import re
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from .. import clients
from ..security import login_required

bp = Blueprint("inbox", __name__, url_prefix="/thong-bao")


@bp.get("")
@login_required
def index() -> Any:
    data = clients.get("notify", "/inbox")
    items = data.get("items", []) if isinstance(data, dict) else (data or [])
    return render_template("inbox/index.html", items=[{**item, "body": _without_link(item.get("body"))} for item in items])


# The e-mail text of a message ends with the full address to open; on the page the subject is the link.
_LINK_LINE = re.compile(r"\s*Xem chi tiết: \S+\s*$")


def _without_link(body: str | None) -> str:
    return _LINK_LINE.sub("", body or "")


def _local(path: str | None) -> str | None:
    """Only an address on this site (a path), never another host."""
    if (path and path.startswith("/") and not path.startswith("//") and "\\" not in path
            and not any(ch.isspace() or ord(ch) < 32 for ch in path)):  # browsers drop tabs: "/\t/host" is "//host"
        return path
    return None


@bp.get("/<int:item_id>/mo")
@login_required
def open_item(item_id: int) -> Any:
    """Open what a message is about and count it as read, as in any mail program."""
    with contextlib.suppress(clients.ServiceProblem, clients.ServiceUnavailable):  # opening matters more than "read"
        clients.post("notify", f"/inbox/{item_id}/read")
    return redirect(_local(request.args.get("den")) or url_for("inbox.index"))


@bp.post("/<int:item_id>/da-doc")
@login_required
def mark_read(item_id: int) -> Any:
    clients.post("notify", f"/inbox/{item_id}/read")
    return redirect(url_for("inbox.index"))


@bp.post("/da-doc-tat-ca")
@login_required
def mark_all_read() -> Any:
    clients.post("notify", "/inbox/read-all")
    return redirect(url_for("inbox.index"))
