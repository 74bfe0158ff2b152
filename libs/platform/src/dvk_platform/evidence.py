"""Evidence files (minh chứng) kept in the owning service's own database: checks, chunked storage, previews.

A service keeps its files in two tables of its own (so `pg_dumpall` backs them up with everything else): one row per
file (`StoredFileColumns` plus the owner's foreign key) and its bytes as numbered chunks (`FileChunkColumns` plus the
file's foreign key). Bytes move in CHUNK_SIZE pieces both ways: an upload is read from the request's spooled temporary
file, hashed and written chunk by chunk; a download is answered chunk by chunk, each read in its own short query, so a
worker never holds a whole file in memory.

The type of a file is judged by its content (its leading bytes, and for Word/Excel the parts inside the package),
never by its name or the Content-Type the browser claims.

Virus scanning is not done here (no signature updates reach the ward's machines). A scanner would hook in at
`check_upload`, after the type check and before anything is stored: it reads `CheckedUpload.stream`.
"""
from __future__ import annotations

import hashlib
import io
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from urllib.parse import quote

import filetype
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener
from sqlalchemy import Integer, LargeBinary, String, Text, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from dvk_core.text import has_lone_surrogate

from .errors import Invalid, NotFound, Problem
from .tables import UTCDateTime

register_heif_opener()  # Pillow opens HEIC (iPhone photos) through libheif, bundled in the pillow-heif wheel
CHUNK_SIZE = 512 * 1024
# multipart framing and the caption around the file: a request may exceed the file limit by this much before the
# file itself is measured
FORM_OVERHEAD = 64 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# media type -> what a ward official calls it
ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": "ảnh JPEG",
    "image/png": "ảnh PNG",
    "image/webp": "ảnh WebP",
    "image/heic": "ảnh HEIC (iPhone)",
    "image/heif": "ảnh HEIF",
    "application/pdf": "tệp PDF",
    DOCX: "văn bản Word (DOCX)",
    XLSX: "bảng tính Excel (XLSX)",
}
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"})
# shown in the browser (images, PDF); Word and Excel are downloaded, and HEIC, which most browsers cannot show (its
# previews, JPEG, are shown instead)
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
PREVIEW_EDGE = 2560
THUMBNAIL_EDGE = 320
NAME_MAX = 200
CAPTION_MAX = 500
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_RECORD_BYTES = 100 * 1024 * 1024
ALLOWED_TEXT = "ảnh JPEG, PNG, WebP, HEIC, tệp PDF, văn bản Word (DOCX) hoặc bảng tính Excel (XLSX)"


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size % (1024 * 1024) == 0 else f"{size / (1024 * 1024):.1f} MB"


