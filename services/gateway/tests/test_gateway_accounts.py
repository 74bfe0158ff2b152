"""Accounts: hashing, sessions, CSRF, login throttling, logout, password change, user administration."""
from __future__ import annotations

from sqlalchemy import func, select

from dvk_platform.db import get_db
from dvk_testing.plugin import bearer
from gateway.models import LoginAttempt, User
from gateway.seed import DEMO_ACCOUNTS, seed

from .conftest import PASSWORD, add_user, csrf_from, form_post, login


def _user(app, username):
    with app.app_context(), get_db().transaction() as s:
        return s.scalar(select(User).where(User.username == username))


def test_admin_creates_an_account_whose_password_is_stored_only_as_an_argon2_hash(make_gateway, database_kind):
    app = make_gateway(database_kind)
    add_user(app, "quantri", "admin")
    admin = app.test_client()
    assert login(admin, "quantri").status_code == 302

    created = form_post(admin, "/quan-tri/nguoi-dung/moi", "/quan-tri/nguoi-dung/moi", {
        "username": "tdp3", "full_name": "Đỗ Văn Hùng", "email": "hung@minhxuan.example.vn", "role": "don_vi",
        "unit_id": "14", "password": "BaoCao@2026", "active": "on",
    })
    assert created.status_code == 302
    stored = _user(app, "tdp3")
    assert stored.password_hash.startswith("$argon2id$")
    assert "BaoCao@2026" not in stored.password_hash
    assert (stored.role, stored.unit_id, stored.full_name) == ("don_vi", 14, "Đỗ Văn Hùng")
    officer = app.test_client()
    assert login(officer, "tdp3", "BaoCao@2026").status_code == 302
    assert login(app.test_client(), "tdp3", "baocao@2026").status_code == 401


def test_a_unit_officer_account_needs_a_unit_and_the_form_says_so(make_gateway):
    app = make_gateway()
    add_user(app, "quantri", "admin")
    admin = app.test_client()
    login(admin, "quantri")
    refused = form_post(admin, "/quan-tri/nguoi-dung/moi", "/quan-tri/nguoi-dung/moi", {
        "username": "tdp4", "full_name": "Vũ Thị Thu", "role": "don_vi", "unit_id": "", "password": "BaoCao@2026",
    })
    assert refused.status_code == 422
    assert "Cán bộ đơn vị phải gắn với một đơn vị." in refused.get_data(as_text=True)
    assert _user(app, "tdp4") is None


def test_names_and_addresses_follow_the_services_text_policy(make_gateway):
    """The users table's free text as the services hold theirs: a control character is refused with a Vietnamese
    message naming the field, on creating and on editing, and changes nothing; a name typed in NFD is stored NFC."""
    import unicodedata

    app = make_gateway()
    add_user(app, "quantri", "admin")
    admin = app.test_client()
    login(admin, "quantri")
    page = "/quan-tri/nguoi-dung/moi"
    account = {"username": "tdp5", "role": "vhxh", "password": "BaoCao@2026", "active": "on"}
    for field, value in [("full_name", "Lê Thị\x00 Mai"), ("full_name", "Lê Thị\x0b Mai"), ("full_name", "Lê Thị\nMai"),
                         ("email", "mai\x01@minhxuan.example.vn")]:
        posted = {**account, "full_name": "Lê Thị Mai", "email": "mai@minhxuan.example.vn", field: value}
        refused = form_post(admin, page, page, posted)
        assert refused.status_code == 422, (field, value)
        shown = refused.get_data(as_text=True)
        char = next(c for c in value if unicodedata.category(c) == "Cc")
        assert f"(U+{ord(char):04X})" in shown and ("ký tự điều khiển" in shown or "xuống dòng" in shown), shown
        assert _user(app, "tdp5") is None

    created = form_post(admin, page, page, {**account, "full_name": unicodedata.normalize("NFD", "  Lê Thị Mai "),
                                            "email": " mai@minhxuan.example.vn "})
    assert created.status_code == 302
    stored = _user(app, "tdp5")
    assert (stored.full_name, stored.email) == ("Lê Thị Mai", "mai@minhxuan.example.vn")
    assert unicodedata.is_normalized("NFC", stored.full_name)

    edit = f"/quan-tri/nguoi-dung/{stored.id}"
    refused = form_post(admin, edit, edit, {"full_name": "Lê Thị Mai\x1b[2J", "email": "mai@minhxuan.example.vn",
                                            "role": "vhxh", "active": "on", "version": str(stored.version)})
    assert refused.status_code == 422
    assert "Không được chứa ký tự điều khiển (U+001B)." in refused.get_data(as_text=True)
    assert _user(app, "tdp5").full_name == "Lê Thị Mai"


