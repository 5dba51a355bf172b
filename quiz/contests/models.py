from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.db import PersonName, utcnow
from quiz.extensions import db

COUNTING = ("best", "most_correct", "first", "last")
ONE_PRIZE = ("none", "first_win", "higher_kept")
COLLECTIVE_TIES = ("share", "participants")
PREDICTION_METRICS = ("all_correct", "participants", "attempts")
ANSWERS_SHOWN = ("never", "after_close")
ELIGIBILITY = ("everyone", "units", "roster")
DEFAULT_TIE_BREAK = "score,prediction,time_used,submitted_at"


class Contest(db.Model):
    """Cuộc thi: its rules are rows here, not configuration."""

    __tablename__ = "contests"
    __table_args__ = (
        CheckConstraint("time_limit_s > 0", name="time_limit_positive"),
        CheckConstraint("grace_s >= 0", name="grace_not_negative"),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts_positive"),
        CheckConstraint("min_delay_s >= 0", name="min_delay_not_negative"),
        CheckConstraint("counting IN ('best', 'most_correct', 'first', 'last')", name="counting_known"),
        CheckConstraint("one_prize IN ('none', 'first_win', 'higher_kept')", name="one_prize_known"),
        CheckConstraint("collective_ties IN ('share', 'participants')", name="collective_ties_known"),
        CheckConstraint("results_published_at IS NULL OR results_frozen_at IS NOT NULL",
                        name="results_published_only_when_frozen"),
        CheckConstraint("prediction_metric IS NULL OR prediction_metric IN "
                        "('all_correct', 'participants', 'attempts')", name="prediction_metric_known"),
        CheckConstraint("show_answers IN ('never', 'after_close')", name="show_answers_known"),
        CheckConstraint("eligibility IN ('everyone', 'units', 'roster')", name="eligibility_known"),
        CheckConstraint("collective_metric IS NULL OR collective_metric IN ('participants', 'rate', 'weighted')",
                        name="collective_metric_known"),
        CheckConstraint("collective_level >= 0 AND collective_count >= 0", name="collective_counts_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True, comment="Tên ngắn dùng trong địa chỉ trang")
    title: Mapped[str] = mapped_column(String(300), comment="Tên cuộc thi")
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"), index=True)
    rules_text: Mapped[str] = mapped_column(Text, default="", comment="Thể lệ hiển thị cho thí sinh")
    time_limit_s: Mapped[int] = mapped_column(default=1200, comment="Thời gian làm bài (giây)")
    grace_s: Mapped[int] = mapped_column(default=15, comment="Giây nhận bài sau hạn (trễ mạng)")
    max_attempts: Mapped[int | None] = mapped_column(default=None, comment="Số lượt tối đa mỗi đợt; NULL: không giới hạn")
    min_delay_s: Mapped[int] = mapped_column(default=0, comment="Giây tối thiểu giữa hai lượt")
    counting: Mapped[str] = mapped_column(String(12), default="best",
                                          comment="Lượt được tính: best, most_correct, first, last")
    prediction_metric: Mapped[str | None] = mapped_column(String(20), comment="Câu hỏi dự đoán đoán gì; NULL: không có")
    prediction_prompt: Mapped[str] = mapped_column(Text, default="", comment="Lời câu hỏi dự đoán")
    tie_break: Mapped[str] = mapped_column(String(200), default=DEFAULT_TIE_BREAK,
                                           comment="Thứ tự tiêu chí xếp hạng, ngăn bởi dấu phẩy")
    show_answers: Mapped[str] = mapped_column(String(20), default="after_close", comment="Khi nào hiện đáp án")
    eligibility: Mapped[str] = mapped_column(String(20), default="everyone", comment="Ai được dự thi")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh",
                                           comment="Múi giờ của khung giờ thi hằng ngày")
    one_prize: Mapped[str] = mapped_column(String(12), default="none",
                                           comment="Mỗi người một giải trong cả cuộc thi: none, first_win, higher_kept")
    shared_rank: Mapped[bool] = mapped_column(default=False,
                                              comment="Bằng nhau mọi tiêu chí thì đồng hạng, cùng giải")
    certificates_for_all: Mapped[bool] = mapped_column(default=False,
                                                       comment="Cấp giấy chứng nhận cho mọi người dự thi")
    collective_metric: Mapped[str | None] = mapped_column(String(20), comment="Giải tập thể xếp đơn vị theo; NULL: không có")
    collective_level: Mapped[int] = mapped_column(default=1, comment="Cấp đơn vị xếp hạng tập thể (0: gốc)")
    collective_count: Mapped[int] = mapped_column(default=0, comment="Số giải tập thể")
    collective_points: Mapped[dict] = mapped_column(JSON, default=dict,
                                                    comment="Điểm cộng mỗi giải cá nhân (công thức weighted)")
    collective_ties: Mapped[str] = mapped_column(String(12), default="share",
                                                 comment="Đơn vị bằng điểm: share (đồng hạng, cùng giải), "
                                                         "participants (đông người dự thi hơn xếp trên)")
    announcement: Mapped[str] = mapped_column(Text, default="", comment="Thông báo cho thí sinh (trang cuộc thi, thể lệ)")
    certificate_place: Mapped[str] = mapped_column(String(100), default="",
                                                   comment="Giấy chứng nhận: địa danh (…, ngày … tháng … năm …)")
    certificate_signer_title: Mapped[str] = mapped_column(String(200), default="", comment="Giấy chứng nhận: chức danh người ký")
    certificate_signer_name: Mapped[str] = mapped_column(String(200), default="", comment="Giấy chứng nhận: họ tên người ký")
    results_frozen_at: Mapped[datetime | None] = mapped_column(comment="Kết quả toàn cuộc thi đã chốt (UTC)")
    results_published_at: Mapped[datetime | None] = mapped_column(comment="Kết quả toàn cuộc thi đã công bố (UTC)")
    results_figures: Mapped[dict | None] = mapped_column(JSON, comment="Số liệu trang kết quả toàn cuộc thi, tính khi "
                                                                       "chốt: người dự thi, lượt thi, đơn vị dẫn đầu")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1",
                                         comment="Tăng mỗi khi đề (rút đề, bảng, ngân hàng câu hỏi) đổi: "
                                                 "bản lưu tạm theo nó")

    rounds: Mapped[list[Round]] = relationship(order_by="Round.number", back_populates="contest")
    eligible_units: Mapped[list[EligibleUnit]] = relationship(cascade="all, delete-orphan")
    divisions: Mapped[list[Division]] = relationship(order_by="Division.code", back_populates="contest")
    draw_rules: Mapped[list[DrawRule]] = relationship(order_by="DrawRule.position", back_populates="contest")
    prize_tiers: Mapped[list[PrizeTier]] = relationship(order_by="PrizeTier.position", cascade="all, delete-orphan")


