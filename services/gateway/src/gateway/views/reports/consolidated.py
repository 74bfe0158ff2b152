"""Báo cáo — the ward's consolidated report: drafted by Phòng VH-XH, submitted for signature, approved or returned by
the leaders, issued with its number; its Word document and its annex of figures."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from dvk_platform.clock import ward_today

from ... import clients
from ...pages import form_date
from ...security import roles_required
from ..units import unit_names
from .common import (
    CONSOLIDATED_LISTS,
    CONSOLIDATED_STATUSES,
    CONSOLIDATED_TEXTS,
    FIGURES,
    REVIEWERS,
    SIGNERS,
    WARD_READERS,
    _problem_errors,
    _year,
    bp,
)

# --- consolidated report ------------------------------------------------------------------------------


@bp.get("/tong-hop")
@roles_required(*WARD_READERS)
def consolidated_index() -> Any:
    return _consolidated_index({"year": _year(), "period": "six_month"}, {})


def _consolidated_index(typed: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    reports = clients.get("reporting", "/consolidated-reports") or []
    return render_template("reports/consolidated_index.html", reports=reports, typed=typed, errors=errors,
                           statuses=CONSOLIDATED_STATUSES), status


@bp.post("/tong-hop")
@roles_required(*REVIEWERS)
def consolidated_create() -> Any:
    typed = {"year": request.form.get("year", "").strip(), "period": request.form.get("period", "")}
    first, last = int(current_app.config["MOVEMENT_FIRST_YEAR"]), int(current_app.config["MOVEMENT_LAST_YEAR"])
    if not typed["year"].isdigit() or not first <= int(typed["year"]) <= last:  # never another year in its place
        return _consolidated_index(typed, {"year": f"Năm là một năm của phong trào, từ {first} đến {last}.",
                                           "_": "Chưa lập dự thảo: vui lòng sửa mục được đánh dấu."}, 422)
    try:
        created = clients.post("reporting", "/consolidated-reports",
                               json={"year": int(typed["year"]), "period": typed["period"]})
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _consolidated_index(typed, _problem_errors(exc, ("year", "period")), exc.status)
    flash("Đã lập dự thảo báo cáo tổng hợp từ các báo cáo đơn vị đã tiếp nhận.", "success")
    return redirect(url_for("reports.consolidated_detail", consolidated_id=created["id"]))


def _consolidated_page(report: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200,
                       typed: dict[str, str] | None = None) -> Any:
    content = report.get("content") or {}
    list_texts = {name: "\n".join(f"{item.get('unit_name')}: {item.get('text')}" for item in content.get(name) or [])
                  for name, _ in CONSOLIDATED_LISTS}
    # The signer is the Chairman named in the ward's settings (DVK_CHAIRMAN_NAME), never a signed-in user's display name.
    signer = report.get("signer_name") or current_app.config.get("CHAIRMAN_NAME") or ""
    return render_template("reports/consolidated.html", report=report, texts=CONSOLIDATED_TEXTS, list_texts=list_texts,
                           lists=CONSOLIDATED_LISTS, figures=FIGURES, unit_names=unit_names(), signer=signer,
                           statuses=CONSOLIDATED_STATUSES, errors=errors or {}, today=ward_today().isoformat(),
                           typed=typed or {}), status


@bp.get("/tong-hop/<int:consolidated_id>")
@roles_required(*WARD_READERS)
def consolidated_detail(consolidated_id: int) -> Any:
    return _consolidated_page(clients.get("reporting", f"/consolidated-reports/{consolidated_id}"))


def _list_lines(text: str, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One item per line, "Đơn vị: nội dung"; a unit keeps its id when its name is unchanged."""
    ids = {item.get("unit_name"): item.get("unit_id") for item in before}
    items = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, sep, rest = line.partition(":")
        if sep and rest.strip():
            items.append({"unit_id": ids.get(name.strip()), "unit_name": name.strip(), "text": rest.strip()})
        else:
            items.append({"unit_id": None, "unit_name": "Chung", "text": line})
    return items


