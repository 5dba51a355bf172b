"""A contest about to open counts down on the member's list, and when it opens the page
reloads itself and shows it open, without the member touching anything."""
from __future__ import annotations

from datetime import timedelta

from conftest import BROWSER, log_in
from quiz.db import utcnow

pytestmark = BROWSER


def test_the_countdown_ticks_and_the_page_reloads_when_the_contest_opens(page, live_server, make_user, make_contest):
    now = utcnow()
    make_contest(round=[{"name": "Tuần 1", "opens": (now + timedelta(seconds=8)).isoformat(),
                         "closes": (now + timedelta(days=1)).isoformat()}])
    make_user(phone="0912000555")
    log_in(page, live_server, "0912000555")
    page.goto(f"{live_server}/cuoc-thi")
    countdown = page.locator(".countdown")
    first = countdown.inner_text()
    assert first.startswith("(còn 00:0")
    page.wait_for_function("text => document.querySelector('.countdown') && "
                           "document.querySelector('.countdown').textContent !== text", arg=first, timeout=3000)
    page.wait_for_selector(".tag.ok-tag", timeout=20_000)          # reloaded: now "đang mở"
    assert "Cuộc thi thử" in page.inner_text(".contest-cards")
    assert page.console_errors == []
