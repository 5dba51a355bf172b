"""A member registers on a phone: finds their cell with the search box, then logs in again."""
from conftest import BROWSER

pytestmark = BROWSER


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


def _cells(make_unit):
    make_unit("TU", name="Tỉnh ủy Bình An")
    make_unit("TU.X01", "TU", name="Đảng bộ xã Phú Lộc")
    make_unit("TU.X02", "TU", name="Đảng bộ xã Tân Hòa")
    make_unit("TU.X01.C01", "TU.X01", name="Chi bộ ấp Bắc")
    make_unit("TU.X02.C01", "TU.X02", name="Chi bộ ấp Bắc")


def _fill_person(page):
    page.fill("#full_name", "Lê Thị Hồng Nhung")
    page.select_option("#gender", "nu")
    page.fill("#phone", "0912345678")
    page.fill("#cccd", "001094000321")
    page.select_option("#category", "doan_vien")
    page.fill("#password", "matkhau123")
    page.fill("#password2", "matkhau123")


def test_the_unit_is_chosen_with_the_keyboard(page, live_server, make_unit):
    _cells(make_unit)
    page.goto(f"{live_server}/dang-ky")
    _fill_person(page)
    page.type("#unit_query", "ap bac", delay=20)
    page.locator(".unit-results li[role=option]").nth(1).wait_for()
    assert page.get_attribute("#unit_query", "role") == "combobox"
    assert page.get_attribute("#unit_query", "aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = page.locator(".unit-results li[role=option]").nth(1)
    assert second.get_attribute("aria-selected") == "true"
    assert page.get_attribute("#unit_query", "aria-activedescendant") == second.get_attribute("id")
    assert "Tân Hòa" in second.inner_text()
    page.keyboard.press("Enter")                                  # chooses; does not send the form
    assert page.url == f"{live_server}/dang-ky"
    assert "Chi bộ ấp Bắc" in page.inner_text(".unit-chosen") and "Tân Hòa" in page.inner_text(".unit-chosen")
    assert page.is_hidden(".unit-results")
    assert page.get_attribute("#unit_query", "aria-expanded") == "false"
    page.keyboard.press("Enter")                                  # now it sends it
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/tai-khoan")
    assert "Đảng bộ xã Tân Hòa" in page.inner_text("main")
    assert page.console_errors == []


def test_registration_without_javascript(browser, live_server, make_unit):
    _cells(make_unit)
    context = browser.new_context(java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/dang-ky")
        _fill_person(page)
        page.fill("#unit_query", "ap bac")
        page.click("button[type=submit]")
        assert "2 đơn vị khớp" in page.inner_text("main")
        assert page.input_value("#password") == "matkhau123"      # not typed again
        page.check("label.choice:has-text('Tân Hòa') input")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/tai-khoan")
        assert "Đảng bộ xã Tân Hòa" in page.inner_text("main")
    finally:
        context.close()
