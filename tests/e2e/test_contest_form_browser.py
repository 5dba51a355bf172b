"""In Chromium on a phone: an organiser sets up a contest through the form (two rounds, a
two-bank draw, units chosen by a search while typing), reads the warnings with their numbers,
saves, then fixes a typo in the title and finds the change in the contest's log."""
from __future__ import annotations

import pytest

from conftest import BROWSER, log_in
from quiz.db import utcnow
from quiz.extensions import db as _db

pytestmark = BROWSER

BAC_NINH = "Chuyên đề năm 2026 – Bắc Ninh"
GENERAL = "Chỉ thị 05-CT/TW và Kết luận 01-KL/TW (chung)"


@pytest.fixture
def banks(app):
    from quiz.banks import shipped

    with app.app_context():
        shipped.load(utcnow())
        _db.session.commit()


def test_an_organiser_sets_up_a_contest_through_the_form_and_fixes_a_typo(page, live_server, banks, make_user,
                                                                          make_unit):
    make_unit("TU", name="Tỉnh ủy Bình An")
    make_unit("TU.H1", "TU", name="Huyện ủy Hòa Bình")
    make_user(phone="0913000101", role="organiser", full_name="Trần Văn Tổ Chức")
    log_in(page, live_server, "0913000101")

    page.goto(f"{live_server}/quan-tri/cuoc-thi")
    page.click("text=Tạo cuộc thi")
    page.fill("#title", "Hội thi tìm hiêu Chuyên đề năm 2026")             # the typo: “hiêu”
    page.fill("#rules", "Mỗi tuần một đợt.\nMỗi lượt 20 câu.")
    page.click("text=Xem trước thể lệ")
    assert page.inner_text("#rules-preview") == "Mỗi tuần một đợt.\nMỗi lượt 20 câu."   # the preview follows
    page.fill("#max_attempts", "3")
    page.fill("#round-0-name", "Tuần 1")
    page.fill("#round-0-opens", "01/12/2026 07:00")
    page.fill("#round-0-closes", "07/12/2026 21:00")
    page.click("button:has-text('+ Thêm đợt thi')")                          # the form comes back, one row more
    page.fill("#round-1-name", "Tuần 2")
    page.fill("#round-1-opens", "08/12/2026 07:00")
    page.fill("#round-1-closes", "14/12/2026 21:00")
    assert page.input_value("#title") == "Hội thi tìm hiêu Chuyên đề năm 2026"
    page.select_option("#draw-0-bank", BAC_NINH)
    page.fill("#draw-0-count", "12")
    page.click("button:has-text('+ Thêm dòng rút đề')")
    page.select_option("#draw-1-bank", GENERAL)
    page.fill("#draw-1-count", "8")

    page.check("input[name=eligibility][value=units]")
    page.fill("#unit_search", "hoa binh")                                    # no accents: the registration search
    page.wait_for_selector(".unit-found >> text=Huyện ủy Hòa Bình")
    page.check(".unit-found input[value='TU.H1']")

    page.click("button[value=check]")
    main = page.inner_text("main")
    assert "Cài đặt hợp lệ" in main and "chưa ghi gì" in main
    assert "6 lượt thi (3 lượt × 2 đợt) × 12 câu = 72 câu, nhưng chỉ có 60 câu" in main
    assert "60 câu phù hợp" in page.inner_text("#muc-draw-0")
    assert page.is_checked("input[name=units][value='TU.H1']")

    page.click("button[value=save]")
    page.wait_for_url(f"{live_server}/quan-tri/cuoc-thi/*")
    main = page.inner_text("main")
    assert "Đã tạo cuộc thi “Hội thi tìm hiêu Chuyên đề năm 2026”" in main
    assert "72 câu, nhưng chỉ có 60" in main
    assert "07:00 01/12/2026" in main and "21:00 14/12/2026" in main
    assert "Huyện ủy Hòa Bình (TU.H1)" in main

    page.click("text=Sửa cài đặt")
    page.fill("#title", "Hội thi tìm hiểu Chuyên đề năm 2026")
    page.click("button[value=save]")
    page.wait_for_url(f"{live_server}/quan-tri/cuoc-thi/*")
    assert "/sua" not in page.url
    main = page.inner_text("main")
    assert "Đã lưu thay đổi: Tên cuộc thi." in main
    assert page.inner_text("h1") == "Hội thi tìm hiểu Chuyên đề năm 2026"
    log = page.inner_text("#nhat-ky")
    assert "Trần Văn Tổ Chức" in log and "sửa cuộc thi" in log and "tạo cuộc thi" in log
    page.click("#nhat-ky >> text=1 thay đổi")
    assert "Hội thi tìm hiêu Chuyên đề năm 2026 → Hội thi tìm hiểu Chuyên đề năm 2026" in page.inner_text("#nhat-ky")
    assert page.console_errors == []
