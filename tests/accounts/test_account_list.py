"""The administrator's account list: by name in Vietnamese order, given name first, sorted
and cut to its length by the database."""
from __future__ import annotations

import pytest

from conftest import Auth
from quiz.accounts import services

ADMIN_PHONE = "0913000099"
NAMES = ["Trần Văn Yến", "Nguyễn Thị Ánh", "Lê Đức", "Đỗ Văn An", "Phạm Ân", "Hồ Thị Dung", "Bùi Thị Hoa",
         "Vũ Thị Hòa", "Đặng Dũng"]
IN_ORDER = ["Đỗ Văn An", "Nguyễn Thị Ánh", "Phạm Ân", "Hồ Thị Dung", "Đặng Dũng", "Lê Đức", "Bùi Thị Hoa",
            "Vũ Thị Hòa", "Trần Văn Yến"]


@pytest.fixture
def accounts(make_unit, make_user):
    make_unit("ROOT")
    admin = make_user(phone=ADMIN_PHONE, role="admin", full_name="Quản Trị Viên")
    for name in NAMES:
        make_user(full_name=name)
    return admin


def test_accounts_are_listed_by_given_name_in_vietnamese_order(app, accounts):
    with app.app_context():
        assert [u.full_name for u in services.search_users("")] == IN_ORDER[:-1] + ["Quản Trị Viên", "Trần Văn Yến"]
        assert [u.full_name for u in services.search_users("", limit=3)] == IN_ORDER[:3]   # the first three, not any three
        assert [u.full_name for u in services.search_users("Thị")] == ["Nguyễn Thị Ánh", "Hồ Thị Dung", "Bùi Thị Hoa",
                                                                         "Vũ Thị Hòa"]


def test_the_accounts_page_lists_them_in_that_order(client, accounts):
    assert Auth(client).login(ADMIN_PHONE).status_code == 302
    table = client.get("/quan-tri/tai-khoan").get_data(as_text=True).split("<table", 1)[1]
    positions = [table.index(f">{name}</a>") for name in IN_ORDER]
    assert positions == sorted(positions)
