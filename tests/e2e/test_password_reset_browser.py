"""An administrator finds a member without typing accents, resets their password and reads
the temporary one; the member logs in with it on their phone and is made to set a new one
before anything else, then logs in with the new one."""
from __future__ import annotations

from conftest import BROWSER, PHONE, log_in

pytestmark = BROWSER

ADMIN, MEMBER = "0904000001", "0904000002"


def test_admin_resets_and_the_member_must_change_it(page, browser, live_server, make_unit, make_user):
    make_unit("ROOT", name="Tỉnh ủy Bình An")
    make_user(phone=ADMIN, role="admin", full_name="Quản Trị Viên")
    make_user(phone=MEMBER, full_name="Trần Thị Bình")

    log_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/quan-tri/tai-khoan")
    page.fill("input[name=q]", "binh")
    page.click("form[role=search] button")
    page.click("table.list >> text=Trần Thị Bình")
    page.click("text=Đặt lại mật khẩu")
    assert "Đặt lại mật khẩu?" in page.inner_text("main")
    page.click("main form button[type=submit]")
    password = page.inner_text("#temporary-password").strip()
    assert len(password) == 10
    page.click("text=Xong")
    assert "Mật khẩu tạm" in page.inner_text("main")
    assert "đặt lại mật khẩu" in page.inner_text("main")        # the account's log

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    member = context.new_page()
    errors: list[str] = []
    member.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        member.goto(f"{live_server}/dang-nhap")
        member.fill("#identifier", "0904 000 002")
        member.fill("#password", password)
        member.click("button[type=submit]")
        member.wait_for_url(f"{live_server}/tai-khoan/doi-mat-khau")
        assert "Bạn đang dùng mật khẩu tạm thời" in member.inner_text("main")
        member.goto(f"{live_server}/cuoc-thi")                   # no way round it
        member.wait_for_url(f"{live_server}/tai-khoan/doi-mat-khau")
        member.fill("#current", password)
        member.fill("#password", "matkhaumoi2026")
        member.fill("#password2", "matkhaumoi2026")
        member.click("main form button[type=submit] >> text=Đặt mật khẩu mới")
        member.wait_for_url(f"{live_server}/")
        assert "Đã đặt mật khẩu mới" in member.inner_text("main")
        member.goto(f"{live_server}/tai-khoan")
        assert "Trần Thị Bình" in member.inner_text("main")
        member.click("text=Đăng xuất")
        log_in(member, live_server, MEMBER, "matkhaumoi2026")    # the new password works
        assert errors == []
    finally:
        context.close()
    assert page.console_errors == []
