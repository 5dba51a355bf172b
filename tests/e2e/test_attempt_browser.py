"""A member takes a contest on a phone: starts, answers, loses the connection, gets it back,
reloads and finds the saved answers, submits and sees the score."""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import BROWSER, log_in
from quiz.db import utcnow
from quiz.extensions import db as _db

pytestmark = BROWSER

UTC = ZoneInfo("UTC")


@pytest.fixture
def contest(app):
    from quiz.banks import services as banks
    from quiz.banks.formats import ParsedQuestion
    from quiz.banks.validation import Checked, dedup_key
    from quiz.contests import setup

    now = utcnow()
    with app.app_context():
        bank = banks.create_bank("Ngân hàng thử trên điện thoại")
        rows = [Checked(ParsedQuestion(text=f"Câu hỏi {i} về chuyên đề năm?", options=["Một", "Hai", "Ba", "Bốn"],
                                       correct=i % 4), "de", dedup_key(f"Câu hỏi {i} về chuyên đề năm?"))
                for i in range(12)]
        banks.write(bank, rows, now=now)
        result = setup.create({
            "slug": "thi-tren-dien-thoai", "title": "Hội thi trên điện thoại", "time_limit_s": 900, "grace_s": 10,
            "max_attempts": 2, "rules": "Mỗi người thi tối đa hai lượt.",
            "round": [{"name": "Tuần 1", "opens": (now - timedelta(hours=1)).replace(tzinfo=UTC).isoformat(),
                       "closes": (now + timedelta(days=1)).replace(tzinfo=UTC).isoformat()}],
            "draw": [{"bank": "Ngân hàng thử trên điện thoại", "count": 5}]}, tz=UTC)
        assert result.errors == [], result.errors
        _db.session.commit()
    return "thi-tren-dien-thoai"


def test_take_lose_connection_reload_submit(page, live_server, make_user, contest):
    make_user(phone="0912000444")
    log_in(page, live_server, "0912000444")

    page.click("nav >> text=Dự thi")
    page.click("text=Hội thi trên điện thoại")
    assert "Mỗi người thi tối đa hai lượt." in page.inner_text("main")
    page.click("text=Bắt đầu làm bài")
    assert "Bạn có chắc" in page.inner_text("main")
    page.click("button:has-text('Bắt đầu làm bài')")
    page.wait_for_url(re.compile(r"/luot-thi/\d+$"))
    attempt_url = page.url

    timer = page.inner_text("#timer")
    assert re.fullmatch(r"1[45]:\d\d", timer), timer
    questions = page.locator("fieldset")
    assert questions.count() == 5
    chosen = []
    for i in range(2):
        radio = questions.nth(i).locator("input[type=radio]").nth(1)
        radio.check()
        chosen.append(radio.get_attribute("name") + "=" + radio.get_attribute("value"))
    page.wait_for_selector("#save-status:has-text('Đã lưu lúc')")
    assert page.inner_text("#answered") == "2"

    page.context.set_offline(True)
    radio = questions.nth(2).locator("input[type=radio]").nth(2)
    radio.check()
    chosen.append(radio.get_attribute("name") + "=" + radio.get_attribute("value"))
    page.wait_for_selector("#save-status:has-text('mất kết nối')")
    assert page.evaluate("Object.keys(JSON.parse(localStorage.getItem('attempt:' + "
                         "document.getElementById('attempt-form').dataset.attemptId)).pending).length") == 1

    page.context.set_offline(False)
    page.wait_for_selector("#save-status:has-text('Đã lưu lúc')")
    page.reload()
    assert page.url == attempt_url
    for pair in chosen:
        name, value = pair.split("=")
        assert page.is_checked(f"input[name={name}][value='{value}']"), pair
    assert page.inner_text("#answered") == "3"

    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.click("#submit-attempt")
    page.wait_for_url(re.compile(r"/ket-qua$"))
    assert asked == ["Còn 2 câu chưa trả lời. Nộp bài?"]
    main = page.inner_text("main")
    assert re.search(r"\b[0-3]/5\b", main), main
    assert "Đã nộp bài" in main
    assert page.evaluate("localStorage.length") == 0
    # the one failed save while offline is the only console error (no CSP violation, no script error)
    assert all("ERR_INTERNET_DISCONNECTED" in e for e in page.console_errors), page.console_errors
