"""Khen thưởng — the Chairman's papers: one decision (one proposal letter to the higher level) for several approved
nominations, their pages and their Word and Excel files."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from dvk_platform.clock import ward_today

from ... import clients
from ...pages import form_date
from ...security import login_required, roles_required
from ..units import unit_names
from .common import SIGNER_POSITIONS, WARD_READERS, _catalogue, _chairman, _int, _problem_errors, _year, bp

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


