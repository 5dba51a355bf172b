"""Account search: part of a name with or without accents, in any case and Unicode form;
the first digits of a phone (any spelling) or CCCD; within a unit manager's subtree; in
Vietnamese name order, paged by the database."""
from __future__ import annotations

import unicodedata

import pytest

from quiz.accounts import search
from quiz.accounts.search import digit_prefixes, search_users
from quiz.units.services import by_code

PEOPLE = [  # name, phone, cccd, unit
    ("Trần Thị Bình", "0987111222", "001090000001", "XA1"),
    ("Lê Văn Bính", "0987333444", "001090000002", "XA1"),
    ("Nguyễn Đức Anh", "0988000111", "001190000003", "HUYEN1"),
    ("Phạm Thị Hoà", "0989999999", "002090000004", "HUYEN2"),
    ("Đặng Văn Dũng", "0990000000", "002090000005", "HUYEN2"),
    ("Hồ Thị Bích Ngọc", "0912000000", "079090000006", "HUYEN2"),
]


@pytest.fixture
def people(make_unit, make_user):
    make_unit("TINH")
    make_unit("HUYEN1", "TINH")
    make_unit("XA1", "HUYEN1")
    make_unit("HUYEN2", "TINH")
    for name, phone, cccd, unit in PEOPLE:
        make_user(full_name=name, phone=phone, cccd=cccd, unit=unit)


def names(query, **kwargs):
    return [u.full_name for u in search_users(query, **kwargs)]


@pytest.mark.parametrize("query, expected", [
    ("binh", ["Trần Thị Bình", "Lê Văn Bính"]),              # accents ignored: both tones
    ("BÌNH", ["Trần Thị Bình", "Lê Văn Bính"]),
    ("Bình", ["Trần Thị Bình", "Lê Văn Bính"]),
    (unicodedata.normalize("NFD", "bình"), ["Trần Thị Bình", "Lê Văn Bính"]),
    ("duc", ["Nguyễn Đức Anh"]),                              # đ as d
    ("đức", ["Nguyễn Đức Anh"]),
    ("dung", ["Đặng Văn Dũng"]),
    ("ngu", ["Nguyễn Đức Anh"]),                              # part of a word
    ("uyen", ["Nguyễn Đức Anh"]),                             # anywhere in it
    ("ngoc", ["Hồ Thị Bích Ngọc"]),
    ("hoa", ["Phạm Thị Hoà"]),
    ("hòa", ["Phạm Thị Hoà"]),                                # old and new tone placement
    ("thi  bich", ["Hồ Thị Bích Ngọc"]),                      # every word
    ("tran binh", ["Trần Thị Bình"]),
    ("binh tran", ["Trần Thị Bình"]),                          # in any order
    ("khong co ai", []),
    ("%", []), ("_", []), ("b_nh", []),                        # LIKE's wildcards are text
])
def test_names(db, people, query, expected):
    assert sorted(names(query)) == sorted(expected)


@pytest.mark.parametrize("query, expected", [
    ("0987", ["Trần Thị Bình", "Lê Văn Bính"]),               # every phone starting so
    ("098", ["Trần Thị Bình", "Lê Văn Bính", "Nguyễn Đức Anh", "Phạm Thị Hoà"]),
    ("0989", ["Phạm Thị Hoà"]),                               # the upper bound carries: < 099
    ("09899", ["Phạm Thị Hoà"]),
    ("0987 333", ["Lê Văn Bính"]),
    ("0987.111.222", ["Trần Thị Bình"]),
    ("+84 987", ["Trần Thị Bình", "Lê Văn Bính"]),
    ("84987", ["Trần Thị Bình", "Lê Văn Bính"]),
    ("0084 912", ["Hồ Thị Bích Ngọc"]),
    ("０９８７", ["Trần Thị Bình", "Lê Văn Bính"]),              # full-width digits
    ("00109", ["Trần Thị Bình", "Lê Văn Bính"]),              # the first digits of a CCCD
    ("079090000006", ["Hồ Thị Bích Ngọc"]),
    ("9", []),
    ("0999", []),
])
def test_numbers(db, people, query, expected):
    assert sorted(names(query)) == sorted(expected)


def test_vietnamese_order_and_pages(db, people):
    everyone = names("")
    assert everyone == ["Nguyễn Đức Anh", "Trần Thị Bình", "Lê Văn Bính", "Đặng Văn Dũng", "Phạm Thị Hoà",
                        "Hồ Thị Bích Ngọc"]
    assert names("", limit=2, offset=2) == everyone[2:4]
    assert names("thi") == ["Trần Thị Bình", "Phạm Thị Hoà", "Hồ Thị Bích Ngọc"]


def test_within_a_subtree(db, people):
    assert names("", within=by_code("HUYEN1")) == ["Nguyễn Đức Anh", "Trần Thị Bình", "Lê Văn Bính"]
    assert names("binh", within=by_code("XA1")) == ["Trần Thị Bình", "Lê Văn Bính"]
    assert names("binh", within=by_code("HUYEN2")) == []
    assert names("09", within=by_code("HUYEN2")) == ["Đặng Văn Dũng", "Phạm Thị Hoà", "Hồ Thị Bích Ngọc"]


def test_a_long_query_is_harmless(db, people):
    assert names("x" * 10_000) == [] and names("9" * 10_000) == []
    assert names("a b c d e f g h i binh") == []                  # only the first six words count


@pytest.mark.parametrize("query, expected", [
    ("0987", ["0987"]), ("+84 987", ["0987"]), ("+84 (0) 987", ["0987"]), ("84987", ["84987", "0987"]),
    ("0084 987", ["0084987", "0987"]), ("binh", []), ("09a", []), ("+", []), ("²", ["2"]),  # NFKC, as identity.py
])
def test_digit_prefixes(query, expected):
    assert digit_prefixes(query) == expected


@pytest.mark.parametrize("digits, upper", [("0987", "0988"), ("0989", "099"), ("0999", "1"), ("999", None)])
def test_next_prefix(digits, upper):
    assert search._next_prefix(digits) == upper


def test_the_admin_page_searches_without_accents(client, people, make_user, auth):
    make_user(phone="0913000002", role="admin", full_name="Quản Trị Viên")
    auth.login("0913000002")
    table = client.get("/quan-tri/tai-khoan?q=binh").get_data(as_text=True).split("<table", 1)[1]
    assert "Trần Thị Bình" in table and "Lê Văn Bính" in table and "Nguyễn Đức Anh" not in table
    table = client.get("/quan-tri/tai-khoan?q=0987").get_data(as_text=True).split("<table", 1)[1]
    assert "Trần Thị Bình" in table and "Lê Văn Bính" in table and "Phạm Thị Hoà" not in table
