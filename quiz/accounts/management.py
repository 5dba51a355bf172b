"""What someone else does to an account: reset its password, correct its details, lock and
unlock it, change its role. Each is recorded in the audit log in the same transaction
(``quiz.audit.services.record``), with who did it (``actor``; None is the server's command
line) and to whom. No HTTP; the caller commits.

Who may act on whom (``check_manages``): an administrator on any account; a unit manager on
the members (role "Thí sinh") of the unit they manage and of every unit below it — not on
organisers, administrators or other managers, whose password would open more than the
manager's own scope — and nobody else. A manager moves a member only between units of that
subtree, and never changes a role.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from quiz.accounts import sessions
from quiz.accounts.models import CATEGORIES, GENDERS, Role, User
from quiz.accounts.services import Details, check_details, hash_password, set_role
from quiz.audit import services as audit
from quiz.audit.models import AuditEntry
from quiz.errors import Conflict, DomainError, Forbidden
from quiz.extensions import db
from quiz.units.models import Unit

#: A temporary password: 10 characters with none that read alike (0/o, 1/l/i): ~49 bits.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TEMPORARY_LENGTH = 10

#: The fields of ``user.edit`` entries, as the log pages name them.
FIELD_LABELS = {
    "full_name": "Họ và tên", "birth_date": "Ngày sinh", "gender": "Giới tính", "phone": "Số điện thoại",
    "cccd": "Số CCCD", "email": "Thư điện tử", "unit": "Đơn vị", "category": "Đối tượng",
    "role": "Vai trò", "managed_unit": "Đơn vị quản lý",
}

OUT_OF_SCOPE = "Bạn chỉ quản lý được tài khoản thí sinh thuộc đơn vị mình quản lý và các đơn vị cấp dưới."


def _in(unit: Unit | None, top: Unit) -> bool:
    return unit is not None and unit.path.startswith(top.path)


def can_manage(actor: User | None, target: User) -> bool:
    """Whether ``actor`` may reset, correct, lock or unlock ``target``'s account."""
    if actor is None or actor.has_role(Role.ADMIN):
        return True
    return (actor.has_role(Role.UNIT_MANAGER) and actor.managed_unit is not None and actor.id != target.id
            and target.role == Role.MEMBER and _in(target.unit, actor.managed_unit))


def check_manages(actor: User | None, target: User) -> User:
    """``target`` if ``actor`` may act on it; Forbidden otherwise."""
    if not can_manage(actor, target):
        raise Forbidden(OUT_OF_SCOPE)
    return target


def _who(user: User) -> str:
    return f"{user.full_name} ({user.phone})"


def _actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def temporary_password() -> str:
    return "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))


def reset_password(actor: User | None, target: User, *, now: datetime) -> str:
    """Give ``target`` a temporary password (returned, to be shown once and never stored in
    clear): every session of the account ends, and the next login must change it."""
    check_manages(actor, target)
    if actor is not None and actor.id == target.id:
        raise DomainError("Để đổi mật khẩu của chính bạn, hãy dùng trang “Đổi mật khẩu”.")
    password = temporary_password()
    target.password_hash = hash_password(password)
    target.must_change_password = True
    sessions.end_all(target, "reset", now=now)
    audit.record("user.reset_password", f"Đặt lại mật khẩu cho {_who(target)}", actor_id=_actor_id(actor),
                 now=now, target_user_id=target.id)
    return password


def snapshot(user: User) -> dict:
    """An account's details as the log shows them (labels, dates dd/mm/yyyy, unit with its code)."""
    return {
        "full_name": user.full_name,
        "birth_date": user.birth_date.strftime("%d/%m/%Y") if user.birth_date else None,
        "gender": GENDERS.get(user.gender, user.gender),
        "phone": user.phone, "cccd": user.cccd, "email": user.email,
        "unit": f"{user.unit.name} ({user.unit.code})" if user.unit else None,
        "category": CATEGORIES.get(user.category, user.category),
    }


def edit(actor: User | None, target: User, details: Details, *, now: datetime) -> dict:
    """Correct ``target``'s details, checked as at registration (every problem at once,
    phone and CCCD normalised and unique); a unit manager may move the member only within
    their subtree. Returns the changes (``{field: [before, after]}``), empty when none."""
    check_manages(actor, target)
    values = check_details(details, now=now, account=target)
    manager = actor is not None and not actor.has_role(Role.ADMIN)
    if manager and values["unit"].id != target.unit_id and not _in(values["unit"], actor.managed_unit):
        raise Forbidden("Bạn chỉ chuyển được thành viên sang đơn vị thuộc phạm vi mình quản lý.", field="unit")
    before = snapshot(target)
    for name, value in values.items():
        setattr(target, name, value)
    changes = audit.diff(before, snapshot(target))
    if not changes:
        return changes
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another correction took the number meanwhile: the constraint decides
        raise Conflict("Số điện thoại hoặc số CCCD này vừa được dùng cho một tài khoản khác.") from None
    fields = ", ".join(FIELD_LABELS[name].lower() for name in changes)
    audit.record("user.edit", f"Sửa {fields} của {_who(target)}", actor_id=_actor_id(actor), now=now,
                 target_user_id=target.id, changes=changes)
    return changes


