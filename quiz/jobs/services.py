"""Jobs: start one (or find the one already running on the same thing), run it in a worker,
record its result or its error, and bring back the ones whose worker died.

A kind of job is registered by its domain (``kind``): how to run it, who may follow it. Its
``run(job, progress)`` does the work in the session's transaction and returns the result's
text (and, for a file, writes it with ``output``); the job is marked done in that same
transaction, so the work and "done" are committed together or not at all. A worker killed
mid-way leaves the job running with a heartbeat that stops; ``check`` (every minute) puts it
back in the queue and the next run does the work again from the start.

Services take ``now`` and never commit, except ``run``, which is the worker's unit of work:
claiming, the work, and a failure are each a transaction of their own.
"""
from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from quiz.db import utcnow
from quiz.errors import DomainError, NotFound
from quiz.extensions import db
from quiz.jobs import queue
from quiz.jobs.models import UNFINISHED, Job

log = logging.getLogger(__name__)

#: A run stopped this many times (its worker died each time) is given up, with a message.
MAX_RUNS = 3
FAILED_UNEXPECTEDLY = ("Lỗi hệ thống khi chạy việc nền; việc chưa làm được gì (đã huỷ phần dở dang). "
                       "Vui lòng thử lại; nếu vẫn lỗi, báo quản trị viên (xem nhật ký của tiến trình nền).")


@dataclass(frozen=True)
class Kind:
    """A kind of job: ``run(job, progress) -> result text``; ``allowed(user, job)``: who may follow
    it and take its file; ``back(job)``: the page to go back to (an address)."""

    name: str
    run: Callable[[Job, Callable[[int, int, str], None]], str]
    allowed: Callable[[object, Job], bool]
    back: Callable[[Job], str | None] = lambda job: None


KINDS: dict[str, Kind] = {}


def kind(name: str, *, allowed, back=lambda job: None):
    """Register the decorated ``run(job, progress)`` as the job kind ``name``."""
    def register(fn):
        KINDS[name] = Kind(name, fn, allowed, back)
        return fn
    return register


# Starting ---------------------------------------------------------------------------------------

def start(kind_name: str, key: str, title: str, params: dict, *, actor_id: int | None, now: datetime) -> Job:
    """The unfinished job on ``key``: a new one, queued once the caller commits, or the one
    already queued or running (a second press of the same button). The database decides
    (``uq_jobs_key_unfinished``): two requests at once make one job."""
    if kind_name not in KINDS:
        raise ValueError(f"unknown job kind {kind_name!r}")
    values = {"kind": kind_name, "key": key, "title": title[:300], "params": params, "state": "queued", "runs": 0,
              "actor_id": actor_id, "created_at": now, "enqueued_at": now}
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = (dialect.insert(Job).values(values)
              .on_conflict_do_nothing(index_elements=["key"], index_where=text(UNFINISHED))
              .returning(Job.id))
    for _ in range(3):  # the job found may finish before it is read: then insert again
        job_id = db.session.scalar(insert)
        if job_id is not None:
            queue.enqueue_after_commit(db.session(), job_id)
            return db.session.get(Job, job_id)
        found = db.session.scalar(select(Job).where(Job.key == key, text(UNFINISHED))
                                  .execution_options(populate_existing=True))
        if found is not None:
            return found
    raise DomainError("Hệ thống đang bận; vui lòng bấm lại.")


def get(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("Không tìm thấy việc này.")
    return job


def visible(user, job: Job) -> Job:
    """The job if ``user`` may follow it (NotFound otherwise: its existence is not told)."""
    if job.actor_id != user.id and not KINDS[job.kind].allowed(user, job):
        raise NotFound("Không tìm thấy việc này.")
    return job


def wait(job_id: int, timeout: float, *, interval: float = 0.2) -> Job:
    """Block until the job is done or failed, at most ``timeout`` seconds (TimeoutError): for
    scripts and the command line. Each look is a transaction of its own."""
    deadline = time.monotonic() + timeout
    db.session.rollback()
    while True:
        job = db.session.get(Job, job_id, populate_existing=True)
        if job is None or job.finished:
            return job
        state = job.state
        db.session.rollback()  # no transaction held while waiting (on SQLite it would hold the write lock)
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {state} after {timeout} s")
        time.sleep(interval)


# Running (in a worker) ----------------------------------------------------------------------------

def run(job_id: int) -> None:
    """The worker's task: claim the job, do its work, record the outcome. Runs of a job that
    is already done, or claimed by another run, do nothing (a job may be enqueued twice)."""
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == "queued")
        .values(state="running", runs=Job.runs + 1, started_at=utcnow()).returning(Job.runs)).scalar()
    db.session.commit()
    if claimed is None:
        return
    job = db.session.get(Job, job_id)
    progress = queue.Progress(job.id, claimed)
    try:
        result = KINDS[job.kind].run(job, progress)
        owned = db.session.execute(
            update(Job).where(Job.id == job_id, Job.state == "running", Job.runs == claimed)
            .values(state="done", result=str(result)[:1000], finished_at=utcnow())
            .execution_options(synchronize_session=False))
        if owned.rowcount != 1:  # taken back as dead and run again meanwhile: that run decides
            db.session.rollback()
            return
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _fail(job_id, claimed, error.message)
    except Exception:
        log.exception("Job %s (%s) failed", job_id, job.kind)
        db.session.rollback()
        _fail(job_id, claimed, FAILED_UNEXPECTEDLY)
    finally:
        progress.stop()


