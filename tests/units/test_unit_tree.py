"""Queries on the unit tree: subtrees (by path range), ancestry, labels, children, search."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from quiz.errors import NotFound
from quiz.extensions import db as _db
from quiz.units import services
from quiz.units.models import Unit

# Created one at a time, so ids follow this order: unit 1 is "A" and units 10 and 11 are
# "J" and "J1", whose paths start with the same characters as A's ("/1" and "/10/", "/10/11/").
TREE = [
    ("A", "", "Huyện ủy Duy Xuyên", 2),         # 1
    ("A1", "A", "Đảng bộ xã Duy Hòa", 3),       # 2
    ("A11", "A1", "Chi bộ ấp Bắc", 5),          # 3
    ("A12", "A1", "Chi bộ ấp Nam", 7),          # 4
    ("A2", "A", "Đảng bộ xã Duy Sơn", 11),      # 5
    ("F6", "", "Đơn vị đệm 6", 0),              # 6..9: fillers so that J gets id 10
    ("F7", "", "Đơn vị đệm 7", 0),
    ("F8", "", "Đơn vị đệm 8", 0),
    ("F9", "", "Đơn vị đệm 9", 0),
    ("J", "", "Huyện ủy Thăng Bình", 100),     # 10
    ("J1", "J", "Chi bộ ấp Bắc Trung", 1000),  # 11
    ("A3", "A", "Đảng bộ thị trấn Nam Phước", 13),  # 12: a child of 1 with a later id
]


@pytest.fixture
def units(app, make_unit):
    made = {code: make_unit(code, parent=parent, name=name, headcount=headcount)
            for code, parent, name, headcount in TREE}
    ids = {code: unit.id for code, unit in made.items()}
    # The premise of the prefix tests: the ids really do share their leading digits.
    assert (ids["A"], ids["J"], ids["J1"]) == (1, 10, 11), ids
    assert ids["A3"] == 12
    return ids


def unit(code: str) -> Unit:
    found = services.by_code(code)
    assert found is not None, code
    return found


def codes_in_subtree(code: str) -> set[str]:
    return set(_db.session.scalars(select(Unit.code).where(services.in_subtree(unit(code)))))


def test_paths(units, ctx):
    assert unit("A").path == "/1/"
    assert unit("A11").path == "/1/2/3/"
    assert unit("J1").path == "/10/11/"
    assert unit("A3").path == "/1/12/"
    assert [unit(c).depth for c in ("A", "A1", "A11", "J", "J1", "A3")] == [0, 1, 2, 0, 1, 1]
    assert unit("A").subtree_upper == "/10"


def test_in_subtree_does_not_leak_into_ids_with_the_same_prefix(units, ctx):
    assert codes_in_subtree("A") == {"A", "A1", "A11", "A12", "A2", "A3"}
    assert codes_in_subtree("A1") == {"A1", "A11", "A12"}
    assert codes_in_subtree("A11") == {"A11"}
    assert codes_in_subtree("J") == {"J", "J1"}
    assert codes_in_subtree("J1") == {"J1"}
    assert services.subtree_size(unit("A")) == 6
    assert services.subtree_size(unit("F9")) == 1


def test_a_subtree_range_is_planned_for_its_ends_and_nothing_else_is_forced_to(units, ctx, statements):
    """The range's ends are constants in the statement, so PostgreSQL plans each range for
    itself (a generic plan cannot tell a cell from the province); every other statement keeps
    the plan cache's default, and a prepared one goes over to its generic plan."""
    a1 = unit("A1")
    with statements() as sent:
        assert set(_db.session.scalars(select(Unit.code).where(services.in_subtree(a1)))) == {"A1", "A11", "A12"}
    assert f"'{a1.path}'" in sent[-1] and f"'{a1.subtree_upper}'" in sent[-1], sent
    if _db.engine.dialect.name != "postgresql":
        return
    assert _db.session.execute(sa.text("SHOW plan_cache_mode")).scalar() == "auto"
    hot = select(Unit.code).where(Unit.id == sa.bindparam("unit_id"))
    for _ in range(12):  # psycopg prepares it after 5 runs; PostgreSQL tries 5 custom plans first
        _db.session.execute(hot, {"unit_id": a1.id})
    generic = _db.session.execute(sa.text("SELECT generic_plans FROM pg_prepared_statements "
                                          "WHERE statement LIKE '%WHERE units.id = $1%'")).scalar()
    assert generic and generic > 0


