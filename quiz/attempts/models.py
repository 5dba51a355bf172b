from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from quiz.extensions import db


class Attempt(db.Model):
    """Lượt thi. Numbers are unique per member and round; one open attempt per member
    and contest (a partial unique index): starting again resumes it, never re-draws."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "round_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("deadline_at > started_at", name="deadline_after_start"),
        CheckConstraint("finished_at IS NULL OR finished_at >= started_at", name="finished_after_start"),
        CheckConstraint("score IS NULL OR score >= 0", name="score_not_negative"),
        CheckConstraint("time_used_ms IS NULL OR time_used_ms >= 0", name="time_used_not_negative"),
        Index("uq_attempts_one_open", "user_id", "contest_id", unique=True,
              sqlite_where=text("finished_at IS NULL"), postgresql_where=text("finished_at IS NULL")),
        Index("ix_attempts_round_id_user_id", "round_id", "user_id"),
        # The participation roll-up reads only this index (PostgreSQL: an index-only scan).
        Index("ix_attempts_contest_id_unit_id_user_id", "contest_id", "unit_id", "user_id",
              postgresql_include=["round_id", "score", "finished_at"]),
        ForeignKeyConstraint(["round_id", "contest_id"], ["rounds.id", "rounds.contest_id"],
                             name="fk_attempts_round_contest", ondelete="RESTRICT"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="RESTRICT"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    division_id: Mapped[int | None] = mapped_column(ForeignKey("divisions.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"),
                                                comment="Đơn vị của thí sinh lúc bắt đầu (báo cáo theo đơn vị)")
    number: Mapped[int] = mapped_column(comment="Lượt thứ mấy của thí sinh trong đợt")
    seed: Mapped[int] = mapped_column(BigInteger, comment="Hạt giống bốc đề: tái tạo được đề")
    started_at: Mapped[datetime] = mapped_column(comment="Bắt đầu (UTC, giờ máy chủ)")
    deadline_at: Mapped[datetime] = mapped_column(comment="Hạn: sớm hơn của bắt đầu + thời gian và giờ đóng đợt")
    finished_at: Mapped[datetime | None] = mapped_column(comment="Nộp/kết thúc (UTC); NULL: đang làm")
    score: Mapped[int | None] = mapped_column(comment="Số câu đúng, tính một lần khi kết thúc")
    time_used_ms: Mapped[int | None] = mapped_column(comment="Thời gian làm bài (ms), tối đa bằng giới hạn")
    prediction: Mapped[int | None] = mapped_column(BigInteger, comment="Số dự đoán của thí sinh")


class AttemptQuestion(db.Model):
    """A question drawn into an attempt, with the order its options are shown in."""

    __tablename__ = "attempt_questions"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, comment="Thứ tự câu trong đề")
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    option_order: Mapped[str] = mapped_column(String(20), comment="Thứ tự hiện các phương án: vị trí, ngăn bởi dấu phẩy")


class Answer(db.Model):
    """The member's chosen option for one drawn question: one per question per attempt."""

    __tablename__ = "answers"
    __table_args__ = (
        ForeignKeyConstraint(["attempt_id", "question_id"],
                             ["attempt_questions.attempt_id", "attempt_questions.question_id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["question_id", "option_id"], ["question_options.question_id", "question_options.id"],
                             name="fk_answers_option_of_question", ondelete="RESTRICT"),
    )

    attempt_id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("question_options.id", ondelete="RESTRICT"))
    saved_at: Mapped[datetime] = mapped_column(comment="Lúc máy chủ nhận (UTC)")
