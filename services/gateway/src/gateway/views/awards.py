"""Khen thưởng: suggestions, nominations, council review, the Chairman's decisions or proposals to a higher
level, revocation, the catalogues, and the Word and Excel files (awards service)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from dvk_documents import signer_name
from dvk_platform.clock import ward_today, ward_year
from dvk_platform.labels import Labels

from .. import clients
from ..pages import NOMINATION_STATUSES, form_date
from ..security import current_user, has_role, login_required, roles_required
from . import dossier
from .units import unit_names

bp = Blueprint("awards", __name__, url_prefix="/khen-thuong")

WARD_READERS = ("admin", "vhxh", "lanh_dao", "giam_sat")
CATALOGUE_PATHS = {"title": "titles", "form": "forms"}
SIGNER_POSITIONS = {"chu_tich": "Chủ tịch", "pho_chu_tich": "Phó Chủ tịch (ký thay)"}


def _year() -> int:
    return request.values.get("year", type=int) or ward_year()


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


AWARD_FIELDS = {"title": "title_id", "form": "form_id"}  # one list per catalogue: Luật TĐKT keeps them apart
AWARD_CHOICE_MISSING = "Chọn một danh hiệu thi đua hoặc một hình thức khen thưởng."
AWARD_CHOICE_BOTH = ("Chỉ chọn một: danh hiệu thi đua hoặc hình thức khen thưởng (mỗi đề nghị một danh hiệu hoặc "
                     "một hình thức).")


def _ids(name: str) -> list[int]:
    return [int(x) for x in request.form.get(name, "").replace(",", " ").split() if x.isdigit()]


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
    """What the person typed, to show again after a refusal."""
    return {name: request.form.get(name, "") for name in ("person_name", "person_position", "title_id", "form_id",
                                                        "achievements", "model_ids", "report_ids", "links")}


def _nomination_form_page(data: dict[str, Any], errors: dict[str, str], status: int = 200,
                          nomination: dict[str, Any] | None = None) -> Any:
    """The nomination form: a new one, or (given `nomination`) the draft being edited."""
    entries = [e for e in _catalogue() if e.get("active", True)]
    return render_template("awards/nomination_form.html", data=data, errors=errors, entries=entries, n=nomination,
                           unit_names=unit_names()), status


@bp.route("/de-nghi/moi", methods=["GET", "POST"])
@roles_required("vhxh")
def nomination_create() -> Any:
    if request.method == "GET":
        data = {"year": _year(), "nominee_kind": request.args.get("nominee_kind") or "collective",
                "unit_id": request.args.get("unit_id", type=int), "model_ids": request.args.get("model_id", ""),
                "report_ids": request.args.get("report_ids", ""), "achievements": request.args.get("why", "")}
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


def _chairman() -> str:
    """The Chairman as the ward's settings name him (DVK_CHAIRMAN_NAME); else the signed-in leader's name without a title."""
    user = current_user()
    return current_app.config.get("CHAIRMAN_NAME") or signer_name(user.full_name if user else "")


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
            "model_ids": ", ".join(str(i) for i in evidence.get("model_ids") or []),
            "report_ids": ", ".join(str(i) for i in evidence.get("report_ids") or []),
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


# --- decisions, proposal letters and their files ------------------------------------------------------


@dataclass(frozen=True)
class Paper:
    """A document the Chairman signs for several approved nominations at once."""

    level: str  # the catalogue's granting level it is for
    path: str  # the awards service's collection
    date_field: str
    title: str
    button: str
    done: str
    number_key: str


PAPERS = {
    "decision": Paper("phuong", "/decisions", "decided_on", "Ký quyết định khen thưởng", "Ký quyết định khen thưởng",
                      "Đã ban hành quyết định khen thưởng", "decision_number"),
    "letter": Paper("cap_tren", "/proposal-letters", "letter_date", "Lập tờ trình đề nghị cấp trên khen thưởng",
                    "Lập tờ trình", "Đã lập tờ trình đề nghị cấp trên khen thưởng", "letter_number"),
}


def _chosen_refs() -> list[dict[str, int]]:
    """The ticked nominations, each "id:version" as the page showed it."""
    refs = []
    for value in request.form.getlist("nomination"):
        nomination_id, _, version = value.partition(":")
        if nomination_id.isdigit() and version.isdigit():
            refs.append({"id": int(nomination_id), "version": int(version)})
    return refs


def _signing_page(kind: str, year: int, data: dict[str, Any], chosen: set[int], errors: dict[str, str],
                  sent: dict[int, int] | None = None, status: int = 200) -> Any:
    """The approved nominations of the year that this paper can carry, and the signing form.

    After a refusal (`sent` = the versions the page had shown): a nomination changed since, or no longer awaiting
    a decision, is named and left unticked, so nothing is signed on a version the leader has not seen."""
    paper = PAPERS[kind]
    entries = {(e["catalogue"], e["id"]): e for e in _catalogue()}
    candidates, elsewhere = [], 0
    for nomination in clients.get("awards", "/nominations", params={"year": year, "status": "approved"}) or []:
        entry = entries.get((nomination.get("catalogue"), nomination.get("award_id"))) or {}
        if entry.get("granting_level", "phuong") != paper.level:
            elsewhere += 1
            continue
        candidates.append({**nomination, "entry": entry})
    notes: dict[int, str] = {}
    if sent:
        current = {n["id"]: n["version"] for n in candidates}
        for nomination_id, version in sent.items():
            if nomination_id not in current:
                notes[nomination_id] = "không còn chờ quyết định"
            elif current[nomination_id] != version:
                notes[nomination_id] = "vừa được thay đổi, hãy xem lại rồi chọn lại"
        chosen = {i for i in chosen if i not in notes}
    gone = [i for i in notes if i not in {n["id"] for n in candidates}]
    return render_template("awards/signing.html", kind=kind, paper=paper, year=year, data=data, chosen=chosen,
                           candidates=candidates, elsewhere=elsewhere, notes=notes, gone=gone, errors=errors,
                           unit_names=unit_names(), signer_positions=SIGNER_POSITIONS), status


def _signing(kind: str) -> Any:
    paper = PAPERS[kind]
    year = _year()
    if request.method == "GET":
        data = {"signer_name": _chairman(), "signer_position": "chu_tich",
                paper.date_field: ward_today().isoformat(), "addressee": "Chủ tịch Ủy ban nhân dân tỉnh"}
        return _signing_page(kind, year, data, set(request.args.getlist("chon", type=int)), {})
    refs = _chosen_refs()
    data = {name: request.form.get(name, "").strip() for name in ("number", paper.date_field, "signer_name",
                                                                    "signer_position", "addressee")}
    chosen = {r["id"] for r in refs}
    if not refs:
        return _signing_page(kind, year, data, chosen, {"nominations": "Chọn ít nhất một đề nghị khen thưởng.",
                                                        "_": "Chưa chọn đề nghị khen thưởng nào."}, status=422)
    body: dict[str, Any] = {"nominations": refs, "signer_name": data["signer_name"],
                            "signer_position": data["signer_position"] or "chu_tich"}
    if _int("number") is not None:
        body["number"] = _int("number")
    try:
        signed_on = form_date(data[paper.date_field])
    except ValueError as exc:  # refused beside the field before the service is asked: nothing is signed
        return _signing_page(kind, year, data, chosen, {paper.date_field: str(exc), "_": "Chưa ký: ngày nhập chưa đúng."},
                             status=422)
    if signed_on:
        body[paper.date_field] = signed_on
    if kind == "letter" and data["addressee"]:
        body["addressee"] = data["addressee"]
    try:
        signed = clients.post("awards", paper.path, json=body)
    except clients.ServiceProblem as exc:  # one transaction in the service: a refusal signs none of them
        sent = {r["id"]: r["version"] for r in refs}
        return _signing_page(kind, year, data, chosen, _problem_errors(exc), sent=sent, status=exc.status)
    flash(f"{paper.done} cho {len(refs)} đề nghị. Số {signed.get(paper.number_key)}.", "success")
    if kind == "decision":
        return redirect(url_for("awards.decision_detail", decision_id=signed["id"]))
    return redirect(url_for("awards.index", year=year, _anchor="letters"))


@bp.route("/quyet-dinh/moi", methods=["GET", "POST"])
@roles_required("lanh_dao")
def decision_create() -> Any:
    """One decision of the Chairman for several approved nominations of ward-level awards."""
    return _signing("decision")


@bp.route("/to-trinh/moi", methods=["GET", "POST"])
@roles_required("lanh_dao")
def letter_create() -> Any:
    """One proposal letter to the higher level for several approved nominations of higher-level awards."""
    return _signing("letter")


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


GRANTING_LEVELS = {"phuong": "Chủ tịch UBND phường quyết định", "cap_tren": "Cấp trên quyết định (phường đề nghị)"}
CATALOGUE_LABELS = Labels("catalogue")


def _entry_form() -> dict[str, Any]:
    return {
        "name": request.form.get("name", "").strip(),
        "granting_level": request.form.get("granting_level", ""),
        "legal_basis": request.form.get("legal_basis", "").strip(),
        "for_individuals": request.form.get("for_individuals") == "on",
        "for_collectives": request.form.get("for_collectives") == "on",
        "active": request.form.get("active") == "on",
    }


@bp.route("/danh-muc/<catalogue>/<int:entry_id>/sua", methods=["GET", "POST"])
@roles_required("admin")
def edit_entry(catalogue: str, entry_id: int) -> Any:
    """The admin corrects an entry when the rules change: name, who decides it, legal basis, who may receive it."""
    if catalogue not in CATALOGUE_PATHS:
        abort(404)
    path = f"/catalogue/{CATALOGUE_PATHS[catalogue]}/{entry_id}"
    entry = clients.get("awards", path)
    page = {"entry": entry, "catalogue": catalogue, "catalogue_label": CATALOGUE_LABELS[catalogue],
            "levels": GRANTING_LEVELS}
    if request.method == "GET":
        return render_template("awards/entry_form.html", data=entry, errors={}, **page)
    data = _entry_form()
    errors = {name: "Không được để trống." for name in ("name", "legal_basis") if not data[name]}
    if not errors:
        try:
            clients.call("awards", "PATCH", path, json=data, if_match=request.form.get("version") or entry.get("version"))
        except clients.ServiceProblem as exc:
            if exc.status == 404:
                raise
            errors = exc.field_errors()
            errors.setdefault("_", exc.message)
    if errors:
        errors.setdefault("_", "Chưa lưu: vui lòng sửa các mục được đánh dấu.")
        return render_template("awards/entry_form.html", data=data, errors=errors, **page), 422
    flash(f"Đã lưu mục “{data['name']}” của danh mục {CATALOGUE_LABELS[catalogue].lower()}.", "success")
    return redirect(url_for("awards.catalogue"))
