"""Limits on logging in and registering: per account (growing wait), per address (failures
only, IPv6 by /64), registration per address; the windows tested with a given ``now``."""
import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import post_form
from quiz.accounts import throttle
from quiz.accounts.throttle import Policy, Throttled, account_key, address_key
from quiz.audit.models import SecurityEvent
from quiz.db import utcnow
from quiz.extensions import db as _db

T = datetime(2026, 12, 2, 3, 0, 0)  # 10:00 in Hà Nội


@pytest.fixture
def config(config):
    config.update(RATELIMIT_ENABLED=True)
    return config


def fail(n, account="0912345678", address="10.0.0.1", at=T):
    return [throttle.login_failed(account, address, now=at) for _ in range(n)]


# The keys ------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["0912345678", "0912 345 678", "+84 912 345 678", "0084912345678"])
def test_one_account_however_it_is_typed(typed):
    assert account_key(typed) == "0912345678"


def test_an_identifier_that_is_no_account_is_still_a_key():
    assert account_key("001 095 000 123") == "001095000123"
    assert account_key("  Ai  Đó ") == "ai đó"


@pytest.mark.parametrize("remote, key", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),          # same customer, same key
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),          # the next /64 is another one
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("not an address", "not an address"),
    (None, "?"),
])
def test_addresses_are_keyed_ipv4_whole_ipv6_by_its_64(remote, key):
    assert address_key(remote) == key


# The policy ------------------------------------------------------------------------------------

def test_the_wait_grows_after_the_allowance_and_is_capped():
    policy = Policy()
    assert [policy.delay(n) for n in range(9, 16)] == [0, 60, 120, 240, 480, 900, 900]
    assert policy.failures_within(900) == 13   # 10 at once, then after 1, 3 and 7 minutes
    assert policy.failures_within(3600) == 16


# Per account -----------------------------------------------------------------------------------

def test_ten_failures_then_a_wait_that_doubles(ctx):
    assert fail(9) == [0] * 9
    assert throttle.login_wait("0912345678", "10.0.0.1", now=T) is None
    assert fail(1) == [60]
    assert throttle.login_wait("0912345678", "10.0.0.9", now=T + timedelta(seconds=30)) == ("account", 30)
    later = T + timedelta(seconds=60)
    assert throttle.login_wait("0912345678", "10.0.0.9", now=later) is None
    assert fail(1, address="10.0.0.9", at=later) == [120]
    assert throttle.login_wait("0912345678", "10.0.0.1", now=later + timedelta(seconds=119)) == ("account", 1)
    assert throttle.login_wait("0999999999", "10.0.0.1", now=later) is None  # another account is not held


def test_the_count_starts_again_after_a_quiet_window(ctx):
    fail(9)
    fail(1, at=T + timedelta(seconds=899))                 # the 10th inside the window: a wait
    assert throttle.login_wait("0912345678", "10.0.0.1", now=T + timedelta(seconds=900)) == ("account", 59)
    quiet = T + timedelta(seconds=899 + 60 + 900)             # after the wait, a window without failures
    assert fail(9, at=quiet) == [0] * 9


def test_failures_spread_out_are_forgotten(ctx):
    for minute in range(0, 16 * 20, 16):  # one every 16 minutes, twenty of them
        assert fail(1, at=T + timedelta(minutes=minute)) == [0]


def test_a_wrong_password_for_no_account_counts_too(client, root, make_user):
    make_user(phone="0912345678")
    for _ in range(9):
        assert login(client, "0999999999", "sai").status_code == 401
    r = login(client, "0999 999 999", "sai")
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    page = r.get_data(as_text=True)
    assert "Bạn đã nhập sai mật khẩu quá nhiều lần cho tài khoản này. Vui lòng thử lại sau 1 phút" in page


def login(client, identifier="0912345678", password="matkhau123", address=None):
    if address:
        client.environ_base["REMOTE_ADDR"] = address
    return post_form(client, "/dang-nhap", {"identifier": identifier, "password": password})


def test_many_addresses_get_ten_guesses_then_the_member_is_told_when(app, root, make_user):
    make_user(phone="0912345678")
    for i in range(10):
        r = login(app.test_client(), password=f"doan{i}", address=f"198.51.100.{i + 1}")
    assert r.status_code == 429
    r = login(app.test_client(), address="198.51.100.200")  # even the right password waits now
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert "Vui lòng thử lại sau 1 phút (từ" in page and "Too Many Requests" not in page
    assert int(r.headers["Retry-After"]) <= 60


def test_a_successful_login_clears_the_account(client, root, make_user):
    make_user(phone="0912345678")
    for _ in range(9):
        login(client, password="sai")
    assert login(client).status_code == 302
    other = client.application.test_client()
    for _ in range(9):
        assert login(other, password="sai").status_code == 401  # nine more before any wait


# Per address -----------------------------------------------------------------------------------

@pytest.fixture
def lab(config):
    config.update(LOGIN_IP_FAILURES=5)
    return config


def test_only_failures_count_per_address(lab, client, root, make_user):
    make_user(phone="0912345678")
    for _ in range(40):  # a lab logging in correctly, again and again
        assert login(client).status_code == 302
        client.delete_cookie("session")
    for i in range(4):
        assert login(client, f"09000000{i:02d}", "sai").status_code == 401
    assert login(client).status_code == 302
    client.delete_cookie("session")
    assert login(client, "0900000099", "sai").status_code == 401   # the 5th failure from here
    r = login(client)
    assert r.status_code == 429 and "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này." in r.get_data(as_text=True)
    assert login(client, address="10.9.9.9").status_code == 302    # another address is not held


