"""Limits on guessing passwords and on registering, shared by every process through Redis.

- **Per account** (the normalised phone or CCCD, whether or not such an account exists, so the
  answer reveals nothing): ``LOGIN_ACCOUNT_FAILURES`` wrong passwords are allowed, then each
  further try waits ``LOGIN_LOCK_BASE_S``, doubling with every further failure up to
  ``LOGIN_LOCK_MAX_S``. The count starts again after ``LOGIN_FAILURE_WINDOW_S`` without a failure
  once the wait is over, and a successful login clears it.
- **Per address** (an IPv4 address; an IPv6 address by its /64, what one customer is given):
  only failures count, ``LOGIN_IP_FAILURES`` per ``LOGIN_FAILURE_WINDOW_S`` (a sliding window),
  so a school lab or a carrier's shared address logging in correctly is never held up.
- **Registration per address**: ``REGISTER_IP_LIMIT`` forms sent per hour, enough for a class.

Every function takes ``now`` (naive UTC), so the windows are tested without sleeping. The
counts live in Redis when ``REDIS_URL`` is set; when Redis is down or does not answer within
``LIMITS_REDIS_TIMEOUT_MS``, each process counts in its own memory (and says so in the log)
until Redis answers again: logging in keeps working either way.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from quiz.accounts.identity import lookup_keys
from quiz.errors import DomainError

log = logging.getLogger(__name__)

PREFIX = "quiz:limits:"
REGISTER_WINDOW_S = 3600
#: After Redis failed, how long each process counts in memory before it tries Redis again.
RETRY_REDIS_S = 30.0
#: The most keys a process keeps in memory while Redis is away (oldest dropped first).
MEMORY_KEYS = 100_000

State = list  # a JSON list of numbers


class Throttled(DomainError):
    """Too many tries: ``retry_after`` seconds to wait (the message says until when)."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Policy:
    account_failures: int = 10
    window_s: int = 900
    lock_base_s: int = 60
    lock_max_s: int = 900
    ip_failures: int = 300
    register_per_hour: int = 200

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(config["LOGIN_ACCOUNT_FAILURES"], config["LOGIN_FAILURE_WINDOW_S"], config["LOGIN_LOCK_BASE_S"],
                   config["LOGIN_LOCK_MAX_S"], config["LOGIN_IP_FAILURES"], config["REGISTER_IP_LIMIT"])

    def delay(self, failures: int) -> int:
        """The wait after ``failures`` wrong passwords in a row: none up to the allowance, then
        the base, doubling with each further failure, capped."""
        if failures < self.account_failures:
            return 0
        return min(self.lock_base_s * 2 ** min(failures - self.account_failures, 30), self.lock_max_s)

    def failures_within(self, seconds: int) -> int:
        """How many wrong passwords one account takes within ``seconds``, tried as fast as allowed."""
        count, at = self.account_failures, 0
        while True:
            at += self.delay(count)
            if at >= seconds:
                return count
            count += 1


# Keys --------------------------------------------------------------------------------------------

def account_key(identifier: str | None) -> str:
    """One key per account however it is typed: the normalised phone, else the CCCD, else the
    text itself (no account has it, but guessing it is counted all the same)."""
    phone, cccd = lookup_keys(identifier)
    return phone or cccd or " ".join((identifier or "").split())[:40].casefold()


def address_key(remote_addr: str | None) -> str:
    """An IPv4 address as it is; an IPv6 address by its /64 (an IPv4-mapped one as IPv4)."""
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return (remote_addr or "?")[:45]
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


# Storage: Redis, and each process's memory when Redis is away --------------------------------------

class MemoryStore:
    def __init__(self):
        self._data: dict[str, tuple[State, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> State | None:
        with self._lock:
            found = self._data.get(key)
            return found[0] if found and found[1] > time.monotonic() else None

    def update(self, key: str, change: Callable[[State | None], State | None], ttl_s: int) -> State | None:
        with self._lock:
            found = self._data.pop(key, None)
            new = change(found[0] if found and found[1] > time.monotonic() else None)
            if new is not None:
                self._data[key] = (new, time.monotonic() + ttl_s)
                while len(self._data) > MEMORY_KEYS:
                    self._data.pop(next(iter(self._data)))
            return new

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class RedisStore:
    def __init__(self, url: str, timeout_s: float):
        import redis

        self.errors = (redis.RedisError, OSError)
        self.redis = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                          retry_on_timeout=False)
        self._watch_error = redis.WatchError

    def get(self, key: str) -> State | None:
        raw = self.redis.get(key)
        return json.loads(raw) if raw else None

    def update(self, key: str, change: Callable[[State | None], State | None], ttl_s: int) -> State | None:
        """``change`` applied atomically (optimistic: WATCH, then MULTI; again on a conflict)."""
        with self.redis.pipeline() as pipe:
            for _ in range(50):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    new = change(json.loads(raw) if raw else None)
                    pipe.multi()
                    if new is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, json.dumps(new), ex=ttl_s)
                    pipe.execute()
                    return new
                except self._watch_error:
                    continue
        raise OSError(f"Redis: {key} changed 50 times in a row")


