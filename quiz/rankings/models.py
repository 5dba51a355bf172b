from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quiz.extensions import db


class Result(db.Model):
    """A member's frozen result in a round: the attempt that counts, copied with the unit the
    member belonged to at freezing, the rank inside the division and the prize. Written once
    when the round's results are computed; later changes to attempts or members move nothing."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        UniqueConstraint("attempt_id"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        Index("ix_results_round_id_division_id_rank", "round_id", "division_id", "rank"),
        Index("ix_results_round_id_unit_id", "round_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    division_id: Mapped[int | None] = mapped_column(ForeignKey("divisions.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"),
                                                comment="Đơn vị của thí sinh lúc chốt kết quả")
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"),
                                            comment="Lượt được tính")
    attempts: Mapped[int] = mapped_column(comment="Số lượt thí sinh đã thi trong đợt")
    score: Mapped[int] = mapped_column(comment="Số câu đúng")
    time_used_ms: Mapped[int] = mapped_column(comment="Thời gian làm bài (ms)")
    prediction: Mapped[int | None] = mapped_column(BigInteger, comment="Số dự đoán")
    prediction_error: Mapped[int | None] = mapped_column(BigInteger, comment="|dự đoán − giá trị đúng|")
    started_at: Mapped[datetime] = mapped_column(comment="Lượt được tính: bắt đầu (UTC)")
    submitted_at: Mapped[datetime] = mapped_column(comment="Lượt được tính: nộp (UTC)")
    rank: Mapped[int] = mapped_column(comment="Hạng trong đợt (và bảng)")
    prize: Mapped[str | None] = mapped_column(String(50), comment="Giải (Nhất, Nhì …); NULL: không có")


class QuestionStat(db.Model):
    """How a question fared in a round, computed with the results: how many drew it, the share
    who answered right (facility), how well it separates strong from weak members
    (discrimination, point-biserial) and whether strong members mostly chose another option
    (the key is probably wrong)."""

    __tablename__ = "question_stats"
    __table_args__ = (UniqueConstraint("round_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    drawn: Mapped[int] = mapped_column(comment="Số lượt thi có câu này")
    correct: Mapped[int] = mapped_column(comment="Số lượt trả lời đúng")
    facility: Mapped[float] = mapped_column(Float, comment="Tỷ lệ trả lời đúng")
    discrimination: Mapped[float | None] = mapped_column(Float, comment="Độ phân biệt (point-biserial)")
    strong_choice_id: Mapped[int | None] = mapped_column(ForeignKey("question_options.id", ondelete="RESTRICT"),
                                                         comment="Phương án nhóm giỏi chọn nhiều nhất")
    key_suspect: Mapped[bool] = mapped_column(default=False, comment="Nhóm giỏi phần lớn chọn phương án khác đáp án")
