"""The task queue (huey), built from the settings by ``create_app``:

- ``QUIZ_TASK_QUEUE=sqlite`` (the default without Redis): huey's SQLite storage in
  ``instance/tasks.db``; ``scripts/run`` starts one worker beside gunicorn on the same machine;
- ``redis`` (the default when ``QUIZ_REDIS_URL`` is set): the queue in Redis, so workers on
  several machines share it;
- ``immediate``: a task runs at once in the process that enqueues it (tests; the default when
  ``TESTING``).

Huey knows one task, ``quiz.run_job(job id)``, which runs the ``Job`` row's kind
(``quiz.jobs.services.run``), and the periodic tasks registered with ``periodic``. A job is
enqueued only once the transaction that created it commits (``enqueue_after_commit``), so a
worker never looks for a row it cannot see yet, and a rolled-back request enqueues nothing.

Live progress and heartbeat (``Progress``) are written to the queue's own storage (a key per
job), not to the database: on SQLite the work's transaction holds the only write lock while it
runs, and a page must see the progress meanwhile.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

#: Periodic work: name → (when, function of no argument run in an app context).
PERIODIC: dict[str, tuple[Callable, Callable[[], object]]] = {}
#: How often a running job writes its heartbeat (seconds).
BEAT_S = 5.0


def periodic(name: str, when=None):
    """Register ``fn`` to run in the workers every minute (or on ``when``, a huey crontab)."""
    def register(fn):
        PERIODIC[name] = (when or crontab(), fn)
        return fn
    return register


def init_app(app: Flask) -> None:
    kind = app.config["TASK_QUEUE"]
    name = app.config["TASK_QUEUE_NAME"]
    if kind == "immediate":
        huey = MemoryHuey(name, immediate=True, results=False)
    elif kind == "redis":
        if not app.config["REDIS_URL"]:
            raise ValueError("QUIZ_TASK_QUEUE=redis cần QUIZ_REDIS_URL.")
        huey = RedisHuey(name, url=app.config["REDIS_URL"], results=False)
    elif kind == "sqlite":
        huey = SqliteHuey(name, filename=str(Path(app.config["INSTANCE_PATH"]) / "tasks.db"), results=False)
    else:
        raise ValueError(f"QUIZ_TASK_QUEUE={kind!r} không hợp lệ: cần sqlite, redis hoặc immediate.")

    def in_app(fn):
        def run(*args):
            with app.app_context():
                return fn(*args)
        return run

    from quiz.jobs import services

    run_job = huey.task(name="quiz.run_job")(in_app(services.run))
    for periodic_name, (when, fn) in PERIODIC.items():
        huey.periodic_task(when, name=periodic_name)(in_app(fn))
    app.extensions["quiz.jobs"] = Queue(huey, run_job)


@dataclass
class Queue:
    huey: object
    run_job: object

    def pending_jobs(self) -> set[int]:
        """The ids of the jobs waiting in the queue (not yet taken by a worker)."""
        return {task.args[0] for task in self.huey.pending() if task.name == "quiz.run_job" and task.args}


def queue() -> Queue:
    return current_app.extensions["quiz.jobs"]


# Enqueue once committed ------------------------------------------------------------------------

_PENDING = "quiz.jobs.pending"


def enqueue_after_commit(session, job_id: int) -> None:
    """Enqueue the job when ``session``'s transaction commits (nothing if it rolls back)."""
    session.info.setdefault(_PENDING, []).append((queue(), job_id))


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session):
    for target, job_id in session.info.pop(_PENDING, []):
        try:
            target.run_job(job_id)
        except Exception:  # noqa: BLE001 - the queue unreachable: the job is kept, the check enqueues it later
            log.warning("Không đưa được việc %s vào hàng đợi; lần kiểm tra định kỳ sẽ đưa lại.", job_id, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session):
    session.info.pop(_PENDING, None)


# Progress and heartbeat ---------------------------------------------------------------------------

def _key(job_id: int) -> str:
    return f"quiz.job.{job_id}"


def live(job_id: int) -> dict | None:
    """The job's last progress and heartbeat: {done, total, label, at (unix time), run}."""
    return queue().huey.get(_key(job_id), peek=True)


class Progress:
    """The running job's ``progress(done, total, label)`` callable, and its heartbeat: a thread
    writing the last progress with the time every ``BEAT_S`` seconds, even while one long SQL
    statement runs, so a job whose worker died is told from one that is slow."""

    def __init__(self, job_id: int, run: int):
        self.huey = queue().huey
        self.key = _key(job_id)
        self.state = {"done": 0, "total": 0, "label": "Đang bắt đầu…", "run": run}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.write()
        self.thread = threading.Thread(target=self.beat, name=f"job-{job_id}-heartbeat", daemon=True)
        self.thread.start()

    def __call__(self, done: int, total: int, label: str) -> None:
        with self.lock:
            self.state.update(done=int(done), total=int(total), label=str(label))
        self.write()

    def write(self) -> None:
        with self.lock:
            state = {**self.state, "at": time.time()}
        try:
            self.huey.put(self.key, state)
        except Exception:  # noqa: BLE001 - progress is a nicety; the work goes on without it
            log.warning("Không ghi được tiến độ %s", self.key, exc_info=True)

    def beat(self) -> None:
        while not self.stopped.wait(BEAT_S):
            self.write()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
        try:
            self.huey.delete(self.key)
        except Exception:  # noqa: BLE001
            log.warning("Không xoá được tiến độ %s", self.key, exc_info=True)


def run_worker(app: Flask, threads: int, periodic_tasks: bool) -> None:
    """Consume the queue until stopped (SIGINT: finish the running tasks first; SIGTERM: at once)."""
    target = app.extensions["quiz.jobs"]
    if target.huey.immediate:
        raise ValueError("QUIZ_TASK_QUEUE=immediate: việc chạy ngay trong ứng dụng, không cần tiến trình nền.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # An idle worker looks at the queue at least once a second (huey's default backs off to 10 s,
    # a long wait after a press on SQLite storage; Redis wakes the worker at once).
    target.huey.create_consumer(workers=threads, worker_type="thread", periodic=periodic_tasks,
                                check_worker_health=True, initial_delay=0.1, backoff=1.15, max_delay=1.0).run()
