"""An organiser runs a round from the browser: watches the live page while a member (another
browser) takes an attempt and the figures change without a reload, closes the round now
(confirming), freezes and publishes after the confirmation pages, withdraws with a reason;
the published page then says the results are under review."""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import BROWSER, PHONE, log_in
from quiz.db import utcnow
from quiz.extensions import db as _db

pytestmark = BROWSER

UTC = ZoneInfo("UTC")
SLUG = "thi-theo-doi"


@pytest.fixture
def config(config):
    """The live page refreshes every 2 s and keeps nothing (30 s and 30 s in production)."""
    return {**config, "LIVE_REFRESH_S": 2, "LIVE_CACHE_S": 0}


@pytest.fixture
def contest(app, make_unit):
    from quiz.banks import services as banks
    from quiz.banks.formats import ParsedQuestion
    from quiz.banks.validation import Checked, dedup_key
    from quiz.contests import setup

    make_unit("TINH", name="Tỉnh ủy Bình An")
    make_unit("HUYEN", "TINH", name="Huyện ủy Sông Cầu", headcount=5)
    now = utcnow()
    with app.app_context():
        bank = banks.create_bank("Ngân hàng theo dõi")
        rows = [Checked(ParsedQuestion(text=f"Câu hỏi {i} về chuyên đề năm?", options=["Một", "Hai", "Ba", "Bốn"],
                                       correct=0), "de", dedup_key(f"Câu hỏi {i} về chuyên đề năm?"))
                for i in range(12)]
        banks.write(bank, rows, now=now)
        result = setup.create({
            "slug": SLUG, "title": "Hội thi theo dõi trực tiếp", "time_limit_s": 900, "grace_s": 1,
            "max_attempts": 2, "prize": [{"name": "Nhất", "count": 1}],
            "round": [{"name": "Tuần 1", "opens": (now - timedelta(hours=1)).replace(tzinfo=UTC).isoformat(),
                       "closes": (now + timedelta(days=1)).replace(tzinfo=UTC).isoformat()}],
            "draw": [{"bank": "Ngân hàng theo dõi", "count": 5}]}, tz=UTC)
        assert result.errors == [], result.errors
        _db.session.commit()
        return result.contest.id, result.contest.rounds[0].id


def figure(page, name: str) -> str:
    return page.inner_text(f"[data-figure={name}] strong")


def wait_for_figure(page, name: str, value: str) -> None:
    page.wait_for_function("([name, value]) => document.querySelector(`[data-figure=${name}] strong`)"
                           ".textContent.trim() === value", arg=[name, value], timeout=15_000)


def test_an_organiser_watches_closes_freezes_publishes_and_withdraws(browser, page, live_server, make_user, contest):
    cid, rid = contest
    make_user(phone="0919000001", role="organiser", unit="TINH", full_name="Ban Tổ Chức")
    make_user(phone="0919000002", unit="HUYEN", full_name="Nguyễn Thị Hoa")

    log_in(page, live_server, "0919000001")
    page.goto(f"{live_server}/quan-tri/cuoc-thi/{cid}/dot/{rid}/theo-doi")
    main = page.inner_text("main")
    assert "Theo dõi Tuần 1" in main and "Huyện ủy Sông Cầu" in main
    assert figure(page, "running") == "0" and figure(page, "submitted") == "0"
    page.wait_for_selector("#live-status:has-text('Tự cập nhật mỗi 2 giây')")
    page.evaluate("window.notReloaded = true")

    member_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    member = member_context.new_page()
    member.on("dialog", lambda dialog: dialog.accept())
    log_in(member, live_server, "0919000002")
    member.goto(f"{live_server}/cuoc-thi/{SLUG}/bat-dau")
    member.click("button:has-text('Bắt đầu làm bài')")
    member.wait_for_url(re.compile(r"/luot-thi/\d+$"))

    wait_for_figure(page, "running", "1")                       # the live page follows, no reload
    member.locator("fieldset").nth(0).locator("input[type=radio]").nth(0).check()
    member.wait_for_selector("#save-status:has-text('Đã lưu lúc')")
    member.click("button:has-text('Nộp bài')")
    member.wait_for_url(re.compile(r"/ket-qua$"))
    wait_for_figure(page, "submitted", "1")
    wait_for_figure(page, "running", "0")
    assert figure(page, "participants") == "1" and figure(page, "rate") == "20,0 %"
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#so-lieu svg[role=img]").count() == 1

    member.goto(f"{live_server}/cuoc-thi/{SLUG}/bat-dau")             # a second attempt, left running
    member.click("button:has-text('Bắt đầu làm bài')")
    member.wait_for_url(re.compile(r"/luot-thi/\d+$"))
    wait_for_figure(page, "running", "1")

    page.click("text=Đóng đợt ngay…")
    confirm = page.inner_text("main")
    assert "Đóng Tuần 1 ngay bây giờ?" in confirm and "1 người đang làm bài kết thúc ngay" in confirm
    page.click("button:has-text('Đóng đợt thi ngay')")
    assert "Đã đóng Tuần 1: 1 lượt đang làm kết thúc với các câu đã lưu" in page.inner_text("main")

    page.click("text=Kết quả, xếp hạng và công bố")
    page.wait_for_timeout(1200)                                  # the contest's 1 s of grace
    page.click("button:has-text('Tính và chốt kết quả…')")
    assert "Chưa có gì được công bố." in page.inner_text("main")
    page.click("button:has-text('Tính và chốt kết quả')")
    assert "1 thí sinh được xếp hạng" in page.inner_text("main")
    page.click("a.button:has-text('Quay lại')")                      # the job's page, back to the round
    page.click("button:has-text('Công bố kết quả…')")
    confirm = page.inner_text("main")
    assert f"{live_server}/ket-qua/{SLUG}/1" in confirm and "danh sách 1 người đoạt giải (1 giải Nhất)" in confirm
    page.click("button:has-text('Công bố kết quả')")
    assert "Đã công bố kết quả Tuần 1." in page.inner_text("main")

    page.click("text=Rút lại công bố…")
    page.fill("textarea[name=reason]", "Kiểm tra lại đáp án câu 3")
    page.click("button:has-text('Rút lại công bố')")
    assert "Đã rút lại công bố kết quả Tuần 1" in page.inner_text("main")

    member.goto(f"{live_server}/ket-qua/{SLUG}/1")
    public = member.inner_text("main")
    assert "Kết quả Tuần 1 đang được xem xét lại." in public and "Lý do: Kiểm tra lại đáp án câu 3" in public
    assert "Nguyễn Thị Hoa" not in public
    assert page.console_errors == []
    member_context.close()
