"""Evidence files over HTTP, the same in every service: one checked upload from a multipart request, and a file's
bytes answered chunk by chunk (see dvk_platform.evidence for the checks and the storage)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request

from .errors import Problem
from .evidence import (
    CAPTION_MAX,
    FORM_OVERHEAD,
    INLINE_TYPES,
    CheckedUpload,
    Limits,
    check_upload,
    content_disposition,
    invalid,
    iter_chunks,
    part_size,
    preview_type,
    too_large_file,
)
from .text import MULTILINE_PATTERN


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
                 "description": "one file: JPEG, PNG, WebP, PDF, DOCX or XLSX (judged by its content), at most 20 MB"},
        "caption": {"type": "string", "maxLength": CAPTION_MAX, "pattern": MULTILINE_PATTERN,
                    "description": "chú thích (tab and line breaks allowed, no other control character)"},
    }}}}}