def test_session_cookie_is_httponly_samesite_lax_and_secure_by_default(make_gateway):
    app = make_gateway(COOKIE_SECURE=True)
    add_user(app, "vhxh", "vhxh")
    response = login(app.test_client(), "vhxh")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("dvk_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(make_gateway):
    app = make_gateway()
    add_user(app, "vhxh", "vhxh")
    client = app.test_client()
    login(client, "vhxh")
    before = _user(app, "vhxh").password_hash

    refused = client.post("/tai-khoan/mat-khau", data={
        "current_password": PASSWORD, "new_password": "MoiHon@2027x", "confirm_password": "MoiHon@2027x"})
    assert refused.status_code == 400
    assert "Biểu mẫu thiếu mã bảo vệ" in refused.get_data(as_text=True)
    forged = client.post("/tai-khoan/mat-khau", data={
        "current_password": PASSWORD, "new_password": "MoiHon@2027x", "confirm_password": "MoiHon@2027x",
        "csrf_token": "gia-mao"})
    assert forged.status_code == 400
    assert _user(app, "vhxh").password_hash == before
    # The login form is protected too.
    assert app.test_client().post("/dang-nhap", data={"username": "vhxh", "password": PASSWORD}).status_code == 400


def test_five_wrong_passwords_lock_the_username_for_a_growing_period(make_gateway, clock, database_kind):
    app = make_gateway(database_kind)
    add_user(app, "tdp1", "don_vi", unit_id=12)
    client = app.test_client()
    statuses = [login(client, "tdp1", "sai-mat-khau").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]

    locked = login(client, "tdp1", PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 30 giây." in locked.get_data(as_text=True)
    assert locked.headers["Retry-After"] == "30"

    clock.advance(31)
    wrong_again = login(client, "tdp1", "van-sai")
    assert wrong_again.status_code == 429
    assert "thử lại sau 1 phút" in wrong_again.get_data(as_text=True)  # the wait doubled
    clock.advance(61)
    assert login(client, "tdp1", PASSWORD).status_code == 302
    with app.app_context(), get_db().transaction() as s:
        assert s.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == "tdp1")) == 7

    # A success clears the count: one more slip does not lock the account again.
    other = app.test_client()
    assert login(other, "tdp1", "nham-mot-lan").status_code == 401
    assert login(other, "tdp1", PASSWORD).status_code == 302


def test_guessing_many_usernames_from_one_address_is_throttled_too(make_gateway):
    app = make_gateway()
    add_user(app, "lanhdao", "lanh_dao")
    client = app.test_client()
    statuses = [login(client, f"doan-{i}", "sai").status_code for i in range(5)]
    assert statuses[-1] == 429
    assert login(client, "lanhdao", PASSWORD).status_code == 429


def test_logout_ends_the_session(make_gateway):
    app = make_gateway()
    add_user(app, "giamsat", "giam_sat")
    client = app.test_client()
    login(client, "giamsat")
    assert client.get("/don-vi").status_code in (200, 503)  # signed in (registration may be down here)
    assert client.get("/dang-xuat").status_code == 405  # a link cannot sign anyone out
    out = form_post(client, "/tai-khoan/mat-khau", "/dang-xuat", {})
    assert out.status_code == 302
    again = client.get("/tong-quan")
    assert again.status_code == 302 and again.headers["Location"].startswith("/dang-nhap")


