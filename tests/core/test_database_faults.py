"""PostgreSQL failing under the app, for real: the app reaches the test database through a TCP
proxy (``tests/faults.py``) that the test makes stop answering (hang) or refuse connections,
then forward again. No mock: psycopg, the pool and the server are the real ones. The timeouts
are short here (connect 2 s, the least libpq takes; statements 1 s, so the client's deadline
is 3 s); ``scripts/db_fault_drill.py`` measures the defaults."""
from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from conftest import _empty_tables, csrf_token
from faults import FaultyProxy
import quiz.db
from quiz import create_app
from quiz.db import NotAnswering, long_statements, unavailable, unlimited_statements, utcnow
from quiz.extensions import db as _db

UTC = ZoneInfo("UTC")
SHORT = {"DB_CONNECT_TIMEOUT_S": 2, "DB_STATEMENT_TIMEOUT_S": 1, "DB_LONG_STATEMENT_TIMEOUT_S": 4,
         "DB_POOL_TIMEOUT_S": 1, "HEALTH_TIMEOUT_S": 1}
BUSY = "Hệ thống đang bận hoặc không kết nối được cơ sở dữ liệu"


@pytest.fixture
def proxy(database):
    if not database.startswith("postgresql"):
        pytest.skip("PostgreSQL's failures (SQLite is a file: it has its busy timeout)")
    url = sa.engine.make_url(database)
    with FaultyProxy(url.host, url.port or 5432) as running:
        running.url = url.set(port=running.port).render_as_string(hide_password=False)
        yield running


@pytest.fixture
def config(config):
    return {**config, **SHORT, "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def app(proxy, config, tmp_path):
    """The app on the test database, through the proxy (the conftest's factories use it)."""
    app = create_app({"TESTING": True, "DATABASE_URL": proxy.url, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "test", **config})
    yield app
    proxy.forward()
    with app.app_context():
        _db.session.rollback()
        # The server's end of a connection the client gave up on lives until the proxy passes
        # the close on: the clean-up may wait for its locks longer than the test's 1 s.
        unlimited_statements(_db.engine)
        try:
            _empty_tables()
        finally:
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def member(make_user, auth):
    """A signed-in member: every page loads them from the database."""
    make_user(phone="0912000333")
    assert auth.login("0912000333").status_code == 302


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def text(response) -> str:
    return response.get_data(as_text=True)


def assert_busy_page(response):
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert BUSY in text(response) and '<html lang="vi">' in text(response)
    assert response.headers["Retry-After"].isdigit()


def test_a_hung_database_answers_the_vietnamese_503_page_in_seconds_and_the_app_recovers(client, member, proxy):
    assert client.get("/").status_code == 200  # a connection is in the pool now
    proxy.hang()
    response, first = timed(lambda: client.get("/"))
    assert_busy_page(response)
    # the statement's deadline (or an idle connection's ping, after DB_CONNECT_TIMEOUT_S), then connecting anew
    assert 2 <= first < 6, first
    response, again = timed(lambda: client.get("/tai-khoan"))
    assert_busy_page(response)
    assert 2 <= again < 4, again  # the broken connection is gone: only the new connection waits
    proxy.forward()
    accepted = proxy.accepted
    response = client.get("/tai-khoan")  # the same app, not restarted
    assert response.status_code == 200 and "0912000333" in text(response)
    assert proxy.accepted > accepted  # on a new connection


def test_a_statement_waiting_for_a_hung_server_is_given_up_and_its_connection_discarded(app, proxy):
    with app.app_context():
        assert _db.session.execute(sa.text("SELECT 1")).scalar() == 1  # checked out, deadline 3 s
        proxy.hang()
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError) as failure:
            _db.session.execute(sa.text("SELECT 2"))
        waited = time.monotonic() - started
        assert 2.5 <= waited < 5, waited  # DB_STATEMENT_TIMEOUT_S + 2 s, not forever
        assert isinstance(failure.value.orig, NotAnswering) and failure.value.connection_invalidated
        assert unavailable(failure.value)
        _db.session.rollback()
        proxy.forward()
        assert _db.session.execute(sa.text("SELECT 3")).scalar() == 3


def test_an_unreachable_database_answers_503_at_once_and_the_app_recovers(app, client, member, proxy):
    assert client.get("/").status_code == 200
    proxy.refuse()  # the server is down: the pooled connection is cut, new ones are refused
    response, took = timed(lambda: client.get("/"))
    assert_busy_page(response)
    assert took < 2, took
    balancer = app.test_client()  # no session cookie, as a load balancer
    health = balancer.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"
    assert health.get_json()["database"].startswith("lỗi")
    proxy.forward()
    assert client.get("/").status_code == 200
    assert balancer.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_a_connection_that_sat_idle_through_a_restart_is_pinged_and_replaced(app, client, member, proxy,
                                                                               monkeypatch):
    assert client.get("/").status_code == 200  # a connection is in the pool now
    proxy.refuse()  # the server goes away and comes back while the connection sits in the pool
    proxy.forward()
    monkeypatch.setattr(quiz.db, "PING_AFTER_IDLE_S", 0.0)  # it has sat idle long enough
    accepted = proxy.accepted
    assert client.get("/tai-khoan").status_code == 200  # no 503: the ping found it dead
    assert proxy.accepted > accepted


