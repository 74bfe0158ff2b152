"""Evidence files over HTTP, the same in every service: one checked upload from a multipart request, a file's bytes
answered chunk by chunk (see dvk_platform.evidence for the checks and the storage), and `files_blueprint`, the six
endpoints a service mounts under a kind of record it owns (a model, a report, an inspection, a nomination)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields

from dvk_core.text import MULTILINE_PATTERN

from .app import Blueprint
from .auth import authenticated, current_principal, require_roles
from .clock import now
from .db import get_db
from .errors import Problem
from .evidence import (
    CAPTION_MAX,
    FORM_OVERHEAD,
    INLINE_TYPES,
    CheckedUpload,
    FileStore,
    Limits,
    check_upload,
    content_disposition,
    invalid,
    iter_chunks,
    part_size,
    preview_type,
    too_large_file,
)


def receive_upload(limits: Limits) -> CheckedUpload:
    """The one file of a multipart request (field `file`, caption in `caption`), read and checked; call it after the
    caller's record check, so a refused caller's body is never read. The caller closes `CheckedUpload.stream`."""
    if request.content_length is not None and request.content_length > limits.max_file + FORM_OVERHEAD:
        raise too_large_file(limits)
    request.max_content_length = limits.max_file + FORM_OVERHEAD
    if request.mimetype != "multipart/form-data":
        raise Problem(415, "unsupported-media-type", "Định dạng dữ liệu không được hỗ trợ.",
                      detail="Tệp minh chứng gửi lên dạng multipart/form-data, trong trường `file`.")
    uploads = request.files.getlist("file")
    if len(uploads) != 1 or not uploads[0].filename:
        for upload in uploads:
            upload.close()
        raise invalid("file", "Cần chọn đúng một tệp trong mỗi lần gửi.")
    upload = uploads[0]
    try:
        return check_upload(upload.stream, upload.filename, request.form.get("caption"), limits)
    except BaseException:
        upload.close()
        raise


def file_response(open_session: Callable[[], Any], chunk_model: Any, stored: Any, part: str) -> Response:
    """A file's part ("original", "preview", "thumbnail") answered chunk by chunk, with its Vietnamese name (RFC 6266);
    images and PDF inline (the browser shows them), Word and Excel as attachment. 404 when the part does not exist."""
    with open_session() as session:
        count, size = part_size(session, chunk_model, stored.id, part)
    if count == 0:
        raise Problem(404, "preview-not-found", "Tệp này không có bản xem trước (chỉ ảnh mới có).")
    media_type = stored.media_type
    if part != "original":  # previews are JPEG, or PNG where the image has transparency
        first = next(iter_chunks(open_session, chunk_model, stored.id, part, 1), b"")
        media_type = preview_type({"preview": first})
    response = Response(iter_chunks(open_session, chunk_model, stored.id, part, count), mimetype=media_type)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(
        stored.name, inline=part != "original" or stored.media_type in INLINE_TYPES)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "one file: JPEG, PNG, WebP, HEIC, PDF, DOCX or XLSX (judged by its content), at most 20 MB"},
        "caption": {"type": "string", "maxLength": CAPTION_MAX, "pattern": MULTILINE_PATTERN,
                    "description": "chú thích (tab and line breaks allowed, no other control character)"},
    }}}}}


def file_schema(class_name: str, owner_column: str, record: str) -> type[Schema]:
    """The marshmallow schema of one kind of record's file rows: what a file is, never its bytes."""
    return type(class_name, (Schema,), {
        "__doc__": f"An evidence file of {record}: what it is, never its bytes (GET …/files/{{file_id}} serves those).",
        "id": fields.Integer(),
        owner_column: fields.Integer(),
        "name": fields.String(metadata={"description": "tên tệp như người tải lên đặt (NFC)"}),
        "caption": fields.String(),
        "media_type": fields.String(metadata={"description": "loại tệp xét theo nội dung"}),
        "size": fields.Integer(metadata={"description": "số byte"}),
        "sha256": fields.String(metadata={"description": "mã băm SHA-256 của nội dung, dạng hex"}),
        "width": fields.Integer(allow_none=True),
        "height": fields.Integer(allow_none=True),
        "has_preview": fields.Boolean(metadata={"description": "ảnh: có bản xem trước (tối đa 2560 px) và ảnh nhỏ"}),
        "uploaded_by_name": fields.String(),
        "uploaded_at": fields.DateTime(),
    })


