from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.db import PersonName, utcnow
from quiz.extensions import db
from quiz.units.models import Unit


class Role(StrEnum):
    MEMBER = "member"
    UNIT_MANAGER = "unit_manager"
    ORGANISER = "organiser"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.MEMBER: "Thí sinh",
    Role.UNIT_MANAGER: "Quản lý đơn vị",
    Role.ORGANISER: "Ban tổ chức",
    Role.ADMIN: "Quản trị",
}

GENDERS = {"nam": "Nam", "nu": "Nữ", "khac": "Khác"}

#: Đối tượng: who a member is, as the contests' rules name them.
CATEGORIES = {
    "dang_vien": "Đảng viên",
    "doan_vien": "Đoàn viên",
    "hoi_vien": "Hội viên",
    "cnvcld": "Công nhân, viên chức, lao động (CNVCLĐ)",
    "cong_chuc": "Cán bộ, công chức, viên chức",
    "hoc_sinh": "Học sinh, sinh viên",
    "nhan_dan": "Nhân dân",
}


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class User(UserMixin, PersonName, db.Model):
    """One account per person: phone and CCCD are unique after normalisation. Lists of
    people are in Vietnamese order by ``name_sort_key`` (``quiz.db.PersonName``)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", Role), name="role_known"),
        CheckConstraint(_in("gender", GENDERS), name="gender_known"),
        CheckConstraint(_in("category", CATEGORIES), name="category_known"),
        CheckConstraint("role <> 'unit_manager' OR managed_unit_id IS NOT NULL",
                        name="unit_manager_has_unit"),
        CheckConstraint("length(full_name) > 0", name="full_name_present"),
        Index("ix_users_name_sort_key_id", "name_sort_key", "id"),  # the account list, by name
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120), comment="Họ và tên")
    birth_date: Mapped[date | None] = mapped_column(comment="Ngày sinh")
    gender: Mapped[str] = mapped_column(String(10), default="khac", comment="nam, nu, khac")
    phone: Mapped[str] = mapped_column(String(15), unique=True, comment="Số điện thoại đã chuẩn hóa: 0xxxxxxxxx")
    cccd: Mapped[str | None] = mapped_column(String(12), unique=True, comment="Số CCCD/CMND đã chuẩn hóa")
    email: Mapped[str | None] = mapped_column(String(254), comment="Thư điện tử (không bắt buộc)")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True,
                                                comment="Đơn vị sinh hoạt")
    category: Mapped[str] = mapped_column(String(20), default="nhan_dan", comment="Đối tượng")
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER, comment="Vai trò")
    managed_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True,
        comment="Đơn vị được quản lý (vai trò quản lý đơn vị): cả cây con của nó")
    password_hash: Mapped[str] = mapped_column(String(255), comment="Mật khẩu đã băm (scrypt)")
    active: Mapped[bool] = mapped_column(default=True, comment="Tài khoản còn hoạt động (False: bị khoá)")
    must_change_password: Mapped[bool] = mapped_column(default=False,
                                                       comment="Mật khẩu tạm (đặt lại): phải đổi khi đăng nhập")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, comment="Thời điểm đăng ký (UTC)")

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    managed_unit: Mapped[Unit | None] = relationship(foreign_keys=[managed_unit_id])

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)


#: Why a session ended (``UserSession.end_reason``).
END_REASONS = {
    "logout": "Đăng xuất",
    "password": "Đổi mật khẩu",
    "reset": "Mật khẩu được đặt lại",
    "locked": "Tài khoản bị khoá",
    "all_devices": "Đăng xuất mọi thiết bị",
}


class UserSession(db.Model):
    """A login, known to the server: the session cookie carries a random token whose SHA-256
    is ``token_hash``. Logging out, a password change, an administrator's lock and "đăng xuất
    mọi thiết bị" end it (``ended_at``); a session idle past the configured time is over too.
    Every instance reads the same rows, so an ended session is ended everywhere
    (``quiz.accounts.sessions``)."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR end_reason IS NOT NULL", name="ended_has_reason"),
        CheckConstraint(f"end_reason IS NULL OR {_in('end_reason', END_REASONS)}", name="end_reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, comment="SHA-256 (hex) của mã trong cookie phiên")
    created_at: Mapped[datetime] = mapped_column(comment="Lúc đăng nhập (UTC)")
    last_seen_at: Mapped[datetime] = mapped_column(comment="Lần dùng gần nhất (UTC), ghi lại thưa")
    ended_at: Mapped[datetime | None] = mapped_column(comment="Lúc kết thúc (UTC); NULL: còn hiệu lực")
    end_reason: Mapped[str | None] = mapped_column(String(20), comment="logout, password, reset, locked, all_devices")
    ip: Mapped[str] = mapped_column(String(45), default="", comment="Địa chỉ IP lúc đăng nhập")
    user_agent: Mapped[str] = mapped_column(String(200), default="", comment="Trình duyệt lúc đăng nhập")
