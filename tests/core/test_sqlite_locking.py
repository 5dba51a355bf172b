"""SQLite, the embedded default: WAL, foreign keys, a busy timeout, and write transactions
that take the write lock up front (BEGIN IMMEDIATE), so two writers queue instead of one
failing with "database is locked" or overwriting the other's update.

SQLite only: on the PostgreSQL run each test skips itself.
"""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from quiz import create_app
from quiz.extensions import db as _db
from quiz.units.models import Unit


@pytest.fixture
def sqlite_only(database):
    if not database.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has its own locking")
    return database


def sqlite_path(url: str) -> str:
    return sa.make_url(url).database


def statements(engine):
    """Record every SQL statement sent on ``engine`` (including the BEGIN the listener emits)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def other_writer_is_locked_out(url: str) -> bool:
    """Whether a second, independent connection cannot take the write lock right now."""
    conn = sqlite3.connect(sqlite_path(url), timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


# -- connection settings ---------------------------------------------------------------------------

def test_connection_pragmas(sqlite_only, db):
    pragma = lambda name: db.session.execute(sa.text(f"PRAGMA {name}")).scalar()  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") == 10000
    assert pragma("synchronous") == 1  # NORMAL: safe with WAL, far fewer fsyncs


def test_every_pooled_connection_gets_the_pragmas(sqlite_only, app):
    with app.app_context():
        one, two = _db.engine.raw_connection(), _db.engine.raw_connection()  # two at once: two connections
        try:
            for conn in (one, two):
                cursor = conn.cursor()
                assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
                assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
                assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                cursor.close()
        finally:
            one.close()
            two.close()


@pytest.fixture
def short_timeout(config):
    config["SQLITE_BUSY_TIMEOUT_MS"] = 2500


def test_busy_timeout_follows_the_setting(sqlite_only, short_timeout, db):
    assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 2500


# -- how transactions begin ------------------------------------------------------------------------

def test_a_transaction_outside_requests_begins_immediate(sqlite_only, db):
    seen = statements(db.engine)
    db.session.execute(sa.select(sa.func.count()).select_from(Unit)).scalar()
    assert seen[0] == "BEGIN IMMEDIATE"
    assert other_writer_is_locked_out(sqlite_only)  # the write lock is held from the first read
    db.session.commit()
    assert not other_writer_is_locked_out(sqlite_only)


@pytest.mark.parametrize("method, begin", [("POST", "BEGIN IMMEDIATE"), ("PUT", "BEGIN IMMEDIATE"),
                                           ("DELETE", "BEGIN IMMEDIATE"), ("GET", "BEGIN"), ("HEAD", "BEGIN")])
def test_requests_begin_by_method(sqlite_only, app, method, begin):
    """Reads (safe methods) begin a deferred transaction and never queue behind writers."""
    with app.test_request_context("/", method=method):
        seen = statements(_db.engine)
        _db.session.execute(sa.select(sa.func.count()).select_from(Unit)).scalar()
        assert seen[0] == begin
        assert other_writer_is_locked_out(sqlite_only) is (begin == "BEGIN IMMEDIATE")
        _db.session.rollback()


def test_foreign_keys_are_on_in_a_fresh_connection(sqlite_only, app):
    """Through the app's engine a dangling reference is refused (PRAGMA foreign_keys is off by
    default in SQLite, per connection)."""
    with app.app_context():
        with _db.engine.connect() as conn:
            with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
                conn.execute(sa.insert(Unit).values(code="X", name="X", path="/x/", depth=1, parent_id=999999,
                                                    headcount=0, kind="", search_key=""))


# -- two writers at once ---------------------------------------------------------------------------

def bump_concurrently(url: str, tmp_path, n: int, pause: float) -> tuple[list[int], list[BaseException]]:
    """``n`` threads, each with an app (and engine) of its own, read the COUNTER unit's headcount,
    pause, and write it back plus one. Returns the values read and any errors."""
    apps = [create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / f"t{i}"),
                        "SECRET_KEY": "test"}) for i in range(n)]
    start = threading.Barrier(n)
    read: list[int] = []
    errors: list[BaseException] = []

    def worker(app):
        try:
            with app.app_context():
                start.wait(timeout=10)
                counter = _db.session.scalars(sa.select(Unit).where(Unit.code == "COUNTER")).one()
                value = counter.headcount
                time.sleep(pause)
                counter.headcount = value + 1
                _db.session.commit()
                read.append(value)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for app in apps:
        with app.app_context():
            _db.engine.dispose()
    return read, errors


def counter_value(app) -> int:
    with app.app_context():
        return _db.session.scalars(sa.select(Unit.headcount).where(Unit.code == "COUNTER")).one()


def test_two_writers_queue_and_both_updates_count(sqlite_only, app, make_unit, tmp_path):
    make_unit("COUNTER", headcount=5)
    read, errors = bump_concurrently(sqlite_only, tmp_path, n=2, pause=0.3)
    assert errors == []  # no "database is locked"
    assert sorted(read) == [5, 6]  # the second writer read after the first one committed
    assert counter_value(app) == 7  # no lost update


def test_many_writers_queue(sqlite_only, app, make_unit, tmp_path):
    make_unit("COUNTER", headcount=0)
    read, errors = bump_concurrently(sqlite_only, tmp_path, n=6, pause=0.05)
    assert errors == []
    assert sorted(read) == list(range(6))
    assert counter_value(app) == 6


def test_without_begin_immediate_the_race_is_lost(sqlite_only, app, make_unit, tmp_path, monkeypatch):
    """The control experiment: with SQLite's default deferred BEGIN the same two writers both
    read 5, and the second one's write fails ("database is locked") or overwrites the first."""
    import quiz.db

    monkeypatch.setattr(quiz.db, "_begin_statement", lambda: "BEGIN")
    make_unit("COUNTER", headcount=5)
    read, errors = bump_concurrently(sqlite_only, tmp_path, n=2, pause=0.3)
    assert errors or counter_value(app) < 7
    assert all("database is locked" in str(error) for error in errors), errors