@dataclass(frozen=True)
class FilesApi:
    """How a service exposes one kind of record's files. `rule` is the record's URL with its keys
    ("/models/<int:model_id>"); `writers` the roles that add and remove files (the store's `editable` rule says when);
    every signed-in role reads, within what the store's `visible` rule lets it see. The words are Vietnamese for the
    OpenAPI text: `record` ("mô hình"), `editable_when` ("là bản nháp hoặc bị trả lại"), `frozen_when` ("đã tiếp nhận")."""

    name: str
    rule: str
    description: str
    store: FileStore
    schema: Any  # the marshmallow schema class of a file row
    writers: tuple[str, ...]
    record: str
    editable_when: str
    frozen_when: str


def _doc(text: str) -> Callable[[Any], Any]:
    def decorate(view: Any) -> Any:
        view.__doc__ = text
        return view
    return decorate


def files_blueprint(api: FilesApi) -> Blueprint:
    """GET/POST `<rule>/files`, GET/DELETE `<rule>/files/<file_id>`, GET `…/preview` and `…/thumbnail`."""
    blp = Blueprint(api.name, __name__, description=api.description)
    store, schema = api.store, api.schema

    def serve(ids: dict[str, int], file_id: int, part: str) -> Response:
        db = get_db()
        with db.transaction() as session:
            stored = store.file(session, current_principal(), ids, file_id)
        return file_response(db.transaction, store.chunk_model, stored, part)

    class Files(MethodView):
        @authenticated
        @blp.response(200, schema(many=True))
        @_doc(f"Danh sách tệp minh chứng của {api.record}.")
        def get(self, **ids):
            with get_db().transaction() as session:
                record = store.visible(session, current_principal(), **ids)
                return store.files(session, record.id)

        @require_roles(*api.writers)
        @blp.doc(requestBody=UPLOAD_BODY)
        @blp.response(201, schema)
        @blp.alt_response(200, schema=schema, description="the same bytes were already on the record: kept once")
        @_doc(f"Tải lên một tệp minh chứng (trường `file`, multipart) kèm chú thích (`caption`), khi {api.record} "
              f"{api.editable_when}. Loại tệp xét theo nội dung; tối đa 20 MB một tệp, 100 MB một {api.record}.")
        def post(self, **ids):
            limits = Limits.from_config(current_app.config)
            principal = current_principal()
            with get_db().transaction() as session:  # refuse before reading a byte of the body
                store.editable_record(session, principal, ids)
            checked = receive_upload(limits)
            try:
                with get_db().transaction() as session:
                    stored, created = store.add(session, principal, ids, checked, limits, now())
            finally:
                checked.stream.close()
            return stored, 201 if created else 200

    class FileItem(MethodView):
        @authenticated
        @blp.response(200, description="the file's bytes as uploaded; images and PDF inline, Word and Excel as attachment")
        @_doc("Tải tệp minh chứng nguyên bản (tên tệp tiếng Việt theo RFC 6266, `filename*`).")
        def get(self, file_id, **ids):
            return serve(ids, file_id, "original")

        @require_roles(*api.writers)
        @blp.response(204)
        @_doc(f"Gỡ tệp minh chứng khi {api.record} {api.editable_when}; tệp của {api.record} {api.frozen_when} "
              "được giữ nguyên.")
        def delete(self, file_id, **ids):
            with get_db().transaction() as session:
                store.remove(session, current_principal(), ids, file_id)

    class FilePreview(MethodView):
        @authenticated
        @blp.response(200, description="the image at most 2560 px a side, upright, without EXIF (no GPS position)")
        @_doc("Bản xem trước của ảnh: tối đa 2560 điểm ảnh mỗi cạnh, đã bỏ EXIF (vị trí GPS).")
        def get(self, file_id, **ids):
            return serve(ids, file_id, "preview")

    class FileThumbnail(MethodView):
        @authenticated
        @blp.response(200, description="the image at most 320 px a side, without EXIF")
        @_doc("Ảnh nhỏ để hiển thị trong danh sách và thư viện ảnh.")
        def get(self, file_id, **ids):
            return serve(ids, file_id, "thumbnail")

    for view, suffix in ((Files, "/files"), (FileItem, "/files/<int:file_id>"),
                         (FilePreview, "/files/<int:file_id>/preview"), (FileThumbnail, "/files/<int:file_id>/thumbnail")):
        blp.route(api.rule + suffix, endpoint=view.__name__)(view)
    return blp
