"""/healthz (readiness: the database, and Redis when configured), /healthz/live (the process),
and which database errors are "unavailable, retry later" (503) rather than bugs (500).
Redis is the real one, reached through ``tests/faults.py``'s proxy."""
from __future__ import annotations

import sqlite3
import time

import pytest
import sqlalchemy as sa

from faults import FaultyProxy

REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def redis_proxy():
    with FaultyProxy(*REDIS) as proxy:
        yield proxy


@pytest.fixture
def config(config, redis_proxy):
    return {**config, "REDIS_URL": f"redis://127.0.0.1:{redis_proxy.port}/0", "HEALTH_TIMEOUT_S": 1,
            "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def app(app):
    def locked():
        raise sa.exc.OperationalError("UPDATE users SET …", {}, sqlite3.OperationalError("database is locked"))

    def broken_sql():
        raise sa.exc.OperationalError("SELECT * FROM khong_co", {}, sqlite3.OperationalError("no such table: khong_co"))

    app.add_url_rule("/_test/khoa", view_func=locked)
    app.add_url_rule("/api/_test/khoa", endpoint="api_locked", view_func=locked)
    app.add_url_rule("/_test/sql-sai", view_func=broken_sql)
    return app


def test_readiness_reaches_the_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readiness_is_503_when_redis_hangs_or_is_down_and_liveness_stays_200(client, redis_proxy):
    redis_proxy.hang()
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 3  # HEALTH_TIMEOUT_S, not Redis's default (none)
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"] == "ok" and body["redis"].startswith("lỗi")
    assert "127.0.0.1" not in str(body)  # no address in the answer
    assert client.get("/healthz/live").get_json() == {"status": "ok"}
    redis_proxy.refuse()
    assert client.get("/healthz").status_code == 503
    redis_proxy.forward()
    assert client.get("/healthz").status_code == 200


def test_sqlite_busy_past_its_timeout_is_a_503_page_with_retry_after(client):
    response = client.get("/_test/khoa")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    page = response.get_data(as_text=True)
    assert "Hệ thống đang bận" in page and "Lỗi 503" in page and "UPDATE" not in page
    assert 'href="/_test/khoa"' in page  # try again


def test_the_503_is_json_under_api(client):
    response = client.get("/api/_test/khoa")
    assert response.status_code == 503 and response.is_json
    assert response.get_json()["retry_after"] == 10 and "cơ sở dữ liệu" in response.get_json()["error"]


def test_a_database_error_that_is_a_bug_stays_a_500(client):
    response = client.get("/_test/sql-sai")
    assert response.status_code == 500 and "khong_co" not in response.get_data(as_text=True)
