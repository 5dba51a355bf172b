"""The audit log: an entry per action, in the action's transaction, newest first, by contest."""
from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import T0
from quiz.audit import services as audit
from quiz.contests.models import Contest


def test_entries_are_recorded_with_their_changes_and_read_newest_first(app, db, make_contest, make_user):
    organiser = make_user(phone="0915000001", role="organiser", full_name="Lê Thị Tổ Chức")
    cid = make_contest()
    audit.record("contest.edit", "Sửa tên cuộc thi", actor_id=organiser.id, now=T0, contest_id=cid,
                 changes=audit.diff({"title": "Cũ", "time_limit_s": 600}, {"title": "Mới", "time_limit_s": 600}))
    audit.record("round.freeze", "Chốt Tuần 1", actor_id=None, now=T0 + timedelta(minutes=1), contest_id=cid,
                 round_id=db.session.get(Contest, cid).rounds[0].id)
    audit.record("user.lock", "Khoá tài khoản", actor_id=organiser.id, now=T0 + timedelta(minutes=2),
                 target_user_id=organiser.id)
    found = audit.entries(contest_id=cid)
    assert [(e.action, name) for e, name in found] == [("round.freeze", None), ("contest.edit", "Lê Thị Tổ Chức")]
    assert found[1][0].changes == {"title": ["Cũ", "Mới"]}
    assert len(audit.entries()) == 3 and len(audit.entries(target_user_id=organiser.id)) == 1
    db.session.rollback()                                   # an action rolled back leaves no entry
    assert audit.entries() == []


def test_an_unknown_action_is_a_programming_error(app, db):
    with pytest.raises(ValueError):
        audit.record("contest.explode", "?", actor_id=None, now=T0)
