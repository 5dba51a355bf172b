"""Security events (failed logins, lockouts, refused requests) for an administrator to list.

``record`` is the one way in. Each event is written in its own short transaction, on a
connection of its own, so it stays when the request it describes is rolled back. A flood does
not become a write per request: the same event (kind, address, path, account, user) repeated
within a minute is merged into one row whose ``count`` is brought up to date at most every
``FLUSH_S`` seconds (so a count may miss the last few seconds' repeats of a minute), and one
address gets at most ``PATHS_PER_MINUTE`` rows of one kind a minute (further paths merge into
the path ``*``). The merging is per process. Nothing here ever holds a password.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, or_, select, update

from quiz.audit.models import SecurityEvent
from quiz.extensions import db

log = logging.getLogger(__name__)

#: Kind → what it means, in Vietnamese, for the administrator's page.
KINDS = {
    "login_failed": "Đăng nhập sai mật khẩu",
    "account_locked": "Tài khoản phải chờ vì sai mật khẩu nhiều lần",
    "login_refused": "Đăng nhập bị từ chối khi đang phải chờ",
    "address_limited": "Địa chỉ IP bị giới hạn vì đăng nhập sai nhiều lần",
    "register_limited": "Đăng ký bị giới hạn theo địa chỉ IP",
    "forbidden": "Yêu cầu bị từ chối (403)",
}
FLUSH_S = 10
PATHS_PER_MINUTE = 20
_MAX_KEYS = 10_000


@dataclass
class _Seen:
    minute: datetime
    row_id: int
    pending: int = 0
    flushed_at: datetime | None = None


class _Merger:
    """This process's memory of the events written in the current minute."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen: dict[tuple, _Seen] = {}
        self.paths: dict[tuple, tuple[datetime, int]] = {}  # (kind, ip) → (minute, rows written)


def _merger() -> _Merger:
    """The app's merger (one per app and process)."""
    found = current_app.extensions.get("quiz_security_events")
    if found is None:
        found = current_app.extensions["quiz_security_events"] = _Merger()
    return found


def _write(statement) -> int | None:
    """One statement in its own transaction; returns the inserted id (or None)."""
    with db.engine.begin() as conn:
        result = conn.execute(statement)
        return result.inserted_primary_key[0] if statement.is_insert else None


def record(kind: str, *, now: datetime, ip: str, path: str = "", account: str | None = None,
           user_id: int | None = None, detail: str = "") -> None:
    """Note a security event (merged with the same one earlier this minute). A failure to write
    it is logged, never raised: the request it describes goes on. The caller ends its own
    transaction first (on SQLite a second writer would wait for it)."""
    if kind not in KINDS:
        raise ValueError(f"unknown security event {kind!r}")
    ip, path, account, detail = ip[:45], path[:200], (account or None) and account[:20], detail[:200]
    minute = now.replace(second=0, microsecond=0)
    merger = _merger()
    with merger.lock:
        key = (kind, ip, path, account, user_id)
        seen = merger.seen.get(key)
        if seen is None or seen.minute != minute:
            rows_minute, rows = merger.paths.get((kind, ip), (minute, 0))
            rows = rows if rows_minute == minute else 0
            if rows >= PATHS_PER_MINUTE:
                key = (kind, ip, "*", account, user_id)
                path = "*"
                seen = merger.seen.get(key)
            else:
                merger.paths[(kind, ip)] = (minute, rows + 1)
        flush = None
        if seen is not None and seen.minute == minute:
            seen.pending += 1
            if seen.flushed_at is not None and (now - seen.flushed_at).total_seconds() < FLUSH_S:
                return
            flush, seen.pending, seen.flushed_at = (seen.row_id, seen.pending), 0, now
        elif seen is not None and seen.pending:  # last minute's repeats, before its row is left
            flush = (seen.row_id, seen.pending)
        if len(merger.seen) > _MAX_KEYS:
            merger.seen = {k: v for k, v in merger.seen.items() if v.minute == minute}
            merger.paths = {k: v for k, v in merger.paths.items() if v[0] == minute}
    try:
        if flush:
            _write(update(SecurityEvent).where(SecurityEvent.id == flush[0])
                   .values(count=SecurityEvent.count + flush[1]))
        if seen is None or seen.minute != minute:
            row_id = _write(insert(SecurityEvent).values(at=now, kind=kind, ip=ip, path=path, account=account,
                                                         user_id=user_id, detail=detail, count=1))
            with merger.lock:
                merger.seen[key] = _Seen(minute, row_id, flushed_at=now)
    except Exception:  # noqa: BLE001 - the event is lost, the request is not
        log.exception("Không ghi được sự kiện bảo mật %s (%s, %s)", kind, ip, path)


def events(*, kind: str | None = None, query: str = "", offset: int = 0, limit: int = 50) -> list:
    """The newest events (of one kind; whose account or address starts with ``query``), each
    with the signed-in person's name."""
    from quiz.accounts.models import User

    statement = (select(SecurityEvent, User.full_name).outerjoin(User, User.id == SecurityEvent.user_id)
                 .order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc()).offset(offset).limit(limit))
    if kind:
        statement = statement.where(SecurityEvent.kind == kind)
    query = query.strip()
    if query:
        pattern = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(SecurityEvent.account.like(pattern, escape="\\"),
                                        SecurityEvent.ip.like(pattern, escape="\\")))
    return db.session.execute(statement).all()