def _fail(job_id: int, run_number: int, message: str) -> None:
    db.session.execute(update(Job).where(Job.id == job_id, Job.runs == run_number, Job.state == "running")
                       .values(state="failed", error=message[:1000], finished_at=utcnow()))
    db.session.commit()


def check(*, now: datetime, stale_s: float) -> int:
    """Bring back the jobs whose worker died: a running job with no heartbeat for ``stale_s``
    seconds goes back to the queue (given up after ``MAX_RUNS`` runs); a queued job that is no
    longer in the queue (a worker took it and died before claiming it) is enqueued again.
    Returns how many were enqueued again. Several workers may run this at once: each change
    is conditional on what was read, so a job comes back once."""
    target = queue.queue()
    waiting = target.pending_jobs()
    stale = now - timedelta(seconds=stale_s)
    again = 0
    for job in db.session.scalars(select(Job).where(text(UNFINISHED))).all():
        if job.state == "running":
            beat = queue.live(job.id)
            last = (datetime.fromtimestamp(beat["at"], timezone.utc).replace(tzinfo=None) if beat
                    else job.started_at)
            if last is not None and last > stale:
                continue
            if job.runs >= MAX_RUNS:
                db.session.execute(update(Job).where(Job.id == job.id, Job.runs == job.runs, Job.state == "running")
                                   .values(state="failed", finished_at=now, error=(
                                       f"Tiến trình nền dừng đột ngột {job.runs} lần khi làm việc này; đã ngừng thử "
                                       "(phần dở dang đã được huỷ). Báo quản trị viên kiểm tra tiến trình nền.")))
                continue
            moved = db.session.execute(update(Job).where(Job.id == job.id, Job.runs == job.runs,
                                                         Job.state == "running")
                                       .values(state="queued", enqueued_at=now))
        elif job.id not in waiting and job.enqueued_at <= stale:
            moved = db.session.execute(update(Job).where(Job.id == job.id, Job.state == "queued",
                                                         Job.enqueued_at == job.enqueued_at)
                                       .values(enqueued_at=now))
        else:
            continue
        if moved.rowcount == 1:
            queue.enqueue_after_commit(db.session(), job.id)
            again += 1
    return again


# Files -----------------------------------------------------------------------------------------

def folder() -> Path:
    path = Path(current_app.config["INSTANCE_PATH"]) / "jobs"
    path.mkdir(exist_ok=True)
    return path


class output:  # noqa: N801 - used as a context manager, like open()
    """``with output(job, "ket-qua.xlsx") as path:`` write the job's file at ``path`` (a
    temporary name); on success it is renamed to its final name and recorded on the job
    (in the job's transaction), so a file under its final name is always complete."""

    def __init__(self, job: Job, download_name: str):
        self.job = job
        self.download_name = download_name
        self.final = folder() / f"{job.id}-{secrets.token_hex(8)}{Path(download_name).suffix}"
        self.partial = self.final.with_name(f".{self.final.name}.partial")

    def __enter__(self) -> Path:
        return self.partial

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.partial.unlink(missing_ok=True)
            return False
        os.replace(self.partial, self.final)
        self.job.file, self.job.file_name = self.final.name, self.download_name
        db.session.flush()
        return False


def file_path(job: Job) -> Path:
    """The job's finished file, or NotFound (none, or expired)."""
    path = folder() / job.file if job.state == "done" and job.file else None
    if path is None or not path.is_file():
        raise NotFound("Tệp không còn (đã hết hạn hoặc chưa có): hãy tạo lại.")
    return path


def expire_files(*, now: datetime, keep_hours: float) -> int:
    """Delete the files of jobs finished more than ``keep_hours`` ago, and leftovers of runs
    that died while writing. Returns how many files were deleted."""
    old = db.session.scalars(select(Job).where(Job.file.is_not(None),
                                               Job.finished_at < now - timedelta(hours=keep_hours))).all()
    deleted = 0
    for job in old:
        (folder() / job.file).unlink(missing_ok=True)
        job.file = None
        deleted += 1
    running = {j.id for j in db.session.scalars(select(Job).where(text(UNFINISHED)))}
    for leftover in folder().glob(".*.partial"):
        if int(leftover.name[1:].split("-")[0]) not in running:
            leftover.unlink(missing_ok=True)
            deleted += 1
    return deleted


@queue.periodic("quiz.jobs.check")
def _every_minute() -> None:
    config = current_app.config
    check(now=utcnow(), stale_s=config["JOB_STALE_S"])
    expire_files(now=utcnow(), keep_hours=config["JOB_FILE_KEEP_HOURS"])
    db.session.commit()
