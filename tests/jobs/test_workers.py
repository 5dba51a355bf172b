"""Real worker processes: one on the SQLite storage killed (-9) in the middle of a freeze, whose
job is brought back and run again by another worker to the same frozen result; one on Redis."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from quiz.config import ROOT
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db
from quiz.jobs import queue, services as jobs
from quiz.jobs.models import Job
from quiz.rankings import services as rankings
from quiz.rankings.models import Result
from quiz.rankings.tasks import start_freeze

WORKER = Path(__file__).with_name("worker.py")
REDIS_URL = "redis://127.0.0.1:6379/0"


def results(round_id: int) -> list[tuple]:
    columns = [c for c in Result.__table__.columns if c.name != "id"]
    return [tuple(row) for row in _db.session.execute(select(*columns).where(Result.round_id == round_id)
                                                       .order_by(Result.user_id))]


def start_worker(app, *args) -> subprocess.Popen:
    config = app.config
    env = {**os.environ, "QUIZ_DATABASE_URL": config["DATABASE_URL"], "QUIZ_INSTANCE_PATH": config["INSTANCE_PATH"],
           "QUIZ_SECRET_KEY": "test", "QUIZ_TASK_QUEUE": config["TASK_QUEUE"],
           "QUIZ_TASK_QUEUE_NAME": config["TASK_QUEUE_NAME"], "QUIZ_REDIS_URL": config["REDIS_URL"] or "",
           "PYTHONPATH": str(ROOT)}  # this checkout's quiz package, as the tests use
    with open(Path(config["INSTANCE_PATH"]) / "worker.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, str(WORKER), *args], env=env, stdout=log, stderr=log)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(10)


def until(condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def sqlite_queue(config):
    config["TASK_QUEUE"] = "sqlite"


def test_a_worker_killed_mid_freeze_leaves_nothing_and_the_job_runs_again_to_the_same_result(
        sqlite_queue, app, closed_contest):
    cid, rid, users = closed_contest
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        expected = results(rid)                                  # what freezing gives, then undone
        _db.session.rollback()
        contest = _db.session.get(Contest, cid)
        job_id = start_freeze(contest.rounds[0], contest, None, utcnow()).id
        _db.session.commit()
    assert len(expected) == 3

    stalled = start_worker(app, "stall")
    try:
        with app.app_context():                                  # the freeze is at its last step
            until(lambda: (queue.live(job_id) or {}).get("done", 0) >= 5)
            stalled.send_signal(signal.SIGKILL)
            stalled.wait(10)
            _db.session.rollback()
            job = _db.session.get(Job, job_id)
            assert (job.state, job.runs) == ("running", 1)
            assert results(rid) == [] and _db.session.get(Contest, cid).rounds[0].frozen_at is None
    finally:
        stop(stalled)

    worker = start_worker(app)
    try:
        with app.app_context():
            assert jobs.check(now=utcnow(), stale_s=60) == 0          # its heartbeat is still recent
            assert jobs.check(now=utcnow() + timedelta(minutes=2), stale_s=60) == 1
            _db.session.commit()
            job = jobs.wait(job_id, 60)
            assert (job.state, job.runs, job.result) == ("done", 2, "Đã tính và chốt kết quả Tuần 1: "
                                                                    "3 thí sinh được xếp hạng.")
            assert results(rid) == expected
    finally:
        stop(worker)


@pytest.fixture
def redis_queue(config):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    config.update(TASK_QUEUE="redis", REDIS_URL=REDIS_URL, TASK_QUEUE_NAME=f"quiz-test-{secrets.token_hex(4)}")


def test_a_worker_on_redis_freezes_a_round(redis_queue, app, closed_contest):
    cid, rid, users = closed_contest
    worker = start_worker(app)
    try:
        with app.app_context():
            contest = _db.session.get(Contest, cid)
            job_id = start_freeze(contest.rounds[0], contest, None, utcnow()).id
            _db.session.commit()
            job = jobs.wait(job_id, 60)
            assert (job.state, job.result) == ("done", "Đã tính và chốt kết quả Tuần 1: 3 thí sinh được xếp hạng.")
            assert len(results(rid)) == 3
    finally:
        stop(worker)
        with app.app_context():
            queue.queue().huey.storage.flush_all()