def test_changing_my_password_ends_my_other_sessions(make_gateway):
    app = make_gateway()
    add_user(app, "vhxh", "vhxh")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "vhxh")
    login(phone, "vhxh")

    mismatch = form_post(laptop, "/tai-khoan/mat-khau", "/tai-khoan/mat-khau", {
        "current_password": PASSWORD, "new_password": "VanHoa@2027x", "confirm_password": "VanHoa@2027y"})
    assert mismatch.status_code == 422
    assert "Mật khẩu nhập lại không khớp." in mismatch.get_data(as_text=True)

    changed = form_post(laptop, "/tai-khoan/mat-khau", "/tai-khoan/mat-khau", {
        "current_password": PASSWORD, "new_password": "VanHoa@2027x", "confirm_password": "VanHoa@2027x"})
    assert changed.status_code == 302
    assert laptop.get("/tai-khoan/mat-khau").status_code == 200  # this session goes on
    assert phone.get("/tai-khoan/mat-khau").status_code == 302  # the other one is over
    assert login(app.test_client(), "vhxh", PASSWORD).status_code == 401
    assert login(app.test_client(), "vhxh", "VanHoa@2027x").status_code == 302


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(make_gateway):
    app = make_gateway()
    add_user(app, "quantri", "admin")
    officer_id = add_user(app, "tdp2", "don_vi", unit_id=13, full_name="Hoàng Thị Mai")
    officer = app.test_client()
    login(officer, "tdp2")
    admin = app.test_client()
    login(admin, "quantri")
    page = admin.get(f"/quan-tri/nguoi-dung/{officer_id}").get_data(as_text=True)
    saved = admin.post(f"/quan-tri/nguoi-dung/{officer_id}", data={
        "csrf_token": csrf_from(page), "version": "1", "full_name": "Hoàng Thị Mai", "role": "don_vi", "unit_id": "13"})
    assert saved.status_code == 302
    assert officer.get("/tai-khoan/mat-khau").status_code == 302
    refused = login(app.test_client(), "tdp2")
    assert "Tài khoản đã bị khóa" in refused.get_data(as_text=True)


def test_navigation_shows_each_role_only_its_own_sections(make_gateway):
    app = make_gateway()
    add_user(app, "quantri", "admin")
    add_user(app, "tdp1", "don_vi", unit_id=12)
    admin, officer = app.test_client(), app.test_client()
    login(admin, "quantri")
    login(officer, "tdp1")

    admin_page = admin.get("/tai-khoan/mat-khau").get_data(as_text=True)
    officer_page = officer.get("/tai-khoan/mat-khau").get_data(as_text=True)
    for section in ("Tổng quan", "Mô hình", "Báo cáo", "Khen thưởng", "Thông báo", "Công khai"):
        assert f">{section}" in admin_page and f">{section}" in officer_page
    assert ">Người dùng" in admin_page and ">Đơn vị" in admin_page
    assert ">Người dùng" not in officer_page and ">Đơn vị" not in officer_page

    forbidden = officer.get("/quan-tri/nguoi-dung")
    assert forbidden.status_code == 403
    assert "Bạn không có quyền xem trang này." in forbidden.get_data(as_text=True)
    anonymous = app.test_client().get("/quan-tri/nguoi-dung")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/dang-nhap")


def test_login_never_redirects_to_another_site(make_gateway):
    app = make_gateway()
    add_user(app, "vhxh", "vhxh")
    client = app.test_client()
    page = client.get("/dang-nhap?next=//evil.example/x").get_data(as_text=True)
    done = client.post("/dang-nhap", data={"username": "vhxh", "password": PASSWORD, "next": "//evil.example/x",
                                           "csrf_token": csrf_from(page)})
    assert done.headers["Location"] == "/tong-quan"


def test_recipients_for_notify_need_an_admin_service_token(make_gateway, database_kind):
    app = make_gateway(database_kind)
    add_user(app, "tdp1", "don_vi", unit_id=12, full_name="Phạm Văn Nam")
    add_user(app, "cu", "giam_sat", active=False)
    client = app.test_client()

    answer = client.get("/internal/recipients", headers=bearer(app, "admin", user_id="notify"))
    assert answer.status_code == 200
    by_name = {r["name"]: r for r in answer.get_json()}
    assert by_name["Phạm Văn Nam"] == {"user_id": by_name["Phạm Văn Nam"]["user_id"], "name": "Phạm Văn Nam",
                                       "email": "tdp1@minhxuan.example.vn", "role": "don_vi", "unit_id": 12,
                                       "active": True}
    assert by_name["Cán bộ cu"]["active"] is False
    assert client.get("/internal/recipients").status_code == 401
    refused = client.get("/internal/recipients", headers=bearer(app, "vhxh"))
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"


def test_seed_creates_one_demo_account_per_role_once(make_gateway, capsys):
    app = make_gateway()
    assert seed(app) == [a[0] for a in DEMO_ACCOUNTS]
    printed = capsys.readouterr().out
    assert "tdp1" in printed and "ToDanPho1@2026" in printed
    assert seed(app) == []
    assert capsys.readouterr().out == ""
    officer = _user(app, "tdp2")
    assert (officer.role, officer.unit_id) == ("don_vi", 13)
    assert {a[2] for a in DEMO_ACCOUNTS} == {"admin", "vhxh", "lanh_dao", "giam_sat", "don_vi"}
    assert login(app.test_client(), "lanhdao", "LanhDao@2026").status_code == 302
