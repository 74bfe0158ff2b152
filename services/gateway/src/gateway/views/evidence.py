"""Tệp minh chứng of a record (a model, a unit report): the unit's officer uploads photos, minutes and scans on the
record's page; whoever may read the record opens them (thumbnails, previews, the model's gallery, the original).
Bytes pass through the gateway piece by piece both ways; the service that owns the record checks and keeps them.

One implementation for every kind of record: RECORD_KINDS says where each kind lives (its pages' addresses, its
service and the service's path); the routes of each kind are added from it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from .. import clients
from ..security import has_role, login_required
from .units import unit_names

bp = Blueprint("evidence", __name__)

# Room for the upload form's other fields (the CSRF token, the caption) beside the file itself.
FORM_FIELDS_ROOM = 64 * 1024


@dataclass(frozen=True)
class RecordKind:
    """Where the evidence of one kind of record lives."""

    name: str  # "model": the endpoints are evidence.model_upload, evidence.model_original, …
    prefix: str  # the record's pages in the gateway: /mo-hinh/<id>
    service: str  # the service that keeps the record and its files
    path: str  # the record in that service: /models/{id}
    page: str  # the endpoint of the record's page
    page_arg: str  # its argument
    label: str  # "mô hình": said in hints and messages
    editable: tuple[str, ...] = ("draft", "returned")  # statuses in which the unit may add or remove files
    gallery: bool = False  # a page of all its photos

    def api(self, record_id: int, rest: str = "") -> str:
        return self.path.format(id=record_id) + rest

    def page_url(self, record_id: int) -> str:
        return url_for(self.page, **{self.page_arg: record_id}, _anchor="minh-chung")

    def endpoint(self, action: str) -> str:
        return f"evidence.{self.name}_{action}"


RECORD_KINDS = {
    "model": RecordKind("model", "/mo-hinh", "registration", "/models/{id}", "models.detail", "model_id", "mô hình",
                        gallery=True),
    "report": RecordKind("report", "/bao-cao", "reporting", "/reports/{id}", "reports.detail", "report_id", "báo cáo"),
}


def files_of(kind: str, record_id: int) -> list[dict[str, Any]]:
    """The record's files as the signed-in person may see them."""
    return list(clients.get(RECORD_KINDS[kind].service, RECORD_KINDS[kind].api(record_id, "/files")) or [])


def _wants_json() -> bool:
    """The page's script sends each file on its own and reads the answer; a form sent without script gets a page."""
    return request.accept_mimetypes.best == "application/json"


def _upload(kind: RecordKind, record_id: int) -> Any:
    if not has_role("don_vi"):
        abort(403)
    back = kind.page_url(record_id)
    files = [f for f in request.files.getlist("file") if f.filename]
    captions = request.form.getlist("caption")
    if not files:
        message = "Chưa chọn tệp nào: hãy chọn hoặc kéo thả tệp minh chứng rồi bấm Tải lên."
        if _wants_json():
            return jsonify({"title": message}), 422
        flash(message, "error")
        return redirect(back)
    sent, statuses = [], []
    try:
        for index, upload in enumerate(files):
            caption = captions[index] if index < len(captions) else (captions[0] if captions else "")
            reply = clients.send_file(kind.service, kind.api(record_id, "/files"), upload.stream, upload.filename or "",
                                      upload.mimetype or "application/octet-stream", {"caption": caption})
            sent.append(reply.data)
            statuses.append(reply.status)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        if _wants_json():
            return jsonify({"title": exc.title, "detail": exc.detail, "errors": exc.errors}), exc.status
        flash(exc.message, "error")
        return redirect(back)
    finally:
        for upload in files:
            upload.close()
    if _wants_json():
        # as the service said: 201 for a file stored now, 200 when the same bytes were already there (kept once)
        return jsonify({"files": sent}), 201 if 201 in statuses else 200
    flash(f"Đã tải lên {len(sent)} tệp minh chứng.", "success")
    return redirect(back)


def _file_answer(kind: RecordKind, record_id: int, file_id: int, part: str = "") -> Any:
    response = clients.download(kind.service, kind.api(record_id, f"/files/{file_id}{part}"))
    # never cached: a removed file, or one seen before signing out, is asked for again (and refused)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _original(kind: RecordKind, record_id: int, file_id: int) -> Any:
    return _file_answer(kind, record_id, file_id)


def _preview(kind: RecordKind, record_id: int, file_id: int) -> Any:
    """An image at most 2,560 px a side without its EXIF; `?co=nho` the 320 px thumbnail the page shows."""
    return _file_answer(kind, record_id, file_id, "/thumbnail" if request.args.get("co") == "nho" else "/preview")


def _remove(kind: RecordKind, record_id: int, file_id: int) -> Any:
    if not has_role("don_vi"):
        abort(403)
    try:
        clients.call(kind.service, "DELETE", kind.api(record_id, f"/files/{file_id}"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(kind.page_url(record_id))
    flash("Đã gỡ tệp minh chứng.", "success")
    return redirect(kind.page_url(record_id))


def _gallery(kind: RecordKind, record_id: int) -> Any:
    record = clients.get(kind.service, kind.api(record_id))
    photos = [f for f in files_of(kind.name, record_id) if f.get("has_preview")]
    return render_template("evidence/gallery.html", kind=kind, record=record, photos=photos, unit_names=unit_names())


def _route(kind: RecordKind, action: str, rule: str, view: Any, methods: tuple[str, ...] = ("GET",)) -> None:
    def handler(record_id: int, **ids: int) -> Any:
        return view(kind, record_id, **ids)

    handler.__name__ = f"{kind.name}_{action}"
    bp.add_url_rule(f"{kind.prefix}/<int:record_id>{rule}", endpoint=f"{kind.name}_{action}",
                    view_func=login_required(handler), methods=list(methods))


for _kind in RECORD_KINDS.values():
    _route(_kind, "upload", "/minh-chung", _upload, ("POST",))
    _route(_kind, "original", "/minh-chung/<int:file_id>", _original)
    _route(_kind, "preview", "/minh-chung/<int:file_id>/xem", _preview)
    _route(_kind, "remove", "/minh-chung/<int:file_id>/go", _remove, ("POST",))
    if _kind.gallery:
        _route(_kind, "gallery", "/thu-vien-anh", _gallery)


def upload_limit() -> int:
    """The largest file the gateway passes on (DVK_EVIDENCE_MAX_FILE_BYTES; the service checks its own limit too)."""
    return int(current_app.config["EVIDENCE_MAX_FILE_BYTES"])


@bp.app_context_processor
def _evidence_helpers() -> dict[str, Any]:
    return {"evidence_max_bytes": upload_limit, "record_kinds": RECORD_KINDS}


@bp.record_once
def _large_upload_bodies(state: Any) -> None:
    app: Flask = state.app
    limit = int(app.config["EVIDENCE_MAX_FILE_BYTES"]) + FORM_FIELDS_ROOM
    for kind in RECORD_KINDS.values():
        app.extensions.setdefault("large_bodies", {})[kind.endpoint("upload")] = limit
