"""The awards' paperwork: the commendation decision and the proposal letter as official documents, and the
register of decisions as a spreadsheet."""
from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from openpyxl import Workbook

from dvk_documents import (
    Issuer,
    OfficialDocument,
    Paragraph,
    PrintedSheet,
    Signature,
    Table,
    document_number,
    issuer_from,
    render_docx,
    signer_name,
    workbook_properties,
    write_sheet,
)

from .models import SIGNER_POSITIONS, Decision, Nomination, ProposalLetter

MOVEMENT_QUOTED = "“{movement}”"
# The law every decision of the ward's Chairman rests on: Luật Tổ chức chính quyền địa phương số 72/2025/QH15.
LOCAL_GOVERNMENT_LAW = "Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025"


def _signature(name: str, position: str) -> Signature:
    """The name only under the title the block prints ("CHỦ TỊCH" or "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")."""
    if position == "pho_chu_tich":
        return Signature(name=signer_name(name), position=SIGNER_POSITIONS["pho_chu_tich"], deputy_for=SIGNER_POSITIONS["chu_tich"])
    return Signature(name=signer_name(name), position=SIGNER_POSITIONS["chu_tich"])


def _awardee_name(nomination: Nomination, names: Mapping[int, str]) -> str:
    unit = names.get(nomination.unit_id, f"Đơn vị mã {nomination.unit_id}")
    return nomination.person_name if nomination.nominee_kind == "individual" else f"Tập thể {unit}"


def _awardee_detail(nomination: Nomination, names: Mapping[int, str], ward_name: str) -> str:
    """An individual's position and unit; a collective's unit and the ward it belongs to."""
    unit = names.get(nomination.unit_id, f"Đơn vị mã {nomination.unit_id}")
    if nomination.nominee_kind == "individual":
        return ", ".join(p for p in (nomination.person_position, unit) if p)
    return f"{unit}, phường {ward_name}"


def awardee_table(nominations: list[Nomination], names: Mapping[int, str], ward_name: str) -> Table:
    rows = [
        [str(i), _awardee_name(n, names), _awardee_detail(n, names, ward_name), n.award_name]
        for i, n in enumerate(nominations, start=1)
    ]
    return Table(columns=["STT", "Tập thể, cá nhân", "Chức vụ, đơn vị", "Danh hiệu, hình thức khen thưởng"],
                 rows=rows, widths_mm=[14, 48, 55, 48])


def _counts(nominations: list[Nomination]) -> str:
    collectives = sum(1 for n in nominations if n.nominee_kind == "collective")
    individuals = len(nominations) - collectives
    parts = [f"{collectives:02d} tập thể" if collectives else "", f"{individuals:02d} cá nhân" if individuals else ""]
    return " và ".join(p for p in parts if p)


def _movement_years(nominations: list[Nomination]) -> str:
    movements = sorted({n.movement for n in nominations})
    years = sorted({n.year for n in nominations})
    movement = ", ".join(MOVEMENT_QUOTED.format(movement=m) for m in movements)
    return f"Phong trào thi đua {movement} năm {', '.join(map(str, years))}"


def _granting(nominations: list[Nomination]) -> str:
    """Forms are given ("Tặng Giấy khen …"), titles are recognised ("Công nhận danh hiệu …")."""
    forms = sorted({n.award_name for n in nominations if n.catalogue == "form"})
    titles = sorted({f"“{n.award_name}”" for n in nominations if n.catalogue == "title"})
    parts = [f"tặng {', '.join(forms)}" if forms else "", f"công nhận danh hiệu {', '.join(titles)}" if titles else ""]
    text = "; ".join(p for p in parts if p)
    return text[0].upper() + text[1:]


def _meeting_dates(nominations: list[Nomination]) -> str:
    dates = sorted({n.meeting_date for n in nominations if n.meeting_date})
    return ", ".join(f"{d:%d/%m/%Y}" for d in dates)


def decision_document(decision: Decision, names: Mapping[int, str], config: Mapping[str, Any]) -> OfficialDocument:
    """Quyết định khen thưởng: legal bases, the council's proposal, Điều 1 with the awardee table, Điều 2–3."""
    ward_name = config.get("WARD_PLACE_NAME") or config.get("WARD_NAME") or "Minh Xuân"
    nominations = list(decision.nominations)
    items = [LOCAL_GOVERNMENT_LAW]
    for nomination in nominations:
        items += [part.strip().rstrip(".") for part in nomination.award.legal_basis.split(";")]
    items.append(f"Kế hoạch triển khai Phong trào thi đua “Dân vận khéo” phường {ward_name} giai đoạn 2026 - 2030")
    bases = [f"Căn cứ {item};" for item in dict.fromkeys(i for i in items if i)]
    bases.append(
        f"Theo đề nghị của Hội đồng Thi đua - Khen thưởng phường (họp ngày {_meeting_dates(nominations)}) "
        "và Trưởng phòng Văn hóa - Xã hội."
    )
    body: list[Any] = [Paragraph(f"CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG {ward_name.upper()}", bold=True, align="center", indent=False)]
    body += [Paragraph(b, italic=True) for b in bases]
    body.append(Paragraph("QUYẾT ĐỊNH:", bold=True, align="center", indent=False))
    body.append(Paragraph(
        f"{_granting(nominations)} cho {_counts(nominations)} đã có thành tích xuất sắc trong "
        f"{_movement_years(nominations)}, gồm:", lead="Điều 1.",
    ))
    body.append(awardee_table(nominations, names, ward_name))
    body.append(Paragraph("Quyết định này có hiệu lực kể từ ngày ký.", lead="Điều 2."))
    body.append(Paragraph(
        "Chánh Văn phòng HĐND và UBND phường, Trưởng phòng Văn hóa - Xã hội, Thủ trưởng các cơ quan, đơn vị có liên "
        "quan và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.", lead="Điều 3.",
    ))
    return OfficialDocument(
        type_code="QĐ", number=decision.number, issued_on=decision.decided_on, title="Quyết định",
        subtitle=f"Về việc khen thưởng trong {_movement_years(nominations)}",
        body=body, signature=_signature(decision.signer_name, decision.signer_position),
        recipients=["- Như Điều 3;", "- Thường trực Đảng ủy phường (b/c);", "- Chủ tịch, các PCT UBND phường;"],
        issuer=issuer_from(config),
    )


