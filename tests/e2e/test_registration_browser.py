"""A member registers on a phone: finds their cell with the search box, then logs in again."""
import pytest

pytestmark = pytest.mark.browser


def test_register_with_unit_search_then_login(page, live_server, make_unit, make_user):
    make_unit("TU", name="Tỉnh ủy Bình An")
    make_unit("TU.H01", "TU", name="Huyện ủy Tân Phú")
    make_unit("TU.H01.X01", "TU.H01", name="Đảng bộ xã Phú Lộc")
    make_unit("TU.H01.X01.C01", "TU.H01.X01", name="Chi bộ ấp Bắc")
    make_unit("TU.H01.X01.C02", "TU.H01.X01", name="Chi bộ ấp Nam")

    page.goto(f"{live_server}/dang-ky")
    page.fill("#full_name", "Lê Thị Hồng Nhung")
    page.fill("#birth_date", "1994-05-19")
    page.select_option("#gender", "nu")
    page.fill("#phone", "0912.345.678")
    page.fill("#cccd", "001 094 000 321")
    page.type("#unit_query", "chi bo ap bac", delay=20)   # no accents: still found
    option = page.locator(".unit-results li", has_text="Chi bộ ấp Bắc")
    option.wait_for()
    assert "Đảng bộ xã Phú Lộc" in option.inner_text()      # shows where the unit sits
    option.click()
    assert "Chi bộ ấp Bắc" in page.inner_text(".unit-chosen")
    assert page.input_value("#unit_id"), "hidden unit id not set"
    page.select_option("#category", "doan_vien")
    page.fill("#password", "matkhau123")
    page.fill("#password2", "matkhau123")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{live_server}/", page.inner_text("main")
    assert "Lê Thị Hồng Nhung" in page.inner_text("main")
    assert "Chi bộ ấp Bắc" in page.inner_text("main")

    page.goto(f"{live_server}/tai-khoan")
    assert "0912345678" in page.inner_text("main")            # stored normalised
    page.click("text=Đăng xuất")
    page.goto(f"{live_server}/dang-nhap")
    page.fill("#identifier", "+84 912 345 678")
    page.fill("#password", "matkhau123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert "Lê Thị Hồng Nhung" in page.inner_text("header")
    assert page.console_errors == []                          # no CSP violation, no script error
