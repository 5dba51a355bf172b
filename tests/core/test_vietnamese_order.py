"""Vietnamese order: ``quiz.text``'s keys, their string forms, and the order in SQL on SQLite
and PostgreSQL: a unit's name by the computed key (``quiz.db.vietnamese_key``), a person's by
the stored string key in a byte-compared column (``quiz.db.PersonName``)."""
from __future__ import annotations

import random
import unicodedata

import pytest
import sqlalchemy as sa

from quiz.db import BinaryString, vietnamese_key
from quiz.text import name_key, name_sort_key, text_key, text_sort_key

UNITS = ["Yên Lập", "Đông Sơn", "ấp Bắc", "trường Tiểu học", "An Khánh", "Ân Thi"]
UNITS_IN_ORDER = ["An Khánh", "Ân Thi", "ấp Bắc", "Đông Sơn", "trường Tiểu học", "Yên Lập"]

FAMILY = ["Nguyễn", "Trần", "Lê", "Đỗ", "Đặng", "Hồ", "Hà", "Hạ", "Ân", "Âu", "An", "Ưng", "Y"]
MIDDLE = ["Văn", "Thị", "Minh", "Hoài", "Hòa", "Hoà", "Hoa", "Tôn Nữ", "Ngọc"]
GIVEN = ["An", "Ân", "Ẩn", "Anh", "Ánh", "Bình", "Dũng", "Duyên", "Đạt", "Hà", "Hạ", "Hải", "Hoa", "Hòa", "Hoà",
         "Hóa", "Lan", "Lân", "Thu", "Thư", "Thủy", "Thuỷ", "Ưng", "Yến", "Y"]
WORDS = ["Chi", "bộ", "ấp", "Bắc", "thôn", "Đông", "trường", "Tiểu", "học", "xã", "Tân", "Hòa", "Hoà", "Hoa", "Lư",
         "An", "Ân", "Khánh", "Yên", "Lập", "Phường", "1", "2", "10", "hóa,", "(Bình", "An)", "Đảng", "ủy"]


def probe(db, values: list[str]) -> sa.Table:
    """A temporary table of ``values`` with each one's stored name key, as ``PersonName``
    keeps it (gone with the test's rollback)."""
    table = sa.Table("vietnamese_order_probe", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("s", sa.String), sa.Column("k", BinaryString), prefixes=["TEMPORARY"])
    connection = db.session.connection()
    table.create(connection)
    connection.execute(table.insert(), [{"s": v, "k": name_sort_key(v)} for v in values])
    return table


def stored_name_key(table: sa.Table):
    return table.c.k


def unit_key(table: sa.Table):
    return vietnamese_key(table.c.s)


def sql_sorted(db, values: list[str], key) -> list[str]:
    table = probe(db, values)
    return list(db.session.scalars(sa.select(table.c.s).order_by(key(table), table.c.id)))


def corpus(seed: int) -> tuple[list[str], list[str]]:
    """Names (NFC and NFD, any case, both tone placements) and unit names of up to 12 words."""
    rnd = random.Random(seed)
    names, texts = set(), set()
    while len(names) < 400:
        name = " ".join([rnd.choice(FAMILY), *rnd.sample(MIDDLE, rnd.randint(0, 2)), rnd.choice(GIVEN)])
        name = rnd.choice([name, name, name.upper(), name.lower(), unicodedata.normalize("NFD", name)])
        names.add(name)
    while len(texts) < 400:
        texts.add(" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 12))))
    return sorted(names), sorted(texts)


def test_units_in_vietnamese_letter_order():
    assert sorted(UNITS, key=text_key) == UNITS_IN_ORDER
    assert sorted(UNITS, key=text_sort_key) == UNITS_IN_ORDER


def test_a_unit_name_compares_syllable_by_syllable():
    """The tone of a word decides before the next word: every "Hoa …" before any "Hòa …"."""
    assert sorted(["Phường Hòa An", "Phường Hoa Lư", "Phường Hoà Bình"], key=text_key) == [
        "Phường Hoa Lư", "Phường Hòa An", "Phường Hoà Bình"]


def test_the_string_keys_order_as_the_tuple_keys():
    names, texts = corpus(1)
    assert [name_key(n) for n in sorted(names, key=name_sort_key)] == sorted(map(name_key, names))
    assert [text_key(t) for t in sorted(texts, key=text_sort_key)] == sorted(map(text_key, texts))
    assert (name_sort_key("Nguyễn Thị Hoà") == name_sort_key("nguyễn thị hòa")
            == name_sort_key(unicodedata.normalize("NFD", "Nguyễn Thị Hòa")))


def test_the_name_key_orders_right_byte_by_byte():
    """The stored key is compared as bytes (SQLite's BINARY, PostgreSQL's "C"): its UTF-8
    orders as its code points do, for any letter or sign in a name, and holds no NUL."""
    rnd = random.Random(3)
    signs = list("aăâbcdđeêghiklmnoôơpqrstuưvxyfjwzAĐÜüçñ-'.019") + ["à", "ả", "ã", "á", "ạ", "ằ", "ẩ", "ễ", "ố",
                                                                   "ự", "中", "😀", "É", "\u0302"]
    names = [" ".join("".join(rnd.choice(signs) for _ in range(rnd.randint(1, 5))) for _ in range(rnd.randint(1, 4)))
             for _ in range(3000)]
    by_bytes = sorted(names, key=lambda n: name_sort_key(n).encode("utf-8"))
    assert [name_key(n) for n in by_bytes] == sorted(map(name_key, names))
    assert not any("\x00" in name_sort_key(n) for n in names)


@pytest.mark.parametrize("person", [False, True], ids=["unit names", "people"])
def test_the_database_sorts_in_the_same_order(db, person):
    """On SQLite and PostgreSQL alike, ORDER BY the SQL key (units) or the stored key
    (people) gives the Python order."""
    names, texts = corpus(2)
    values, python_key, sql_key = (names, name_key, stored_name_key) if person else (texts, text_key, unit_key)
    got = sql_sorted(db, values, sql_key)
    assert sorted(got) == sorted(values)
    assert [python_key(v) for v in got] == sorted(map(python_key, values))


def test_the_database_sorts_the_issue_examples(db):
    assert sql_sorted(db, UNITS, unit_key) == UNITS_IN_ORDER


def test_the_database_sorts_people_by_given_name(db):
    people = ["Trần Văn Yến", "Nguyễn Thị Ánh", "Lê Đức", "Đỗ Văn An", "Phạm Ân", "Hồ Thị Dung", "Vũ Thị Hòa",
              "Bùi Thị Hoa", "Lê Thị Hoà", "Đặng Dũng"]
    # hoà and hòa are one given name (old and new tone placement): the family name decides
    assert sql_sorted(db, people, stored_name_key) == [
        "Đỗ Văn An", "Nguyễn Thị Ánh", "Phạm Ân", "Hồ Thị Dung", "Đặng Dũng", "Lê Đức", "Bùi Thị Hoa",
        "Lê Thị Hoà", "Vũ Thị Hòa", "Trần Văn Yến"]