class StoredFileColumns:
    """The columns of a file row; a service's model adds its owner's foreign key and a unique (owner, sha256)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))  # NFC, as the person named it
    caption: Mapped[str] = mapped_column(Text, default="")
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_by_name: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def has_preview(self) -> bool:
        return self.media_type in IMAGE_TYPES


class FileChunkColumns:
    """One piece of a file's bytes: `part` is "original", "preview" or "thumbnail"; `seq` counts from 0."""

    part: Mapped[str] = mapped_column(String(12), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


@dataclass
class CheckedUpload:
    """An upload that passed every check: its NFC name, size, SHA-256, type by content, and its bytes (seekable)."""

    name: str
    caption: str
    size: int
    sha256: str
    media_type: str
    stream: IO[bytes]
    width: int | None = None
    height: int | None = None
    previews: dict[str, bytes] = field(default_factory=dict)  # "preview", "thumbnail" for images


@dataclass(frozen=True)
class Limits:
    max_file: int = DEFAULT_MAX_FILE_BYTES
    max_record: int = DEFAULT_MAX_RECORD_BYTES

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        return cls(int(config.get("EVIDENCE_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES)),
                   int(config.get("EVIDENCE_MAX_RECORD_BYTES", DEFAULT_MAX_RECORD_BYTES)))


def invalid(field_name: str, message: str) -> Invalid:
    return Invalid({field_name: [message]})


def too_large_file(limits: Limits) -> Problem:
    return Problem(413, "file-too-large", f"Tệp vượt quá {megabytes(limits.max_file)}, dung lượng tối đa của một tệp.",
                   detail="Hãy nén ảnh hoặc chia nhỏ tài liệu rồi tải lên lại.", limit=limits.max_file)


def clean_name(raw: str | None) -> str:
    """The file's name as the person gave it, in NFC, without folders or control characters."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not name or has_lone_surrogate(name):
        raise invalid("file", "Tên tệp trống hoặc không đọc được.")
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else name[:NAME_MAX]
    return name


def clean_caption(raw: str | None) -> str:
    caption = unicodedata.normalize("NFC", raw or "").strip()
    if has_lone_surrogate(caption) or any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in caption):
        raise invalid("caption", "Chú thích chứa ký tự không hợp lệ.")
    if len(caption) > CAPTION_MAX:
        raise invalid("caption", f"Chú thích dài tối đa {CAPTION_MAX} ký tự.")
    return caption


def _office_type(stream: IO[bytes]) -> str | None:
    """A ZIP package is a Word or Excel file when it holds their main part (what Office itself opens)."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def media_type_of(stream: IO[bytes]) -> str | None:
    """The file's type judged from its content, or None when it is not one the ward keeps."""
    stream.seek(0)
    head = stream.read(8192)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in ("application/zip", DOCX, XLSX):  # filetype looks only at the first entries; read the package itself
        return _office_type(stream)
    return mime if mime in ALLOWED_TYPES else None


def _image_previews(stream: IO[bytes], media_type: str) -> tuple[int, int, dict[str, bytes]]:
    """Width and height of the original, and previews: at most PREVIEW_EDGE and THUMBNAIL_EDGE pixels a side, turned
    upright, saved without EXIF (no GPS position, no camera serial) and without other metadata."""
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                if media_type == "image/jpeg":
                    image.draft("RGB", (PREVIEW_EDGE, PREVIEW_EDGE))  # decode at a reduced scale: less memory
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise invalid("file", "Ảnh có số điểm ảnh quá lớn, không xử lý được.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise invalid("file", "Ảnh bị hỏng hoặc không đọc được.") from exc
    keep_alpha = upright.mode in ("RGBA", "LA", "P") and media_type in ("image/png", "image/webp")
    upright = upright.convert("RGBA" if keep_alpha else "RGB")
    previews: dict[str, bytes] = {}
    for part, edge in (("preview", PREVIEW_EDGE), ("thumbnail", THUMBNAIL_EDGE)):
        copy = upright.copy()
        copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if keep_alpha:
            copy.save(out, "PNG", optimize=True)
        else:
            copy.save(out, "JPEG", quality=85, optimize=True)
        previews[part] = out.getvalue()
    return width, height, previews


def preview_type(previews: dict[str, bytes]) -> str:
    return "image/png" if previews.get("preview", b"").startswith(b"\x89PNG") else "image/jpeg"


def check_upload(stream: IO[bytes], filename: str | None, caption: str | None, limits: Limits) -> CheckedUpload:
    """Read an uploaded file once, in chunks: its size (413 beyond the limit), SHA-256, type by content (415),
    and for an image its previews. Raises Problem; nothing is stored by this step."""
    name = clean_name(filename)
    text = clean_caption(caption)
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(CHUNK_SIZE):
        size += len(chunk)
        if size > limits.max_file:
            raise too_large_file(limits)
        digest.update(chunk)
    if size == 0:
        raise invalid("file", "Tệp rỗng (0 byte).")
    media_type = media_type_of(stream)
    if media_type is None:
        raise Problem(415, "unsupported-file-type", "Loại tệp không được nhận.",
                      detail=f"Chỉ nhận {ALLOWED_TEXT}; loại tệp được xét theo nội dung, không theo đuôi tên tệp.")
    checked = CheckedUpload(name=name, caption=text, size=size, sha256=digest.hexdigest(), media_type=media_type,
                            stream=stream)
    if media_type in IMAGE_TYPES:
        checked.width, checked.height, checked.previews = _image_previews(stream, media_type)
    stream.seek(0)
    return checked


def check_record_room(used: int, adding: int, limits: Limits) -> None:
    if used + adding > limits.max_record:
        raise Problem(413, "record-files-too-large",
                      f"Tổng dung lượng tệp minh chứng của hồ sơ vượt quá {megabytes(limits.max_record)}.",
                      detail=f"Hồ sơ đã có {megabytes(used)}; hãy gỡ bớt tệp hoặc nén ảnh trước khi tải thêm.",
                      limit=limits.max_record, used=used)


def used_bytes(session: Session, file_model: Any, owner_column: Any, owner_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(file_model.size), 0)).where(owner_column == owner_id)) or 0)


def write_chunks(session: Session, chunk_model: Any, file_id: int, checked: CheckedUpload) -> None:
    """Insert the original's chunks, then the previews', each a single-row INSERT (no ORM object kept around)."""
    table = chunk_model.__table__
    stream = checked.stream
    stream.seek(0)
    seq = 0
    while data := stream.read(CHUNK_SIZE):
        session.execute(insert(table), {"file_id": file_id, "part": "original", "seq": seq, "data": data})
        seq += 1
    for part, content in checked.previews.items():
        for seq, start in enumerate(range(0, len(content), CHUNK_SIZE)):
            session.execute(insert(table), {"file_id": file_id, "part": part, "seq": seq,
                                            "data": content[start:start + CHUNK_SIZE]})


def delete_chunks(session: Session, chunk_model: Any, file_id: int) -> None:
    session.execute(delete(chunk_model.__table__).where(chunk_model.__table__.c.file_id == file_id))


def part_size(session: Session, chunk_model: Any, file_id: int, part: str) -> tuple[int, int]:
    """How many chunks a part has and how many bytes they hold (0, 0 when the file has no such part)."""
    table = chunk_model.__table__
    count, size = session.execute(
        select(func.count(), func.coalesce(func.sum(func.length(table.c.data)), 0))
        .where(table.c.file_id == file_id, table.c.part == part)).one()
    return int(count), int(size)


def iter_chunks(open_session: Callable[[], Any], chunk_model: Any, file_id: int, part: str, count: int) -> Iterator[bytes]:
    """The part's bytes, one chunk per short transaction: no connection is held while a slow client reads."""
    table = chunk_model.__table__
    for seq in range(count):
        with open_session() as session:
            data = session.scalar(select(table.c.data).where(
                table.c.file_id == file_id, table.c.part == part, table.c.seq == seq))
        if data is None:  # removed while being read
            return
        yield bytes(data)


def content_disposition(name: str, inline: bool) -> str:
    """RFC 6266: an ASCII fallback in `filename`, the Vietnamese name in `filename*` (UTF-8, percent-encoded)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch if ch.isalnum() or ch in " ._-()" else "_" for ch in fallback).strip() or "tep"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# ---------------------------------------------------------------- use cases, the same for every kind of record

@dataclass(frozen=True)
class FileStore:
    """One kind of record's evidence files: its two tables and the owning service's rules.

    `visible(session, principal, **ids)` answers the record this principal may read, or raises the record's own 404
    (another unit's record is simply not found); `editable(record)` raises 409 when its files may no longer change.
    `ids` are the record's keys in the URL (`model_id`, or `model_id` and `inspection_id`)."""

    file_model: Any
    chunk_model: Any
    owner_column: str
    visible: Callable[..., Any]
    editable: Callable[[Any], None]

    def files(self, session: Session, owner_id: int) -> list[Any]:
        column = getattr(self.file_model, self.owner_column)
        return list(session.scalars(select(self.file_model).where(column == owner_id).order_by(self.file_model.id)))

    def editable_record(self, session: Session, actor: Any, ids: dict[str, int], *, lock: bool = False) -> Any:
        """The record, in a state whose files may change. With `lock` its row is held until the transaction ends, so
        a workflow step (submit, accept, propose) cannot slip in between the check and the change of its files."""
        record = self.visible(session, actor, **ids)
        if lock:
            session.refresh(record, with_for_update=True)
        self.editable(record)
        return record

    def file(self, session: Session, principal: Any, ids: dict[str, int], file_id: int) -> Any:
        """A file of a record this principal may read (404 for a file of another record, as for a missing one)."""
        record = self.visible(session, principal, **ids)
        stored = session.get(self.file_model, file_id)
        if stored is None or getattr(stored, self.owner_column) != record.id:
            raise NotFound("file-not-found", "Không tìm thấy tệp minh chứng.")
        return stored

    def add(self, session: Session, actor: Any, ids: dict[str, int], upload: CheckedUpload, limits: Limits,
            now: datetime) -> tuple[Any, bool]:
        """Keep an uploaded file on the record; the same bytes already there are not stored again (False)."""
        record = self.editable_record(session, actor, ids, lock=True)
        column = getattr(self.file_model, self.owner_column)
        same = session.scalar(select(self.file_model).where(column == record.id, self.file_model.sha256 == upload.sha256))
        if same is not None:
            return same, False
        check_record_room(used_bytes(session, self.file_model, column, record.id), upload.size, limits)
        stored = self.file_model(
            name=upload.name, caption=upload.caption, media_type=upload.media_type, size=upload.size,
            sha256=upload.sha256, width=upload.width, height=upload.height, uploaded_by=actor.user_id,
            uploaded_by_name=actor.name, uploaded_at=now, **{self.owner_column: record.id})
        session.add(stored)
        session.flush()
        write_chunks(session, self.chunk_model, stored.id, upload)
        return stored, True

    def remove(self, session: Session, actor: Any, ids: dict[str, int], file_id: int) -> None:
        stored = self.file(session, actor, ids, file_id)
        self.editable_record(session, actor, ids, lock=True)
        delete_chunks(session, self.chunk_model, stored.id)
        session.delete(stored)


def file_entries(files: list[Any]) -> list[dict[str, Any]]:
    """What an event tells of a record's evidence files: id, name, type, size and hash, never the bytes."""
    return [{"file_id": f.id, "name": f.name, "media_type": f.media_type, "size": f.size, "sha256": f.sha256} for f in files]
