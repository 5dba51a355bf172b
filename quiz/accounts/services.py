"""Account rules: registration, login, passwords, roles. No HTTP here; the caller commits."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from quiz.accounts.identity import lookup_keys, normalise_cccd, normalise_phone
from quiz.accounts.models import CATEGORIES, GENDERS, Role, User
from quiz.db import vietnamese_name_key
from quiz.errors import Conflict, DomainError, NotFound
from quiz.extensions import db
from quiz.text import clean
from quiz.units.models import Unit

MIN_PASSWORD = 8
MAX_PASSWORD = 128
_NAME = re.compile(r"[^\W\d_]+(?:[ '’.\-][^\W\d_]+)*\.?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class Registration:
    """What a person fills in to register (already parsed, not yet checked)."""

    full_name: str
    birth_date: date | None
    gender: str
    phone: str
    cccd: str
    email: str | None
    unit: Unit | None
    category: str
    password: str


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.", field="password")
    if len(password) > MAX_PASSWORD:
        raise DomainError(f"Mật khẩu dài tối đa {MAX_PASSWORD} ký tự.", field="password")


def check_full_name(raw: str) -> str:
    name = clean(raw)
    if not name:
        raise DomainError("Vui lòng nhập họ và tên.", field="full_name")
    if len(name) > 120:
        raise DomainError("Họ và tên dài tối đa 120 ký tự.", field="full_name")
    if not _NAME.fullmatch(name):
        raise DomainError("Họ và tên chỉ gồm chữ cái và khoảng trắng (ví dụ: Nguyễn Thị Minh Khai).",
                          field="full_name")
    return name


def find_by_identity(phone: str | None = None, cccd: str | None = None) -> User | None:
    conditions = []
    if phone:
        conditions.append(User.phone == phone)
    if cccd:
        conditions.append(User.cccd == cccd)
    if not conditions:
        return None
    return db.session.scalars(select(User).where(or_(*conditions)).limit(1)).first()


def register(form: Registration, *, now: datetime, role: str = Role.MEMBER) -> User:
    """Create a member's account; refuse a phone or CCCD that already has one."""
    name = check_full_name(form.full_name)
    phone = normalise_phone(form.phone)
    cccd = normalise_cccd(form.cccd)
    email = clean(form.email).lower() or None
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise DomainError("Địa chỉ thư điện tử không hợp lệ.", field="email")
    if form.unit is None:
        raise DomainError("Vui lòng chọn đơn vị của bạn trong danh sách.", field="unit")
    if form.gender not in GENDERS:
        raise DomainError("Vui lòng chọn giới tính.", field="gender")
    if form.category not in CATEGORIES:
        raise DomainError("Vui lòng chọn đối tượng.", field="category")
    if form.birth_date is not None and not (date(1900, 1, 1) <= form.birth_date <= now.date()):
        raise DomainError("Ngày sinh không hợp lệ.", field="birth_date")
    check_new_password(form.password)
    _refuse_taken(phone, cccd)

    user = User(full_name=name, birth_date=form.birth_date, gender=form.gender, phone=phone, cccd=cccd,
                email=email, unit=form.unit, category=form.category, role=role,
                password_hash=hash_password(form.password), created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:  # a simultaneous registration won the race: the constraint decides
        raise Conflict("Số điện thoại hoặc số CCCD này đã được dùng để đăng ký một tài khoản khác.")
    return user


def _refuse_taken(phone: str, cccd: str | None) -> None:
    taken = find_by_identity(phone, cccd)
    if taken is None:
        return
    if taken.phone == phone:
        raise Conflict("Số điện thoại này đã được dùng để đăng ký một tài khoản. "
                       "Nếu đó là bạn, hãy đăng nhập.", field="phone")
    raise Conflict("Số CCCD này đã được dùng để đăng ký một tài khoản. "
                   "Nếu đó là bạn, hãy đăng nhập.", field="cccd")


_DUMMY_HASH = None


def authenticate(identifier: str, password: str) -> User:
    """The account for a phone number or CCCD and its password, or a DomainError."""
    global _DUMMY_HASH
    phone, cccd = lookup_keys(identifier)
    user = find_by_identity(phone, cccd)
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password("không có tài khoản")
        check_password_hash(_DUMMY_HASH, password)  # same work whether or not the account exists
    if user is None or not check_password_hash(user.password_hash, password or ""):
        raise DomainError("Số điện thoại/CCCD hoặc mật khẩu không đúng.")
    if not user.active:
        raise DomainError("Tài khoản này đã bị khóa. Vui lòng liên hệ ban tổ chức.")
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and end every other session of this account."""
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError("Mật khẩu hiện tại không đúng.", field="current")
    check_new_password(new)
    user.password_hash = hash_password(new)
    user.session_version += 1


def set_password(user: User, new: str) -> None:
    """An administrator's reset: no current password asked."""
    check_new_password(new)
    user.password_hash = hash_password(new)
    user.session_version += 1


def set_role(user: User, role: str, managed_unit: Unit | None = None) -> None:
    """Give an account a role; a unit manager is bound to the unit whose subtree they see."""
    try:
        role = Role(role)
    except ValueError:
        raise DomainError("Vai trò không hợp lệ.", field="role") from None
    if role is Role.UNIT_MANAGER and managed_unit is None:
        raise DomainError("Quản lý đơn vị phải gắn với một đơn vị.", field="unit")
    if user.role == Role.ADMIN and role is not Role.ADMIN and _admin_count() <= 1:
        raise Conflict("Không thể bỏ quyền của quản trị viên cuối cùng.")
    user.role = role
    user.managed_unit = managed_unit if role is Role.UNIT_MANAGER else None


def _admin_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy tài khoản.")
    return user


def search_users(query: str, limit: int = 50) -> list[User]:
    """Accounts whose name, phone or CCCD matches, by name (Vietnamese order, given name first)."""
    q = clean(query)
    stmt = select(User).order_by(vietnamese_name_key(User.full_name), User.id).limit(limit)
    if q:
        phone, cccd = lookup_keys(q)
        conditions = [User.full_name.icontains(q, autoescape=True)]
        if phone:
            conditions.append(User.phone == phone)
        if cccd:
            conditions.append(User.cccd == cccd)
        stmt = stmt.where(or_(*conditions))
    return list(db.session.scalars(stmt))


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``<user id>.<session version>``; an old version is logged out."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user
