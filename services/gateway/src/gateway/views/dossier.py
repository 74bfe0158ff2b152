"""A nomination's dossier (hồ sơ đề nghị khen thưởng): every record it cites with its evidence files, and "Tải hồ sơ",
one ZIP for the council with the nomination's documents (its decision, its proposal letter, as the awards service
renders them, and the files Phòng VH-XH attached to it), every cited file and a manifest (file, record, SHA-256).

The ZIP is written while it is sent: each file is read from its service piece by piece and passed on compressed,
so the gateway never holds a file, let alone the dossier, whole. Everything is fetched with the signed-in person's
token: who may not read the nomination gets 404 before a byte is sent; a cited record they may not read is left out
and said so in the manifest."""
from __future__ import annotations

import csv
import hashlib
import io
import logging
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response

from dvk_platform.clock import now
from dvk_platform.evidence import content_disposition

from .. import clients
from ..pages import label, period_title
from ..security import login_required
from .evidence import RECORD_KINDS
from .units import unit_names

log = logging.getLogger(__name__)
bp = Blueprint("dossier", __name__, url_prefix="/khen-thuong")
WARD_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MANIFEST = "Danh mục hồ sơ.csv"


@dataclass
class Cited:
    """One record a nomination cites, as the person may see it."""

    kind: str  # model | report | inspection
    id: int
    title: str = ""
    url_args: dict[str, Any] | None = None  # the record's page (endpoint, arguments); None when hidden
    files: list[dict[str, Any]] | None = None
    hidden: bool = False
    note: str = ""  # what the record says beside its title (unit, year, status, rating)


def _report_title(report: dict[str, Any]) -> str:
    return f"Báo cáo {period_title(report.get('period', ''), report.get('year'))} — " \
           f"{unit_names().get(report.get('unit_id'), report.get('unit_id'))}"


def cited_records(nomination: dict[str, Any]) -> list[Cited]:
    """The models, their inspections and the reports the nomination cites, each with its evidence files."""
    evidence = nomination.get("evidence") or {}
    cited: list[Cited] = []
    inspections: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # inspection id -> (inspection, its model)
    names = unit_names()
    for model_id in evidence.get("model_ids") or []:
        try:
            model = clients.get("registration", f"/models/{model_id}")
        except clients.ServiceProblem:
            cited.append(Cited("model", model_id, f"Mô hình số {model_id}", hidden=True))
            continue
        for inspection in model.get("inspections") or []:
            inspections[int(inspection["id"])] = (inspection, model)
        cited.append(Cited("model", model_id, model.get("title", ""), ("models.detail", {"model_id": model_id}),
                           list(model.get("files") or []),
                           note=f"{model.get('unit_name') or names.get(model.get('unit_id'), '')}, năm {model.get('year')}"))
    for inspection_id in evidence.get("inspection_ids") or []:
        found = inspections.get(int(inspection_id))
        if found is None:  # of a model the nomination does not cite, or one the person may not read
            cited.append(Cited("inspection", inspection_id, f"Lần kiểm tra số {inspection_id}", hidden=True))
            continue
        inspection, model = found
        day = inspection.get("inspected_on") or ""
        shown_day = "/".join(reversed(day.split("-"))) if day else ""
        cited.append(Cited("inspection", inspection_id, f"Kiểm tra ngày {shown_day} — {model.get('title', '')}",
                           ("models.detail", {"model_id": model["id"], "_anchor": "kiem-tra"}), [],
                           note=f"xếp loại {label(inspection.get('rating'), 'rating')}, người kiểm tra "
                                f"{inspection.get('inspector', '')}"))
    for report_id in evidence.get("report_ids") or []:
        try:
            report = clients.get("reporting", f"/reports/{report_id}")
            files = clients.get("reporting", f"/reports/{report_id}/files") or []
        except clients.ServiceProblem:
            cited.append(Cited("report", report_id, f"Báo cáo số {report_id}", hidden=True))
            continue
        cited.append(Cited("report", report_id, _report_title(report), ("reports.detail", {"report_id": report_id}),
                           list(files), note=label(report.get("status"), "report_status")))
    return cited


# --- the ZIP --------------------------------------------------------------------------------------------------


def _clean(name: str) -> str:
    """A name fit for a ZIP entry: NFC, no folder separators nor control characters, not empty."""
    name = unicodedata.normalize("NFC", name)
    name = "".join("_" if ch in '/\\:*?"<>|' or unicodedata.category(ch).startswith("C") else ch for ch in name)
    return name.strip(" .")[:150] or "tệp"


@dataclass
class Entry:
    """One file of the dossier: where it goes in the ZIP and where its bytes come from."""

    arcname: str
    record: str  # the record it belongs to, as the manifest names it
    service: str
    path: str
    caption: str = ""


