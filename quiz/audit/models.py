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