class EligibleUnit(db.Model):
    """With eligibility "units": the members of this unit's subtree may take the contest."""

    __tablename__ = "contest_units"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True)


class RosterEntry(PersonName, db.Model):
    """With eligibility "roster": one person on the contest's imported list of eligible
    members, matched to an account by phone or CCCD (normalised), counted under a unit;
    listed in Vietnamese order by ``name_sort_key`` (``quiz.db.PersonName``)."""

    __tablename__ = "contest_roster"
    __table_args__ = (
        UniqueConstraint("contest_id", "phone"),
        UniqueConstraint("contest_id", "cccd"),
        CheckConstraint("phone IS NOT NULL OR cccd IS NOT NULL", name="has_identity"),
        # A unit's listed people in name order (the dashboard's pages), and the roll-up's counts.
        Index("ix_contest_roster_contest_id_unit_id_name_sort_key_id", "contest_id", "unit_id", "name_sort_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(200), comment="Họ và tên như trong danh sách")
    phone: Mapped[str | None] = mapped_column(String(20), comment="Số điện thoại đã chuẩn hoá")
    cccd: Mapped[str | None] = mapped_column(String(20), comment="Số CCCD đã chuẩn hoá")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)


class Round(db.Model):
    """Đợt thi / tuần thi: its own open and close times and its results lifecycle."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("contest_id", "number"),
        UniqueConstraint("id", "contest_id"),  # lets an attempt refer to (its round, that round's contest)
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("published_at IS NULL OR frozen_at IS NOT NULL", name="published_only_when_frozen"),
        CheckConstraint("(window_days IS NULL AND window_opens_min IS NULL AND window_closes_min IS NULL) OR "
                        "(window_days IS NOT NULL AND 0 <= window_opens_min "
                        "AND window_opens_min < window_closes_min AND window_closes_min <= 1440)",
                        name="daily_window_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(comment="Số thứ tự đợt trong cuộc thi")
    name: Mapped[str] = mapped_column(String(200), default="")
    opens_at: Mapped[datetime] = mapped_column(comment="Mở (UTC)")
    closes_at: Mapped[datetime] = mapped_column(comment="Đóng (UTC)")
    frozen_at: Mapped[datetime | None] = mapped_column(comment="Kết quả đã tính và chốt (UTC)")
    published_at: Mapped[datetime | None] = mapped_column(comment="Kết quả đã công bố (UTC)")
    paused_at: Mapped[datetime | None] = mapped_column(comment="Tạm dừng từ (UTC): không lượt mới nào bắt đầu")
    withdrawn_at: Mapped[datetime | None] = mapped_column(comment="Lần rút lại công bố gần nhất (UTC)")
    withdrawal_reason: Mapped[str | None] = mapped_column(Text, comment="Lý do rút lại công bố")
    prediction_truth: Mapped[int | None] = mapped_column(comment="Giá trị đúng của câu hỏi dự đoán, tính khi đóng")
    all_correct: Mapped[int | None] = mapped_column(comment="Số người có ít nhất một lượt đúng tất cả các câu, "
                                                             "tính khi chốt")
    figures: Mapped[dict | None] = mapped_column(JSON, comment="Số liệu trang kết quả, tính khi chốt: người dự thi, "
                                                               "lượt thi, các đơn vị dẫn đầu")
    window_days: Mapped[str | None] = mapped_column(String(7), comment="Khung giờ hằng ngày: các thứ (1 = thứ Hai … 7 = Chủ nhật); NULL: không giới hạn")
    window_opens_min: Mapped[int | None] = mapped_column(comment="Khung giờ: mở, phút sau 0 giờ (giờ địa phương)")
    window_closes_min: Mapped[int | None] = mapped_column(comment="Khung giờ: đóng, phút sau 0 giờ (giờ địa phương)")

    contest: Mapped[Contest] = relationship(back_populates="rounds")


class Division(db.Model):
    """Bảng: a separately ranked group of members (e.g. A: học sinh, B: giáo viên)."""

    __tablename__ = "divisions"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20), comment="A, B, C ...")
    name: Mapped[str] = mapped_column(String(200))
    categories: Mapped[str] = mapped_column(String(200), default="", comment="Đối tượng thuộc bảng, ngăn bởi dấu phẩy")

    contest: Mapped[Contest] = relationship(back_populates="divisions")


class DrawRule(db.Model):
    """One line of the draw specification: ``count`` questions from a bank (by tag/difficulty)."""

    __tablename__ = "draw_rules"
    __table_args__ = (
        UniqueConstraint("contest_id", "position"),
        CheckConstraint("count > 0", name="count_positive"),
        CheckConstraint("difficulty IS NULL OR difficulty IN ('de', 'trung_binh', 'kho')",
                        name="difficulty_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="RESTRICT"), index=True)
    tag: Mapped[str | None] = mapped_column(String(100), comment="Chỉ các câu có chủ đề này; NULL: mọi câu")
    difficulty: Mapped[str | None] = mapped_column(String(12), comment="Chỉ các câu mức độ này; NULL: mọi mức")
    count: Mapped[int] = mapped_column(comment="Số câu rút")

    contest: Mapped[Contest] = relationship(back_populates="draw_rules")


class PrizeTier(db.Model):
    """One line of the prize structure: ``count`` prizes named ``name`` (Nhất, Nhì …), awarded in
    rank order after the lines before it; for one round and one division, or for every one."""

    __tablename__ = "prize_tiers"
    __table_args__ = (
        UniqueConstraint("contest_id", "position"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(comment="Thứ tự giải, cao trước")
    name: Mapped[str] = mapped_column(String(50), comment="Tên giải: Nhất, Nhì, Ba, Khuyến khích …")
    count: Mapped[int] = mapped_column(comment="Số giải")
    round_number: Mapped[int | None] = mapped_column(comment="Chỉ đợt này; NULL: mọi đợt")
    division_code: Mapped[str | None] = mapped_column(String(20), comment="Chỉ bảng này; NULL: mọi bảng")
