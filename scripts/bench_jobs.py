#!/usr/bin/env python3
"""Freezing a round as a background job against calling the service directly, same data,
same run: the overhead of the queue (enqueue after commit, a worker taking it, claiming the
job, progress and heartbeat, marking it done, the caller seeing it done).

A closed round of ``--attempts`` finished attempts (one member each, in 20 units) is made in a
fresh SQLite file or PostgreSQL schema. Then, ``--repeat`` times each, alternating:

- direct: ``rankings.freeze`` and commit, in this process (the baseline);
- job: ``rankings.tasks.start_freeze`` and commit, then ``jobs.wait`` until done: a real
  worker process (``quiz worker``) on the chosen queue storage does the freeze;

each followed (untimed) by ``rankings.reopen`` and commit. Prints the medians and the ratio
job ÷ direct; the last line is machine-readable.

    .venv/bin/python scripts/bench_jobs.py [--attempts 3000] [--repeat 5] [--database sqlite|postgresql]
        [--queue sqlite|redis]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quiz import create_app  # noqa: E402
from quiz.extensions import db  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


def build(attempts: int) -> int:
    """A contest whose round closed yesterday, with ``attempts`` members' finished attempts."""
    from quiz.accounts.models import User
    from quiz.attempts.models import Attempt
    from quiz.banks import services as banks
    from quiz.banks.formats import ParsedQuestion
    from quiz.banks.validation import Checked, dedup_key
    from quiz.contests import setup
    from quiz.db import utcnow
    from quiz.units import importer
    from quiz.units.importer import UnitRow
    from quiz.units.models import Unit

    now = utcnow()
    importer.import_rows([UnitRow(2, "TU", "Tỉnh ủy", "", "", 0)] +
                         [UnitRow(3 + i, f"H{i}", f"Huyện {i}", "TU", "", 1000) for i in range(20)])
    bank = banks.create_bank("Ngân hàng đo")
    banks.write(bank, [Checked(ParsedQuestion(text=f"Câu hỏi số {i}?", options=["Đúng", "Sai", "Sai nữa"], correct=0),
                               "de", dedup_key(f"Câu hỏi số {i}?")) for i in range(40)], now=now)
    result = setup.create({"slug": "do-viec-nen", "title": "Đo việc nền", "time_limit_s": 600, "grace_s": 10,
                           "max_attempts": 3, "min_delay_s": 0,
                           "round": [{"name": "Tuần 1", "opens": (now - timedelta(days=3)).isoformat(),
                                      "closes": (now - timedelta(days=1)).isoformat()}],
                           "draw": [{"bank": "Ngân hàng đo", "count": 20}],
                           "prize": [{"name": "Nhất", "count": 1}, {"name": "Nhì", "count": 3}]}, tz=ZoneInfo("UTC"))
    assert result.errors == [], result.errors
    contest = result.contest
    db.session.flush()
    units = db.session.scalars(sa.select(Unit.id).where(Unit.code != "TU")).all()
    rng = random.Random(2026)
    db.session.execute(sa.insert(User), [
        {"full_name": f"Thí sinh {i}", "phone": f"09{i:08d}", "cccd": f"001{i:09d}", "gender": "nam",
         "category": "dang_vien", "role": "member", "unit_id": units[i % len(units)], "password_hash": "x"}
        for i in range(attempts)])
    users = db.session.execute(sa.select(User.id, User.unit_id).order_by(User.id)).all()
    start = now - timedelta(days=2)
    db.session.execute(sa.insert(Attempt), [
        {"contest_id": contest.id, "round_id": contest.rounds[0].id, "user_id": uid, "unit_id": unit_id, "number": 1,
         "seed": 1, "started_at": start, "deadline_at": start + timedelta(minutes=10),
         "finished_at": start + timedelta(seconds=rng.randint(60, 590)), "score": rng.randint(0, 20),
         "time_used_ms": rng.randint(60_000, 590_000)} for uid, unit_id in users])
    db.session.commit()
    return contest.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--queue", choices=["sqlite", "redis"], default="sqlite")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench_jobs_"))
    schema = None
    if args.database == "sqlite":
        url = f"sqlite:///{folder / 'quiz.db'}"
    else:
        schema = f"bench_jobs_{secrets.token_hex(4)}"
        with sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    name = f"bench-jobs-{secrets.token_hex(4)}"
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "TASK_QUEUE": args.queue,
              "TASK_QUEUE_NAME": name, "REDIS_URL": REDIS_URL if args.queue == "redis" else None}
    app = create_app(config)
    env = {**os.environ, "PYTHONPATH": str(ROOT), **{f"QUIZ_{k}": v or "" for k, v in config.items()}}
    worker = None
    try:
        with app.app_context():
            from flask_migrate import upgrade

            from quiz.contests.models import Contest
            from quiz.db import utcnow
            from quiz.jobs import services as jobs
            from quiz.rankings import services as rankings
            from quiz.rankings.tasks import start_freeze

            upgrade()
            contest_id = build(args.attempts)
            worker = subprocess.Popen([sys.executable, "-c", "from quiz.cli import main; main()", "worker",
                                       "--threads", "1", "--no-periodic"], env=env, cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            def subject():
                contest = db.session.get(Contest, contest_id)
                return contest.rounds[0], contest

            def direct() -> float:
                started = time.perf_counter()
                round_, contest = subject()
                rankings.freeze(round_, contest, now=utcnow())
                db.session.commit()
                return time.perf_counter() - started

            def as_job() -> float:
                started = time.perf_counter()
                round_, contest = subject()
                job = start_freeze(round_, contest, None, utcnow())
                db.session.commit()
                done = jobs.wait(job.id, 600, interval=0.05)
                assert done.state == "done", done.error
                seconds = time.perf_counter() - started
                db.session.commit()
                return seconds

            def reopen():
                round_, contest = subject()
                rankings.reopen(round_, contest, now=utcnow())
                db.session.commit()

            as_job(), reopen()                      # warm-up: the worker has started and loaded the app
            times = {"direct": [], "job": []}
            for _ in range(args.repeat):
                for kind, fn in (("direct", direct), ("job", as_job)):
                    times[kind].append(fn())
                    reopen()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        with app.app_context():
            from quiz.jobs.queue import queue

            queue().huey.storage.flush_all()
            db.session.remove()
            db.engine.dispose()
        if schema:
            with sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    direct_s, job_s = statistics.median(times["direct"]), statistics.median(times["job"])
    print(f"database={args.database} queue={args.queue} attempts={args.attempts} repeat={args.repeat}")
    print(f"direct freeze (service + commit):  median {direct_s:.3f} s  runs {[round(t, 3) for t in times['direct']]}")
    print(f"freeze as a job (start → done):     median {job_s:.3f} s  runs {[round(t, 3) for t in times['job']]}")
    print(f"overhead {job_s - direct_s:+.3f} s, ratio job/direct {job_s / direct_s:.2f}")
    print(json.dumps({"database": args.database, "queue": args.queue, "attempts": args.attempts,
                      "direct_s": round(direct_s, 3), "job_s": round(job_s, 3),
                      "overhead_s": round(job_s - direct_s, 3), "ratio": round(job_s / direct_s, 2)}))


if __name__ == "__main__":
    main()