def test_the_autosave_answers_json_503_and_takes_the_answers_sent_again(app, client, member, make_contest, proxy):
    from quiz.attempts.models import Answer, AttemptQuestion
    from quiz.banks.models import QuestionOption

    now = utcnow()
    make_contest(slug="dang-mo", round=[{"name": "Tuần 1", "opens": (now - timedelta(hours=1)).replace(tzinfo=UTC).isoformat(),
                                         "closes": (now + timedelta(days=1)).replace(tzinfo=UTC).isoformat()}])
    started = client.post("/cuoc-thi/dang-mo/bat-dau", data={"csrf_token": csrf_token(client, "/cuoc-thi/dang-mo/bat-dau")})
    attempt_id = int(re.fullmatch(r"/luot-thi/(\d+)", started.headers["Location"]).group(1))
    token = csrf_token(client, f"/luot-thi/{attempt_id}")
    with app.app_context():
        question = _db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)).first()
        option = _db.session.scalars(select(QuestionOption.id).where(QuestionOption.question_id == question.question_id)).first()
    body = json.dumps({"answers": {str(question.question_id): option}})

    def save():
        return client.post(f"/api/luot-thi/{attempt_id}/luu", data=body, content_type="application/json",
                           headers={"X-CSRFToken": token, "Accept": "application/json"})

    proxy.hang()
    response, took = timed(save)
    assert response.status_code == 503 and response.is_json and took < 6
    assert BUSY in response.get_json()["error"] and response.headers["Retry-After"]
    proxy.forward()
    assert save().status_code == 200  # what static/js/attempt.js does: it kept the answer and sends it again
    with app.app_context():
        assert _db.session.scalars(select(Answer.option_id).where(Answer.attempt_id == attempt_id)).all() == [option]


def test_no_free_connection_in_the_pool_answers_503(app, client, member, proxy, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": proxy.url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **SHORT, "PROPAGATE_EXCEPTIONS": False,
                      "DB_POOL_SIZE": 1, "DB_MAX_OVERFLOW": 0})
    with app.app_context():
        engine = _db.engine
    held = engine.connect()  # the only connection, taken
    try:
        response, took = timed(lambda: app.test_client().get("/"))
    finally:
        held.close()
    assert_busy_page(response)
    assert 0.9 <= took < 3, took  # DB_POOL_TIMEOUT_S
    assert app.test_client().get("/").status_code == 200
    engine.dispose()


def test_a_long_statement_is_cut_by_the_server_but_freezing_and_exports_may_take_longer(app, proxy):
    with app.app_context():
        with pytest.raises(sa.exc.OperationalError) as cancelled:
            _db.session.execute(sa.text("SELECT pg_sleep(1.5)"))  # past DB_STATEMENT_TIMEOUT_S = 1
        assert "statement timeout" in str(cancelled.value) and unavailable(cancelled.value)
        _db.session.rollback()
        long_statements(_db.session)  # what freezing and the exports do
        assert _db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "4s"
        _db.session.execute(sa.text("SELECT pg_sleep(3.5)"))  # longer than the normal client deadline too
        _db.session.commit()
        assert _db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "1s"  # only that transaction


def test_readiness_fails_fast_on_a_hung_database_while_liveness_answers(client, proxy):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
    proxy.hang()
    response, took = timed(lambda: client.get("/healthz"))
    assert response.status_code == 503 and response.get_json()["database"].startswith("lỗi")
    assert took < 3, took  # a new connection with HEALTH_TIMEOUT_S (libpq connects in at least 2 s)
    response, took = timed(lambda: client.get("/healthz/live"))
    assert response.status_code == 200 and response.get_json() == {"status": "ok"} and took < 0.5
    proxy.forward()
    assert client.get("/healthz").status_code == 200


def test_freezing_and_exports_run_with_the_long_statement_timeout(app, closed_contest):
    from quiz.contests.models import Contest, Round
    from quiz.rankings import services as rankings
    from quiz.reports import exports
    from quiz.units.models import Unit

    contest_id, round_id, _users = closed_contest
    with app.app_context():
        contest, round_ = _db.session.get(Contest, contest_id), _db.session.get(Round, round_id)
        assert rankings.freeze(round_, contest, now=utcnow()) == 3
        assert _db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "4s"
        _db.session.commit()
        assert _db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "1s"
        _db.session.commit()
        root = _db.session.scalars(select(Unit).where(Unit.parent_id.is_(None))).first()
        rows = list(exports.individual(contest, root, None, utcnow()).rows)
        assert len(rows) == 3
        assert _db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "4s"
        _db.session.rollback()


def test_quiz_init_runs_the_migrations_without_a_statement_timeout(app, runner):
    from quiz.db import Deadline, unlimited_statements

    with app.app_context():
        unlimited_statements(_db.engine)  # what `quiz init` does before upgrading
        assert _db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
        dbapi = _db.session.connection().connection.dbapi_connection
        assert isinstance(dbapi, Deadline) and dbapi.deadline_s is None
        _db.session.rollback()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0 and "lược đồ mới nhất" in result.output