class _Sink:
    """What the ZIP writer writes, handed on to the response as soon as it is written."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.pieces.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        out = b"".join(self.pieces)
        self.pieces.clear()
        return out


def _unique(folder: str, name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, dot + ext) if stem else (name, "")
    arcname, n = f"{folder}/{name}", 1
    while arcname.casefold() in taken:
        n += 1
        arcname = f"{folder}/{stem} ({n}){ext}"
    taken.add(arcname.casefold())
    return arcname


def dossier_entries(nomination: dict[str, Any], cited: list[Cited],
                    documents: list[dict[str, Any]]) -> tuple[list[Entry], list[list[str]]]:
    """The files of the dossier in order (the nomination's documents first, then each cited record's files), and the
    manifest's rows for records that are left out."""
    entries: list[Entry] = []
    left_out: list[list[str]] = []
    taken: set[str] = set()
    if nomination.get("decision_id"):
        name = f"Quyết định khen thưởng số {nomination.get('decision_number') or nomination['decision_id']}.docx"
        entries.append(Entry(_unique("Văn bản", _clean(name), taken), "Quyết định khen thưởng", "awards",
                             f"/decisions/{nomination['decision_id']}/document"))
    if nomination.get("letter_id"):
        name = f"Tờ trình số {nomination.get('letter_number') or nomination['letter_id']}.docx"
        entries.append(Entry(_unique("Văn bản", _clean(name), taken), "Tờ trình đề nghị cấp trên khen thưởng", "awards",
                             f"/proposal-letters/{nomination['letter_id']}/document"))
    for f in documents:  # what Phòng VH-XH attached to the nomination itself (achievement reports, letters)
        entries.append(Entry(_unique("Văn bản", _clean(f.get("name") or f"tệp {f['id']}"), taken), "Đề nghị khen thưởng",
                             "awards", f"/nominations/{nomination['id']}/files/{f['id']}", f.get("caption") or ""))
    prefixes = {"model": "Mô hình", "report": "Báo cáo", "inspection": "Kiểm tra"}
    for record in cited:
        if record.hidden:
            left_out.append(["", record.title, "", "", "không có quyền xem hoặc không còn"])
            continue
        if record.kind not in RECORD_KINDS:
            continue
        kind = RECORD_KINDS[record.kind]
        title = record.title if record.kind == "report" else f"{prefixes[record.kind]} {record.title}"
        folder = _clean(f"{title} (số {record.id})")
        for f in record.files or []:
            entries.append(Entry(_unique(folder, _clean(f.get("name") or f"tệp {f['id']}"), taken), title,
                                 kind.service, kind.api(record.id, f"/files/{f['id']}"), f.get("caption") or ""))
    return entries, left_out


def zip_stream(entries: list[Entry], left_out: list[list[str]], header: list[str]) -> Iterator[bytes]:
    """The dossier as a ZIP, piece by piece; the manifest last, with the SHA-256 of every file as it was sent.

    Everything that needs the request (the person's token, the settings, the clock) is taken before the first piece,
    so the answer is written without the request's context."""
    moment = now().astimezone(WARD_TZ)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    fetch = {service: clients.downloader(service) for service in {entry.service for entry in entries}}
    return _zip_pieces(entries, left_out, header, stamp, fetch)


def _zip_pieces(entries: list[Entry], left_out: list[list[str]], header: list[str], stamp: tuple[int, ...],
                fetch: dict[str, Any]) -> Iterator[bytes]:
    sink = _Sink()
    rows: list[list[str]] = []
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.arcname, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            digest, size = hashlib.sha256(), 0
            try:
                upstream = fetch[entry.service](entry.path)
            except (clients.ServiceProblem, clients.ServiceUnavailable) as exc:  # removed meanwhile, or unreachable
                log.warning("dossier: %s left out: %r", entry.path, exc)
                left_out.append([entry.arcname, entry.record, entry.caption, "", "không tải được khi lập hồ sơ"])
                continue
            with upstream, archive.open(info, "w") as out:
                for piece in upstream.iter_content(chunk_size=64 * 1024):
                    digest.update(piece)
                    size += len(piece)
                    out.write(piece)
                    yield sink.take()
            rows.append([entry.arcname, entry.record, entry.caption, str(size), digest.hexdigest()])
            yield sink.take()
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerow(["Tệp trong hồ sơ", "Thuộc hồ sơ", "Chú thích", "Số byte", "SHA-256"])
        writer.writerows(rows)
        writer.writerows(left_out)
        info = zipfile.ZipInfo(MANIFEST, date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, "\ufeff" + text.getvalue())  # the mark lets spreadsheet programs read UTF-8
    yield sink.take()


def _nominee(nomination: dict[str, Any]) -> str:
    return nomination.get("person_name") or nomination.get("unit_name") or \
        str(unit_names().get(nomination.get("unit_id"), nomination.get("unit_id")))


@bp.get("/de-nghi/<int:nomination_id>/ho-so")
@login_required
def nomination_zip(nomination_id: int) -> Any:
    """Tải hồ sơ: the nomination's dossier as one ZIP, for whoever may read the nomination."""
    nomination = clients.get("awards", f"/nominations/{nomination_id}")  # refused (404) before anything is sent
    documents = clients.get("awards", f"/nominations/{nomination_id}/files") or []
    entries, left_out = dossier_entries(nomination, cited_records(nomination), list(documents))
    nominee = _nominee(nomination)
    header = [f"Hồ sơ đề nghị khen thưởng số {nomination_id}: {nominee} — {nomination.get('award_name', '')}, "
              f"năm {nomination.get('year', '')}"]
    name = _clean(f"Hồ sơ đề nghị khen thưởng {nomination_id} - {nominee}") + ".zip"
    return Response(zip_stream(entries, left_out, header), mimetype="application/zip",
                    headers={"Content-Disposition": content_disposition(name, inline=False),
                             "Cache-Control": "private, no-cache"})