class Counters:
    """Redis when configured and answering, else this process's memory (logged once per outage)."""

    def __init__(self, redis_url: str | None, timeout_s: float):
        self.memory = MemoryStore()
        self.redis = RedisStore(redis_url, timeout_s) if redis_url else None
        self._redis_back_at = 0.0  # monotonic time before which Redis is not tried again

    def _run(self, op: str, *args):
        if self.redis is not None and time.monotonic() >= self._redis_back_at:
            try:
                result = getattr(self.redis, op)(*args)
            except self.redis.errors as error:
                if self._redis_back_at == 0.0:
                    log.warning("Redis không trả lời (%s: %s): giới hạn đăng nhập/đăng ký tạm đếm trong bộ nhớ "
                                "của từng tiến trình; thử lại Redis sau %g giây.", type(error).__name__, error,
                                RETRY_REDIS_S)
                self._redis_back_at = time.monotonic() + RETRY_REDIS_S
            else:
                if self._redis_back_at:
                    log.warning("Redis đã trả lời lại: giới hạn đăng nhập/đăng ký dùng chung qua Redis.")
                    self._redis_back_at = 0.0
                return result
        return getattr(self.memory, op)(*args)

    def get(self, key: str) -> State | None:
        return self._run("get", PREFIX + key)

    def update(self, key: str, change, ttl_s: int) -> State | None:
        return self._run("update", PREFIX + key, change, ttl_s)


def counters() -> Counters:
    """The app's counters, made on first use."""
    found = current_app.extensions.get("quiz_counters")
    if found is None:
        found = current_app.extensions["quiz_counters"] = Counters(
            current_app.config["REDIS_URL"], current_app.config["LIMITS_REDIS_TIMEOUT_MS"] / 1000)
    return found


def _enabled() -> bool:
    return bool(current_app.config["RATELIMIT_ENABLED"])


def _policy() -> Policy:
    return Policy.from_config(current_app.config)


def _ts(now: datetime) -> float:
    return now.replace(tzinfo=timezone.utc).timestamp()


# Sliding-window counters (this window's count and the last one's, weighted) -------------------------

