from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.db import utcnow
from quiz.extensions import db

DIFFICULTIES = {"de": "Dễ", "trung_binh": "Trung bình", "kho": "Khó"}


class Topic(db.Model):
    """Chuyên đề năm: the yearly theme of one issuing body."""

    __tablename__ = "topics"
    __table_args__ = (
        UniqueConstraint("issuer", "year", "title"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_plausible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(comment="Năm của chuyên đề")
    title: Mapped[str] = mapped_column(Text, comment="Tên chuyên đề")
    issuer: Mapped[str] = mapped_column(String(255), default="", comment="Cơ quan ban hành kế hoạch")


class QuestionBank(db.Model):
    """Ngân hàng câu hỏi."""

    __tablename__ = "question_banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, comment="Tên ngân hàng, duy nhất")
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    topic: Mapped[Topic | None] = relationship()


class Question(db.Model):
    """A multiple-choice question with 2–6 options, exactly one correct.

    Questions used in attempts are never deleted: they are retired (``retired_at``).
    ``dedup_key`` is the normalised text (see ``quiz.text``): unique per bank.
    """

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("bank_id", "dedup_key"),
        CheckConstraint("length(text) > 0", name="text_present"),
        CheckConstraint("difficulty IN ('de', 'trung_binh', 'kho')", name="difficulty_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="RESTRICT"), index=True)
    text: Mapped[str] = mapped_column(Text, comment="Nội dung câu hỏi (NFC, hiển thị như văn bản thuần)")
    dedup_key: Mapped[str] = mapped_column(String(64), comment="Băm của nội dung đã chuẩn hóa, để phát hiện trùng")
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="", comment="Nội dung không dấu, chữ thường, để tìm kiếm")
    difficulty: Mapped[str] = mapped_column(String(12), default="trung_binh", comment="de, trung_binh, kho")
    tags: Mapped[str] = mapped_column(Text, default="", comment="Chủ đề, ngăn bởi '; '")
    source: Mapped[str] = mapped_column(Text, default="", comment="Nguồn: văn bản và đoạn trích trả lời câu hỏi")
    explanation: Mapped[str] = mapped_column(Text, default="", comment="Giải thích đáp án")
    retired_at: Mapped[datetime | None] = mapped_column(comment="Ngừng dùng từ (UTC); NULL: đang dùng")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(comment="Sửa lần cuối (UTC)")

    bank: Mapped[QuestionBank] = relationship()
    options: Mapped[list[QuestionOption]] = relationship(
        order_by="QuestionOption.position", cascade="all, delete-orphan", back_populates="question")


class QuestionOption(db.Model):
    """Phương án: one option of a question, at position 0–5 (A–F)."""

    __tablename__ = "question_options"
    __table_args__ = (
        UniqueConstraint("question_id", "position"),
        UniqueConstraint("question_id", "id"),  # lets an answer refer to (its question, the option)
        CheckConstraint("position BETWEEN 0 AND 5", name="position_a_to_f"),
        CheckConstraint("length(text) > 0", name="text_present"),
        Index("uq_question_options_one_correct", "question_id", unique=True,
              sqlite_where=text("is_correct"), postgresql_where=text("is_correct")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(comment="0 = A ... 5 = F")
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(default=False, comment="Đáp án đúng (đúng một phương án mỗi câu)")

    question: Mapped[Question] = relationship(back_populates="options")
