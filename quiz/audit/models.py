from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from quiz.extensions import db


class AuditEntry(db.Model):
    """One recorded action: who did what to which contest, round or account, when, and what
    changed. Written by ``quiz.audit.services.record`` in the same transaction as the action,
    so an action that is rolled back leaves no entry; never updated or deleted."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_contest_id_at", "contest_id", "at"),
        Index("ix_audit_entries_target_user_id_at", "target_user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True, comment="Lúc thực hiện (UTC)")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"),
                                                 comment="Người thực hiện; NULL: dòng lệnh trên máy chủ")
    action: Mapped[str] = mapped_column(String(40), comment="Việc: contest.create, round.freeze, user.reset_password …")
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="SET NULL"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"),
                                                       comment="Tài khoản bị tác động")
    summary: Mapped[str] = mapped_column(String(500), comment="Mô tả ngắn bằng tiếng Việt")
    changes: Mapped[dict] = mapped_column(JSON, default=dict, comment="Thay đổi: {trường: [trước, sau]} hoặc chi tiết")


class SecurityEvent(db.Model):
    """A failed login, a lockout, a refused request: who (if signed in), which account was
    tried, from which address, when. Written in its own transaction (the request it describes
    is usually refused and rolled back) by ``quiz.audit.security.record``, which merges the same
    event repeated within a minute into one row (``count``); an administrator lists them."""

    __tablename__ = "security_events"
    __table_args__ = (
        Index("ix_security_events_account_at", "account", "at"),
        Index("ix_security_events_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True, comment="Lúc xảy ra (UTC)")
    kind: Mapped[str] = mapped_column(String(30), comment="login_failed, account_locked, ip_limited, forbidden …")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                comment="Người đã đăng nhập gửi yêu cầu (nếu có)")
    account: Mapped[str | None] = mapped_column(String(20), comment="Tài khoản bị thử (SĐT/CCCD đã chuẩn hóa)")
    ip: Mapped[str] = mapped_column(String(45), default="", comment="Địa chỉ IP")
    path: Mapped[str] = mapped_column(String(200), default="", comment="Đường dẫn yêu cầu")
    detail: Mapped[str] = mapped_column(String(200), default="", comment="Chi tiết ngắn")
    count: Mapped[int] = mapped_column(default=1, comment="Số lần (lặp lại trong cùng phút được gộp)")
