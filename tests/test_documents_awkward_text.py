"""Every document and export of the ward renders whatever valid text its records hold (NFD Vietnamese, emoji,
tabs, quotes, markup), still renders when older records hold control characters the text policy now refuses, and
the migration that cleans stored text leaves no such character behind."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from docx import Document
from openpyxl import load_workbook

from dvk_platform.migrations import alembic_config, upgrade
from dvk_platform.stored_text import clean_stored_text
from dvk_testing.plugin import Caller
from reporting.models import FIGURE_FIELDS

from .reliability.conftest import deliver, unit_created

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# awkward but valid: decomposed Vietnamese (as some keyboards type it), emoji, a tab, quotes, markup, an ampersand
NFD = unicodedata.normalize("NFD", "Tổ dân phố Hòa Bình")
ONE_LINE = f"{NFD} 😀\t\"trích dẫn\" 'đơn' <script>alert(1)</script> & Co"
PARAGRAPHS = f"{ONE_LINE}\nDòng thứ hai: 👨‍👩‍👧 ＜全角＞ — ‘cong’ “kép”"
POISON = "\x01\x0b\x1b\x7f"


def awkward_awards(app) -> dict[str, str]:
    """A unit, a nomination, a decision and a proposal letter, every free text awkward."""
    deliver(app, [unit_created(12, "tdp-1", ONE_LINE)])
    call = Caller(app)
    forms = call("GET", "/catalogue/forms", "admin").json
    ward_entry = next(e for e in forms if e["code"] == "giay-khen-chu-tich-ubnd-phuong")
    upper_entry = next(e for e in forms if e["code"] == "bang-khen-chu-tich-ubnd-tinh")
    paths = {}
    for kind, catalogue, entry, extra in [
        ("collective", "form", ward_entry, {}),
        ("individual", "form", upper_entry, {"person_name": ONE_LINE, "person_position": ONE_LINE}),
    ]:
        path = f"/catalogue/{catalogue}s/{entry['id']}"
        confirmed = call("PATCH", path, "admin", json={"needs_confirmation": False}, if_match=entry["version"])
        assert confirmed.status_code == 200, confirmed.json
        created = call("POST", "/nominations", "vhxh", json={
            "year": 2026, "nominee_kind": kind, "unit_id": 12, "catalogue": catalogue, "award_id": entry["id"],
            "achievements": PARAGRAPHS, **extra})
        assert created.status_code == 201, created.json
        step = call("POST", f"/nominations/{created.json['id']}/propose", "vhxh", json={"note": ONE_LINE},
                    if_match=created.json["version"])
        assert step.status_code == 200, step.json
        step = call("POST", f"/nominations/{created.json['id']}/review", "vhxh", if_match=step.json["version"], json={
            "approved": True, "meeting_date": "2026-11-28", "votes_for": 7, "votes_against": 0, "minutes": PARAGRAPHS})
        assert step.status_code == 200, step.json
        signed = {"nominations": [{"id": created.json["id"], "version": step.json["version"]}], "signer_name": ONE_LINE}
        if entry["granting_level"] == "cap_tren":
            letter = call("POST", "/proposal-letters", "lanh_dao", json={**signed, "addressee": ONE_LINE})
            assert letter.status_code == 201, letter.json
            paths[f"letter {kind}"] = f"/proposal-letters/{letter.json['id']}/document"
        else:
            decision = call("POST", "/decisions", "lanh_dao", json=signed)
            assert decision.status_code == 201, decision.json
            paths[f"decision {kind}"] = f"/decisions/{decision.json['id']}/document"
    paths["register"] = "/decisions/export.xlsx?year=2026"
    paths["register, every year"] = "/decisions/export.xlsx"
    return paths


def awkward_reporting(app) -> dict[str, str]:
    deliver(app, [unit_created(12, "tdp-1", ONE_LINE), unit_created(13, "tdp-2", NFD)])
    call = Caller(app)
    sections = {name: PARAGRAPHS for name in ("leadership", "effectiveness", "good_practices", "difficulties",
                                              "recommendations", "next_direction")}
    report = call("POST", "/reports", "don_vi", 12, json={"year": 2026, "period": "six_month", "sections": sections})
    assert report.status_code == 201, report.json
    consolidated = call("POST", "/consolidated-reports", "vhxh", json={"year": 2026, "period": "six_month"})
    assert consolidated.status_code == 201, consolidated.json
    edited = call("PATCH", f"/consolidated-reports/{consolidated.json['id']}", "vhxh", if_match=consolidated.json["version"], json={
        "title": ONE_LINE, "recipients": [ONE_LINE], "signer_name": ONE_LINE,
        "content": {"intro": PARAGRAPHS, "leadership": PARAGRAPHS, "results": PARAGRAPHS, "effectiveness": PARAGRAPHS,
                    "next_direction": PARAGRAPHS}})
    assert edited.status_code == 200, edited.json
    figures = call("PUT", "/target-figures/12/2026/six_month", "don_vi", 12, json={name: 10 for name in FIGURE_FIELDS} | {
        name: 0 for name in FIGURE_FIELDS if "violat" in name})
    assert figures.status_code in (200, 201), figures.json
    cid = consolidated.json["id"]
    return {"consolidated report": f"/consolidated-reports/{cid}/document", "annex": f"/consolidated-reports/{cid}/annex",
            # the units' names (one awkward, one decomposed) and a unit's figures, prefilled in the template Phòng VH-XH fills in
            "figures template": "/target-figures/template.xlsx?year=2026&period=six_month"}


SEEDS = {"awards": awkward_awards, "reporting": awkward_reporting}


def assert_opens(name: str, response, tmp_path: Path) -> None:
    """The file is what it says it is and opens: python-docx / openpyxl read it, and LibreOffice converts it to PDF
    where it is installed (scripts/system-deps.sh)."""
    assert response.status_code == 200, f"{name}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    data = response.data
    if response.mimetype == DOCX:
        text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
        assert text.strip(), name
        suffix = "docx"
    else:
        assert response.mimetype == XLSX, name
        book = load_workbook(io.BytesIO(data))
        assert any(cell.value for sheet in book for row in sheet.iter_rows() for cell in row), name
        suffix = "xlsx"
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) is not installed")
        return
    source = tmp_path / f"{name.replace(' ', '-').replace(',', '')}.{suffix}"
    source.write_bytes(data)
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    pdf = source.with_suffix(".pdf")
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), name


# documents only Phòng VH-XH downloads (the leader signs, the template is for the office that fills it in)
VHXH_ONLY = {"figures template"}


def documents(app, paths: dict[str, str], tmp_path: Path) -> None:
    call = Caller(app)
    for name, path in paths.items():
        for role, unit in [("vhxh", None), ("lanh_dao", None)]:
            if role != "vhxh" and name in VHXH_ONLY:
                continue
            assert_opens(f"{name} {role}", call("GET", path, role, unit), tmp_path)


def poison_stored_text(app) -> int:
    """Put control characters into every stored text, as records made before the text policy may hold them."""
    engine = app.extensions["dvk_db"].engine
    meta = sa.MetaData()
    meta.reflect(engine)
    poisoned = 0
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name in {"outbox_messages", "inbox_events", "audit_log", "alembic_version"}:
                continue
            key = list(table.primary_key.columns)
            texts = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text) and c not in key
                     and not (getattr(c.type, "length", None) or 10_000) < 60]
            for row in conn.execute(sa.select(*key, *texts)).mappings():
                values = {c.name: row[c.name][:1] + POISON + row[c.name][1:] for c in texts
                          if isinstance(row[c.name], str) and len(row[c.name]) > 1 and " " in row[c.name]}
                if values:
                    conn.execute(table.update().where(*(c == row[c.name] for c in key)).values(**values))
                    poisoned += len(values)
    return poisoned


def stored_controls(app) -> list[str]:
    engine = app.extensions["dvk_db"].engine
    meta = sa.MetaData()
    meta.reflect(engine)
    found = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name in {"outbox_messages", "inbox_events", "audit_log", "alembic_version"}:
                continue
            for column in table.columns:
                if isinstance(column.type, sa.String | sa.Text):
                    for value in conn.execute(sa.select(column)).scalars():
                        if isinstance(value, str) and any(ch in value for ch in POISON):
                            found.append(f"{table.name}.{column.name}")
                            break
    return found


@pytest.mark.parametrize("service", sorted(SEEDS))
def test_every_document_renders_with_awkward_text_and_with_older_poisoned_records(make_service, tmp_path, service):
    app = make_service(service, "postgresql", CLOCK=lambda: NOW)
    paths = SEEDS[service](app)
    assert len(paths) >= 2
    if service == "awards":
        assert {"letter individual", "decision collective", "register"} <= set(paths)
    if service == "reporting":
        assert {"consolidated report", "annex", "figures template"} <= set(paths)
    documents(app, paths, tmp_path)
    # records stored before the text policy: the documents defend themselves
    assert poison_stored_text(app) > 0
    assert stored_controls(app)
    documents(app, paths, tmp_path)


MIGRATION = {"registration": "0004", "reporting": "0004", "awards": "0003", "notify": "0004", "feed": "0003"}


@pytest.mark.parametrize("service", sorted(MIGRATION))
def test_the_migration_cleans_text_stored_before_the_text_policy(make_service, new_database_url, service):
    url = new_database_url("postgresql", service)
    app = make_service(service, "postgresql", DATABASE_URL=url, CLOCK=lambda: NOW)
    call = Caller(app)
    seeded = {
        "registration": lambda: call("POST", "/units", "admin", json={"code": "tdp-9", "name": "Tổ dân phố 9", "kind": "to_dan_pho"}),
        "reporting": lambda: call("POST", "/consolidated-reports", "vhxh", json={"year": 2026, "period": "six_month"}),
        "awards": lambda: call("GET", "/catalogue/forms", "admin"),
        "notify": lambda: call("POST", "/webhook-subscribers", "admin", json={"name": "Sở Nội vụ tỉnh", "url": "http://127.0.0.1:9/h"}),
        "feed": lambda: call("POST", "/keys", "admin", json={"subscriber": "Văn phòng UBND tỉnh", "wards": ["*"]}),
    }[service]()
    assert seeded.status_code in (200, 201), seeded.get_data(as_text=True)
    command.downgrade(alembic_config(service, url), MIGRATION[service])
    assert poison_stored_text(app) > 0 and stored_controls(app)
    upgrade(service, url)
    assert stored_controls(app) == []
    # once clean, cleaning again changes nothing
    with app.extensions["dvk_db"].engine.begin() as conn:
        assert clean_stored_text(conn) == 0
