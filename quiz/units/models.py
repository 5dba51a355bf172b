from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quiz.db import BinaryString
from quiz.extensions import db


class Unit(db.Model):
    """A node of the organisational tree (tỉnh ủy → huyện ủy → đảng bộ cơ sở → chi bộ ...).

    The tree is a materialised path: ``path`` is the ids from the root down, each
    followed by ``/`` (``/1/23/456/``). "This unit and everything below it" is the range
    ``path >= '/1/23/' AND path < '/1/230'``: one scan of the unique index on ``path``,
    on SQLite and PostgreSQL alike (compared byte-wise, see ``BinaryString``).
    """

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint("headcount >= 0", name="headcount_not_negative"),
        CheckConstraint("depth >= 0", name="depth_not_negative"),
        CheckConstraint("length(code) > 0 AND length(name) > 0", name="code_and_name_present"),
        Index("ix_units_parent_id_name", "parent_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, comment="Mã đơn vị, duy nhất")
    name: Mapped[str] = mapped_column(String(255), comment="Tên đơn vị")
    kind: Mapped[str] = mapped_column(String(100), default="", comment="Loại/cấp: chi bộ, công đoàn cơ sở ...")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), comment="Đơn vị cấp trên; NULL ở gốc")
    path: Mapped[str] = mapped_column(BinaryString, unique=True, comment="Id từ gốc xuống, mỗi id theo sau '/'")
    depth: Mapped[int] = mapped_column(default=0, comment="0 ở gốc")
    headcount: Mapped[int] = mapped_column(default=0, comment="Số người dự kiến tham gia")
    search_key: Mapped[str] = mapped_column(String(400), default="", comment="Tên và mã không dấu, chữ thường")

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="joined", innerjoin=False)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.path}>"

    @property
    def subtree_upper(self) -> str:
        """The first path past this unit's subtree ('/' sorts just before '0')."""
        return self.path[:-1] + "0"