def lock(actor: User | None, target: User, *, now: datetime) -> None:
    """Lock ``target``: it cannot log in and its sessions end; its results stay."""
    check_manages(actor, target)
    if actor is not None and actor.id == target.id:
        raise DomainError("Bạn không thể tự khoá tài khoản của mình.")
    if not target.active:
        raise Conflict("Tài khoản này đã bị khoá.")
    target.active = False
    sessions.end_all(target, "locked", now=now)  # unlocking later does not bring them back
    audit.record("user.lock", f"Khoá tài khoản {_who(target)}", actor_id=_actor_id(actor), now=now,
                 target_user_id=target.id)


def unlock(actor: User | None, target: User, *, now: datetime) -> None:
    check_manages(actor, target)
    if target.active:
        raise Conflict("Tài khoản này đang hoạt động.")
    target.active = True
    audit.record("user.unlock", f"Mở khoá tài khoản {_who(target)}", actor_id=_actor_id(actor), now=now,
                 target_user_id=target.id)


def change_role(actor: User | None, target: User, role: str, managed_unit: Unit | None, *,
                now: datetime) -> dict:
    """``set_role`` by an administrator (or the command line), in the log when it changes anything."""
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise Forbidden("Chỉ quản trị viên được đổi vai trò.")
    before = _role_snapshot(target)
    set_role(target, role, managed_unit)
    changes = audit.diff(before, _role_snapshot(target))
    if changes:
        audit.record("user.set_role", f"Đổi vai trò của {_who(target)}: {target.role_label}",
                     actor_id=_actor_id(actor), now=now, target_user_id=target.id, changes=changes)
    return changes


def _role_snapshot(user: User) -> dict:
    unit = user.managed_unit
    return {"role": user.role_label, "managed_unit": f"{unit.name} ({unit.code})" if unit else None}



# Reading the log ------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogLine:
    """One audit entry as the log pages show it."""

    at: datetime
    action: str
    action_label: str
    summary: str
    actor: str
    target_id: int | None
    target: str | None
    contest_id: int | None
    contest: str | None
    round: str | None
    changes: list[str]


def describe(changes: dict) -> list[str]:
    """``{field: [before, after]}`` as lines ``Họ và tên: A → B``; other details as ``key: value``."""
    lines = []
    for key, value in (changes or {}).items():
        label = FIELD_LABELS.get(key, key)
        if isinstance(value, list) and len(value) == 2:
            before, after = ("—" if v in (None, "") else v for v in value)
            lines.append(f"{label}: {before} → {after}")
        else:
            lines.append(f"{label}: {value}")
    return lines


def _line(entry, actor_name, target_name, target_phone, contest_title, round_name) -> LogLine:
    return LogLine(
        at=entry.at, action=entry.action, action_label=audit.ACTIONS.get(entry.action, entry.action),
        summary=entry.summary, actor=actor_name or "Dòng lệnh trên máy chủ", target_id=entry.target_user_id,
        target=f"{target_name} ({target_phone})" if target_name else None, contest_id=entry.contest_id,
        contest=contest_title, round=round_name, changes=describe(entry.changes))


def log(*, offset: int = 0, limit: int = 50) -> list[LogLine]:
    """The whole audit log, newest first: ``limit`` entries from ``offset``."""
    from quiz.contests.models import Contest, Round

    actor, target = aliased(User), aliased(User)
    stmt = (select(AuditEntry, actor.full_name, target.full_name, target.phone, Contest.title, Round.name)
            .outerjoin(actor, actor.id == AuditEntry.actor_id)
            .outerjoin(target, target.id == AuditEntry.target_user_id)
            .outerjoin(Contest, Contest.id == AuditEntry.contest_id)
            .outerjoin(Round, Round.id == AuditEntry.round_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit))
    return [_line(*row) for row in db.session.execute(stmt)]


def account_log(user: User, limit: int = 100) -> list[LogLine]:
    """What was done to ``user``'s account, newest first (``audit.entries``)."""
    return [_line(entry, actor_name, user.full_name, user.phone, None, None)
            for entry, actor_name in audit.entries(target_user_id=user.id, limit=limit)]
