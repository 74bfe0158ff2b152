"""Tệp minh chứng of a model: the unit's officer uploads photos, minutes and scans on the model's page; whoever
may read the model opens them (thumbnails, previews, the gallery, the original). Bytes pass through the gateway
piece by piece both ways; the registration service checks and keeps them."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, jsonify, redirect, render_template, request, url_for

from .. import clients
from ..security import has_role, login_required
from .units import unit_names

bp = Blueprint("evidence", __name__, url_prefix="/mo-hinh")

# Bodies up to this size are read on the upload form (a file of at most 20 MB and the form's other fields).
UPLOAD_BODY_LIMIT = 20 * 1024 * 1024 + 64 * 1024


def _wants_json() -> bool:
    """The page's script sends each file on its own and reads the answer; a form sent without script gets a page."""
    return request.accept_mimetypes.best == "application/json"


@bp.post("/<int:model_id>/minh-chung")
@login_required
def upload(model_id: int) -> Any:
    if not has_role("don_vi"):
        abort(403)
    files = [f for f in request.files.getlist("file") if f.filename]
    captions = request.form.getlist("caption")
    if not files:
        message = "Chưa chọn tệp nào: hãy chọn hoặc kéo thả tệp minh chứng rồi bấm Tải lên."
        if _wants_json():
            return jsonify({"title": message}), 422
        flash(message, "error")
        return redirect(url_for("models.detail", model_id=model_id, _anchor="minh-chung"))
    sent = []
    try:
        for index, upload in enumerate(files):
            caption = captions[index] if index < len(captions) else (captions[0] if captions else "")
            reply = clients.send_file("registration", f"/models/{model_id}/files", upload.stream, upload.filename or "",
                                      upload.mimetype or "application/octet-stream", {"caption": caption})
            sent.append(reply.data)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        if _wants_json():
            return jsonify({"title": exc.title, "detail": exc.detail, "errors": exc.errors}), exc.status
        flash(exc.message, "error")
        return redirect(url_for("models.detail", model_id=model_id, _anchor="minh-chung"))
    finally:
        for upload in files:
            upload.close()
    if _wants_json():
        return jsonify({"files": sent}), 201
    flash(f"Đã tải lên {len(sent)} tệp minh chứng.", "success")
    return redirect(url_for("models.detail", model_id=model_id, _anchor="minh-chung"))


def _file_answer(model_id: int, file_id: int, part: str = "") -> Any:
    response = clients.download("registration", f"/models/{model_id}/files/{file_id}{part}")
    # never cached: a removed file, or one seen before signing out, is asked for again (and refused)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/<int:model_id>/minh-chung/<int:file_id>")
@login_required
def original(model_id: int, file_id: int) -> Any:
    return _file_answer(model_id, file_id)


@bp.get("/<int:model_id>/minh-chung/<int:file_id>/xem")
@login_required
def preview(model_id: int, file_id: int) -> Any:
    """An image at most 2,560 px a side without its EXIF; `?co=nho` the 320 px thumbnail the page shows."""
    return _file_answer(model_id, file_id, "/thumbnail" if request.args.get("co") == "nho" else "/preview")


@bp.post("/<int:model_id>/minh-chung/<int:file_id>/go")
@login_required
def remove(model_id: int, file_id: int) -> Any:
    if not has_role("don_vi"):
        abort(403)
    try:
        clients.call("registration", "DELETE", f"/models/{model_id}/files/{file_id}")
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("models.detail", model_id=model_id, _anchor="minh-chung"))
    flash("Đã gỡ tệp minh chứng.", "success")
    return redirect(url_for("models.detail", model_id=model_id, _anchor="minh-chung"))


@bp.get("/<int:model_id>/thu-vien-anh")
@login_required
def gallery(model_id: int) -> Any:
    model = clients.get("registration", f"/models/{model_id}")
    photos = [f for f in model.get("files") or [] if f.get("has_preview")]
    return render_template("models/gallery.html", model=model, photos=photos, unit_names=unit_names())


@bp.record_once
def _large_upload_bodies(state: Any) -> None:
    app: Flask = state.app
    app.extensions.setdefault("large_bodies", {})["evidence.upload"] = UPLOAD_BODY_LIMIT
