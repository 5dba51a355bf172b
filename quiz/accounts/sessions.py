"""Sessions known to the server. No HTTP here; the caller commits.

A login is a ``UserSession`` row: the browser's (signed) session cookie carries a random
token, the row its SHA-256, so the table alone opens no account. A session is live while it
has not ended and was seen within the idle time (``QUIZ_SESSION_IDLE_HOURS``). Every app
instance reads the same rows, so a session ended on one is ended on all.

- ``start`` at every login (a new token each time: nothing from before survives);
- ``current``: the account and its live session for a token, in ONE statement (it runs on
  every page); ``seen`` writes ``last_seen_at``, but only when it is ``stale``, once every
  ``SEEN_EVERY`` (an autosave keeps a session alive without a write per request);
- ``Key`` and ``checked``: for a hot statement that checks the session itself (the autosave's
  attempt lock joins the session and the account: no statement of its own for the login);
- ``end`` (logout), ``end_all`` (a password change keeps the current one; a reset, a lock
  and "đăng xuất mọi thiết bị" end them all);
- ``prune``: delete the rows of ended and idle sessions (``quiz users prune-sessions``).
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, or_, select, update

from quiz.accounts.models import END_REASONS, User, UserSession
from quiz.extensions import db

#: How stale ``last_seen_at`` may get before a request writes it again: far below any idle time.
SEEN_EVERY = timedelta(minutes=5)


def idle_time() -> timedelta:
    """How long an unused session lives (``QUIZ_SESSION_IDLE_HOURS``)."""
    return timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, *, now: datetime, ip: str = "", user_agent: str = "") -> str:
    """A new session of ``user``; returns its token (for the cookie; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now, last_seen_at=now,
                               ip=(ip or "")[:45], user_agent=(user_agent or "")[:200]))
    return token


@dataclass(frozen=True)
class Current:
    """A live session and its account."""

    user: User
    session_id: int
    last_seen_at: datetime


def _live(now: datetime, idle: timedelta | None):
    return _live_since(now - (idle or idle_time()))


def _live_since(idle_since):
    """A session is live: not ended, and seen after ``idle_since`` (a time or a bound parameter)."""
    return UserSession.ended_at.is_(None), UserSession.last_seen_at > idle_since


def current(token: str | None, *, now: datetime, idle: timedelta | None = None) -> Current | None:
    """The active account whose live session has ``token``, or None: one statement."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(_CURRENT(), {"token_hash": token_hash(token),
                                          "idle_since": now - (idle or idle_time())}).first()
    return Current(*row) if row else None


@functools.cache
def _CURRENT():  # noqa: N802 - a constant built on first use (it runs on every page)
    return (select(User, UserSession.id, UserSession.last_seen_at).join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("token_hash"), *_live_since(bindparam("idle_since")),
                   User.active))


@dataclass(frozen=True)
class Key:
    """What a statement needs to check the session itself (``checked``): the hash of the
    cookie's token, the account the cookie names, and the idle limit at ``now``."""

    token_hash: str
    user_id: int
    idle_since: datetime

    def params(self) -> dict:
        return {"token_hash": self.token_hash, "user_id": self.user_id, "idle_since": self.idle_since}


def key(token: str | None, user_id: str | None, *, now: datetime, idle: timedelta | None = None) -> Key | None:
    """The ``Key`` of a cookie's token and account id, or None when the cookie has none."""
    if not token or len(token) > 100 or not user_id or not user_id.isascii() or not user_id.isdigit():
        return None
    return Key(token_hash(token), int(user_id), now - (idle or idle_time()))


def checked(user_id):
    """The conditions that make a statement check the session itself, with ``Key.params()``
    bound: the row's account (``user_id``, a column) is the cookie's, active, and the token's
    session is its own and live, exactly as ``current`` checks it. The statement joins
    ``UserSession`` and ``User`` and selects ``UserSession.id`` and ``UserSession.last_seen_at``
    (for ``stale`` and ``seen``)."""
    return (user_id == bindparam("user_id"), UserSession.user_id == user_id, User.id == user_id, User.active,
            UserSession.token_hash == bindparam("token_hash"), *_live_since(bindparam("idle_since")))


def stale(found, *, now: datetime) -> bool:
    """Whether the session's mark (``found.last_seen_at``, a ``Current`` or a row of a statement
    that checked the session) is older than ``SEEN_EVERY`` (then ``seen`` rewrites it)."""
    return now - found.last_seen_at >= SEEN_EVERY


def seen(found, *, now: datetime) -> None:
    """Mark the session used at ``now`` (unless it ended meanwhile); the caller commits."""
    db.session.execute(update(UserSession)
                       .where(UserSession.id == found.session_id, UserSession.ended_at.is_(None))
                       .values(last_seen_at=now))


def _end(reason: str, now: datetime, *conditions) -> int:
    assert reason in END_REASONS, reason
    result = db.session.execute(update(UserSession).where(UserSession.ended_at.is_(None), *conditions)
                                .values(ended_at=now, end_reason=reason))
    return result.rowcount


def end(token: str | None, reason: str, *, now: datetime) -> bool:
    """End the session of ``token`` (logout); False when there was none live."""
    if not token:
        return False
    return _end(reason, now, UserSession.token_hash == token_hash(token)) > 0


def end_all(user: User, reason: str, *, now: datetime, keep: str | None = None) -> int:
    """End every session of ``user`` but the one of token ``keep``; the number ended."""
    conditions = [UserSession.user_id == user.id]
    if keep:
        conditions.append(UserSession.token_hash != token_hash(keep))
    return _end(reason, now, *conditions)


def count_live(user: User, *, now: datetime, idle: timedelta | None = None) -> int:
    """How many live sessions ``user`` has (the devices logged in)."""
    return db.session.scalar(select(func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id, *_live(now, idle)))


def prune(*, now: datetime, idle: timedelta | None = None) -> int:
    """Delete the rows of sessions that ended or went idle; the number deleted."""
    result = db.session.execute(delete(UserSession).where(
        or_(UserSession.ended_at.is_not(None), UserSession.last_seen_at <= now - (idle or idle_time()))))
    return result.rowcount