def test_subtree_headcount(units, ctx):
    assert services.subtree_headcount(unit("A")) == 2 + 3 + 5 + 7 + 11 + 13
    assert services.subtree_headcount(unit("A1")) == 3 + 5 + 7
    assert services.subtree_headcount(unit("A12")) == 7
    assert services.subtree_headcount(unit("J")) == 1100
    assert services.subtree_headcount(unit("F6")) == 0


def test_subtree_members(units, make_user, ctx):
    for code, how_many in [("A", 1), ("A11", 2), ("A2", 1), ("A3", 1), ("J", 4), ("J1", 8)]:
        for _ in range(how_many):
            make_user(unit=code)
    assert services.subtree_members(unit("A")) == 1 + 2 + 1 + 1
    assert services.subtree_members(unit("A1")) == 2
    assert services.subtree_members(unit("A12")) == 0
    assert services.subtree_members(unit("J")) == 12
    assert services.subtree_members(unit("J1")) == 8


def test_ancestry(units, ctx):
    assert [u.code for u in services.ancestry(unit("A11"))] == ["A", "A1", "A11"]
    assert [u.code for u in services.ancestry(unit("J1"))] == ["J", "J1"]
    assert [u.code for u in services.ancestry(unit("A"))] == ["A"]


def test_labels(units, ctx):
    chosen = [unit("A11"), unit("J1"), unit("A")]
    assert services.labels(chosen) == {
        units["A11"]: "Chi bộ ấp Bắc › Đảng bộ xã Duy Hòa › Huyện ủy Duy Xuyên",
        units["J1"]: "Chi bộ ấp Bắc Trung › Huyện ủy Thăng Bình",
        units["A"]: "Huyện ủy Duy Xuyên",
    }
    assert services.labels([]) == {}


def test_children(units, ctx):
    roots = [(u.code, below) for u, below in services.children(None)]
    assert sorted(roots) == [("A", 3), ("F6", 0), ("F7", 0), ("F8", 0), ("F9", 0), ("J", 1)]
    # ordered by name
    assert [(u.code, below) for u, below in services.children(unit("A"))] == [
        ("A3", 0), ("A1", 2), ("A2", 0)]
    assert [(u.code, below) for u, below in services.children(unit("A1"))] == [("A11", 0), ("A12", 0)]
    assert services.children(unit("A11")) == []


def test_get(units, ctx):
    assert services.get(units["A1"]).code == "A1"
    with pytest.raises(NotFound) as caught:
        services.get(999)
    assert caught.value.message == "Không tìm thấy đơn vị."
    assert caught.value.status == 404


@pytest.mark.parametrize("query,expected", [
    ("chi bo ap bac", ["J1", "A11"]),           # no accents; shallower units first
    ("CHI BỘ ẤP BẮC", ["J1", "A11"]),           # upper case, accents
    ("ấp  bắc   chi", ["J1", "A11"]),           # any order, extra spaces
    ("bac trung", ["J1"]),
    ("duy", ["A", "A1", "A2"]),                  # depth first, then name
    ("dang bo xa", ["A1", "A2"]),
    ("Đảng bộ", ["A3", "A1", "A2"]),
    ("a12", ["A12"]),                            # by code
    ("j1", ["J1"]),
    ("thang binh j", ["J"]),                     # name and code words together
    ("ap dong", []),
    ("", []),
    ("   ", []),
    ("%", []),                                   # LIKE wildcards are plain characters
    ("_", []),
])
def test_search(units, ctx, query, expected):
    assert [u.code for u in services.search(query)] == expected


def test_search_limit(units, ctx):
    assert len(services.search("don vi dem", limit=3)) == 3
    assert [u.code for u in services.search("don vi dem")] == ["F6", "F7", "F8", "F9"]