@bp.post("/tong-hop/<int:consolidated_id>/sua")
@roles_required(*REVIEWERS)
def consolidated_edit(consolidated_id: int) -> Any:
    report = clients.get("reporting", f"/consolidated-reports/{consolidated_id}")
    before = report.get("content") or {}
    content: dict[str, Any] = {name: request.form.get(name, "").strip() for name, _ in CONSOLIDATED_TEXTS}
    for name, _ in CONSOLIDATED_LISTS:
        content[name] = _list_lines(request.form.get(name, ""), before.get(name) or [])
    body: dict[str, Any] = {
        "title": request.form.get("title", "").strip(),
        "document_date": request.form.get("document_date", "").strip() or None,
        "signer_name": request.form.get("signer_name", "").strip(),
        "recipients": [line.strip() for line in request.form.get("recipients", "").splitlines() if line.strip()],
        "content": content,
    }
    try:  # typed dd/mm/yyyy; a day that does not exist is refused beside the field, nothing saved, what was typed kept
        body["document_date"] = form_date(body["document_date"])
    except ValueError as exc:
        return _consolidated_page({**report, **body}, {"document_date": str(exc), "_": "Chưa lưu: ngày văn bản chưa đúng."},
                                  422)
    try:
        clients.call("reporting", "PATCH", f"/consolidated-reports/{consolidated_id}", json=body,
                     if_match=request.form.get("version") or report.get("version"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        shown = ("title", "document_date", "signer_name", "recipients",
                 *(name for name, _ in CONSOLIDATED_TEXTS), *(name for name, _ in CONSOLIDATED_LISTS))
        return _consolidated_page({**report, **body}, _problem_errors(exc, shown), exc.status)
    flash("Đã lưu dự thảo báo cáo tổng hợp.", "success")
    return redirect(url_for("reports.consolidated_detail", consolidated_id=consolidated_id))


def _consolidated_step(consolidated_id: int, action: str, body: dict[str, Any], done: str, shown: tuple[str, ...] = ()) -> Any:
    try:
        clients.call("reporting", "POST", f"/consolidated-reports/{consolidated_id}/{action}", json=body,
                     if_match=request.form.get("version"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _consolidated_page(clients.get("reporting", f"/consolidated-reports/{consolidated_id}"),
                                  _problem_errors(exc, shown), exc.status, request.form.to_dict())
    flash(done, "success")
    return redirect(url_for("reports.consolidated_detail", consolidated_id=consolidated_id))


@bp.post("/tong-hop/<int:consolidated_id>/trinh-ky")
@roles_required(*REVIEWERS)
def consolidated_submit(consolidated_id: int) -> Any:
    return _consolidated_step(consolidated_id, "submit-for-signature", {},
                              "Đã trình ký báo cáo tổng hợp; lãnh đạo UBND phường đã được thông báo.")


@bp.post("/tong-hop/<int:consolidated_id>/duyet")
@roles_required(*SIGNERS)
def consolidated_approve(consolidated_id: int) -> Any:
    return _consolidated_step(consolidated_id, "approve", {},
                              "Đã duyệt báo cáo tổng hợp; Phòng Văn hóa - Xã hội sẽ ban hành (cấp số).")


@bp.post("/tong-hop/<int:consolidated_id>/tra-lai")
@roles_required(*SIGNERS)
def consolidated_return(consolidated_id: int) -> Any:
    reason = request.form.get("reason", "").strip()
    if not reason:  # refused beside the field before the service is asked: the report stays awaiting signature
        return _consolidated_page(clients.get("reporting", f"/consolidated-reports/{consolidated_id}"),
                                  {"reason": "Ghi lý do trả lại để Phòng Văn hóa - Xã hội biết cần sửa gì.",
                                   "_": "Chưa trả lại: cần ghi lý do."}, 422)
    return _consolidated_step(consolidated_id, "return", {"reason": reason},
                              "Đã trả lại báo cáo tổng hợp cho Phòng Văn hóa - Xã hội.", ("reason",))


@bp.post("/tong-hop/<int:consolidated_id>/ban-hanh")
@roles_required(*REVIEWERS)
def consolidated_finalise(consolidated_id: int) -> Any:
    if request.form.get("confirm") != "yes":
        # Issuing gives the report its number and freezes its figures for good: the clerk confirms it first.
        return _consolidated_page(clients.get("reporting", f"/consolidated-reports/{consolidated_id}"),
                                  {"confirm": "Đánh dấu ô xác nhận trước khi ban hành: số văn bản được cấp và số liệu "
                                              "được chốt, không sửa lại được.",
                                   "_": "Chưa ban hành: cần xác nhận."}, 422, {"number": request.form.get("number", "")})
    number = request.form.get("number", "").strip()
    body: dict[str, Any] = {"number": int(number)} if number.isdigit() else {}
    return _consolidated_step(consolidated_id, "finalise", body, "Đã ban hành báo cáo tổng hợp; số liệu đã được chốt.",
                              ("number",))


@bp.get("/tong-hop/<int:consolidated_id>/van-ban.docx")
@roles_required(*WARD_READERS)
def consolidated_docx(consolidated_id: int) -> Any:
    return clients.download("reporting", f"/consolidated-reports/{consolidated_id}/document")


@bp.get("/tong-hop/<int:consolidated_id>/phu-luc.xlsx")
@roles_required(*WARD_READERS)
def consolidated_xlsx(consolidated_id: int) -> Any:
    return clients.download("reporting", f"/consolidated-reports/{consolidated_id}/annex")


