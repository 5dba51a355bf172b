from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from quiz.extensions import db

STATES = ("queued", "running", "done", "failed")
UNFINISHED = "state IN ('queued', 'running')"


class Job(db.Model):
    """One piece of long work (freezing a round, an export…), from the press of the button to
    its result or its error. At most one unfinished job per ``key`` (the thing it works on): a
    second press while it runs finds this one (``uq_jobs_key_unfinished``). The state moves
    queued → running (claimed by a worker, ``runs`` counted) → done (in the same transaction as
    the work itself) or failed; a run whose worker died goes back to queued and runs again.
    The live progress and heartbeat are kept beside the queue (``quiz.jobs.queue``), not here:
    on SQLite the work's own transaction holds the only write lock while it runs."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("uq_jobs_key_unfinished", "key", unique=True, sqlite_where=text(UNFINISHED),
              postgresql_where=text(UNFINISHED)),
        Index("ix_jobs_state", "state"),
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), comment="Loại việc: freeze_round, export …")
    key: Mapped[str] = mapped_column(String(200), comment="Việc làm trên cái gì, ví dụ round:12:results")
    title: Mapped[str] = mapped_column(String(300), comment="Tên việc bằng tiếng Việt, cho trang theo dõi")
    params: Mapped[dict] = mapped_column(JSON, default=dict, comment="Tham số của việc (mã đợt, đơn vị …)")
    state: Mapped[str] = mapped_column(String(10), default="queued", comment="queued, running, done, failed")
    runs: Mapped[int] = mapped_column(default=0, comment="Số lần một tiến trình nền đã nhận việc")
    result: Mapped[str | None] = mapped_column(String(1000), comment="Kết quả bằng tiếng Việt")
    error: Mapped[str | None] = mapped_column(String(1000), comment="Lỗi bằng tiếng Việt")
    file: Mapped[str | None] = mapped_column(String(200), comment="Tệp kết quả trong instance/jobs/ (nếu có)")
    file_name: Mapped[str | None] = mapped_column(String(200), comment="Tên tệp khi tải về")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 comment="Người bấm; NULL: dòng lệnh")
    created_at: Mapped[datetime] = mapped_column(comment="Lúc bấm (UTC)")
    enqueued_at: Mapped[datetime] = mapped_column(comment="Lần đưa vào hàng đợi gần nhất (UTC)")
    started_at: Mapped[datetime | None] = mapped_column(comment="Lần chạy gần nhất bắt đầu (UTC)")
    finished_at: Mapped[datetime | None] = mapped_column(comment="Lúc xong hoặc lỗi (UTC)")

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")
