from __future__ import annotations

from datetime import datetime

from sqlalchemy import (JSON, BigInteger, CheckConstraint, Float, ForeignKey, ForeignKeyConstraint, Index, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from quiz.extensions import db


class Result(db.Model):
    """A member's frozen result in a round: the attempt that counts, copied with the member as
    they were at freezing (unit, đối tượng, the unit of the collective level above it), the
    place inside the division and the prize. Written once when the round's results are
    computed; later changes to attempts or members move nothing. Only the prize may be
    settled again, when another round of the contest is frozen (one prize per person).

    The counted attempt is referred to by the attempts' own key (member, round, number): one
    foreign key, checked once per row, covers the attempt, the member and the round, since the
    attempt refers to both (and neither can go while it stays). With one result per member and
    round, no attempt counts twice."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        ForeignKeyConstraint(["user_id", "round_id", "attempt_number"],
                             ["attempts.user_id", "attempts.round_id", "attempts.number"], ondelete="RESTRICT"),
        CheckConstraint("rank >= 1 AND rank <= position", name="rank_valid"),
        UniqueConstraint("round_id", "division_id", "position"),
        # the few prize winners of a round, read whenever prizes are settled or listed
        Index("ix_results_round_id_prized", "round_id", sqlite_where=text("prize IS NOT NULL"),
              postgresql_where=text("prize IS NOT NULL")),
        Index("ix_results_round_id_unit_id", "round_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column()
    division_id: Mapped[int | None] = mapped_column(ForeignKey("divisions.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"),
                                                comment="Đơn vị của thí sinh lúc chốt kết quả")
    level_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"),
                                                      comment="Đơn vị cấp xét giải tập thể chứa đơn vị của thí sinh, "
                                                              "lúc chốt")
    category: Mapped[str | None] = mapped_column(String(20), comment="Đối tượng của thí sinh lúc chốt kết quả")
    attempt_number: Mapped[int] = mapped_column(comment="Lượt được tính: lượt thứ mấy của thí sinh trong đợt")
    attempts: Mapped[int] = mapped_column(comment="Số lượt thí sinh đã thi trong đợt")
    score: Mapped[int] = mapped_column(comment="Số câu đúng")
    time_used_ms: Mapped[int] = mapped_column(comment="Thời gian làm bài (ms)")
    prediction: Mapped[int | None] = mapped_column(BigInteger, comment="Số dự đoán")
    prediction_error: Mapped[int | None] = mapped_column(BigInteger, comment="|dự đoán − giá trị đúng|")
    started_at: Mapped[datetime] = mapped_column(comment="Lượt được tính: bắt đầu (UTC)")
    submitted_at: Mapped[datetime] = mapped_column(comment="Lượt được tính: nộp (UTC); nộp trong giây nhận trễ "
                                                           "tính là nộp lúc hết hạn")
    position: Mapped[int] = mapped_column(comment="Thứ tự trong đợt (và bảng): 1…n, không trùng")
    rank: Mapped[int] = mapped_column(comment="Hạng trong đợt (và bảng); đồng hạng: người bằng nhau cùng hạng")
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


class UnitResult(db.Model):
    """A unit's frozen figures in a round (or, ``round_id`` NULL, in the whole contest) at the
    contest's collective level, with its collective standing: the formula's value as an exact
    fraction, the rank (equal values share one) and whether it is awarded. Written when the
    round (or the contest's results) is frozen, with the unit's name as it was; only the
    individual prizes counted in it follow a later settlement of the prizes."""

    __tablename__ = "unit_results"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id"),
        Index("uq_unit_results_contest_id_unit_id_whole", "contest_id", "unit_id", unique=True,
              sqlite_where=text("round_id IS NULL"), postgresql_where=text("round_id IS NULL")),
        CheckConstraint("value_den > 0", name="value_den_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"),
                                                 comment="Đợt; NULL: cả cuộc thi")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(50), comment="Mã đơn vị lúc chốt")
    name: Mapped[str] = mapped_column(String(300), comment="Tên đơn vị lúc chốt")
    participants: Mapped[int] = mapped_column(comment="Số người dự thi (cả cấp dưới)")
    attempts: Mapped[int] = mapped_column(comment="Số lượt thi (cả cấp dưới)")
    expected: Mapped[int] = mapped_column(comment="Số người cần dự thi: số người hoặc danh sách dự thi")
    prizes: Mapped[dict] = mapped_column(JSON, default=dict, comment="Số giải cá nhân theo tên giải")
    value_num: Mapped[int] = mapped_column(BigInteger, default=0, comment="Điểm xếp hạng tập thể: tử số (phân số đúng)")
    value_den: Mapped[int] = mapped_column(BigInteger, default=1, comment="Điểm xếp hạng tập thể: mẫu số")
    rank: Mapped[int | None] = mapped_column(comment="Hạng tập thể; NULL: cuộc thi không có giải tập thể")
    awarded: Mapped[bool] = mapped_column(default=False, comment="Được giải tập thể")


class PrizeChange(db.Model):
    """A change to a published round's prizes, made when the prizes of the contest were settled
    again (one prize per person): shown on the round's published page."""

    __tablename__ = "prize_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    before: Mapped[str | None] = mapped_column(String(50), comment="Giải trước khi điều chỉnh")
    after: Mapped[str | None] = mapped_column(String(50), comment="Giải sau khi điều chỉnh")
    reason: Mapped[str] = mapped_column(Text, comment="Vì sao")
    changed_at: Mapped[datetime] = mapped_column(comment="Lúc điều chỉnh (UTC)")
