"""The limits on a real Redis: shared by every process; and when Redis is unreachable (a
closed port) or hung (a socket that accepts and never answers), logging in and registering
go on, counted in each process's memory, with a warning in the log. No mocks."""
import logging
import os
import secrets
import socket
import time
from datetime import datetime

import pytest

from conftest import post_form
from quiz.accounts import throttle

REDIS_URL = os.environ.get("QUIZ_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T = datetime(2026, 12, 2, 3, 0, 0)


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); set QUIZ_TEST_REDIS_URL to run these")
    return REDIS_URL


@pytest.fixture
def closed_port():
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def hung_server():
    """A server that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    sock.close()


@pytest.fixture
def config(config):
    config.update(RATELIMIT_ENABLED=True, LIMITS_REDIS_TIMEOUT_MS=100)
    return config


def fresh_account() -> str:
    return "09" + "".join(secrets.choice("0123456789") for _ in range(8))


def test_failures_counted_by_one_process_hold_another(app, ctx, redis_url):
    app.config["REDIS_URL"] = redis_url
    account = fresh_account()
    first = app.extensions["quiz_counters"] = throttle.Counters(redis_url, 0.2)
    for _ in range(10):
        throttle.login_failed(account, "10.0.0.1", now=T)
    app.extensions["quiz_counters"] = throttle.Counters(redis_url, 0.2)  # another process, same Redis
    assert throttle.login_wait(account, "10.0.0.2", now=T) == ("account", 60)
    throttle.login_succeeded(account)
    app.extensions["quiz_counters"] = first
    assert throttle.login_wait(account, "10.0.0.2", now=T) is None
    assert first.redis.get(throttle.PREFIX + f"acct:{account}") is None  # really in Redis, now cleared


@pytest.mark.parametrize("broken", ["closed_port", "hung_server"])
def test_logins_and_registration_go_on_without_redis(request, broken, app, root, make_user, caplog):
    app.config["REDIS_URL"] = request.getfixturevalue(broken)  # read when the counters are first used
    assert "quiz_counters" not in app.extensions
    make_user(phone="0912345678")
    client = app.test_client()
    caplog.set_level(logging.WARNING, logger="quiz.accounts.throttle")
    started = time.monotonic()
    r = post_form(client, "/dang-nhap", {"identifier": "0912345678", "password": "matkhau123"})
    assert r.status_code == 302
    client.delete_cookie("session")
    for _ in range(9):  # still limited, in this process's memory
        assert post_form(client, "/dang-nhap", {"identifier": "0912345678", "password": "sai"}).status_code == 401
    r = post_form(client, "/dang-nhap", {"identifier": "0912345678", "password": "sai"})
    assert r.status_code == 429
    form = {"full_name": "Trần Thị Bích", "birth_date": "1995-03-04", "gender": "nu", "category": "doan_vien",
            "unit_query": "ROOT", "password": "matkhau123", "password2": "matkhau123", "phone": "0933333333",
            "cccd": "001095000999"}
    assert post_form(client, "/dang-ky", form).status_code == 302
    assert time.monotonic() - started < 10  # Redis is not waited for on every request
    warnings = [r.getMessage() for r in caplog.records if "Redis không trả lời" in r.getMessage()]
    assert len(warnings) == 1 and "bộ nhớ" in warnings[0]


def test_a_hung_redis_costs_one_timeout_then_is_left_alone(app, ctx, hung_server):
    counters = app.extensions["quiz_counters"] = throttle.Counters(hung_server, 0.1)
    started = time.monotonic()
    throttle.login_failed("0912345678", "10.0.0.1", now=T)
    first = time.monotonic() - started
    assert 0.1 <= first < 2
    started = time.monotonic()
    for _ in range(20):
        throttle.login_wait("0912345678", "10.0.0.1", now=T)
    assert time.monotonic() - started < 0.5  # memory meanwhile, no second timeout
    assert counters.memory.get(throttle.PREFIX + "acct:0912345678") == [1, throttle._ts(T)]


def test_back_to_redis_when_it_answers_again(app, ctx, redis_url, monkeypatch):
    counters = app.extensions["quiz_counters"] = throttle.Counters(redis_url, 0.2)
    counters._redis_back_at = time.monotonic() - 1  # an outage that is over
    account = fresh_account()
    throttle.login_failed(account, "10.0.0.1", now=T)
    assert counters.redis.get(throttle.PREFIX + f"acct:{account}") == [1, throttle._ts(T)]
    assert counters._redis_back_at == 0.0
    throttle.login_succeeded(account)
