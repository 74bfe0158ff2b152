"""Khen thưởng — nominations: Phòng VH-XH's draft and its corrections, the page of a nomination with the forms of
its next step (proposing, the council's review, the Chairman's decision or proposal letter, revocation)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from dvk_platform.clock import ward_today

from ... import clients
from ...pages import NOMINATION_STATUSES, form_date, period_title
from ...security import has_role, login_required, roles_required
from .. import dossier, evidence
from ..units import unit_names
from .common import CATALOGUE_PATHS, SIGNER_POSITIONS, _catalogue, _chairman, _int, _problem_errors, _year, bp

# --- nominations --------------------------------------------------------------------------------------


AWARD_FIELDS = {"title": "title_id", "form": "form_id"}  # one list per catalogue: Luật TĐKT keeps them apart
AWARD_CHOICE_MISSING = "Chọn một danh hiệu thi đua hoặc một hình thức khen thưởng."
AWARD_CHOICE_BOTH = ("Chỉ chọn một: danh hiệu thi đua hoặc hình thức khen thưởng (mỗi đề nghị một danh hiệu hoặc "
                     "một hình thức).")


def _ids(name: str) -> list[int]:
    """The records ticked in the form (one value a box; a list typed with commas is read the same way)."""
    return [int(x) for value in request.form.getlist(name) for x in value.replace(",", " ").split() if x.isdigit()]


def _arg_ids(name: str) -> list[int]:
    return [int(x) for x in request.args.get(name, "").replace(",", " ").split() if x.isdigit()]


def citable(year: int | None, unit_id: int | None, model_ids: list[int], report_ids: list[int]) -> dict[str, Any]:
    """What the form offers to cite, by the titles people know: the year's accepted models and the unit reports sent
    (of the nomination's unit once it is known, of every unit on a new nomination), plus anything already cited."""
    names = unit_names()
    filters = {"year": year, "unit_id": unit_id, "per_page": 100}
    models = {m["id"]: m for m in clients.items(clients.get("registration", "/models", params={**filters, "status": "accepted"}))}
    for model_id in model_ids:
        if model_id not in models:
            try:
                models[model_id] = clients.get("registration", f"/models/{model_id}")
            except clients.ServiceProblem:  # another unit's, or gone: offered by its number, the service judges it
                models[model_id] = {"id": model_id, "title": f"Mô hình số {model_id}"}
    reports = {r["id"]: r for r in clients.items(clients.get("reporting", "/reports", params={"year": year, "unit_id": unit_id}))
               if r.get("status") != "draft"}
    for report_id in report_ids:
        if report_id not in reports:
            try:
                reports[report_id] = clients.get("reporting", f"/reports/{report_id}")
            except clients.ServiceProblem:
                reports[report_id] = {"id": report_id}

    def unit_of(record: dict[str, Any]) -> str:
        return str(record.get("unit_name") or names.get(record.get("unit_id"), "")) if record.get("unit_id") else ""

    def report_title(report: dict[str, Any]) -> str:
        if not report.get("period"):
            return f"Báo cáo số {report['id']}"
        return f"Báo cáo {period_title(report['period'], report.get('year'))}"

    return {
        "models": sorted(({"id": m["id"], "title": m.get("title") or f"Mô hình số {m['id']}", "unit": unit_of(m)}
                          for m in models.values()), key=lambda c: (c["unit"], c["title"])),
        "reports": sorted(({"id": r["id"], "title": report_title(r), "unit": unit_of(r)} for r in reports.values()),
                          key=lambda c: (c["unit"], c["title"])),
    }


def _award_choice() -> tuple[str, int | None, str | None]:
    """(catalogue, entry id, problem) from the two lists; exactly one of them must be chosen."""
    chosen = [(catalogue, request.form.get(field, "").strip()) for catalogue, field in AWARD_FIELDS.items()]
    chosen = [(catalogue, value) for catalogue, value in chosen if value]
    if not chosen:
        return "", None, AWARD_CHOICE_MISSING
    if len(chosen) > 1:
        return "", None, AWARD_CHOICE_BOTH
    catalogue, value = chosen[0]
    return catalogue, int(value) if value.isdigit() else None, None


def _nomination_form() -> dict[str, Any]:
    catalogue, award_id, _ = _award_choice()
    kind = request.form.get("nominee_kind", "")
    data: dict[str, Any] = {
        "year": request.form.get("year", type=int),
        "nominee_kind": kind,
        "unit_id": request.form.get("unit_id", type=int),
        "catalogue": catalogue,
        "award_id": award_id,
        "achievements": request.form.get("achievements", "").strip(),
        "evidence": {
            "model_ids": _ids("model_ids"),
            "report_ids": _ids("report_ids"),
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


def _typed() -> dict[str, Any]:
    """What the person typed and ticked, to show again after a refusal."""
    typed: dict[str, Any] = {name: request.form.get(name, "") for name in (
        "person_name", "person_position", "title_id", "form_id", "achievements", "links")}
    return typed | {"model_ids": _ids("model_ids"), "report_ids": _ids("report_ids")}


def _nomination_form_page(data: dict[str, Any], errors: dict[str, str], status: int = 200,
                          nomination: dict[str, Any] | None = None) -> Any:
    """The nomination form: a new one, or (given `nomination`) the draft being edited."""
    entries = [e for e in _catalogue() if e.get("active", True)]
    year = nomination["year"] if nomination else (data.get("year") or _year())
    unit_id = nomination["unit_id"] if nomination else None
    choices = citable(year, unit_id, list(data.get("model_ids") or []), list(data.get("report_ids") or []))
    return render_template("awards/nomination_form.html", data=data, errors=errors, entries=entries, n=nomination,
                           unit_names=unit_names(), choices=choices), status


@bp.route("/de-nghi/moi", methods=["GET", "POST"])
@roles_required("vhxh")
def nomination_create() -> Any:
    if request.method == "GET":
        data = {"year": _year(), "nominee_kind": request.args.get("nominee_kind") or "collective",
                "unit_id": request.args.get("unit_id", type=int), "model_ids": _arg_ids("model_id"),
                "report_ids": _arg_ids("report_ids"), "achievements": request.args.get("why", "")}
        return _nomination_form_page(data, {})
    data = _nomination_form()
    shown = {**data, **_typed()}
    _, _, choice_problem = _award_choice()
    if choice_problem:
        return _nomination_form_page(shown, {"award": choice_problem, "_": "Đề nghị chưa được lưu: " + choice_problem},
                                     422)
    body = {k: v for k, v in data.items() if v not in (None, "")}
    try:
        created = clients.post("awards", "/nominations", json=body)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _nomination_form_page(shown, _award_errors(_problem_errors(exc)), exc.status)
    flash("Đã lập đề nghị khen thưởng (bản nháp).", "success")
    return redirect(url_for("awards.nomination_detail", nomination_id=created["id"]))


def _nomination_page(nomination: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200,
                     typed: dict[str, str] | None = None) -> Any:
    """The nomination and the forms of its next step; after a refusal, what the person typed stays in the form."""
    entry = None
    if nomination.get("award_id") and nomination.get("catalogue") in CATALOGUE_PATHS:
        try:
            entry = clients.get("awards", f"/catalogue/{CATALOGUE_PATHS[nomination['catalogue']]}/{nomination['award_id']}")
        except clients.ServiceProblem:
            entry = None
    return render_template("awards/nomination.html", n=nomination, entry=entry, errors=errors or {},
                           cited=dossier.cited_records(nomination),
                           documents=evidence.files_of("nomination", nomination["id"]),
                           unit_names=unit_names(), signer_positions=SIGNER_POSITIONS, signer=_chairman(),
                           typed=typed or {}, today=ward_today().isoformat()), status


@bp.get("/de-nghi/<int:nomination_id>")
@login_required
def nomination_detail(nomination_id: int) -> Any:
    return _nomination_page(clients.get("awards", f"/nominations/{nomination_id}"))


def _award_errors(errors: dict[str, str]) -> dict[str, str]:
    """The service names the catalogue and the entry; the form has one field for both."""
    if "catalogue" in errors or "award_id" in errors:
        errors.setdefault("award", errors.get("award_id") or errors.get("catalogue", ""))
    for key in ("model_ids", "report_ids", "links"):  # what the nomination cites, beside its own field
        if f"evidence.{key}" in errors:
            errors.setdefault(key, errors[f"evidence.{key}"])
    return errors


def _edit_data(nomination: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as the service holds them."""
    evidence = nomination.get("evidence") or {}
    return {"person_name": nomination.get("person_name"), "person_position": nomination.get("person_position"),
            AWARD_FIELDS.get(nomination.get("catalogue") or "", "award"): nomination.get("award_id"),
            "achievements": nomination.get("achievements"),
            "model_ids": [int(i) for i in evidence.get("model_ids") or []],
            "report_ids": [int(i) for i in evidence.get("report_ids") or []],
            "links": "\n".join(evidence.get("links") or []), "version": nomination.get("version")}


def _edit_changes(nomination: dict[str, Any]) -> dict[str, Any]:
    """What the form changes, and only that: an unchanged award or evidence is not checked again by the service
    (an entry deactivated, or a model withdrawn, since the draft was written must not block fixing its text)."""
    form = _nomination_form()
    changes: dict[str, Any] = {"achievements": form["achievements"]}
    if nomination.get("nominee_kind") == "individual":
        changes["person_name"] = request.form.get("person_name", "").strip()
        changes["person_position"] = request.form.get("person_position", "").strip() or None
    if (form["catalogue"], form["award_id"]) != (nomination.get("catalogue"), nomination.get("award_id")):
        changes["catalogue"], changes["award_id"] = form["catalogue"], form["award_id"]
    evidence = nomination.get("evidence") or {}
    cited = ("model_ids", "report_ids", "links")
    if any(form["evidence"][key] != (evidence.get(key) or []) for key in cited):
        changes["evidence"] = {**evidence, **form["evidence"]}  # inspections cited stay
    current = _edit_data(nomination)
    return {k: v for k, v in changes.items() if k in ("catalogue", "award_id", "evidence") or v != current.get(k)}


@bp.route("/de-nghi/<int:nomination_id>/sua", methods=["GET", "POST"])
@roles_required("vhxh")
def nomination_edit(nomination_id: int) -> Any:
    """Phòng VH-XH corrects its draft before proposing it; the version it opened guards against a colleague's edit."""
    nomination = clients.get("awards", f"/nominations/{nomination_id}")
    if request.method == "GET":
        if nomination.get("status") != "draft":
            message = ("Chỉ sửa được đề nghị khen thưởng khi còn là bản nháp. Trạng thái hiện tại: "
                       f"{NOMINATION_STATUSES.get(nomination.get('status'), nomination.get('status'))}.")
            return _nomination_page(nomination, {"_": message}, 409)
        return _nomination_form_page(_edit_data(nomination), {}, nomination=nomination)
    version = request.form.get("version")
    # The version the user opened stays in the form: sending it again is refused until they reload (412).
    shown = {**_typed(), "version": version}
    _, _, choice_problem = _award_choice()
    if choice_problem:
        return _nomination_form_page(shown, {"award": choice_problem, "_": "Chưa lưu thay đổi: " + choice_problem}, 422,
                                     nomination=nomination)
    try:
        clients.call("awards", "PATCH", f"/nominations/{nomination_id}", json=_edit_changes(nomination), if_match=version)
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _nomination_form_page(shown, _award_errors(_problem_errors(exc)), exc.status, nomination=nomination)
    flash("Đã lưu thay đổi của đề nghị khen thưởng.", "success")
    return redirect(url_for("awards.nomination_detail", nomination_id=nomination_id))


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
    typed = {name: value.strip() for name, value in request.form.items() if name not in ("csrf_token", "version")}
    dates: dict[str, str | None] = {}
    for name in {"review": ("meeting_date",), "decide": ("decided_on",), "forward": ("letter_date",)}.get(action, ()):
        try:
            dates[name] = form_date(typed.get(name))
        except ValueError as exc:  # refused beside the field before the service is asked: nothing is saved
            return _nomination_page(clients.get("awards", f"/nominations/{nomination_id}"),
                                    {name: str(exc), "_": "Chưa lưu: ngày nhập chưa đúng."}, 422, typed)
    try:
        if action in ("propose", "withdraw"):
            note = request.form.get("note", "").strip()
            clients.call("awards", "POST", f"/nominations/{nomination_id}/{action}",
                         json={"note": note} if note else {}, if_match=version)
        elif action == "review":
            body = {
                "approved": request.form.get("approved") == "yes",
                "meeting_date": dates["meeting_date"],
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
            if dates["decided_on"]:
                body["decided_on"] = dates["decided_on"]
            decision = clients.post("awards", "/decisions", json=body)
            flash(f"{done} Số {decision.get('decision_number')}.", "success")
            return redirect(url_for("awards.decision_detail", decision_id=decision["id"]))
        else:  # forward
            body = _signed_body(nomination_id)
            if dates["letter_date"]:
                body["letter_date"] = dates["letter_date"]
            if request.form.get("addressee", "").strip():
                body["addressee"] = request.form["addressee"].strip()
            letter = clients.post("awards", "/proposal-letters", json=body)
            flash(f"{done} Số {letter.get('letter_number')}.", "success")
            return redirect(url_for("awards.nomination_detail", nomination_id=nomination_id))
    except clients.ServiceProblem as exc:
        if exc.status == 404:
            raise
        return _nomination_page(clients.get("awards", f"/nominations/{nomination_id}"), _problem_errors(exc), exc.status,
                                typed)
    flash(done, "success")
    return redirect(url_for("awards.nomination_detail", nomination_id=nomination_id))


