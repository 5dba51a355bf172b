"""The audit log (DESIGN.md §4): every lifecycle step of a contest and every change to an
account made by someone else, with who, when and what changed.

``record`` is the one way in: the service that performs an action calls it in the same
transaction (it only adds and flushes), so what is logged is what happened. ``diff`` turns
two snapshots of settings into the ``changes`` a reader wants to see. Reading is by contest
(the organiser's view) or everything (the administrator's), newest first.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from quiz.audit.models import AuditEntry
from quiz.extensions import db

#: Action → its name in Vietnamese, for the log pages.
ACTIONS = {
    "contest.create": "tạo cuộc thi",
    "contest.edit": "sửa cuộc thi",
    "contest.copy": "sao chép cuộc thi",
    "contest.delete": "xoá cuộc thi",
    "contest.announce": "thông báo",
    "round.extend": "gia hạn đợt",
    "round.close_now": "đóng đợt ngay",
    "round.pause": "tạm dừng đợt",
    "round.resume": "tiếp tục đợt",
    "round.freeze": "tính và chốt kết quả",
    "round.reopen": "huỷ kết quả để tính lại",
    "round.publish": "công bố kết quả",
    "round.withdraw": "rút lại công bố",
    "prizes.adjust": "điều chỉnh giải",
    "contest.freeze_results": "chốt kết quả toàn cuộc thi",
    "contest.reopen_results": "huỷ kết quả toàn cuộc thi",
    "contest.publish_results": "công bố kết quả toàn cuộc thi",
    "user.reset_password": "đặt lại mật khẩu",
    "user.edit": "sửa thông tin tài khoản",
    "user.lock": "khoá tài khoản",
    "user.unlock": "mở khoá tài khoản",
    "user.set_role": "đổi vai trò",
}


def record(action: str, summary: str, *, actor_id: int | None, now: datetime, contest_id: int | None = None,
           round_id: int | None = None, target_user_id: int | None = None,
           changes: dict | None = None) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(at=now, actor_id=actor_id, action=action, contest_id=contest_id, round_id=round_id,
                       target_user_id=target_user_id, summary=summary[:500], changes=changes or {})
    db.session.add(entry)
    db.session.flush()
    return entry


def diff(before: dict, after: dict) -> dict[str, list]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {key: [before.get(key), after.get(key)] for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)}


def entries(*, contest_id: int | None = None, target_user_id: int | None = None, limit: int = 200) -> list:
    """The newest entries (of one contest, or about one account, when given), with the actor."""
    from quiz.accounts.models import User

    query = (select(AuditEntry, User.full_name).outerjoin(User, User.id == AuditEntry.actor_id)
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    if contest_id is not None:
        query = query.where(AuditEntry.contest_id == contest_id)
    if target_user_id is not None:
        query = query.where(AuditEntry.target_user_id == target_user_id)
    return db.session.execute(query).all()
