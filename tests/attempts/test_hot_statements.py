"""The statements the autosave and the submit send (``statements`` in conftest): exact counts,
so a statement added to the hot path fails here, and the login checks that the autosave's
one statement (and the attempt page's, and the result's) does in place of Flask-Login's user load.

Counted are the statements a cursor runs: on SQLite the ``BEGIN IMMEDIATE`` of a POST is one
of them; on PostgreSQL psycopg begins the transaction itself and the commit is not a statement."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from conftest import csrf_token
from quiz.accounts import sessions
from quiz.accounts.models import User, UserSession
from quiz.attempts.models import Answer, Attempt, AttemptQuestion
from quiz.banks.models import QuestionOption
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db

PHONE = "0912000444"
BEGIN = {"sqlite": 1, "postgresql": 0}  # SQLite's BEGIN IMMEDIATE is a statement of its own


@pytest.fixture
def taking(app, client, auth, make_user, make_contest):
    """A logged-in member in an attempt: (attempt id, the page's CSRF token, (question, right
    option, a wrong option) per drawn question)."""
    user = make_user(phone=PHONE)
    now = utcnow()
    contest_id = make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(hours=1)).isoformat(),
                                      "closes": (now + timedelta(days=1)).isoformat()}])
    with app.app_context():
        slug = _db.session.get(Contest, contest_id).slug
    auth.login(PHONE)
    started = client.post(f"/cuoc-thi/{slug}/bat-dau", data={"csrf_token": csrf_token(client, f"/cuoc-thi/{slug}/bat-dau")})
    attempt_id = int(re.fullmatch(r"/luot-thi/(\d+)", started.headers["Location"]).group(1))
    token = csrf_token(client, f"/luot-thi/{attempt_id}")
    with app.app_context():
        drawn = []
        for question_id in _db.session.scalars(select(AttemptQuestion.question_id)
                                               .where(AttemptQuestion.attempt_id == attempt_id)):
            options = _db.session.execute(select(QuestionOption.id, QuestionOption.is_correct)
                                          .where(QuestionOption.question_id == question_id)).all()
            drawn.append((question_id, next(o for o, right in options if right), next(o for o, right in options if not right)))
    return user, attempt_id, token, drawn


def dialect(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]


def save(client, attempt_id, token, answers, prediction=None):
    return client.post(f"/api/luot-thi/{attempt_id}/luu", headers={"X-CSRFToken": token},
                       json={"answers": {str(q): o for q, o in answers.items()}, "prediction": prediction})


def mark_seen(app, user_id, when) -> None:
    with app.app_context():
        _db.session.execute(update(UserSession).where(UserSession.user_id == user_id).values(last_seen_at=when))
        _db.session.commit()


def test_a_save_is_one_locking_statement_and_one_upsert(app, client, statements, taking):
    """PostgreSQL: the lock (which checks the login) and the upsert that counts; SQLite: the
    count after the upsert, and the BEGIN. The prediction is one statement more; clearing
    answers, one more."""
    _, attempt_id, token, drawn = taking
    (q1, right1, _), (q2, _, wrong2), (q3, right3, _) = drawn[:3]
    extra = BEGIN[dialect(app)] + (dialect(app) == "sqlite")
    with statements() as sent:
        first = save(client, attempt_id, token, {q1: right1, q2: wrong2})
    assert first.status_code == 200 and first.json["saved"] == 2, first.get_data(as_text=True)
    assert len(sent) == 2 + extra, sent
    with statements() as sent:
        again = save(client, attempt_id, token, {q1: right1, q3: right3}, prediction=1234)  # one rewritten, one new
    assert again.status_code == 200 and again.json["saved"] == 3
    assert len(sent) == 3 + extra, sent
    with statements() as sent:
        cleared = save(client, attempt_id, token, {q2: None, q1: right1})
    assert cleared.status_code == 200 and cleared.json["saved"] == 2
    assert len(sent) == 3 + extra, sent
    with app.app_context():
        assert dict(_db.session.execute(select(Answer.question_id, Answer.option_id)
                                        .where(Answer.attempt_id == attempt_id)).all()) == {q1: right1, q3: right3}
        assert _db.session.get(Attempt, attempt_id).prediction == 1234


def test_a_save_writes_a_stale_session_mark_in_one_statement_more(app, client, statements, taking):
    user, attempt_id, token, drawn = taking
    (question, right, _) = drawn[0]
    long_ago = utcnow() - sessions.SEEN_EVERY - timedelta(minutes=1)
    mark_seen(app, user.id, long_ago)
    with statements() as sent:
        response = save(client, attempt_id, token, {question: right})
    assert response.status_code == 200
    assert len(sent) == 3 + BEGIN[dialect(app)] + (dialect(app) == "sqlite"), sent
    with app.app_context():
        assert _db.session.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == user.id)) > long_ago


@pytest.mark.parametrize("lost", ["ended", "idle", "deactivated"])
def test_the_save_refuses_at_once_a_login_ended_idle_or_of_a_deactivated_account(app, client, taking, lost):
    user, attempt_id, token, drawn = taking
    (question, right, _) = drawn[0]
    with app.app_context():
        if lost == "ended":
            sessions.end_all(_db.session.get(User, user.id), "all_devices", now=utcnow())
        elif lost == "idle":
            _db.session.execute(update(UserSession).where(UserSession.user_id == user.id)
                                .values(last_seen_at=utcnow() - sessions.idle_time()))
        else:
            _db.session.execute(update(User).where(User.id == user.id).values(active=False))
        _db.session.commit()
    response = save(client, attempt_id, token, {question: right})
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]
    with app.app_context():
        assert _db.session.scalar(select(Answer.option_id).where(Answer.attempt_id == attempt_id)) is None


def test_a_submit_is_one_locked_read_that_checks_the_login_one_upsert_and_one_scoring_statement(
        app, client, statements, taking):
    _, attempt_id, token, drawn = taking
    form = {"csrf_token": token, **{f"q{q}": right for q, right, _ in drawn[:5]}, "prediction": "77"}
    with statements() as sent:
        response = client.post(f"/luot-thi/{attempt_id}/nop", data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/luot-thi/{attempt_id}/ket-qua")
    assert len(sent) == 3 + BEGIN[dialect(app)], sent
    with app.app_context():
        attempt = _db.session.get(Attempt, attempt_id)
        assert (attempt.score, attempt.prediction) == (5, 77) and attempt.finished_at is not None
    with statements() as sent:  # again: the locked read finds it finished, nothing is written
        assert client.post(f"/luot-thi/{attempt_id}/nop", data=form).status_code == 302
    assert len(sent) == 1 + BEGIN[dialect(app)], sent


def test_a_submit_refuses_a_lost_login(app, client, taking):
    user, attempt_id, token, drawn = taking
    lose_login(app, user.id, "ended")
    response = client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": token})
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]
    with app.app_context():
        assert _db.session.get(Attempt, attempt_id).finished_at is None


def test_a_submit_writes_a_stale_session_mark_with_it(app, client, taking):
    user, attempt_id, token, drawn = taking
    long_ago = utcnow() - sessions.SEEN_EVERY - timedelta(minutes=1)
    mark_seen(app, user.id, long_ago)
    response = client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ket-qua")
    with app.app_context():
        assert _db.session.get(Attempt, attempt_id).finished_at is not None
        assert _db.session.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == user.id)) > long_ago


PAGES = {"page": "/luot-thi/{}", "result": "/luot-thi/{}/ket-qua"}


def lose_login(app, user_id, lost) -> None:
    with app.app_context():
        if lost == "ended":
            sessions.end_all(_db.session.get(User, user_id), "all_devices", now=utcnow())
        elif lost == "idle":
            _db.session.execute(update(UserSession).where(UserSession.user_id == user_id)
                                .values(last_seen_at=utcnow() - sessions.idle_time()))
        elif lost == "deactivated":
            _db.session.execute(update(User).where(User.id == user_id).values(active=False))
        else:
            _db.session.execute(update(User).where(User.id == user_id).values(must_change_password=True))
        _db.session.commit()


@pytest.mark.parametrize("page", PAGES)
def test_the_page_and_the_result_check_the_login_in_the_statement_that_reads_them(app, client, statements, taking,
                                                                                  page):
    """One statement reads the attempt with the account and checks the session (no user load
    before it): the page then reads its sheet; the result needs nothing more (before the round
    closes). A stale session mark is written by two more (a commit ends the read first)."""
    user, attempt_id, _, _ = taking
    if page == "result":
        client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": taking[2]})
    url = PAGES[page].format(attempt_id)
    with statements() as sent:
        response = client.get(url)
    shown = {"page": 'name="q', "result": "Số câu đúng"}[page]
    assert response.status_code == 200 and shown in response.get_data(as_text=True)
    assert len(sent) == {"page": 2, "result": 1}[page] + (dialect(app) == "sqlite"), sent
    long_ago = utcnow() - sessions.SEEN_EVERY - timedelta(minutes=1)
    mark_seen(app, user.id, long_ago)
    again = client.get(url)
    assert again.status_code == 200 and shown in again.get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(select(UserSession.last_seen_at).where(UserSession.user_id == user.id)) > long_ago


@pytest.mark.parametrize("lost", ["ended", "idle", "deactivated", "must_change"])
@pytest.mark.parametrize("page", PAGES)
def test_the_page_and_the_result_refuse_a_lost_login_and_send_a_temporary_password_to_be_changed(
        app, client, taking, page, lost):
    user, attempt_id, _, _ = taking
    lose_login(app, user.id, lost)
    response = client.get(PAGES[page].format(attempt_id))
    assert response.status_code == 302
    expected = "/tai-khoan/doi-mat-khau" if lost == "must_change" else "/dang-nhap"
    assert response.headers["Location"].startswith(expected), response.headers["Location"]
    with app.app_context():
        assert _db.session.get(Attempt, attempt_id).finished_at is None  # the result page finished nothing


def test_a_page_without_a_login_in_its_cookie_goes_to_the_login(app, taking):
    _, attempt_id, _, _ = taking
    anonymous = app.test_client()
    for url in PAGES.values():
        response = anonymous.get(url.format(attempt_id))
        assert response.status_code == 302 and response.headers["Location"].startswith("/dang-nhap"), url
