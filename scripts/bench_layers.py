#!/usr/bin/env python3
"""What each layer costs per request under gunicorn: the ceiling of the save on this stack.

Each of these small WSGI apps is served in turn by ``gunicorn -c gunicorn.conf.py`` (the
repo's config, as ``bench_attempts`` serves the app and its baseline; the access log to
/dev/null) and driven with the same load: --concurrency keep-alive connections from
--clients processes POSTing the autosave's JSON (a batch of 2–5 answers) for --duration s:

  wsgi          a bare WSGI function answering ``{}`` (gunicorn and the load alone)
  baseline      bench_attempts' baseline: the bare WSGI function plus one plain-SQL upsert
                (psycopg 3, a connection per thread)
  flask         a Flask app with one JSON route answering ``jsonify`` (no database)
  flask_upsert  the same route doing the baseline's upsert through SQLAlchemy Core on a pool
                (as the app's engine: psycopg, a pooled connection per thread)

Measured per app: requests per second and the CPU its gunicorn workers used per request
(user + system, from /proc), so that the figures hold whatever else the machine runs. The
app's own save (``bench_attempts``' saves phase: app cores / save_rps) compares with these.

    .venv/bin/python scripts/bench_layers.py [--duration 8] [--concurrency 32] [--clients 2]
        [--only wsgi,flask] [--database-url URL]

A database of its own (``bench_layers``, QUIZ_BENCH_DATABASE_NAME) on the server --database-url
names, dropped at the end.

Last line: ``<app>_cpu_ms=… <app>_rps=…`` for each.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_attempts import BASELINE_APP, Server  # noqa: E402

APPS = '''\
"""The layers of bench_layers."""
import json
import os
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import Flask, jsonify, request


def wsgi(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


flask = Flask("flask")


@flask.route("/api/luot-thi/<int:attempt_id>/luu", methods=["GET", "POST"])
def hello(attempt_id):
    return jsonify(saved=len((request.get_json(silent=True) or {}).get("answers", {})))


flask_upsert = Flask("flask_upsert")
engine = sa.create_engine(os.environ["BENCH_LAYERS_URL"], pool_size=int(os.environ["QUIZ_DB_POOL_SIZE"]))
UPSERT = sa.text("INSERT INTO bench_baseline_answers (attempt_id, question_id, option_id, saved_at) "
                 "VALUES (:a, :q, :o, :t) ON CONFLICT (attempt_id, question_id) "
                 "DO UPDATE SET option_id = EXCLUDED.option_id, saved_at = EXCLUDED.saved_at")


@flask_upsert.route("/api/luot-thi/<int:attempt_id>/luu", methods=["GET", "POST"])
def upsert(attempt_id):
    if request.method == "GET":
        return jsonify()
    question_id, option_id = next(iter(request.get_json()["answers"].items()))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(UPSERT, {"a": attempt_id, "q": int(question_id), "o": int(option_id), "t": now})
    return jsonify(saved=1, server_time=now.isoformat(timespec="seconds"))
'''

DATABASE = os.environ.get("QUIZ_BENCH_DATABASE_NAME", "bench_layers")
ORDER = ["wsgi", "baseline", "flask", "flask_upsert"]


def drive(port: int, threads: int, seconds: float, counts) -> None:
    """One load process: ``threads`` keep-alive connections POSTing saves until time is up."""
    stop = time.monotonic() + seconds
    done = [0] * threads

    def one(n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            answers = {str(rng.randrange(1, 21)): rng.randrange(1, 80) for _ in range(rng.randint(2, 5))}
            body = json.dumps({"answers": answers})
            conn.request("POST", f"/api/luot-thi/{n % 500 + 1}/luu", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}")
            done[n] += 1

    workers = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    counts.put(sum(done))


def workers_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by the workers of gunicorn ``master``: the live
    ones, and those it recycled (max_requests) and reaped, in its children's times."""
    with open(f"/proc/{master}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    total = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def measure(server: Server, args) -> dict:
    counts = mp.Queue()
    per = [args.concurrency // args.clients + (i < args.concurrency % args.clients) for i in range(args.clients)]
    warm = [mp.Process(target=drive, args=(server.port, n, 1.5, mp.Queue())) for n in per]
    for p in warm:
        p.start()
    for p in warm:
        p.join()
    procs = [mp.Process(target=drive, args=(server.port, n, args.duration, counts)) for n in per]
    cpu0, t0 = workers_cpu(server.proc.pid), time.monotonic()
    for p in procs:
        p.start()
    requests = sum(counts.get() for _ in procs)
    seconds = time.monotonic() - t0
    cpu = workers_cpu(server.proc.pid) - cpu0
    for p in procs:
        p.join()
    return {"rps": requests / seconds, "cpu_ms": cpu / requests * 1000, "cores": cpu / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--only", default=",".join(ORDER))
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    server_dsn = args.database_url
    dsn = sa.engine.make_url(server_dsn).set(database=DATABASE).render_as_string(hide_password=False)
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_baseline_answers (attempt_id integer, question_id integer, "
                     "option_id integer NOT NULL, saved_at timestamp NOT NULL, PRIMARY KEY (attempt_id, question_id))")
    results = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench_layers_") as tmp:
            folder = Path(tmp)
            (folder / "bench_baseline.py").write_text(BASELINE_APP)
            (folder / "bench_layers_apps.py").write_text(APPS)
            env = {**os.environ, "QUIZ_ACCESS_LOG": "/dev/null", "BENCH_BASELINE_DSN": dsn,
                   "BENCH_LAYERS_URL": sa.engine.make_url(dsn).set(drivername="postgresql+psycopg")
                   .render_as_string(hide_password=False)}
            for name in [n for n in ORDER if n in args.only.split(",")]:
                target = "bench_baseline:app" if name == "baseline" else f"bench_layers_apps:{name}"
                server = Server(name, target, env, folder, chdir=folder)
                try:
                    server.wait_ready("/api/luot-thi/1/luu")
                    results[name] = r = measure(server, args)
                finally:
                    server.stop()
                print(f"{name:<13} {r['rps']:>8.1f} req/s  {r['cpu_ms']:>6.3f} ms CPU per request "
                      f"({r['cores']:.2f} cores)", flush=True)
    finally:
        with psycopg.connect(server_dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    print(" ".join(f"{n}_cpu_ms={r['cpu_ms']:.3f} {n}_rps={r['rps']:.1f}" for n, r in results.items()))


if __name__ == "__main__":
    main()
