"""At 06:30 on 1 January in Minh Xuân it is still 31 December in UTC: every page of the gateway that defaults to a
year or pre-fills a day shows the ward's (2027, 01/01/2027), never the UTC one. The services run for real on the
same injected clock."""
from __future__ import annotations

from datetime import UTC, date, datetime

import lxml.html
import pytest

from dvk_testing.plugin import bearer

from .conftest import Clock, eventually, form_post, login

MODEL = {"title": "Dân vận khéo trong phân loại rác tại nguồn", "field": "van_hoa_xa_hoi",
         "goals": "Giảm rác thải nhựa trong khu dân cư.", "content": "Tuyên truyền, phân loại rác tại nguồn.",
         "target_group": "Các hộ gia đình trong tổ", "person_in_charge": "Phạm Văn Nam", "start_date": "2027-03-01",
         "end_date": "2027-11-30", "expected_results": "80% hộ phân loại rác."}


@pytest.fixture
def clock() -> Clock:
    """06:30 on 1 January 2027 in Asia/Ho_Chi_Minh, 23:30 on 31 December 2026 in UTC."""
    return Clock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))


def _page(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return lxml.html.fromstring(response.get_data(as_text=True))


def _heading(doc) -> str:
    return " ".join(doc.xpath("//h1")[0].text_content().split())


def _field(doc, label: str) -> str:
    """What the control labelled `label` shows: a date as dd/mm/yyyy, as the person reads it."""
    for element in doc.iter("label"):
        if " ".join(element.text_content().split()).rstrip(" *") == label:
            control = doc.get_element_by_id(element.get("for"))
            if control.tag == "select":  # a list: the option shown as chosen (the first when none is marked)
                options = control.findall(".//option")
                chosen = [o for o in options if o.get("selected") is not None] or options[:1]
                return chosen[0].get("value") if chosen else ""
            value = control.get("value") or ""
            if control.get("type") == "date" and value:
                return date.fromisoformat(value).strftime("%d/%m/%Y")
            return value
    raise AssertionError(f"no field labelled {label!r}")


def _signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _service(stack, service: str, method: str, path: str, role: str, unit: int | None = None, json=None, version=None):
    headers = bearer(stack.apps[service], role, unit, user_id=f"{role}-{unit or 0}")
    if version is not None:
        headers["If-Match"] = str(version)
    response = stack.apps[service].test_client().open(path, method=method, json=json, headers=headers)
    assert response.status_code in (200, 201), (path, response.status_code, response.get_data(as_text=True)[:300])
    return response.get_json()


def test_at_half_past_six_on_new_years_day_every_form_and_default_year_is_the_wards(stack, clock):
    hoa, nam, bao = (_signed_in(stack.gateway, name) for name in ("vhxh", "tdp1", "lanhdao"))
    eventually(lambda: len(_service(stack, "awards", "GET", "/units", "vhxh")) == 21)

    # default years: the dashboard, the lists and the public page open on 2027
    dashboard = _page(hoa, "/tong-quan")
    assert _heading(dashboard) == "Tổng quan năm 2027" and _field(dashboard, "Năm") == "2027"
    models = _page(hoa, "/mo-hinh")
    assert _heading(models) == "Mô hình “Dân vận khéo” năm 2027" and _field(models, "Năm") == "2027"
    assert _heading(_page(nam, "/bao-cao")) == "Báo cáo năm 2027"
    assert _field(_page(hoa, "/bao-cao/tong-hop"), "Năm") == "2027"
    awards = _page(hoa, "/khen-thuong")
    assert _heading(awards) == "Khen thưởng năm 2027" and _field(awards, "Năm") == "2027"
    assert _heading(_page(stack.gateway.test_client(), "/cong-khai")) == "Công khai kết quả phong trào “Dân vận khéo” năm 2027"

    # forms pre-filled with the year
    assert _field(_page(nam, "/mo-hinh/moi"), "Năm đăng ký") == "2027"
    assert _field(_page(hoa, "/khen-thuong/de-nghi/moi"), "Năm") == "2027"

    # forms pre-filled with the day: an inspection, a council meeting, the consolidated report's document date
    model = _service(stack, "registration", "POST", "/models", "don_vi", 12, json={"year": 2027, **MODEL})
    model = _service(stack, "registration", "POST", f"/models/{model['id']}/submit", "don_vi", 12, json={}, version=model["version"])
    _service(stack, "registration", "POST", f"/models/{model['id']}/accept", "vhxh", json={}, version=model["version"])
    assert _field(_page(hoa, f"/mo-hinh/{model['id']}"), "Ngày kiểm tra") == "01/01/2027"

    forms = {e["code"]: e for e in _service(stack, "awards", "GET", "/catalogue/forms", "admin")}
    for code in ("giay-khen-chu-tich-ubnd-phuong", "bang-khen-chu-tich-ubnd-tinh"):
        nomination = _service(stack, "awards", "POST", "/nominations", "vhxh", json={
            "year": 2027, "nominee_kind": "individual", "unit_id": 12, "person_name": "Nguyễn Văn An",
            "person_position": "Tổ trưởng", "catalogue": "form", "award_id": forms[code]["id"],
            "achievements": "Vận động 120 hộ phân loại rác tại nguồn."})
        nomination = _service(stack, "awards", "POST", f"/nominations/{nomination['id']}/propose", "vhxh", json={},
                              version=nomination["version"])
        assert _field(_page(hoa, f"/khen-thuong/de-nghi/{nomination['id']}"), "Ngày họp") == "01/01/2027"
        _service(stack, "awards", "POST", f"/nominations/{nomination['id']}/review", "vhxh", json={
            "approved": True, "meeting_date": "2027-01-01", "votes_for": 7, "votes_against": 0,
            "minutes": "Hội đồng Thi đua - Khen thưởng phường họp, 7/7 thành viên tán thành."}, version=nomination["version"])
    # the leader's decision and the letter to the province, dated today
    for paper in ("/khen-thuong/quyet-dinh/moi", "/khen-thuong/to-trinh/moi"):
        signing = _page(bao, paper)
        assert (_field(signing, "Đề nghị khen thưởng năm"), _field(signing, "Ngày ký")) == ("2027", "01/01/2027"), paper

    # the form as the browser sends it: the year it was pre-filled with (the ward's), which the clerk did not change
    drafted = form_post(hoa, "/bao-cao/tong-hop", "/bao-cao/tong-hop",
                        {"year": _field(_page(hoa, "/bao-cao/tong-hop"), "Năm"), "period": "six_month"})
    assert drafted.status_code == 302, drafted.get_data(as_text=True)[:300]
    consolidated = _page(hoa, drafted.headers["Location"])
    assert "2027" in _field(consolidated, "Trích yếu")
    assert _field(consolidated, "Ngày văn bản") == "01/01/2027"
