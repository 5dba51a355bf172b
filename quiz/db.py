"""The database layer: the declarative base and the engine's per-dialect set-up.

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys on.
A transaction that may write takes SQLite's write lock up front (``BEGIN IMMEDIATE``), so
two writers queue on the busy timeout instead of failing with "database is locked" when
both try to upgrade a read lock. Requests with a safe method (GET, HEAD, OPTIONS) begin
a plain deferred transaction so readers never queue behind writers.

PostgreSQL is never waited for without end (``postgresql_engine_options``, ``Deadline``):
connecting gives up after ``DB_CONNECT_TIMEOUT_S``; the server cancels a statement after
``DB_STATEMENT_TIMEOUT_S``; and since a server (or a network) that stops answering cancels
nothing — libpq has no read timeout — the client itself gives up waiting for any answer a
little after that (``Deadline``), closes the connection and raises ``NotAnswering``, which
SQLAlchemy sees as a disconnection: the connection is discarded, the pool is invalidated, and
the next request connects afresh (so the app recovers by itself when the database is back).
Freezing and exports take longer: ``long_statements`` raises both limits for their
transaction. ``quiz.web.errors`` answers every such failure (``unavailable``) with a 503.

Vietnamese order in SQL: people by a stored key (``PersonName.name_sort_key``, written with
the name, compared byte by byte), so that a list of people is an index's order; units by
``vietnamese_key``, computed row by row: SQLite calls ``quiz.text``'s own key through a
function registered on each connection; PostgreSQL compares word by word in its ICU
collation for Vietnamese.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import psycopg
from flask import has_request_context, request
from sqlalchemy import MetaData, String, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates
from sqlalchemy.sql.functions import FunctionElement

from quiz import text as _text

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


#: A string compared byte by byte on every database (PostgreSQL's default collation
#: ignores punctuation, which would break range scans over materialised paths).
BinaryString = String().with_variant(String(collation="C"), "postgresql")


def _name_key(full_name: str | None) -> str | None:
    return None if full_name is None else _text.name_sort_key(full_name)


def _inserted_name_key(context) -> str | None:
    return _name_key(context.get_current_parameters().get("full_name"))


class PersonName:
    """A model with a person's ``full_name`` keeps ``name_sort_key`` beside it: the name's
    Vietnamese order (given name first, ``quiz.text.name_sort_key``) as a string compared
    byte by byte (``BinaryString``), so that a list of people is ordered, and paged, by an
    index. The one writer of the key: set with the name through the ORM (in the constructor
    or later), and computed from the row for a Core ``insert(Model)`` that leaves it out.
    Only a Core UPDATE of ``full_name`` (or COPY) must write it itself."""

    name_sort_key: Mapped[str] = mapped_column(
        BinaryString, default=_inserted_name_key,
        comment="Khóa sắp xếp họ tên theo thứ tự tiếng Việt (tên trước), so từng byte")

    @validates("full_name")
    def _keep_name_sort_key(self, _field: str, full_name: str | None) -> str | None:
        self.name_sort_key = _name_key(full_name)
        return full_name


MAX_ID = 2**31 - 1  # the largest id a row can have (a PostgreSQL integer)


def utcnow() -> datetime:
    """The server's clock, as naive UTC (how every timestamp is stored)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


# Vietnamese order in SQL ---------------------------------------------------------------------

