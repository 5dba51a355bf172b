"""On the demo: an organiser computes, publishes and downloads the practice round's results;
a unit manager opens their dashboard and downloads their unit's workbook, which opens in a
spreadsheet reader with only their unit's people."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import BROWSER, log_in
from quiz.db import utcnow
from quiz.extensions import db as _db

pytestmark = BROWSER


@pytest.fixture
def demo(app):
    from quiz import demo

    with app.app_context():
        demo.load(utcnow())
        _db.session.commit()
    return demo


def rows_of(download) -> list[tuple]:
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    return rows[header + 1:]


def test_organiser_publishes_and_a_unit_manager_downloads(page, live_server, demo):
    log_in(page, live_server, "0900000002", "bantochuc2026")
    page.goto(f"{live_server}/quan-tri/cuoc-thi")
    page.click("text=Hội thi trực tuyến tìm hiểu Chuyên đề năm 2026")
    page.click("text=Kết quả, xếp hạng và công bố")
    assert "Xem trước bảng xếp hạng" in page.inner_text("main")
    page.click("button:has-text('Tính và chốt kết quả…')")          # the confirmation page first
    page.click("button:has-text('Tính và chốt kết quả')")
    assert f"{len(demo.MEMBER_NAMES)} thí sinh được xếp hạng" in page.inner_text("main")
    page.click("a.button:has-text('Quay lại')")                      # the job's page, back to the round
    page.click("button:has-text('Công bố kết quả…')")
    page.click("button:has-text('Công bố kết quả')")
    assert "Đã công bố kết quả Tuần thi thử" in page.inner_text("main")
    with page.expect_download() as download:
        page.click("li:has-text('Tỉnh ủy Bình An') >> text=kết quả và tổng hợp (.xlsx)")
    everyone = rows_of(download.value)
    assert len(everyone) == len(demo.MEMBER_NAMES) and [r[0] for r in everyone] == list(range(1, 21))
    page.click("text=Trang kết quả đã công bố")
    assert "Giải Nhất" in page.inner_text("main") and "Giải tập thể" in page.inner_text("main")
    assert page.console_errors == []

    page.context.clear_cookies()
    log_in(page, live_server, "0900000003", "donvi2026")         # manages Thành ủy Bình An
    page.click("nav >> text=Báo cáo")
    assert "Thành ủy Bình An" in page.inner_text("main")
    with page.expect_download() as download:
        page.click("text=Tải kết quả (.xlsx)")
    own = rows_of(download.value)
    assert 0 < len(own) < len(everyone) and all("Thành ủy Bình An" in row[3] for row in own)
    assert page.console_errors == []
