"""The hot pages' cost in statements (start, the attempt page, the result), and the contest
snapshot they read: a bank, draw or contest edit reaches another app instance before its
next start."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from quiz import create_app
from quiz.attempts import services as attempts
from quiz.banks import services as banks
from quiz.banks.formats import ParsedQuestion
from quiz.contests import setup, snapshot
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db

from conftest import csrf_token

UTC = ZoneInfo("UTC")

# Whole requests, every statement counted, on PostgreSQL
#   start: the member's account, the contest, the member's lock, their attempts, the round held,
#          the attempt, its questions;
#   page: the attempt with its contest and the account (the login checked in it), the drawn
#         questions with the saved answers;
#   result: the attempt with its contest, round, number of questions, the member's allowance and
#           the account (the login checked in it).
# SQLite adds its BEGIN and takes no member lock (its write transactions are serial).
# (Before the contest snapshot: start 15, page 5, result 5 on PostgreSQL; 16, 6, 6 on SQLite;
# before the page and the result checked the login themselves: page 3, result 2.)
START = {"sqlite": 7, "postgresql": 7}
PAGE = {"sqlite": 3, "postgresql": 2}
RESULT = {"sqlite": 2, "postgresql": 1}


def open_now(**changes) -> dict:
    now = utcnow().replace(tzinfo=UTC)
    return {"round": [{"name": "Tuần 1", "opens": (now - timedelta(hours=1)).isoformat(),
                       "closes": (now + timedelta(days=1)).isoformat()}], **changes}


def counted(statements, call) -> tuple[int, object]:
    with statements() as sent:
        response = call()
    return len(sent), response


@pytest.fixture
def take_part(app, make_contest, make_user, auth, statements):
    """A contest (``make_contest``'s keywords), a first member who warms the snapshot, then a
    fresh member logged in; returns (slug, the statements of start, page, result)."""
    def run(**changes) -> tuple[str, int, int, int]:
        cid = make_contest(**open_now(**changes))
        with app.app_context():
            slug = _db.session.get(Contest, cid).slug
        for _warm_then_counted in range(2):
            auth.login(make_user().phone)
            token = csrf_token(auth.client, f"/cuoc-thi/{slug}/bat-dau")
            n_start, response = counted(statements, lambda: auth.client.post(f"/cuoc-thi/{slug}/bat-dau",
                                                                              data={"csrf_token": token}))
            assert response.status_code == 302
            url = response.headers["Location"]
            n_page, page = counted(statements, lambda: auth.client.get(url))
            assert page.status_code == 200 and 'name="q' in page.get_data(as_text=True)
            submitted = auth.client.post(f"{url}/nop", data={"csrf_token": csrf_token(auth.client, url)})
            assert submitted.status_code == 302
            n_result, result = counted(statements, lambda: auth.client.get(f"{url}/ket-qua"))
            assert result.status_code == 200 and "Số câu đúng" in result.get_data(as_text=True)
            auth.logout()
        return slug, n_start, n_page, n_result

    return run


def test_start_page_and_result_send_few_statements(app, take_part):
    dialect = app.config["DATABASE_URL"].split(":")[0].split("+")[0]
    _, n_start, n_page, n_result = take_part()
    assert n_start <= START[dialect] and n_page <= PAGE[dialect] and n_result <= RESULT[dialect], \
        (n_start, n_page, n_result)


def test_the_page_costs_the_same_statements_whatever_the_number_of_questions(take_part):
    few = take_part(draw=[{"bank": "Ngân hàng lượt thi", "count": 2}])
    many = take_part(draw=[{"bank": "Ngân hàng lượt thi", "count": 50}])
    assert few[2] == many[2]


@pytest.fixture
def other_instance(app):
    """A second app on the same database, as another worker or server is."""
    other = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                        "INSTANCE_PATH": app.instance_path, "SECRET_KEY": "test"})
    yield other
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()


def seen_by(instance, cid: int) -> snapshot.Snapshot:
    with instance.app_context():
        kept = snapshot.of(_db.session.get(Contest, cid))
        _db.session.rollback()
        return kept


def test_a_snapshot_is_read_once_then_kept(app, make_contest, statements):
    cid = make_contest()
    first = seen_by(app, cid)
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        with statements() as sent:
            assert snapshot.of(contest) is first
        assert sent == []


def test_a_process_keeps_a_bounded_number_of_contests(app, make_contest, monkeypatch):
    monkeypatch.setattr(snapshot, "MAX_CONTESTS", 1)
    first, second = make_contest(), make_contest()
    kept = seen_by(app, first)
    seen_by(app, second)
    assert seen_by(app, first) is not kept   # dropped for the second, read again


def test_a_bank_edit_reaches_another_instance_before_its_next_start(app, other_instance, make_contest, make_user):
    cid, member = make_contest(), make_user()
    before = seen_by(other_instance, cid)
    assert len(before.pools[0].question_ids) == 60
    with app.app_context():
        question_id = sorted(before.questions)[0]
        question = banks.get_question(question_id)
        banks.update_question(question, ParsedQuestion(text="Câu hỏi đã sửa lời?", options=["Một", "Hai"], correct=1),
                              now=utcnow())
        banks.retire(banks.get_question(sorted(before.questions)[1]), now=utcnow())
        _db.session.commit()
    after = seen_by(other_instance, cid)
    assert after.questions[question_id].text == "Câu hỏi đã sửa lời?"
    assert [o.text for o in after.questions[question_id].options] == ["Một", "Hai"]
    assert len(after.pools[0].question_ids) == 59 and sorted(before.questions)[1] not in after.options
    with other_instance.app_context():   # and the next start there draws from the new pool
        contest, user = _db.session.get(Contest, cid), _db.session.merge(member)
        attempt = attempts.start(user, contest, now=utcnow())
        assert sorted(before.questions)[1] not in {q.question.id for q in attempts.sheet(attempt, contest)}
        _db.session.rollback()


def test_a_draw_or_contest_edit_reaches_another_instance(app, other_instance, make_contest):
    cid = make_contest()
    assert seen_by(other_instance, cid).pools[0].count == 20
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        raw = setup.of_contest(contest, UTC)
        raw["draw"][0]["count"] = 12
        raw["division"] = [{"code": "A", "name": "Bảng A", "categories": ["dang_vien"]}]
        result = setup.edit(contest, raw, tz=UTC, now=utcnow(), actor_id=None)
        assert result.errors == [], result.errors
        _db.session.commit()
    after = seen_by(other_instance, cid)
    assert after.pools[0].count == 12
    assert after.division_for("dang_vien") is not None and after.division_for("doan_vien") is None