def test_two_hundred_members_from_one_address_all_get_in(client, root, make_user):
    members = [make_user(phone=f"0930000{i:03d}") for i in range(200)]
    admitted = 0
    for i, member in enumerate(members):
        if i % 4 == 0:  # a typo now and then
            assert login(client, member.phone, "matkhau12").status_code == 401
        admitted += login(client, member.phone).status_code == 302
        client.delete_cookie("session")
    assert admitted == 200


def test_the_address_window_slides(lab, ctx):
    for i in range(5):
        throttle.login_failed(f"09000000{i:02d}", "10.0.0.1", now=T)
    wait = throttle.login_wait("0912345678", "10.0.0.1", now=T)
    assert wait[0] == "address" and 0 < wait[1] <= 2 * 900
    after = T + timedelta(seconds=wait[1])
    assert throttle.login_wait("0912345678", "10.0.0.1", now=after) is None
    assert throttle.login_wait("0912345678", "10.0.0.1", now=after - timedelta(seconds=2)) is not None
    assert throttle.login_wait("0912345678", "10.0.0.2", now=T) is None


def test_ipv6_neighbours_in_one_64_share_the_count(lab, ctx):
    for i in range(5):
        throttle.login_failed("0912345678" if i else "0900000000", address_key(f"2001:db8::{i + 1}"), now=T)
    assert throttle.login_wait("0911111111", address_key("2001:db8::ffff"), now=T)[0] == "address"
    assert throttle.login_wait("0911111111", address_key("2001:db8:0:1::1"), now=T) is None


# Registration ----------------------------------------------------------------------------------

FORM = {"full_name": "Trần Thị Bích", "birth_date": "1995-03-04", "gender": "nu", "category": "doan_vien",
        "unit_query": "ROOT", "password": "matkhau123", "password2": "matkhau123"}


def test_a_class_registers_from_one_address(client, app, root):
    for i in range(45):
        r = post_form(client, "/dang-ky", {**FORM, "phone": f"09400000{i:02d}", "cccd": f"0010950001{i:02d}"})
        assert r.status_code == 302, r.get_data(as_text=True)[:400]
        client.delete_cookie("session")


def test_registration_per_address_is_limited_in_vietnamese(config, client, app, root):
    app.config["REGISTER_IP_LIMIT"] = 3
    for i in range(3):
        assert post_form(client, "/dang-ky", {**FORM, "password2": "khac", "phone": "0912345678",
                                              "cccd": "001095000123"}).status_code == 422
    r = post_form(client, "/dang-ky", {**FORM, "phone": "0912345678", "cccd": "001095000123"})
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert "Địa chỉ mạng này đã gửi quá nhiều lượt đăng ký. Vui lòng thử lại sau" in r.get_data(as_text=True)
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert post_form(client, "/dang-ky", {**FORM, "phone": "0912345678", "cccd": "001095000123"}).status_code == 302


def test_registration_window_is_an_hour(ctx, app):
    app.config["REGISTER_IP_LIMIT"] = 2
    for _ in range(2):
        throttle.registration_sent("10.0.0.1", path="/dang-ky", now=T)
    with pytest.raises(Throttled) as refused:
        throttle.registration_sent("10.0.0.1", path="/dang-ky", now=T + timedelta(minutes=30))
    assert 0 < refused.value.retry_after <= 2 * 3600
    throttle.registration_sent("10.0.0.1", path="/dang-ky", now=T + timedelta(seconds=refused.value.retry_after,
                                                                              minutes=30))


# Switched off -----------------------------------------------------------------------------------

def test_the_limits_can_be_switched_off(ctx, app):
    app.config["RATELIMIT_ENABLED"] = False
    assert fail(50) == [0] * 50
    assert throttle.login_wait("0912345678", "10.0.0.1", now=T) is None


# Behind a proxy that was not declared ------------------------------------------------------------

def test_forwarded_for_without_trusted_proxies_is_warned_of_once(app, client, caplog):
    caplog.set_level(logging.WARNING)
    client.get("/dang-nhap")
    assert not [r for r in caplog.records if "X-Forwarded-For" in r.getMessage()]
    for _ in range(3):
        client.get("/dang-nhap", headers={"X-Forwarded-For": "203.0.113.5"})
    warnings = [r.getMessage() for r in caplog.records if "X-Forwarded-For" in r.getMessage()]
    assert len(warnings) == 1 and "QUIZ_TRUSTED_PROXIES" in warnings[0]


@pytest.fixture
def proxied(config):
    config.update(TRUSTED_PROXIES=1)
    return config


def test_behind_a_declared_proxy_the_limits_see_each_member(proxied, app, client, root, make_user, caplog):
    make_user(phone="0912345678")
    caplog.set_level(logging.WARNING)
    for i in range(10):
        r = post_form(client, "/dang-nhap", {"identifier": "0912345678", "password": "sai"},
                      headers={"X-Forwarded-For": f"203.0.113.{i + 1}"})
    assert r.status_code == 429
    with app.app_context():
        assert throttle.login_wait("0999999999", "203.0.113.10", now=utcnow()) is None
        events = _db.session.scalars(select(SecurityEvent.ip).where(SecurityEvent.kind == "login_failed")).all()
    assert sorted(events) == sorted(f"203.0.113.{i + 1}" for i in range(10))
    assert not [r for r in caplog.records if "X-Forwarded-For" in r.getMessage()]