class vietnamese_key(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """A sort key for ORDER BY giving a text column the order of ``quiz.text.text_key`` (a
    unit's name), on SQLite and PostgreSQL, computed row by row: for the few thousand units
    of a tree. (People, who may be a million, are ordered by their stored key instead:
    ``PersonName.name_sort_key``, which an index holds.)

    SQLite: ``vn_text_key(column)``, registered on each connection (``configure_engine``) as
    ``quiz.text.text_sort_key``: exactly the Python order. PostgreSQL: the array of the
    words, lower-cased, each word's tone mark moved to its end (so hoà and hòa are one
    word), in the ICU collation "vi-x-icu" (letters a ă â … đ …, then tones ngang < huyền <
    hỏi < ngã < sắc < nặng); arrays compare word by word, shorter first, as the Python tuples
    do. Names are stored clean (``quiz.text.clean``: single spaces), which the PostgreSQL
    form relies on. Where ICU and ``quiz.text`` differ (letters that are not Vietnamese such
    as ü, the order of punctuation among itself) the two databases may differ; for
    Vietnamese names they agree. A PostgreSQL built without ICU has no "vi-x-icu": the words
    are then compared in the database's own collation (a warning is logged)."""

    type = String()
    name = "vietnamese_key"
    inherit_cache = True


_TONES = "[\u0300\u0301\u0303\u0309\u0323]"
VI_COLLATION = "vi-x-icu"


@compiles(vietnamese_key)
def _vietnamese_key_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    return f"vn_text_key({compiler.process(column, **kw)})"


@compiles(vietnamese_key, "postgresql")
def _vietnamese_key_postgresql(element, compiler, **kw):
    (column,) = list(element.clauses)
    text = compiler.process(column, **kw)
    words = f"string_to_array(lower(regexp_replace(normalize({text}, NFD), '({_TONES})([^ ]*)', '\\2\\1', 'g')), ' ')"
    collation = getattr(compiler.dialect, "vietnamese_collation", VI_COLLATION)
    return f'{words} COLLATE "{collation}"' if collation else words


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _begin_statement() -> str:
    if has_request_context() and request.method in _SAFE_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def _split_part(text: str | None, delimiter: str, n: int) -> str | None:
    """PostgreSQL's ``split_part`` for SQLite: the ``n``-th field (from 1), "" past the end."""
    if text is None:
        return None
    parts = text.split(delimiter)
    return parts[n - 1] if 1 <= n <= len(parts) else ""


def _null_safe(key):
    return lambda value: None if value is None else key(str(value))


# Never waiting for PostgreSQL without end -------------------------------------------------------

#: How much longer than the server's statement timeout the client waits for an answer: past
#: it the server is not answering at all (a cancelled statement answers with an error).
DEADLINE_MARGIN_S = 2.0


class NotAnswering(psycopg.OperationalError):
    """PostgreSQL (or the network to it) gave no answer before the client's deadline."""


class Deadline(psycopg.Connection):
    """A psycopg connection that waits for each answer (an execute, a fetch, a commit) at most
    ``deadline_s`` seconds. psycopg waits for the socket in ``Connection.wait``; this one
    passes it a timeout, and when it expires the connection, left in the middle of the
    protocol, is closed and ``NotAnswering`` raised: SQLAlchemy then finds the connection
    closed, which it treats as a disconnection (the connection is thrown away, never reused).

    The deadline in force (``Limits``): the connect timeout while the connection sits in the
    pool (the ping of a connection that sat idle, a ``SELECT 1``, must not wait as long as a
    statement), the statement timeout + ``DEADLINE_MARGIN_S`` once checked out, the long one in a transaction
    that asked for ``long_statements``; none where statements are unlimited."""

    deadline_s: float | None = None

    def wait(self, gen, interval=0.1, timeout=None):
        if timeout is not None or self.deadline_s is None:  # psycopg's own timed waits keep their meaning
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(gen, interval=interval, timeout=self.deadline_s)
        except psycopg.errors._WaitTimeout:  # noqa: SLF001 - psycopg's timeout of wait(), documented there
            self.pgconn.finish()
            raise NotAnswering(f"PostgreSQL không trả lời sau {self.deadline_s:g} giây; đã đóng kết nối.") from None


#: A pooled connection idle longer than this (seconds) is pinged (``SELECT 1``) when checked
#: out, and replaced if the server does not answer: after a restart or a network cut, the
#: connections that sat in the pool meanwhile are renewed before a request uses them. One busy
#: without a pause (under load, every connection is checked in and out again within
#: milliseconds) is not: a round trip per request was 29 % of a save's time under gunicorn.
#: A disconnection found by a statement invalidates the whole pool (SQLAlchemy), so a restart
#: under load costs that one request its 503 (the autosave sends its answers again).
PING_AFTER_IDLE_S = 2.0


def postgresql_engine_options(config: dict) -> dict:
    """The engine options for PostgreSQL: the pool (sizes, checkout timeout), the connect
    timeout, and TCP keepalives so an idle pooled connection to a vanished host is noticed.
    The statement timeout, the client's deadlines and the ping of a connection that sat idle
    (``PING_AFTER_IDLE_S``) are set on each connection."""
    return {"pool_size": config["DB_POOL_SIZE"], "max_overflow": config["DB_MAX_OVERFLOW"],
            "pool_timeout": config["DB_POOL_TIMEOUT_S"],
            "connect_args": {"connect_timeout": max(2, round(config["DB_CONNECT_TIMEOUT_S"])),
                             "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                             "keepalives_count": 3}}


@dataclass
class Limits:
    """An engine's time limits (seconds), read by its connections' events; ``statement_s`` None:
    statements are unlimited (the schema's migrations)."""

    connect_s: float
    statement_s: float | None
    long_s: float

    def deadline(self, statement_s: float | None) -> float | None:
        return None if statement_s is None else statement_s + DEADLINE_MARGIN_S


def _limits(engine: Engine) -> Limits | None:
    return getattr(engine, "quiz_limits", None)


def long_statements(session) -> None:
    """Give the rest of this transaction the long statement timeout (``SET LOCAL``) and the
    client's long deadline: for freezing a round and exports, which may run longer than a
    request's statements may. Nothing to do on SQLite (no statement timeout there)."""
    limits = _limits(session.get_bind())  # known before a transaction is begun (SQLite: none)
    if limits is None or limits.statement_s is None:
        return
    connection = session.connection()
    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(limits.long_s * 1000)}")
    dbapi = connection.connection.dbapi_connection
    if isinstance(dbapi, Deadline):
        dbapi.deadline_s = limits.deadline(limits.long_s)


def large_sorts(session) -> None:
    """For the rest of this transaction, on PostgreSQL: no incremental sorts. Freezing a round
    ranks each member's attempts with a window over (member, criteria); an index on (round,
    member) gives the member order, and the planner, which sees rows of one round stored
    together (``round_id``'s correlation is 1), reads the attempts through it member by member
    and sorts each member's few: 2,000,000 heap rows fetched at random, 2–3 × the time of one
    sequential scan and a sort in memory (BENCHMARKS.md, issue 12). Nothing to do on SQLite."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_incremental_sort = off")


def unlimited_statements(engine: Engine) -> None:
    """No statement timeout and no client deadline on this engine's connections from now on:
    for ``quiz init``, whose migrations may rebuild an index over millions of rows."""
    limits = _limits(engine)
    if limits is not None:
        limits.statement_s = None
        engine.dispose()


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot serve now (retry later), not a bug: no free
    connection in the pool, connecting failed or timed out, the server did not answer, a
    statement was cancelled by its timeout, the server is shutting down; on SQLite, the write
    lock not obtained within the busy timeout."""
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error.orig, psycopg.OperationalError):
        return True
    return isinstance(error, sa_exc.OperationalError) and any(
        word in str(error.orig).lower() for word in ("database is locked", "database is busy"))


def ping(engine: Engine, timeout_s: float) -> None:
    """Reach the database within about ``timeout_s`` seconds or raise: a new connection (not
    one from the pool, whose ping and checkout have their own, longer limits) and
    ``SELECT 1``. For the readiness check (``/healthz``)."""
    if engine.dialect.name != "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    cparams = {**cparams, "connect_timeout": max(2, round(timeout_s)), "autocommit": True}
    with Deadline.connect(*cargs, **cparams) as connection:
        connection.deadline_s = timeout_s
        connection.execute("SELECT 1")


def backup_sqlite(engine: Engine, target) -> int:
    """Copy the SQLite database to ``target`` while the site runs: SQLite's online backup, in
    one step, so the copy is one consistent moment (in WAL mode the writers go on meanwhile;
    what they have not committed is not in it). The copy is written beside ``target``, made a
    single self-contained file (journal mode DELETE), checked, then moved into place, so a
    failed backup never leaves a half-written file under that name. Returns its page count."""
    import os
    import sqlite3
    from pathlib import Path

    target = Path(target)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = engine.raw_connection()
    try:
        copy = sqlite3.connect(partial)
        try:
            source.driver_connection.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            (check,) = copy.execute("PRAGMA integrity_check").fetchone()
            (pages,) = copy.execute("PRAGMA page_count").fetchone()
        finally:
            copy.close()
        if check != "ok":
            raise RuntimeError(f"Bản sao lưu không toàn vẹn: {check}")
        os.replace(partial, target)
    finally:
        source.close()
        partial.unlink(missing_ok=True)
    return pages


def _configure_postgresql(engine: Engine, config: dict) -> None:
    limits = engine.quiz_limits = Limits(connect_s=float(config["DB_CONNECT_TIMEOUT_S"]),
                                         statement_s=float(config["DB_STATEMENT_TIMEOUT_S"]),
                                         long_s=float(config["DB_LONG_STATEMENT_TIMEOUT_S"]))

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        connection = Deadline.connect(*cargs, **cparams)
        connection.deadline_s = limits.deadline(limits.statement_s)
        return connection

    @event.listens_for(engine, "connect")
    def _statement_timeout(dbapi_connection, _record):
        milliseconds = 0 if limits.statement_s is None else int(limits.statement_s * 1000)
        dbapi_connection.execute(f"SET statement_timeout = {milliseconds}")
        dbapi_connection.commit()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("checked_in", 0.0) > PING_AFTER_IDLE_S:
            try:  # under the connect timeout set at checkin
                engine.dialect.do_ping(dbapi_connection)
            except psycopg.Error as error:  # the pool discards it and connects anew
                raise sa_exc.DisconnectionError(str(error)) from error
        dbapi_connection.deadline_s = limits.deadline(limits.statement_s)

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["checked_in"] = time.monotonic()
        if isinstance(dbapi_connection, Deadline):  # None once invalidated
            dbapi_connection.deadline_s = None if limits.statement_s is None else limits.connect_s


def configure_engine(engine: Engine, config: dict) -> None:
    """Attach the per-dialect connection set-up.

    PostgreSQL: the timeouts above. psycopg prepares a statement after a few runs, and
    PostgreSQL may then switch to a generic plan: the hot statements should (re-planning
    them doubled their database CPU); the subtree ranges, which must not, carry their ends
    as constants (``quiz.units.services.in_subtree``).
    """
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine, config)

        @event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_connection, _record):
            if not hasattr(engine.dialect, "vietnamese_collation"):
                found = dbapi_connection.execute("SELECT 1 FROM pg_collation WHERE collname = %s",
                                                 (VI_COLLATION,)).fetchone()
                if found is None:
                    log.warning("PostgreSQL has no collation %r (built without ICU): lists are sorted in the "
                                "database's own collation, not in Vietnamese order.", VI_COLLATION)
                engine.dialect.vietnamese_collation = VI_COLLATION if found else None
            dbapi_connection.commit()
        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(config['SQLITE_BUSY_TIMEOUT_MS'])}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
        dbapi_connection.create_function("vn_text_key", 1, _null_safe(_text.text_sort_key), deterministic=True)
        dbapi_connection.create_function("vn_fold", 1, _null_safe(_text.fold), deterministic=True)
        dbapi_connection.create_function("split_part", 3, _split_part, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(_begin_statement())
