#!/usr/bin/env python3
"""The autosave and the submit, profiled in process on PostgreSQL: CPU per request and where
it goes, by library.

Set-up: ``bench_attempts``' database (its seed: the shipped banks, the demo tree, the open
contest), a database of its own (``profile_saves``, QUIZ_BENCH_DATABASE_NAME), dropped at the
end. --members members log in through the Flask test client and start an attempt each; then,
one request at a time, --saves JSON saves of 2–5 answers (as ``static/js/attempt.js``
sends them) and one form submit per member. Measured: the thread's CPU time per request
(``time.thread_time``, the app's own work: the database's is not in it) and the statements
each sends; then the same saves again under cProfile, whose own time is summed by library
(the top-level package of each function's file), shown as a share and in ms per save.

    .venv/bin/python scripts/profile_saves.py [--members 50] [--saves 2000] [--database-url URL]

Last line: ``save_cpu_ms=… save_statements=… submit_cpu_ms=… submit_statements=…`` (medians).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QUIZ_BENCH_DATABASE_NAME", "profile_saves")

import bench_attempts as bench  # noqa: E402 - after the database name is chosen

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_RADIO = re.compile(r'name="q(\d+)" value="(\d+)"')


def library(filename: str) -> str:
    """The package a profiled function belongs to: ``sqlalchemy``, ``quiz``, ``builtins`` …"""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0].removesuffix(".py")
    if str(ROOT) in filename:
        return parts[len(ROOT.parts)] if parts[len(ROOT.parts)] != "quiz" else "quiz"
    return "python stdlib"


def by_library(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile)
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        totals[library(filename)] += tottime
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL",
                                                                  "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()

    from quiz import create_app
    from quiz.extensions import db

    url, drop = bench.create_database(args.database_url)
    try:
        with tempfile.TemporaryDirectory() as folder:
            bench.seed(url, args.members, Path(folder))
            app = create_app({"DATABASE_URL": url.render_as_string(hide_password=False), "SECRET_KEY": "profile",
                              "INSTANCE_PATH": folder, "RATELIMIT_ENABLED": False})
            sent: list[str] = []
            with app.app_context():
                sa.event.listen(db.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
            takers = []
            for i in range(1, args.members + 1):
                client = app.test_client()
                page = client.get("/dang-nhap").get_data(as_text=True)
                client.post("/dang-nhap", data={"csrf_token": _TOKEN.search(page).group(1),
                                                "identifier": bench.phone(i), "password": bench.PASSWORD})
                start_url = f"/cuoc-thi/{bench.SLUG}/bat-dau"
                token = _TOKEN.search(client.get(start_url).get_data(as_text=True)).group(1)
                attempt_url = client.post(start_url, data={"csrf_token": token}).headers["Location"]
                page = client.get(attempt_url).get_data(as_text=True)
                options = defaultdict(list)
                for q, o in _RADIO.findall(page):
                    options[int(q)].append(int(o))
                takers.append((client, attempt_url, _TOKEN.search(page).group(1), dict(options)))
            rnd = random.Random(12)

            def one_save():
                client, attempt_url, token, options = rnd.choice(takers)
                answers = {str(q): rnd.choice(options[q]) for q in rnd.sample(list(options), rnd.randint(2, 5))}
                response = client.post(f"/api{attempt_url}/luu", json={"answers": answers},
                                       headers={"X-CSRFToken": token})
                assert response.status_code == 200, response.get_data(as_text=True)

            for _ in range(200):  # warm-up: statement caches, prepared statements
                one_save()
            save_cpu, save_statements = [], []
            for _ in range(args.saves):
                sent.clear()
                began = time.thread_time()
                one_save()
                save_cpu.append((time.thread_time() - began) * 1000)
                save_statements.append(len(sent))
            profile = cProfile.Profile(time.thread_time)  # CPU, not the wait for the database
            profile.enable()
            for _ in range(args.saves):
                one_save()
            profile.disable()
            submit_cpu, submit_statements = [], []
            for client, attempt_url, token, options in takers:
                form = {"csrf_token": token, **{f"q{q}": o[0] for q, o in options.items()}, "prediction": "5"}
                sent.clear()
                began = time.thread_time()
                response = client.post(f"{attempt_url}/nop", data=form)
                submit_cpu.append((time.thread_time() - began) * 1000)
                submit_statements.append(len(sent))
                assert response.status_code == 302, response.get_data(as_text=True)
            with app.app_context():
                db.engine.dispose()
    finally:
        drop()

    save_ms, submit_ms = statistics.median(save_cpu), statistics.median(submit_cpu)
    totals = by_library(profile)
    whole = sum(totals.values())
    print(f"save: {save_ms:.2f} ms CPU (median of {len(save_cpu)}), {statistics.median(save_statements):g} statements "
          f"(cursor executes; BEGIN and COMMIT are not among them)")
    print(f"submit: {submit_ms:.2f} ms CPU (median of {len(submit_cpu)}), "
          f"{statistics.median(submit_statements):g} statements")
    print("save, own time by library under cProfile (thread CPU time; its overhead inflates the total, the shares are what count):")
    for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {name:24s} {100 * seconds / whole:5.1f} %  {save_ms * seconds / whole:6.3f} ms")
    print(f"save_cpu_ms={save_ms:.2f} save_statements={statistics.median(save_statements):g} "
          f"submit_cpu_ms={submit_ms:.2f} submit_statements={statistics.median(submit_statements):g}")


if __name__ == "__main__":
    main()