def test_search_with_nfd_query(units, ctx):
    import unicodedata

    assert [u.code for u in services.search(unicodedata.normalize("NFD", "Chi bộ ấp Nam"))] == ["A12"]


@pytest.mark.parametrize("unit_id,query,expected", [
    ("A1", None, "A1"),            # an id (as the search box sends it)
    ("A1", "J", "A1"),             # the id wins over the text
    ("", "J1", "J1"),              # no id: the code typed by hand
    (None, " J1 ", "J1"),
    ("999", "A2", "A2"),           # an unknown id falls back to the code
    ("abc", "A2", "A2"),
    ("-1", None, None),
    ("999", None, None),
    ("", "Chi bộ ấp Bắc", None),   # a name is not a code
    (None, None, None),
    ("", "", None),
])
def test_resolve_choice(units, ctx, unit_id, query, expected):
    if unit_id in units:
        unit_id = str(units[unit_id])
    chosen = services.resolve_choice(unit_id, query)
    assert (chosen.code if chosen else None) == expected


def test_by_code(units, ctx):
    assert services.by_code(" A12 ").id == units["A12"]
    assert services.by_code("a12") is None  # codes are compared exactly
    assert services.by_code("") is None


def test_rebuild_paths_repairs_a_moved_unit(units, db):
    """A parent link changed by hand is followed by rebuild_paths: the whole subtree moves."""
    db.session.execute(sa.update(Unit).where(Unit.code == "A1").values(parent_id=units["J"]))
    assert services.rebuild_paths() == 3
    db.session.expire_all()
    assert [(u.code, u.path, u.depth) for u in map(unit, ["A1", "A11", "A12"])] == [
        ("A1", "/10/2/", 1), ("A11", "/10/2/3/", 2), ("A12", "/10/2/4/", 2)]
    assert codes_in_subtree("J") == {"J", "J1", "A1", "A11", "A12"}
    assert services.rebuild_paths() == 0


def test_subtree_range_uses_the_path_index(units, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("EXPLAIN output is PostgreSQL's")
    a = unit("A")
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(
        sa.text("EXPLAIN select count(*) from units where path >= :a and path < :b"),
        {"a": a.path, "b": a.subtree_upper}))
    assert "uq_units_path" in plan, plan
    # The query the services build uses it too.
    stmt = select(sa.func.count()).select_from(Unit).where(services.in_subtree(a))
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.scalars(sa.text(f"EXPLAIN {compiled}")))
    assert "uq_units_path" in plan, plan


# Vietnamese order ---------------------------------------------------------------------------

VN_NAMES = ["Yên Lập", "Đông Sơn", "ấp Bắc", "trường Tiểu học", "An Khánh", "Ân Thi"]
VN_IN_ORDER = ["An Khánh", "Ân Thi", "ấp Bắc", "Đông Sơn", "trường Tiểu học", "Yên Lập"]


@pytest.fixture
def vn_units(app, make_unit):
    """The names above as roots and as children of one unit (S), each "Xã …" for the search."""
    make_unit("S", name="Huyện ủy Sông Lô")
    for i, name in enumerate(VN_NAMES):
        make_unit(f"R{i}", name=name)
        make_unit(f"S{i}", parent="S", name=f"Xã {name}")


def test_children_and_roots_are_in_vietnamese_order(vn_units, ctx):
    assert [u.name for u, _ in services.children(unit("S"))] == [f"Xã {name}" for name in VN_IN_ORDER]
    assert [u.name for u in services.roots()] == VN_IN_ORDER[:-2] + ["Huyện ủy Sông Lô"] + VN_IN_ORDER[-2:]
    assert [u.name for u, _ in services.children(None)] == [u.name for u in services.roots()]


def test_search_is_in_vietnamese_order_before_the_limit(vn_units, ctx):
    """The database sorts before it cuts: the first three by name, not any three."""
    assert [u.name for u in services.search("xa", limit=3)] == [f"Xã {name}" for name in VN_IN_ORDER[:3]]
    assert [u.name for u in services.search("xa")] == [f"Xã {name}" for name in VN_IN_ORDER]
