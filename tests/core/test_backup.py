"""``quiz backup FILE``: a consistent copy of a running SQLite database (SQLite's online backup)."""
from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa


def sqlite_path(app) -> str:
    return sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


def test_backup_copies_the_committed_data_while_a_writer_holds_its_transaction_open(app, runner, make_user, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's backup (PostgreSQL: pg_dump, see the README)")
    make_user(phone="0912000444")
    writer = sqlite3.connect(sqlite_path(app), isolation_level=None)  # another process of the site
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE users SET full_name = 'Chưa lưu' WHERE phone = '0912000444'")
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "sao-luu.db")])
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu" in result.output and "integrity_check: ok" in result.output
    copy = sqlite3.connect(tmp_path / "sao-luu.db")
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
        names = copy.execute("SELECT full_name FROM users WHERE phone = '0912000444'").fetchall()
        assert len(names) == 1 and names[0][0] != "Chưa lưu"  # committed data only
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone()  # the schema's version too
    finally:
        copy.close()
    assert not list(tmp_path.glob(".*.partial"))


def test_backup_never_overwrites_a_file(app, runner, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's backup")
    target = tmp_path / "cu.db"
    target.write_bytes(b"ban cu")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "đã có" in result.output
    assert target.read_bytes() == b"ban cu"


def test_backup_on_postgresql_points_to_pg_dump(app, runner, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("PostgreSQL's answer")
    result = runner.invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code == 1 and "pg_dump" in result.output
    assert not (tmp_path / "x.db").exists()
