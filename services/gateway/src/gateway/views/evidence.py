"""Tệp minh chứng of a record: the unit's officer uploads photos, minutes and scans on a model's or a unit report's
page, Phòng VH-XH the minutes of an inspection and a nomination's supporting documents; whoever may read the record
opens them (thumbnails, previews, the model's gallery, the original).
Bytes pass through the gateway piece by piece both ways; the service that owns the record checks and keeps them.

One implementation for every kind of record: RECORD_KINDS says where each kind lives (its pages' addresses, its
service and the service's path); the routes of each kind are added from it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from .. import clients
from ..security import has_role, login_required
from .units import unit_names

bp = Blueprint("evidence", __name__)

# Room for the upload form's other fields (the CSRF token, the caption) beside the file itself.
FORM_FIELDS_ROOM = 64 * 1024


def _status_in(*statuses: str) -> Callable[[dict[str, Any]], bool]:
    return lambda record: record.get("status") in statuses


def _kept_when(statuses: tuple[str, ...], note: str) -> Callable[[dict[str, Any]], str]:
    return lambda record: note if record.get("status") in statuses else ""


@dataclass(frozen=True)
class RecordKind:
    """Where the evidence of one kind of record lives, who adds to it and when."""

    name: str  # "model": the endpoints are evidence.model_upload, evidence.model_original, …
    prefix: str  # the record's pages in the gateway: /mo-hinh/<id> (an inspection: /mo-hinh/<model_id>/kiem-tra/<id>)
    service: str  # the service that keeps the record and its files
    path: str  # the record in that service: /models/{id}, /models/{model_id}/inspections/{id}
    page: str  # the endpoint of the record's page
    page_arg: str  # its argument
    label: str  # "mô hình": said in hints and messages
    writer: str = "don_vi"  # the role that adds and removes the files (the service holds it to its own records)
    open_for_files: Callable[[dict[str, Any]], bool] = _status_in("draft", "returned")  # may files be added now
    kept_note: Callable[[dict[str, Any]], str] = _kept_when(("accepted",), "")  # said once the files are kept as they are
    parent: str = ""  # the argument naming the record's parent in its addresses (an inspection's model_id)
    gallery: bool = False  # a page of all its photos

    def parents(self, record: dict[str, Any]) -> dict[str, Any]:
        return {self.parent: record[self.parent]} if self.parent else {}

    def api(self, record_id: int, rest: str = "", **parents: Any) -> str:
        return self.path.format(id=record_id, **parents) + rest

    def page_url(self, record_id: int, **parents: Any) -> str:
        return url_for(self.page, **{self.page_arg: record_id}, **parents, _anchor="minh-chung")

    def endpoint(self, action: str) -> str:
        return f"evidence.{self.name}_{action}"

    def url(self, action: str, record: dict[str, Any], **args: Any) -> str:
        """The address of one of the record's evidence routes (upload, original, preview, remove, gallery)."""
        return url_for(self.endpoint(action), record_id=record["id"], **self.parents(record), **args)

    def editable(self, record: dict[str, Any]) -> bool:
        """The signed-in person may add and remove files of this record now."""
        return has_role(self.writer) and self.open_for_files(record)


RECORD_KINDS = {
    "model": RecordKind("model", "/mo-hinh", "registration", "/models/{id}", "models.detail", "model_id", "mô hình",
                        kept_note=_kept_when(("accepted",), "Mô hình đã được tiếp nhận: tệp minh chứng được giữ nguyên "
                                                            "như khi tiếp nhận."),
                        gallery=True),
    "report": RecordKind("report", "/bao-cao", "reporting", "/reports/{id}", "reports.detail", "report_id", "báo cáo",
                         kept_note=_kept_when(("accepted",), "Báo cáo đã được tiếp nhận: tệp minh chứng được giữ nguyên "
                                                             "như khi tiếp nhận.")),
    # Phòng VH-XH adds the minutes and photos of its inspection until the model is named typical (chosen on them)
    "inspection": RecordKind(
        "inspection", "/mo-hinh/<int:model_id>/kiem-tra", "registration", "/models/{model_id}/inspections/{id}",
        "models.inspection", "inspection_id", "lần kiểm tra", writer="vhxh",
        open_for_files=lambda record: not record.get("model_typical"),
        kept_note=lambda record: "Mô hình đã được chọn làm điển hình: tệp minh chứng của lần kiểm tra được giữ nguyên "
                                 "như khi chọn." if record.get("model_typical") else "",
        parent="model_id"),
    # Phòng VH-XH attaches a nomination's supporting documents while it is a draft; decided or forwarded, they are kept
    "nomination": RecordKind(
        "nomination", "/khen-thuong/de-nghi", "awards", "/nominations/{id}", "awards.nomination_detail", "nomination_id",
        "đề nghị", writer="vhxh", open_for_files=_status_in("draft"),
        kept_note=_kept_when(("decided", "forwarded", "revoked"), "Đề nghị đã có quyết định khen thưởng hoặc đã trình "
                                                                  "cấp trên: tệp minh chứng được giữ nguyên như khi xét.")),
}


def files_of(kind: str, record_id: int, **parents: Any) -> list[dict[str, Any]]:
    """The record's files as the signed-in person may see them."""
    return list(clients.get(RECORD_KINDS[kind].service, RECORD_KINDS[kind].api(record_id, "/files", **parents)) or [])


def _wants_json() -> bool:
    """The page's script sends each file on its own and reads the answer; a form sent without script gets a page."""
    return request.accept_mimetypes.best == "application/json"


def _upload(kind: RecordKind, record_id: int, **parents: Any) -> Any:
    if not has_role(kind.writer):
        abort(403)
    back = kind.page_url(record_id, **parents)
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
            reply = clients.send_file(kind.service, kind.api(record_id, "/files", **parents), upload.stream, upload.filename or "",
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


def _file_answer(kind: RecordKind, record_id: int, file_id: int, parents: dict[str, Any], part: str = "") -> Any:
    response = clients.download(kind.service, kind.api(record_id, f"/files/{file_id}{part}", **parents))
    # never cached: a removed file, or one seen before signing out, is asked for again (and refused)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _original(kind: RecordKind, record_id: int, file_id: int, **parents: Any) -> Any:
    return _file_answer(kind, record_id, file_id, parents)


def _preview(kind: RecordKind, record_id: int, file_id: int, **parents: Any) -> Any:
    """An image at most 2,560 px a side without its EXIF; `?co=nho` the 320 px thumbnail the page shows."""
    return _file_answer(kind, record_id, file_id, parents,
                        "/thumbnail" if request.args.get("co") == "nho" else "/preview")


def _remove(kind: RecordKind, record_id: int, file_id: int, **parents: Any) -> Any:
    if not has_role(kind.writer):
        abort(403)
    try:
        clients.call(kind.service, "DELETE", kind.api(record_id, f"/files/{file_id}", **parents))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(kind.page_url(record_id, **parents))
    flash("Đã gỡ tệp minh chứng.", "success")
    return redirect(kind.page_url(record_id, **parents))


def _gallery(kind: RecordKind, record_id: int, **parents: Any) -> Any:
    record = clients.get(kind.service, kind.api(record_id, **parents))
    photos = [f for f in files_of(kind.name, record_id, **parents) if f.get("has_preview")]
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
