"""Khen thưởng: suggestions, nominations, council review, the Chairman's decisions or proposals to a higher
level, revocation, the catalogues, and the Word and Excel files (awards service)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from dvk_platform.clock import now

from .. import clients
from ..security import has_role, login_required, roles_required
from .units import unit_names

bp = Blueprint("awards", __name__, url_prefix="/khen-thuong")

WARD_READERS = ("admin", "vhxh", "lanh_dao", "giam_sat")
CATALOGUE_PATHS = {"title": "titles", "form": "forms"}
SIGNER_POSITIONS = {"chu_tich": "Chủ tịch", "pho_chu_tich": "Phó Chủ tịch (ký thay)"}


def _year() -> int:
    return request.values.get("year", type=int) or now().year


def _problem_errors(exc: clients.ServiceProblem) -> dict[str, str]:
    errors = exc.field_errors()
    errors.setdefault("_", exc.message)
    return errors


def _catalogue() -> list[dict[str, Any]]:
    """Both catalogues, titles first; each entry knows which catalogue it is from."""
    entries: list[dict[str, Any]] = []
    for catalogue, path in CATALOGUE_PATHS.items():
        for entry in clients.get("awards", f"/catalogue/{path}") or []:
            entries.append({**entry, "catalogue": entry.get("catalogue", catalogue)})
    return entries


@bp.get("")
@login_required
def index() -> Any:
    year = _year()
    status = request.args.get("status") or None
    nominations = clients.get("awards", "/nominations", params={"year": year, "status": status}) or []
    suggestions: list[dict[str, Any]] = []
    letters: list[dict[str, Any]] = []
    if has_role(*WARD_READERS):  # the ward's own work: unit officers get neither (the service would answer 403)
        suggestions = clients.get("awards", "/suggestions", params={"year": year}) or []
        letters = clients.get("awards", "/proposal-letters", params={"year": year}) or []
    decisions = clients.get("awards", "/decisions", params={"year": year}) or []
    return render_template("awards/index.html", year=year, status=status, nominations=nominations,
                           suggestions=suggestions, decisions=decisions, letters=letters, unit_names=unit_names())


# --- nominations --------------------------------------------------------------------------------------


def _nomination_form() -> dict[str, Any]:
    award = request.form.get("award", "")
    catalogue, _, award_id = award.partition(":")
    kind = request.form.get("nominee_kind", "")
    data: dict[str, Any] = {
        "year": request.form.get("year", type=int),
        "nominee_kind": kind,
        "unit_id": request.form.get("unit_id", type=int),
        "catalogue": catalogue,
        "award_id": int(award_id) if award_id.isdigit() else None,
        "achievements": request.form.get("achievements", "").strip(),
        "evidence": {
            "model_ids": [int(x) for x in request.form.get("model_ids", "").replace(",", " ").split() if x.isdigit()],
            "links": [line.strip() for line in request.form.get("links", "").splitlines() if line.strip()],
        },
    }
    if kind == "individual":
        data["person_name"] = request.form.get("person_name", "").strip() or None
        data["person_position"] = request.form.get("person_position", "").strip() or None
    movement = request.form.get("movement", "").strip()
    if movement:
        data["movement"] = movement
    return data


def _nomination_form_page(data: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    entries = [e for e in _catalogue() if e.get("active", True)]
    return render_template("awards/nomination_form.html", data=data, errors=errors, entries=entries,
                           unit_names=unit_names()), status


@bp.route("/de-nghi/moi", methods=["GET", "POST"])
@roles_required("vhxh")
def nomination_create() -> Any:
    if request.method == "GET":
        data = {"year": _year(), "nominee_kind": request.args.get("nominee_kind") or "collective",
                "unit_id": request.args.get("unit_id", type=int), "model_ids": request.args.get("model_id", ""),
                "achievements": request.args.get("why", "")}
        return _nomination_form_page(data, {})
    data = _nomination_form()
    body = {k: v for k, v in data.items() if v not in (None, "")}
    try:
        created = clients.post("awards", "/nominations", json=body)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        shown = {**data, "award": request.form.get("award"), "model_ids": request.form.get("model_ids", ""),
                 "links": request.form.get("links", ""), "person_name": request.form.get("person_name", ""),
                 "person_position": request.form.get("person_position", "")}
        errors = _problem_errors(exc)
        if "catalogue" in errors or "award_id" in errors:
            errors.setdefault("award", errors.get("award_id") or errors.get("catalogue", ""))
        return _nomination_form_page(shown, errors, exc.status)
    flash("Đã lập đề nghị khen thưởng (bản nháp).", "success")
    return redirect(url_for("awards.nomination_detail", nomination_id=created["id"]))


def _nomination_page(nomination: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200) -> Any:
    entry = None
    if nomination.get("award_id") and nomination.get("catalogue") in CATALOGUE_PATHS:
        try:
            entry = clients.get("awards", f"/catalogue/{CATALOGUE_PATHS[nomination['catalogue']]}/{nomination['award_id']}")
        except clients.ServiceProblem:
            entry = None
    return render_template("awards/nomination.html", n=nomination, entry=entry, errors=errors or {},
                           unit_names=unit_names(), signer_positions=SIGNER_POSITIONS,
                           today=now().date().isoformat()), status


@bp.get("/de-nghi/<int:nomination_id>")
@login_required
def nomination_detail(nomination_id: int) -> Any:
    return _nomination_page(clients.get("awards", f"/nominations/{nomination_id}"))


def _int(name: str) -> int | None:
    value = request.form.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _signed_body(nomination_id: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "nominations": [{"id": nomination_id, "version": request.form.get("version", type=int)}],
        "signer_name": request.form.get("signer_name", "").strip(),
        "signer_position": request.form.get("signer_position") or "chu_tich",
    }
    if _int("number") is not None:
        body["number"] = _int("number")
    return body


# action: (roles, done message)
NOMINATION_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "propose": (("vhxh",), "Đã đề nghị Hội đồng Thi đua - Khen thưởng xét."),
    "withdraw": (("vhxh",), "Đã rút đề nghị khen thưởng."),
    "review": (("vhxh", "lanh_dao"), "Đã ghi kết quả xét của Hội đồng Thi đua - Khen thưởng."),
    "revoke": (("lanh_dao",), "Đã thu hồi khen thưởng."),
    "decide": (("lanh_dao",), "Đã ban hành quyết định khen thưởng."),
    "forward": (("lanh_dao",), "Đã lập tờ trình đề nghị cấp trên khen thưởng."),
}


@bp.post("/de-nghi/<int:nomination_id>/<action>")
@login_required
def nomination_action(nomination_id: int, action: str) -> Any:
    if action not in NOMINATION_ACTIONS:
        abort(404)
    roles, done = NOMINATION_ACTIONS[action]
    if not has_role(*roles):
        abort(403)
    version = request.form.get("version")
    try:
        if action in ("propose", "withdraw"):
            note = request.form.get("note", "").strip()
            clients.call("awards", "POST", f"/nominations/{nomination_id}/{action}",
                         json={"note": note} if note else {}, if_match=version)
        elif action == "review":
            body = {
                "approved": request.form.get("approved") == "yes",
                "meeting_date": request.form.get("meeting_date") or None,
                "votes_for": _int("votes_for"), "votes_against": _int("votes_against"),
                "votes_abstain": _int("votes_abstain") or 0,
                "minutes": request.form.get("minutes", "").strip(),
            }
            clients.call("awards", "POST", f"/nominations/{nomination_id}/review",
                         json={k: v for k, v in body.items() if v is not None}, if_match=version)
        elif action == "revoke":
            clients.call("awards", "POST", f"/nominations/{nomination_id}/revoke",
                         json={"reason": request.form.get("reason", "").strip()}, if_match=version)
        elif action == "decide":
            body = _signed_body(nomination_id)
            if request.form.get("decided_on"):
                body["decided_on"] = request.form["decided_on"]
            decision = clients.post("awards", "/decisions", json=body)
            flash(f"{done} Số {decision.get('decision_number')}.", "success")
            return redirect(url_for("awards.decision_detail", decision_id=decision["id"]))
        else:  # forward
            body = _signed_body(nomination_id)
            if request.form.get("letter_date"):
                body["letter_date"] = request.form["letter_date"]
            if request.form.get("addressee", "").strip():
                body["addressee"] = request.form["addressee"].strip()
            letter = clients.post("awards", "/proposal-letters", json=body)
            flash(f"{done} Số {letter.get('letter_number')}.", "success")
            return redirect(url_for("awards.nomination_detail", nomination_id=nomination_id))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _nomination_page(clients.get("awards", f"/nominations/{nomination_id}"), _problem_errors(exc), exc.status)
    flash(done, "success")
    return redirect(url_for("awards.nomination_detail", nomination_id=nomination_id))


# --- decisions, proposal letters and their files ------------------------------------------------------


@bp.get("/quyet-dinh/<int:decision_id>")
@login_required
def decision_detail(decision_id: int) -> Any:
    decision = clients.get("awards", f"/decisions/{decision_id}")
    return render_template("awards/decision.html", d=decision, unit_names=unit_names(),
                           signer_positions=SIGNER_POSITIONS)


@bp.get("/quyet-dinh/<int:decision_id>/van-ban.docx")
@login_required
def decision_docx(decision_id: int) -> Any:
    return clients.download("awards", f"/decisions/{decision_id}/document")


@bp.get("/to-trinh/<int:letter_id>/van-ban.docx")
@roles_required(*WARD_READERS)
def letter_docx(letter_id: int) -> Any:
    """The proposal letter is paperwork between Phòng VH-XH and the Chairman: not for unit officers."""
    return clients.download("awards", f"/proposal-letters/{letter_id}/document")


@bp.get("/quyet-dinh.xlsx")
@login_required
def decisions_xlsx() -> Any:
    return clients.download("awards", "/decisions/export.xlsx", params={"year": _year()})


# --- catalogues ---------------------------------------------------------------------------------------


@bp.get("/danh-muc")
@login_required
def catalogue() -> Any:
    return render_template("awards/catalogue.html", entries=_catalogue())


@bp.post("/danh-muc/<catalogue>/<int:entry_id>/xac-nhan")
@roles_required("admin")
def confirm_entry(catalogue: str, entry_id: int) -> Any:
    """The admin has checked the entry's legal basis against the rules in force: it may now be decided."""
    if catalogue not in CATALOGUE_PATHS:
        abort(404)
    try:
        clients.call("awards", "PATCH", f"/catalogue/{CATALOGUE_PATHS[catalogue]}/{entry_id}",
                     json={"needs_confirmation": False}, if_match=request.form.get("version"))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("awards.catalogue"))
    flash("Đã xác nhận căn cứ pháp lý; mục này dùng được trong quyết định và tờ trình.", "success")
    return redirect(url_for("awards.catalogue"))