def _window_count(state: State | None, ts: float, window: int) -> float:
    if not state:
        return 0.0
    bucket, previous, current = state
    now_bucket = int(ts // window)
    if bucket == now_bucket - 1:
        previous, current = current, 0
    elif bucket != now_bucket:
        return 0.0
    return previous * (1 - (ts % window) / window) + current


def _window_wait(state: State | None, ts: float, window: int, limit: int) -> int:
    """Seconds until the weighted count falls below ``limit`` (0: under it now)."""
    if _window_count(state, ts, window) < limit:
        return 0
    bucket, previous, current = state
    if bucket != int(ts // window):  # counted in the last window: it must fade out
        previous, current = current, 0
    into = ts % window
    if current >= limit or previous == 0:  # only the next window starts this one's count fading
        return math.floor(window - into + window * (1 - limit / max(current, 1))) + 1
    return max(1, math.floor(window * (1 - (limit - current) / previous) - into) + 1)


def _window_add(ts: float, window: int) -> Callable[[State | None], State]:
    def change(state: State | None) -> State:
        now_bucket = int(ts // window)
        if not state or state[0] < now_bucket - 1:
            return [now_bucket, 0, 1]
        bucket, previous, current = state
        if bucket == now_bucket - 1:
            return [now_bucket, current, 1]
        return [bucket, previous, current + 1]
    return change


# Logging in ------------------------------------------------------------------------------------------

def _account_wait(state: State | None, ts: float, policy: Policy) -> int:
    if not state:
        return 0
    failures, last = state
    return max(0, math.ceil(last + policy.delay(failures) - ts))


def login_wait(account: str, address: str, *, now: datetime) -> tuple[str, int] | None:
    """Why a login must wait and for how long: ("account" | "address", seconds), or None."""
    if not _enabled():
        return None
    policy, ts, store = _policy(), _ts(now), counters()
    wait = _account_wait(store.get(f"acct:{account}"), ts, policy)
    if wait:
        return "account", wait
    wait = _window_wait(store.get(f"ip:{address}"), ts, policy.window_s, policy.ip_failures)
    return ("address", wait) if wait else None


def login_failed(account: str, address: str, *, now: datetime) -> int:
    """Count a wrong password against the account and the address; the wait it now brings
    to the account (0: none yet)."""
    if not _enabled():
        return 0
    policy, ts, store = _policy(), _ts(now), counters()

    def add(state: State | None) -> State:
        failures, last = state or (0, 0.0)
        if ts >= last + policy.delay(failures) + policy.window_s:  # quiet long enough: a new count
            failures = 0
        return [failures + 1, ts]

    state = store.update(f"acct:{account}", add, policy.window_s + policy.lock_max_s)
    store.update(f"ip:{address}", _window_add(ts, policy.window_s), 2 * policy.window_s)
    return _account_wait(state, ts, policy)


def login_succeeded(account: str) -> None:
    if _enabled():
        counters().update(f"acct:{account}", lambda _state: None, 1)


def login(identifier: str, password: str, *, address: str, path: str, now: datetime):
    """``services.authenticate`` within the limits: the account, or BadCredentials / Throttled
    (telling until when) / the refusal of a locked account. Failures, lockouts and refused
    tries are recorded as security events (the identifier, never the password)."""
    from quiz.accounts import services
    from quiz.audit import security

    from quiz.extensions import db

    account, ip = account_key(identifier), address_key(address)
    waiting = login_wait(account, ip, now=now)
    if waiting:
        db.session.rollback()  # nothing read is kept; the event's own transaction must not wait for ours
        reason, wait = waiting
        if reason == "account":
            security.record("login_refused", now=now, ip=ip, path=path, account=account,
                            detail=f"còn phải chờ {wait} giây")
            raise Throttled(account_message(wait, now), wait)
        security.record("address_limited", now=now, ip=ip, path=path, account=account,
                        detail=f"còn phải chờ {wait} giây")
        raise Throttled(address_message(wait, now), wait)
    try:
        user = services.authenticate(identifier, password)
    except services.BadCredentials:
        db.session.rollback()  # a failed login writes nothing but its event, on a connection of its own
        wait = login_failed(account, ip, now=now)
        security.record("login_failed", now=now, ip=ip, path=path, account=account)
        if wait:
            security.record("account_locked", now=now, ip=ip, path=path, account=account,
                            detail=f"phải chờ {wait} giây")
            log.warning("Login for account %s locked for %d s after repeated failures (last from %s)",
                        account, wait, ip)
            raise Throttled(account_message(wait, now), wait) from None
        raise
    login_succeeded(account)
    return user


# Registering -------------------------------------------------------------------------------------------

def registration_sent(address: str, *, path: str, now: datetime) -> None:
    """Count a registration form sent from ``address``; Throttled (and a security event) when
    the hour's allowance is spent."""
    if not _enabled():
        return
    from quiz.audit import security

    address = address_key(address)
    policy, ts, store = _policy(), _ts(now), counters()
    wait = _window_wait(store.get(f"reg:{address}"), ts, REGISTER_WINDOW_S, policy.register_per_hour)
    if wait:
        security.record("register_limited", now=now, ip=address, path=path, detail=f"còn phải chờ {wait} giây")
        raise Throttled(_wait_message("Địa chỉ mạng này đã gửi quá nhiều lượt đăng ký.", wait, now), wait)
    store.update(f"reg:{address}", _window_add(ts, REGISTER_WINDOW_S), 2 * REGISTER_WINDOW_S)


# What the member is told ---------------------------------------------------------------------------------

def _wait_message(reason: str, seconds: int, now: datetime) -> str:
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    at = (now + timedelta(seconds=seconds)).replace(tzinfo=timezone.utc).astimezone(tz)
    minutes = math.ceil(seconds / 60)
    wait = f"{seconds} giây" if seconds < 60 else f"{minutes} phút"
    return f"{reason} Vui lòng thử lại sau {wait} (từ {at:%H:%M} ngày {at:%d/%m/%Y})."


def account_message(seconds: int, now: datetime) -> str:
    return _wait_message("Bạn đã nhập sai mật khẩu quá nhiều lần cho tài khoản này.", seconds, now)


def address_message(seconds: int, now: datetime) -> str:
    return _wait_message("Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này.", seconds, now)