def letter_document(letter: ProposalLetter, names: Mapping[int, str], config: Mapping[str, Any]) -> OfficialDocument:
    """Tờ trình đề nghị cấp trên khen thưởng, with the list of those proposed."""
    ward_name = config.get("WARD_PLACE_NAME") or config.get("WARD_NAME") or "Minh Xuân"
    nominations = list(letter.nominations)
    awards = sorted({n.award_name for n in nominations})
    body: list[Any] = [
        Paragraph(f"Kính gửi: {letter.addressee}.", align="center", indent=False),
        Paragraph(
            f"Thực hiện {_movement_years(nominations)}, căn cứ kết quả xét của Hội đồng Thi đua - Khen thưởng phường "
            f"(họp ngày {_meeting_dates(nominations)}), Ủy ban nhân dân phường {ward_name} kính trình {letter.addressee} "
            f"xem xét, tặng {', '.join(awards)} cho {_counts(nominations)} có thành tích xuất sắc, cụ thể như sau:"
        ),
        awardee_table(nominations, names, ward_name),
    ]
    for i, nomination in enumerate(nominations, start=1):
        body.append(Paragraph(nomination.achievements, lead=f"{i}. Thành tích của {_awardee_name(nomination, names)}:"))
    body.append(Paragraph(
        f"Ủy ban nhân dân phường {ward_name} kính trình {letter.addressee} xem xét, quyết định./."
    ))
    return OfficialDocument(
        type_code="TTr", number=letter.number, issued_on=letter.letter_date, title="Tờ trình",
        subtitle=f"Về việc đề nghị tặng {', '.join(awards)}",
        body=body, signature=_signature(letter.signer_name, letter.signer_position),
        recipients=["- Như trên;", "- Thường trực Đảng ủy phường (b/c);"], issuer=issuer_from(config),
    )


def decision_docx(decision: Decision, names: Mapping[int, str], config: Mapping[str, Any]) -> bytes:
    return render_docx(decision_document(decision, names, config))


def letter_docx(letter: ProposalLetter, names: Mapping[int, str], config: Mapping[str, Any]) -> bytes:
    return render_docx(letter_document(letter, names, config))


DECISION_COLUMNS = ["STT", "Số quyết định", "Ngày ký", "Người ký", "Tập thể, cá nhân", "Chức vụ, đơn vị",
                    "Danh hiệu, hình thức khen thưởng", "Năm thi đua", "Tình trạng", "Lý do thu hồi"]


def decisions_xlsx(decisions: list[Decision], names: Mapping[int, str], config: Mapping[str, Any], year: int | None = None,
                   shows_reason: Callable[[Nomination], bool] = lambda nomination: True) -> bytes:
    """One row per awardee of each decision; a revoked award stays, marked with its reason (left blank where
    `shows_reason` says the reader may not see it). Printed as the ward's register: landscape A4, one page wide."""
    ward_name = config.get("WARD_PLACE_NAME") or config.get("WARD_NAME") or "Minh Xuân"
    issuer: Issuer = issuer_from(config)
    rows: list[list[Any]] = []
    for decision in decisions:
        for nomination in decision.nominations:
            rows.append([
                len(rows) + 1, document_number("QĐ", decision.number), decision.decided_on.strftime("%d/%m/%Y"),
                signer_name(decision.signer_name), _awardee_name(nomination, names),
                _awardee_detail(nomination, names, ward_name), nomination.award_name, nomination.year,
                "Đã thu hồi" if nomination.status == "revoked" else "Còn hiệu lực",
                (nomination.revoked_reason or "") if shows_reason(nomination) else "",
            ])
    revoked = sum(1 for r in rows if r[8] == "Đã thu hồi")
    title = f"SỔ THEO DÕI QUYẾT ĐỊNH KHEN THƯỞNG{f' NĂM {year}' if year else ''}"
    book = Workbook()
    write_sheet(book, PrintedSheet(
        name="Quyết định khen thưởng", agency=issuer.full_name, heading=title,
        subheading=f"Phong trào thi đua “Dân vận khéo” phường {ward_name}", reference=None,
        columns=DECISION_COLUMNS, rows=rows,
        totals=["", f"{len({r[1] for r in rows})} quyết định", "", "", f"{len(rows)} lượt khen thưởng", "", "", "",
                f"{revoked} đã thu hồi", ""],
        widths=[6, 14, 12, 20, 26, 30, 32, 10, 14, 30],
    ), first=True)
    latest = max((d.decided_on for d in decisions), default=None)
    workbook_properties(book, author=issuer.full_name, title=title.capitalize(), created=latest)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
