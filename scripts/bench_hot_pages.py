#!/usr/bin/env python3
"""The cost of one start, one attempt page and one result page, in process: CPU and wall
time per request and the statements each sends, through Flask's test client on PostgreSQL
(no server, no network: the app's own cost, less sensitive to a busy machine than a load test).

Set-up as ``bench_attempts``: its database (``QUIZ_BENCH_DATABASE_NAME``, default
``bench_hot_pages``), the shipped banks, the demo units, its contest (20 questions drawn
from two banks) and --members members. Each member logs in (not timed), then: start (POST),
the attempt page (GET), submit (POST, not timed), the result page (GET). The first
--warmup members are not counted. Figures are medians per request kind.

    .venv/bin/python scripts/bench_hot_pages.py [--members 300] [--warmup 30] [--database-url URL]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QUIZ_BENCH_DATABASE_NAME", "bench_hot_pages")

import bench_attempts as bench  # noqa: E402 - the same database, contest and members

KINDS = ("start", "page", "result")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    from quiz import create_app
    from quiz.extensions import db

    with tempfile.TemporaryDirectory(prefix="bench_hot_pages_") as tmp:
        url, drop = bench.create_database(args.database_url)
        try:
            bench.seed(url, args.members, Path(tmp))
            app = create_app({"DATABASE_URL": url.render_as_string(hide_password=False), "SECRET_KEY": "bench",
                              "INSTANCE_PATH": tmp, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
            with app.app_context():
                engine = db.engine
            sent: list[str] = []
            sa.event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
            figures = {kind: {"cpu": [], "wall": [], "statements": []} for kind in KINDS}

            def timed(kind: str | None, call, counted: bool):
                sent.clear()
                cpu, wall = time.process_time(), time.perf_counter()
                response = call()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                if counted and kind:
                    figures[kind]["cpu"].append(cpu * 1000)
                    figures[kind]["wall"].append(wall * 1000)
                    figures[kind]["statements"].append(len(sent))
                return response

            for i in range(1, args.members + 1):
                client = app.test_client()
                login = client.post(f"/dang-nhap?next=/cuoc-thi/{bench.SLUG}",
                                    data={"identifier": bench.phone(i), "password": bench.PASSWORD})
                assert login.status_code == 302, login.get_data(as_text=True)[:300]
                counted = i > args.warmup
                started = timed("start", lambda: client.post(f"/cuoc-thi/{bench.SLUG}/bat-dau"), counted)
                path = started.headers["Location"]
                assert re.fullmatch(r"/luot-thi/\d+", path), path
                page = timed("page", lambda: client.get(path), counted)
                assert page.status_code == 200 and page.get_data().count(b'type="radio"') >= 40
                assert client.post(f"{path}/nop").status_code == 302
                result = timed("result", lambda: client.get(f"{path}/ket-qua"), counted)
                assert result.status_code == 200
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()
    print(f"{args.members - args.warmup} members counted, medians per request (load: {os.getloadavg()[0]:.1f})")
    print(f"  {'request':<8} {'CPU ms':>7} {'wall ms':>8} {'statements':>11}")
    for kind in KINDS:
        f = figures[kind]
        print(f"  {kind:<8} {statistics.median(f['cpu']):>7.2f} {statistics.median(f['wall']):>8.2f} "
              f"{statistics.median(f['statements']):>11.0f}")
    print(" ".join(f"{kind}_cpu_ms={statistics.median(figures[kind]['cpu']):.2f}" for kind in KINDS))


if __name__ == "__main__":
    main()
