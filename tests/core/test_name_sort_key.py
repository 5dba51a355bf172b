"""The stored name key (``quiz.db.PersonName``): ``name_sort_key`` is written with the name on
every path that writes one — registration, a correction, an assignment, the roster import
(a Core insert) — and always equals ``quiz.text.name_sort_key(full_name)``."""
from __future__ import annotations

from sqlalchemy import insert, select

from quiz.accounts import management
from quiz.accounts.models import User
from quiz.accounts.services import Details
from quiz.contests import roster
from quiz.contests.models import Contest, RosterEntry
from quiz.db import utcnow
from quiz.extensions import db
from quiz.tables import Table
from quiz.text import name_sort_key


def stored(model, row_id: int) -> tuple[str, str]:
    """The row's key and name as the database holds them."""
    return tuple(db.session.execute(select(model.name_sort_key, model.full_name).where(model.id == row_id)).one())


def details_of(user: User, **changes) -> Details:
    values = {"full_name": user.full_name, "birth_date": user.birth_date, "gender": user.gender,
              "phone": user.phone, "cccd": user.cccd, "email": user.email, "unit": user.unit,
              "category": user.category}
    return Details(**{**values, **changes})


def test_registration_writes_the_key(app, make_user):
    user = make_user(full_name="Nguyễn Thị Hoà")
    with app.app_context():
        assert stored(User, user.id) == (name_sort_key("Nguyễn Thị Hoà"), "Nguyễn Thị Hoà")
    # old and new tone placement, any case: one key
    assert name_sort_key("Nguyễn Thị Hoà") == name_sort_key("nguyễn thị hòa")


def test_a_name_change_rewrites_the_key(app, make_user):
    user = make_user(full_name="Nguyễn Văn An")
    with app.app_context():  # a correction by an administrator
        target = db.session.get(User, user.id)
        assert management.edit(None, target, details_of(target, full_name="Trần Thị Bích"), now=utcnow())
        db.session.commit()
    with app.app_context():
        assert stored(User, user.id) == (name_sort_key("Trần Thị Bích"), "Trần Thị Bích")
        target = db.session.get(User, user.id)  # any assignment through the ORM
        target.full_name = "Lê Văn Cường"
        db.session.commit()
    with app.app_context():
        assert stored(User, user.id) == (name_sort_key("Lê Văn Cường"), "Lê Văn Cường")


def test_the_roster_import_writes_the_key(app, make_unit, make_contest):
    make_unit("ROOT")
    make_unit("XA1", parent="ROOT")
    cid = make_contest(eligibility="roster")
    names = ["Trần Văn Yến", "nguyễn thị ánh", "Lê  Đức", "Đỗ Văn An"]
    with app.app_context():
        contest = db.session.get(Contest, cid)
        roster.import_table(contest, Table(None, ["Họ và tên", "Số điện thoại", "Mã đơn vị"], [
            (row, [name, f"09120009{row:02d}", "XA1"]) for row, name in enumerate(names, start=2)]))
        db.session.commit()
    with app.app_context():
        rows = db.session.execute(select(RosterEntry.full_name, RosterEntry.name_sort_key)
                                  .where(RosterEntry.contest_id == cid)).all()
    assert sorted(rows) == sorted((name, name_sort_key(name)) for name in ["Trần Văn Yến", "nguyễn thị ánh", "Lê Đức",
                                                                           "Đỗ Văn An"])


def test_a_core_insert_that_leaves_the_key_out_gets_it(app, make_unit):
    unit = make_unit("ROOT")
    with app.app_context():
        db.session.execute(insert(User), [
            {"full_name": name, "phone": f"09130000{i:02d}", "unit_id": unit.id, "password_hash": "x"}
            for i, name in enumerate(["Phạm Ân", "Hồ Thị Dung"])])
        rows = db.session.execute(select(User.full_name, User.name_sort_key)).all()
        db.session.commit()
    assert sorted(rows) == [("Hồ Thị Dung", name_sort_key("Hồ Thị Dung")), ("Phạm Ân", name_sort_key("Phạm Ân"))]
