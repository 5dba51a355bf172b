"""The database layer: the declarative base and the engine's per-dialect set-up.

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys on.
A transaction that may write takes SQLite's write lock up front (``BEGIN IMMEDIATE``), so
two writers queue on the busy timeout instead of failing with "database is locked" when
both try to upgrade a read lock. Requests with a safe method (GET, HEAD, OPTIONS) begin
a plain deferred transaction so readers never queue behind writers.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import has_request_context, request
from sqlalchemy import MetaData, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

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


MAX_ID = 2**31 - 1  # the largest id a row can have (a PostgreSQL integer)


def utcnow() -> datetime:
    """The server's clock, as naive UTC (how every timestamp is stored)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _begin_statement() -> str:
    if has_request_context() and request.method in _SAFE_METHODS:
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """Attach the per-dialect connection set-up.

    PostgreSQL: psycopg prepares a statement after a few runs, and PostgreSQL may then
    switch to a generic plan; for subtree ranges that plan cannot tell a cell (a few rows)
    from the whole province (all of them) and picks a nested loop that is 10× slower on
    the large case. Custom plans are cheap here, so they are forced.
    """
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_connection, _record):
            dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
            dbapi_connection.commit()
        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(_begin_statement())
