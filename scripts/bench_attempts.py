#!/usr/bin/env python3
"""Taking attempts under load: answer saves per second and complete attempts per second,
served by gunicorn (the repo's ``gunicorn.conf.py``) on PostgreSQL.

Set-up. A database of its own (``bench_attempts``, on the server --database-url names),
migrated as ``quiz init`` does, holding the shipped banks, the demo unit tree, an open
contest (one round, 20 questions drawn 12 + 8 from two banks, 20 minutes, unlimited
attempts, no delay between them, a prediction question, two divisions) and --members
members written with one COPY. The members share one precomputed password hash, a cheap
pbkdf2 one: logging in is set-up here, not what is measured (the default scrypt costs
about 150 ms of CPU per login). The app runs under
``gunicorn -c gunicorn.conf.py 'quiz:create_app()'``; beside it, with the same config file
and settings, runs the baseline: a minimal WSGI app (written by this script into a
temporary folder) whose one endpoint upserts one answer row with plain SQL (psycopg 3,
``INSERT … ON CONFLICT … DO UPDATE``). The access log goes to /dev/null for both
(QUIZ_ACCESS_LOG); the logins of the set-up may all wait for their hash (QUIZ_PASSWORD_HASH_QUEUE).
Every member then logs in through the real login form.

Load. Separate processes (--clients), each with threads on keep-alive ``http.client``
connections, --concurrency threads in all (one per simulated phone). Each repeat runs three
phases of --duration seconds, after --warmup seconds that are not counted:

  baseline  POST a JSON batch of 2–5 answers to the baseline, which upserts one row
  saves     each thread holds one member's open attempt and POSTs JSON batches of 2–5
            answers to /api/luot-thi/<id>/luu with X-CSRFToken, as static/js/attempt.js does
  attempts  each thread takes members in turn through a whole attempt: start (POST) → the
            attempt page (GET) → 2 batched saves → submit (the page's form, POST) → the
            result page (GET)
  frame_saves     the saves phase's requests, to the app's frame: the real app (a third
            gunicorn under the same config) with a route that sends the baseline's upsert and
            checks nothing, behind every hook of the app (the cookie's session, CSRF, the input
            guard, the security headers) and its database session: the fastest any save of
            this app can be
  frame_attempts  six such requests in an attempt's order (four POSTs, two GETs of a route
            that sends one SELECT): the most attempts per second this app's frame allows

Before the repeats, the synchronized start (the moment a round opens): --rush fresh members
(none has an attempt yet) each press "Bắt đầu" once, at a moment drawn uniformly over
--rush-window seconds, open loop (a press is timed from its moment, waiting for a free
connection included), each followed by the attempt page it redirects to; their attempts are
then submitted, not timed, and those members go on to the attempts phase.

Every answer's status is checked; errors are counted and shown. The CPU used during each
window is split by process (app, baseline, PostgreSQL, load generator, anything else), to
show what limits the figures. Figures are medians over --repeat repeats; save_ratio is
save_rps / baseline_rps (both medians); p99_ms is the 99th percentile of every request of
the attempts phase (all five kinds together), median over the repeats; frame_save_ratio is
the frame's saves per second / baseline_rps, frame_attempts_per_s the frame's attempts.

    .venv/bin/python scripts/bench_attempts.py [--members 2100] [--rush 2000] [--rush-window 60]
        [--rush-threads 32] [--duration 10] [--warmup 2]
        [--repeat 3] [--concurrency 32] [--clients 2] [--workers N] [--threads N] [--database-url URL]

Database server: --database-url (default postgresql://postgres@127.0.0.1:5432/test); the
database ``bench_attempts`` (QUIZ_BENCH_DATABASE_NAME) is made beside it and dropped at the end. Targets on a 2-core
machine: save_ratio ≥ 0.5, ≥ 100 complete attempts per second, p99 under 1000 ms, the
synchronized start's p95 under 1000 ms, no errors. Last line: machine-readable figures
(``start_p95_ms``: the synchronized start's; ``frame_save_ratio`` and ``frame_attempts_per_s``:
the ceilings the app's frame sets, measured in the same run).
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing as mp
import os
import queue
import random
import re
import runpy
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GUNICORN_CONF = ROOT / "gunicorn.conf.py"
DATABASE = os.environ.get("QUIZ_BENCH_DATABASE_NAME", "bench_attempts")  # two runs side by side need two
SLUG = "do-hieu-nang"
PASSWORD = "thisinh2026"
PASSWORD_HASH = "pbkdf2:sha256:1000"  # cheap on purpose: logins are set-up, not measured
DRAW = [("Chuyên đề năm 2026 – Bắc Ninh", 12), ("Chỉ thị 05-CT/TW và Kết luận 01-KL/TW (chung)", 8)]
PHASES = ("baseline", "saves", "attempts", "frame_saves", "frame_attempts")
STEPS = ("start", "page", "save", "submit", "result")


# The database ---------------------------------------------------------------------------------

def create_database(server_url: str) -> tuple[sa.URL, callable]:
    """An empty database ``bench_attempts`` on the server of ``server_url``, and how to drop it."""
    admin_url = sa.make_url(server_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))  # an interrupted run's
        conn.execute(sa.text(f"CREATE DATABASE {DATABASE}"))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        admin.dispose()

    return admin_url.set(database=DATABASE), drop


def contest_spec(now: datetime) -> dict:
    """The contest as an organiser would set it up (times in UTC, passed with tz=UTC)."""
    return {
        "slug": SLUG, "title": "Hội thi đo hiệu năng: tìm hiểu Chuyên đề năm 2026",
        "rules": "Mỗi lượt 20 câu trong 20 phút; không giới hạn số lượt.",
        "time_limit_s": 1200, "grace_s": 15, "max_attempts": 0, "min_delay_s": 0,
        "counting": "best", "show_answers": "after_close",
        "prediction": {"metric": "all_correct", "prompt": "Bao nhiêu người trả lời đúng tất cả các câu?"},
        "round": [{"name": "Tuần 1", "opens": (now - timedelta(days=1)).isoformat(sep=" ", timespec="minutes"),
                   "closes": (now + timedelta(days=1)).isoformat(sep=" ", timespec="minutes")}],
        "division": [{"code": "A", "name": "Bảng A", "categories": ["dang_vien", "cong_chuc", "cnvcld"]},
                     {"code": "B", "name": "Bảng B", "categories": ["doan_vien", "hoi_vien", "hoc_sinh", "nhan_dan"]}],
        "draw": [{"bank": bank, "count": count} for bank, count in DRAW],
    }


def phone(i: int) -> str:
    return f"097{i:07d}"


def seed(url: sa.URL, members: int, folder: Path) -> dict[str, int]:
    """Migrate the database and fill it; returns what was made."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from quiz import create_app, demo
    from quiz.banks import shipped
    from quiz.banks.models import Question
    from quiz.contests import setup
    from quiz.db import utcnow
    from quiz.extensions import db
    from quiz.text import name_sort_key
    from quiz.units import importer
    from quiz.units.models import Unit

    app = create_app({"DATABASE_URL": url.render_as_string(hide_password=False), "SECRET_KEY": "seed",
                      "INSTANCE_PATH": str(folder)})
    with app.app_context():
        upgrade()
        now = utcnow()
        shipped.load(now)
        importer.import_rows(demo.unit_rows())
        setup.create_or_raise(contest_spec(now), tz=ZoneInfo("UTC"))
        db.session.commit()
        cells = db.session.scalars(sa.select(Unit.id).where(Unit.kind == "Chi bộ").order_by(Unit.id)).all()
        counts = {"questions": db.session.scalar(sa.select(sa.func.count()).select_from(Question)),
                  "units": db.session.scalar(sa.select(sa.func.count()).select_from(Unit)), "members": members}
        db.session.remove()
        hashed = generate_password_hash(PASSWORD, method=PASSWORD_HASH)
        with db.engine.begin() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                # COPY bypasses the model, which writes name_sort_key with the name.
                with cur.copy("COPY users (full_name, name_sort_key, gender, phone, cccd, unit_id, category, role, "
                              "password_hash, active, must_change_password, created_at) "
                              "FROM STDIN") as copy:
                    for i in range(1, members + 1):
                        name = f"Thí sinh {i}"
                        copy.write_row((name, name_sort_key(name), "nam" if i % 2 else "nu", phone(i), f"0970{i:08d}",
                                        cells[i % len(cells)], "dang_vien" if i % 3 else "doan_vien", "member",
                                        hashed, True, False, now))
                # The baseline's table: an answer row keyed like the app's, without its checks.
                cur.execute("CREATE TABLE bench_baseline_answers (attempt_id integer, question_id integer, "
                            "option_id integer NOT NULL, saved_at timestamp NOT NULL, "
                            "PRIMARY KEY (attempt_id, question_id))")
                cur.execute("ANALYZE")
        db.engine.dispose()
    return counts


# The servers -----------------------------------------------------------------------------------

BASELINE_APP = '''\
"""The baseline of bench_attempts: one endpoint that upserts one answer row with plain SQL."""
import json
import os
import threading
from datetime import datetime, timezone

import psycopg

UPSERT = ("INSERT INTO bench_baseline_answers (attempt_id, question_id, option_id, saved_at) "
          "VALUES (%s, %s, %s, %s) ON CONFLICT (attempt_id, question_id) "
          "DO UPDATE SET option_id = EXCLUDED.option_id, saved_at = EXCLUDED.saved_at")
local = threading.local()  # one connection per gunicorn thread, kept (as a pool would)


def connection():
    conn = getattr(local, "conn", None)
    if conn is None or conn.closed:
        conn = local.conn = psycopg.connect(os.environ["BENCH_BASELINE_DSN"])
    return conn


def app(environ, start_response):
    if environ["REQUEST_METHOD"] == "POST":  # /api/luot-thi/<attempt id>/luu
        attempt_id = int(environ["PATH_INFO"].split("/")[3])
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        question_id, option_id = next(iter(body["answers"].items()))
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        conn = connection()
        conn.execute(UPSERT, (attempt_id, int(question_id), int(option_id), now))
        conn.commit()
        data = json.dumps({"saved": 1, "server_time": now.isoformat(timespec="seconds")}).encode()
    else:
        data = b"{}"
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
'''


FRAME_APP = '''\
"""bench_attempts' frame: the real app (its hooks: the cookie's session, CSRF, the input guard,
the security headers; its database session and pool) with two routes that send one statement
each and check nothing: the least a request of an attempt costs in this app."""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import jsonify, request

from quiz import create_app
from quiz.accounts.access import checks_session_itself
from quiz.extensions import db

app = create_app()
UPSERT = sa.text("INSERT INTO bench_baseline_answers (attempt_id, question_id, option_id, saved_at) "
                 "VALUES (:a, :q, :o, :t) ON CONFLICT (attempt_id, question_id) "
                 "DO UPDATE SET option_id = EXCLUDED.option_id, saved_at = EXCLUDED.saved_at")
READ = sa.text("SELECT count(*) FROM bench_baseline_answers WHERE attempt_id = :a")


@app.post("/api/bench/<int:slot>/luu")
@checks_session_itself
def frame_save(slot):
    question_id, option_id = next(iter(request.get_json()["answers"].items()))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    db.session.execute(UPSERT, {"a": slot, "q": int(question_id), "o": int(option_id), "t": now})
    db.session.commit()
    return jsonify(saved=1, server_time=now.isoformat(timespec="seconds"))


@app.get("/bench/<int:slot>")
@checks_session_itself
def frame_page(slot):
    return f"<!doctype html><p>{db.session.execute(READ, {'a': slot}).scalar_one()}</p>"
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One gunicorn master (in a process group of its own), its log in a file."""

    def __init__(self, name: str, app: str, env: dict, folder: Path, chdir: Path | None = None):
        self.name, self.port = name, free_port()
        self.log = folder / f"{name}.log"
        # A control socket of its own: by default every gunicorn of a user shares ~/.gunicorn/gunicorn.ctl.
        argv = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF),
                "--control-socket", str(folder / f"{name}.ctl")]
        argv += ["--chdir", str(chdir)] if chdir else []
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv + [app], cwd=ROOT, env={**env, "QUIZ_BIND": f"127.0.0.1:{self.port}"},
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if self.proc.poll() is not None:
                break
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server did not answer on :{self.port}; its log ends:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Quick shutdown (SIGINT), then SIGKILL to its process group if it lingers (now and
        then one worker of a gthread master does not exit on SIGINT)."""
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def gunicorn_settings(env: dict) -> dict:
    """The repo's config file as gunicorn reads it under ``env``."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(GUNICORN_CONF))
    finally:
        os.environ.clear()
        os.environ.update(saved)


# The client side: one keep-alive connection per simulated phone ----------------------------------

_TOKEN = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
_OPTION = re.compile(rb'name="q(\d+)" value="(\d+)"')
_SESSION = re.compile(r"session=([^;]*)")
FORM = "application/x-www-form-urlencoded"


@dataclass
class Reply:
    status: int
    location: str
    cookies: list[str]
    body: bytes


class Client:
    """One keep-alive connection, as a phone's browser keeps one. A request on a connection
    the server has closed meanwhile (keep-alive timeout, a worker recycled after
    max_requests) is sent again once on a new connection, as browsers do."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.reconnects = 0

    def request(self, method: str, path: str, body: bytes | None, headers: dict) -> Reply:
        for again in (False, True):
            try:
                self.conn.request(method, path, body, headers)
                response = self.conn.getresponse()
                return Reply(response.status, response.getheader("Location", ""),
                             response.headers.get_all("Set-Cookie") or [], response.read())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if again:
                    raise
                self.reconnects += 1


@dataclass
class Member:
    """A logged-in member: the session cookie and the CSRF token its pages carry."""

    phone: str
    cookie: str = ""
    token: str = ""

    def headers(self, **extra) -> dict:
        found = {"User-Agent": "bench_attempts", "Accept": "text/html,application/json"}
        if self.cookie:
            found["Cookie"] = f"session={self.cookie}"
        return {**found, **extra}

    def remember(self, reply: Reply) -> None:
        for cookie in reply.cookies:
            match = _SESSION.match(cookie)
            if match:
                self.cookie = match.group(1)


@dataclass
class Sheet:
    """An attempt page as the member's browser holds it: its URLs and question → option ids."""

    path: str
    questions: dict[int, list[int]]

    @classmethod
    def parse(cls, path: str, page: bytes) -> Sheet:
        questions: dict[int, list[int]] = {}
        for question, option in _OPTION.findall(page):
            questions.setdefault(int(question), []).append(int(option))
        return cls(path, questions)

    @property
    def save_path(self) -> str:
        return f"/api{self.path}/luu"


class StepFailed(Exception):
    pass


@dataclass
class Record:
    """What one thread saw: each request's (end, latency, step); errors; finished attempts."""

    requests: list[tuple[float, float, str]] = field(default_factory=list)
    attempts: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0


def call(client: Client, record: Record | None, step: str, expect: int, method: str, path: str,
         member: Member | None = None, body: bytes | None = None, content_type: str | None = None) -> Reply:
    """One request, timed and checked (a status other than ``expect`` is an error)."""
    headers = member.headers() if member else {"User-Agent": "bench_attempts"}
    if content_type:
        headers["Content-Type"] = content_type
    if content_type == "application/json" and member:
        headers["X-CSRFToken"] = member.token  # as attempt.js sends it
    started = time.perf_counter()
    try:
        reply = client.request(method, path, body, headers)
        problem = None if reply.status == expect else f"HTTP {reply.status}: {reply.body[:160]!r}"
    except (OSError, http.client.HTTPException) as error:
        reply, problem = None, f"{type(error).__name__}: {error}"
    ended = time.perf_counter()
    if record is not None:
        record.requests.append((ended, ended - started, step))
        if problem:
            record.error_count += 1
            if len(record.errors) < 10:
                record.errors.append(f"{step} {method} {path}: {problem}")
    if problem:
        if record is None:
            raise RuntimeError(f"{step} {method} {path}: {problem}")
        raise StepFailed(problem)
    if member:
        member.remember(reply)
    return reply


def answers_body(choices: dict[int, int]) -> bytes:
    return json.dumps({"answers": {str(q): o for q, o in choices.items()}}).encode()


def login(client: Client, member: Member) -> None:
    """The login form, then the start confirmation page (a CSRF token for this session)."""
    page = call(client, None, "login", 200, "GET", "/dang-nhap", member)
    form = {"identifier": member.phone, "password": PASSWORD, "csrf_token": _TOKEN.search(page.body).group(1)}
    call(client, None, "login", 302, "POST", f"/dang-nhap?next=/cuoc-thi/{SLUG}/bat-dau", member,
         urlencode(form).encode(), FORM)
    page = call(client, None, "login", 200, "GET", f"/cuoc-thi/{SLUG}/bat-dau", member)
    member.token = _TOKEN.search(page.body).group(1).decode()


def login_all(port: int, members: list[Member], threads: int) -> None:
    """Log every member in, on ``threads`` keep-alive connections."""
    local, clients = threading.local(), []

    def one(member):
        if not hasattr(local, "client"):
            local.client = Client(port)
            clients.append(local.client)
        login(local.client, member)

    pool = ThreadPoolExecutor(threads)
    try:
        list(pool.map(one, members))
    finally:
        pool.shutdown(cancel_futures=True)  # on Ctrl-C, no waiting for the logins still queued
        for client in clients:
            client.conn.close()


def start(client: Client, record: Record | None, member: Member) -> Sheet:
    """Start (POST from the confirmation page), then the attempt page it redirects to."""
    reply = call(client, record, "start", 302, "POST", f"/cuoc-thi/{SLUG}/bat-dau", member,
                 urlencode({"csrf_token": member.token}).encode(), FORM)
    path = urlsplit(reply.location).path
    if not re.fullmatch(r"/luot-thi/\d+", path):
        raise StepFailed(f"start redirected to {reply.location!r}")
    page = call(client, record, "page", 200, "GET", path, member)
    member.token = _TOKEN.search(page.body).group(1).decode()
    sheet = Sheet.parse(path, page.body)
    if len(sheet.questions) != sum(count for _, count in DRAW):
        raise StepFailed(f"attempt page {path} shows {len(sheet.questions)} questions")
    return sheet


def submit(client: Client, record: Record | None, member: Member, sheet: Sheet, choices: dict[int, int],
           prediction: int) -> None:
    """The page's form as the browser posts it: every checked radio, the prediction, the token."""
    form = [("csrf_token", member.token)] + [(f"q{q}", o) for q, o in choices.items()] + [("prediction", prediction)]
    call(client, record, "submit", 302, "POST", f"{sheet.path}/nop", member, urlencode(form).encode(), FORM)


# The phases, run by each thread of a generator process -------------------------------------------

@dataclass
class Task:
    phase: str
    port: int            # the app's or the baseline's
    warmup: float
    duration: float
    seed: int


class Window:
    """The measured window, set by the generator's main thread once every thread is ready."""
    counted_from = stop_at = 0.0


def random_saves(client: Client, record: Record, rnd: random.Random, window: Window, path: str,
                 member: Member | None = None) -> None:
    """JSON batches of 2–5 made-up answers POSTed to ``path`` until the window ends (for the
    baseline and the frame, which check none of them)."""
    while time.perf_counter() < window.stop_at:
        choices = {q: rnd.randint(1, 400) for q in rnd.sample(range(1, 21), rnd.randint(2, 5))}
        try:
            call(client, record, "save", 200, "POST", path, member, answers_body(choices), "application/json")
        except StepFailed:
            time.sleep(0.05)


def drive_baseline(client: Client, record: Record, rnd: random.Random, window: Window, slot: int, ready) -> None:
    ready()
    random_saves(client, record, rnd, window, f"/api/luot-thi/{slot + 1}/luu")


def drive_saves(client: Client, record: Record, rnd: random.Random, window: Window, member: Member, ready) -> None:
    try:
        sheet = start(client, Record(), member)  # set-up: not counted
    finally:
        ready()
    while time.perf_counter() < window.stop_at:
        choices = {q: rnd.choice(sheet.questions[q]) for q in rnd.sample(list(sheet.questions), rnd.randint(2, 5))}
        try:
            call(client, record, "save", 200, "POST", sheet.save_path, member, answers_body(choices),
                 "application/json")
        except StepFailed:
            time.sleep(0.05)
    # Tear-down (not counted): finish the attempt so the next repeat starts a fresh one.
    submit(client, Record(), member, sheet, {}, 0)


def drive_frame_saves(client: Client, record: Record, rnd: random.Random, window: Window, member: Member,
                      ready) -> None:
    """The saves phase's requests (JSON, X-CSRFToken, the member's cookie) to the frame's route."""
    ready()
    random_saves(client, record, rnd, window, f"/api/bench/{int(member.phone)}/luu", member)


#: An attempt's six requests in order, as the frame serves them: the four POSTs (start, two saves,
#: submit) as the frame's save, the two pages (the attempt page, the result) as its page.
FRAME_ATTEMPT = (("start", "POST"), ("page", "GET"), ("save", "POST"), ("save", "POST"), ("submit", "POST"),
                 ("result", "GET"))


def drive_frame_attempts(client: Client, record: Record, rnd: random.Random, window: Window, member: Member,
                         ready) -> None:
    ready()
    slot = int(member.phone)
    while time.perf_counter() < window.stop_at:
        try:
            for step, method in FRAME_ATTEMPT:
                if method == "GET":
                    call(client, record, step, 200, "GET", f"/bench/{slot}", member)
                else:
                    body = answers_body({rnd.randint(1, 20): rnd.randint(1, 400)})
                    call(client, record, step, 200, "POST", f"/api/bench/{slot}/luu", member, body, "application/json")
            record.attempts.append(time.perf_counter())
        except StepFailed:
            time.sleep(0.05)


def drive_attempts(client: Client, record: Record, rnd: random.Random, window: Window, members: queue.Queue,
                   ready) -> None:
    ready()
    while time.perf_counter() < window.stop_at:
        member = members.get()
        try:
            one_attempt(client, record, rnd, member)
        except StepFailed:
            time.sleep(0.05)
        finally:
            members.put(member)


def one_attempt(client: Client, record: Record, rnd: random.Random, member: Member) -> None:
    """start → page → 2 batched saves → submit → result; an attempt begun in the window is
    finished even past its end (its late requests are not counted), so none is left open."""
    sheet = start(client, record, member)
    choices = {q: rnd.choice(options) for q, options in sheet.questions.items()}
    order = list(choices)
    rnd.shuffle(order)
    first, second = rnd.randint(2, 5), rnd.randint(2, 5)
    for batch in (order[:first], order[first:first + second]):
        call(client, record, "save", 200, "POST", sheet.save_path, member,
             answers_body({q: choices[q] for q in batch}), "application/json")
    submit(client, record, member, sheet, choices, rnd.randint(0, 5000))
    call(client, record, "result", 200, "GET", f"{sheet.path}/ket-qua", member)
    record.attempts.append(time.perf_counter())


def generate(task: Task, slots: list, barrier, results) -> None:
    """A load generator process: one thread per slot (a member, or a queue of members, or a
    baseline slot number); all processes start the window together (``barrier``)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # the parent cleans up; no traceback from here
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    window = Window()
    ready, go = threading.Barrier(len(slots) + 1), threading.Event()

    def wait_for_window():
        ready.wait(120)
        go.wait()

    records = [Record() for _ in slots]
    clients = [Client(task.port) for _ in slots]
    drive = {"baseline": drive_baseline, "saves": drive_saves, "attempts": drive_attempts,
             "frame_saves": drive_frame_saves, "frame_attempts": drive_frame_attempts}[task.phase]
    failures = []

    def run(i):
        try:
            drive(clients[i], records[i], random.Random(task.seed * 1000 + i), window, slots[i], wait_for_window)
        except Exception as error:  # noqa: BLE001 - reported as an error of the phase
            failures.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(slots))]
    for thread in threads:
        thread.start()
    try:
        ready.wait(120)
    except threading.BrokenBarrierError:
        failures.append("a thread failed during set-up")
    barrier.wait(180)
    window.counted_from = time.perf_counter() + task.warmup
    window.stop_at = window.counted_from + task.duration
    go.set()
    for thread in threads:
        thread.join()
    # Only what ended inside the window counts; errors count wherever they happened.
    results.put({
        "latencies": [(latency, step) for record in records for ended, latency, step in record.requests
                      if window.counted_from <= ended < window.stop_at],
        "attempts": sum(window.counted_from <= t < window.stop_at for record in records for t in record.attempts),
        "error_count": sum(r.error_count for r in records) + len(failures),
        "errors": (failures + [e for r in records for e in r.errors])[:10],
        "reconnects": sum(c.reconnects for c in clients),
    })


# The synchronized start: many fresh members press "Bắt đầu" within a minute -----------------------

def rush_process(port: int, presses: list[tuple[float, Member]], start_at: float, threads: int, results) -> None:
    """One generator process of the synchronized start: its presses (seconds after
    ``start_at``, a wall-clock time) shared by ``threads`` keep-alive connections. Open loop: a
    press is timed from its scheduled moment, so one that waits for a free connection counts
    the wait. Each press is the start (POST) and the attempt page it redirects to. Then, not
    timed, every attempt made is submitted, so that the members start afresh later."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    todo: queue.Queue = queue.Queue()
    for press in presses:
        todo.put(press)
    starts, pages, errors = [], [], []
    counts = {"error_count": 0, "attempts": 0}
    lock, done = threading.Lock(), threading.Barrier(threads)

    def run():
        client, mine = Client(port), []
        while True:
            try:
                offset, member = todo.get_nowait()
            except queue.Empty:
                break
            moment = start_at + offset
            time.sleep(max(0.0, moment - time.time()))
            late = max(0.0, time.time() - moment)  # no connection was free at the moment
            record = Record()
            try:
                sheet = start(client, record, member)
            except StepFailed:
                sheet = None
            with lock:
                for _, latency, step in record.requests:
                    (starts if step == "start" else pages).append(latency + late * (step == "start"))
                errors.extend(record.errors)
                counts["error_count"] += record.error_count
            if sheet is not None:
                mine.append((member, sheet))
        done.wait()  # every press made: the tear-down, not timed
        for member, sheet in mine:
            try:
                submit(client, None, member, sheet, {}, 0)
            except RuntimeError as error:
                with lock:
                    errors.append(f"tear-down: {error}")
                    counts["error_count"] += 1
        with lock:
            counts["attempts"] += len(mine)

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    results.put({"starts": starts, "pages": pages, "errors": errors[:10], **counts})


def run_rush(port: int, members: list[Member], window: float, clients: int, threads: int, seed: int) -> dict:
    """Every member of ``members`` (none has an attempt yet) presses start once, at a moment
    drawn uniformly over ``window`` seconds; ``clients`` processes × ``threads`` connections."""
    rnd = random.Random(seed)
    presses = sorted(((rnd.uniform(0, window), member) for member in members), key=lambda press: press[0])
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    start_at = time.time() + 2
    procs = [ctx.Process(target=rush_process, args=(port, presses[i::clients], start_at, threads, results),
                         daemon=True) for i in range(clients)]
    for proc in procs:
        proc.start()
    try:
        parts = [results.get(timeout=window + 600) for _ in procs]
    finally:
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
    starts = [ms * 1000 for part in parts for ms in part["starts"]]
    pages = [ms * 1000 for part in parts for ms in part["pages"]]
    return {"presses": len(presses), "window": window, "attempts": sum(p["attempts"] for p in parts),
            "start_p50": percentile(starts, 50), "start_p95": percentile(starts, 95),
            "start_p99": percentile(starts, 99), "start_max": max(starts, default=float("nan")),
            "page_p95": percentile(pages, 95), "error_count": sum(p["error_count"] for p in parts),
            "errors": [e for part in parts for e in part["errors"]][:10]}


# CPU: where the machine's time went during a window -------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")
#: PostgreSQL processes counted as the bench's: its database's backends ("postgres: [cluster: ]
#: user database host(port) state", "autovacuum worker database") and the shared ones.
_OURS = re.compile(rf"(?:/\S+/postgres |postgres: (?:\S+: )?(?:\S+ {DATABASE} |autovacuum worker {DATABASE}\b|"
                   r"checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher))")


def processes() -> dict[tuple[int, str], tuple[str, int, int]]:
    """(pid, start time) → (command, parent pid, CPU ticks used so far), for every process. A
    PostgreSQL process working for another database than the bench's is named "postgres:other"."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as file:
                stat = file.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        if comm == "postgres":
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as file:
                    title = file.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                title = ""
            comm = "postgres" if _OURS.match(title) else "postgres:other"
        fields = stat[stat.rindex(")") + 2:].split()
        found[(int(entry.name), fields[19])] = (comm, int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, idle) CPU ticks of the whole machine so far, summed over the cores; busy counts
    the kernel and time stolen by the hypervisor too."""
    with open("/proc/stat") as file:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in file.readline().split()[1:9])
    return user + nice + system + irq + softirq + steal, idle + iowait


def cpu_split(before, after, busy: int, idle: int, seconds: float, owners: dict[str, set[int]]) -> dict[str, float]:
    """Cores used by each kind of process between two snapshots. "postgres" is the bench
    database's backends and the server's own background processes; "other" is the rest of the
    machine's busy time (other processes, another database's backends, the kernel, steal)."""
    split = dict.fromkeys([*owners, "postgres"], 0.0)
    for key, (comm, ppid, ticks) in after.items():
        if key not in before:
            continue
        pid = key[0]
        kind = next((name for name, pids in owners.items() if pid in pids or ppid in pids), None)
        kind = kind or ("postgres" if comm == "postgres" else None)
        if kind:
            split[kind] += (ticks - before[key][2]) / TICKS / seconds
    split["other"] = max(0.0, busy / TICKS / seconds - sum(split.values()))
    split["idle"] = idle / TICKS / seconds
    return split


# Running a phase ------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def sample_stacks(pid: int, seconds: float, output: Path) -> subprocess.Popen:
    """py-spy sampling the gunicorn master ``pid`` and its workers for ``seconds`` (raw
    collapsed stacks, one line per stack and count; idle threads left out)."""
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(spy) if spy.exists() else "py-spy", "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--gil",
                             "--rate", "200", "--duration", str(math.ceil(seconds)), "--format", "raw",
                             "--output", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


#: Where a sampled frame's time belongs, by the frame's file (first match).
LAYERS = (("quiz view/service", "quiz/"), ("jinja2 (templates)", "jinja2/"), ("templates", "templates/"),
          ("sqlalchemy", "sqlalchemy/"), ("psycopg", "psycopg/"), ("flask_login", "flask_login/"),
          ("flask_wtf", "flask_wtf/"), ("flask", "flask/"), ("werkzeug", "werkzeug/"),
          ("gunicorn", "gunicorn/"), ("itsdangerous", "itsdangerous/"))
#: The stage of a request a stack is in: the first of these frames from the outermost one.
STAGES = (("context push (the cookie's session opened)", "RequestContext.push"),
          ("before-request hooks (login, CSRF, input guard)", "Flask.preprocess_request"),
          ("view", "Flask.dispatch_request"),
          ("after-request (headers, cookie)", "Flask.finalize_request"),
          ("teardown (the database session ended)", "RequestContext.pop"))


def summarise_stacks(raw: Path) -> str:
    """Samples by stage of the request (the view's by view), by layer of the innermost frame
    that is not the standard library, and the hottest innermost frames."""
    stages: dict[str, int] = {}
    layers: dict[str, int] = {}
    leaves: dict[str, int] = {}
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames, n = stack.split(";"), int(count)
        total += n
        stage = next((name for frame in frames for name, marker in STAGES if frame.startswith(marker + " ")),
                     "flask, other" if any(f.startswith("Flask.wsgi_app ") for f in frames)
                     else "gunicorn: reading, writing, its loop")
        if stage == "view":
            stage = "view: " + next((f.split(" ")[0] for f in frames if "attempts/views.py" in f), "other")
        stages[stage] = stages.get(stage, 0) + n
        layer = next((name for frame in reversed(frames) for name, part in LAYERS if part in frame),
                     "python stdlib / other")
        layers[layer] = layers.get(layer, 0) + n
        leaves[frames[-1]] = leaves.get(frames[-1], 0) + n

    def table(counts: dict[str, int], limit: int = 20) -> list[str]:
        return [f"  {n / total:6.1%}  {name[:110]}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]]

    return "\n".join([f"py-spy: {total:,} samples of the app's workers holding the GIL; by stage of the request:",
                      *table(stages), "by layer (the innermost frame outside the standard library):", *table(layers),
                      "hottest innermost frames:", *table(leaves, 12)])


def run_phase(task: Task, slots: list, clients: int, owners: dict[str, set[int]], profile: Path | None = None,
              app_pid: int | None = None) -> dict:
    """Fork ``clients`` generator processes sharing ``slots``, sample the CPU over the window
    (and, with ``profile``, the app's stacks), and merge what they measured."""
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(clients + 1), ctx.Queue()
    procs = [ctx.Process(target=generate, args=(task, slots[i::clients], barrier, results), daemon=True)
             for i in range(clients)]
    for proc in procs:
        proc.start()
    try:
        barrier.wait(180)
        counted_from = time.perf_counter() + task.warmup
        time.sleep(task.warmup)
        before, machine_before = processes(), machine_ticks()
        spy = sample_stacks(app_pid, task.duration - 0.5, profile) if profile else None
        time.sleep(max(0.0, counted_from + task.duration - time.perf_counter()))
        after, machine_after = processes(), machine_ticks()
        if spy:
            spy.wait(30)
        parts = [results.get(timeout=300) for _ in procs]
    finally:
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
    owners = {**owners, "generator": {p.pid for p in procs}}
    latencies = [lat for part in parts for lat in part["latencies"]]
    all_ms = [lat * 1000 for lat, _ in latencies]
    return {
        "duration": task.duration,
        "rps": len(latencies) / task.duration,
        "attempts_per_s": sum(p["attempts"] for p in parts) / task.duration,
        "p50": percentile(all_ms, 50), "p95": percentile(all_ms, 95), "p99": percentile(all_ms, 99),
        "steps": {step: [ms for ms, (_, s) in zip(all_ms, latencies) if s == step] for step in STEPS},
        "error_count": sum(p["error_count"] for p in parts),
        "errors": [e for p in parts for e in p["errors"]][:10],
        "reconnects": sum(p["reconnects"] for p in parts),
        "cpu": cpu_split(before, after, machine_after[0] - machine_before[0], machine_after[1] - machine_before[1],
                         task.duration, owners),
    }


def what_was_written(url: sa.URL) -> str:
    """A check that the answers really reached the database, and that no attempt was left open."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        attempts, still_open, answers, baseline = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM attempts), (SELECT count(*) FROM attempts WHERE finished_at IS NULL), "
            "(SELECT count(*) FROM answers), (SELECT count(*) FROM bench_baseline_answers)")).one()
    engine.dispose()
    return (f"database after the run: {attempts:,} attempts ({still_open} still open), {answers:,} answer rows; "
            f"baseline table: {baseline:,} rows")


# The run ---------------------------------------------------------------------------------------------

def median(values) -> float:
    return statistics.median(values)


def report(runs: dict[str, list[dict]], cores: int) -> None:
    print()
    print(f"{'phase':<14} {'req/s':>8} {'attempts/s':>11} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}"
          f"   CPU in cores of {cores}: app / baseline / postgres / generator / other / idle")
    for phase in PHASES:
        r = runs[phase]
        cpu = {k: median([x["cpu"][k] for x in r]) for k in r[0]["cpu"]}
        per_s = f"{median([x['attempts_per_s'] for x in r]):.1f}" if phase.endswith("attempts") else ""
        print(f"{phase:<14} {median([x['rps'] for x in r]):>8.1f} {per_s:>11} {median([x['p50'] for x in r]):>7.1f} "
              f"{median([x['p95'] for x in r]):>7.1f} {median([x['p99'] for x in r]):>7.1f} "
              f"{sum(x['error_count'] for x in r):>7}   "
              + " / ".join(f"{cpu[k]:.2f}" for k in ("app", "baseline", "postgres", "generator", "other", "idle")))
    print("\nattempts phase, per request kind (medians over the repeats):")
    print(f"  {'request':<8} {'count/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for step in STEPS:
        rows = [x["steps"][step] for x in runs["attempts"]]
        print(f"  {step:<8} {median([len(v) for v in rows]) / runs['attempts'][0]['duration']:>8.1f} "
              f"{median([percentile(v, 50) for v in rows]):>7.1f} {median([percentile(v, 95) for v in rows]):>7.1f} "
              f"{median([percentile(v, 99) for v in rows]):>7.1f}")
    other = max(median([x["cpu"]["other"] for x in runs[phase]]) for phase in PHASES)
    if other > 0.2:
        print(f"\nnote: other work on the machine took up to {other:.2f} cores during the windows; the figures "
              "are low by about that share of it")
    errors = [e for phase in PHASES for x in runs[phase] for e in x["errors"]]
    if errors:
        print("\nerrors (first ones):")
        for error in errors[:10]:
            print(f"  {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=2100, help="members seeded and logged in (default 2100)")
    parser.add_argument("--rush", type=int, default=2000,
                        help="fresh members in the synchronized start (default 2000; 0: none)")
    parser.add_argument("--rush-window", type=float, default=60,
                        help="seconds the synchronized start's presses are spread over (default 60)")
    parser.add_argument("--rush-threads", type=int, default=32,
                        help="connections per generator process in the synchronized start (default 32)")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per phase (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds before each window, not counted (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="repeats of the three phases; medians (default 3)")
    parser.add_argument("--concurrency", type=int, default=32, help="simultaneous connections (default 32)")
    parser.add_argument("--clients", type=int, default=2, help="load generator processes (default 2)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (default: gunicorn.conf.py's)")
    parser.add_argument("--profile", type=Path,
                        help="a folder: sample the app's (or the frame's) workers with py-spy (Python holding the GIL) "
                             "during each phase's first window; raw stacks to <folder>/<phase>.txt, a summary printed")
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"),
                        help="a PostgreSQL server (the bench makes its own database there)")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    if args.members < 2 * args.concurrency:
        parser.error("--members must be at least twice --concurrency (one set holds the save phase's attempts)")
    if args.members < args.concurrency + args.rush:
        parser.error("--members must be at least --concurrency + --rush (the synchronized start needs fresh members)")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped: clean up as on Ctrl-C

    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="bench_attempts_") as tmp:
        folder = Path(tmp)
        url, drop = create_database(args.database_url)
        try:
            started = time.perf_counter()
            made = seed(url, args.members, folder)
            print(f"seeded {made['questions']} questions, {made['units']} units, {made['members']:,} members "
                  f"and an open contest in {time.perf_counter() - started:.1f} s (database {DATABASE})")

            env = {**os.environ, "QUIZ_DATABASE_URL": url.render_as_string(hide_password=False),
                   "QUIZ_SECRET_KEY": secrets.token_hex(32), "QUIZ_INSTANCE_PATH": str(folder),
                   "QUIZ_ACCESS_LOG": "/dev/null", "QUIZ_PASSWORD_HASH_QUEUE": "64",
                   "BENCH_BASELINE_DSN": url.set(drivername="postgresql").render_as_string(hide_password=False)}
            env.update({"QUIZ_WORKERS": str(args.workers)} if args.workers else {})
            env.update({"QUIZ_THREADS": str(args.threads)} if args.threads else {})
            (folder / "bench_baseline.py").write_text(BASELINE_APP)
            (folder / "bench_frame.py").write_text(FRAME_APP)
            servers.append(Server("app", "quiz:create_app()", env, folder))
            servers.append(Server("baseline", "bench_baseline:app", env, folder, chdir=folder))
            servers.append(Server("frame", "bench_frame:app", {**env, "PYTHONPATH": str(ROOT)}, folder, chdir=folder))
            app, baseline, frame = servers
            app.wait_ready("/dang-nhap")
            baseline.wait_ready("/")
            frame.wait_ready("/dang-nhap")
            conf = gunicorn_settings({k: v for k, v in env.items() if k.startswith("QUIZ_")})
            print(f"gunicorn -c gunicorn.conf.py: {conf['workers']} workers × {conf['threads']} threads "
                  f"({conf['worker_class']}, {conf.get('worker_connections', 1000)} connections each, keepalive {conf['keepalive']} s, "
                  f"max_requests {conf['max_requests']}) "
                  f"for the app (:{app.port}), the baseline (:{baseline.port}) and the app's frame (:{frame.port})")

            members = [Member(phone(i)) for i in range(1, args.members + 1)]
            started = time.perf_counter()
            login_all(app.port, members, args.concurrency)
            print(f"logged in {len(members):,} members in {time.perf_counter() - started:.1f} s "
                  f"({args.concurrency} connections, 3 requests each)")

            # Slots: the save phase holds the first members' attempts; the attempts phase shares
            # the others, in one queue per generator process, after the synchronized start has
            # taken the first --rush of them (each their first attempt, submitted after).
            savers = members[:args.concurrency]
            takers = members[args.concurrency:]
            rush = None
            if args.rush:
                rush = run_rush(app.port, takers[:args.rush], args.rush_window, args.clients, args.rush_threads, seed=1)
                print(f"synchronized start: {rush['presses']:,} fresh members pressed start within "
                      f"{rush['window']:g} s ({args.clients} processes × {args.rush_threads} connections): start p50 "
                      f"{rush['start_p50']:.0f} ms, p95 {rush['start_p95']:.0f} ms, p99 {rush['start_p99']:.0f} ms, "
                      f"max {rush['start_max']:.0f} ms; their attempt page p95 {rush['page_p95']:.0f} ms; "
                      f"{rush['attempts']:,} attempts made, {rush['error_count']} errors", flush=True)
                for error in rush["errors"]:
                    print(f"  {error}")
            queues = []
            for i in range(args.clients):
                q = queue.Queue()
                for member in takers[i::args.clients]:
                    q.put(member)
                queues.append(q)
            slots = {"baseline": list(range(args.concurrency)), "saves": savers,
                     "attempts": [queues[i % args.clients] for i in range(args.concurrency)],
                     "frame_saves": savers, "frame_attempts": savers}
            # The frame's workers count as the app's: they are the app under test in its phases.
            owners = {"app": {app.proc.pid, frame.proc.pid}, "baseline": {baseline.proc.pid}}
            ports = {"baseline": baseline.port, "saves": app.port, "attempts": app.port,
                     "frame_saves": frame.port, "frame_attempts": frame.port}
            runs: dict[str, list[dict]] = {phase: [] for phase in PHASES}
            print(f"\n{args.repeat} repeats × {len(PHASES)} phases of {args.warmup:g} + {args.duration:g} s, {args.concurrency} "
                  f"connections from {args.clients} processes")
            for n in range(1, args.repeat + 1):
                line = []
                for phase in PHASES:
                    port = ports[phase]
                    task = Task(phase, port, args.warmup, args.duration, seed=n * 10 + PHASES.index(phase))
                    profile = args.profile / f"{phase}.txt" if args.profile and phase != "baseline" and n == 1 else None
                    server = frame if phase.startswith("frame") else app
                    result = run_phase(task, slots[phase], args.clients, owners, profile, server.proc.pid)
                    if profile:
                        print(f"{phase} phase, " + summarise_stacks(profile), flush=True)
                    runs[phase].append(result)
                    figure = (f"{result['attempts_per_s']:.1f} attempts/s ({result['rps']:.0f} req/s)"
                              if phase.endswith("attempts") else f"{result['rps']:.0f} req/s")
                    line.append(f"{phase} {figure}, p99 {result['p99']:.0f} ms"
                                + (f", {result['error_count']} errors" if result["error_count"] else ""))
                    time.sleep(1)
                print(f"repeat {n}: " + " | ".join(line), flush=True)
            print(what_was_written(url))
        finally:
            for server in servers:
                server.stop()
            drop()

    report(runs, os.cpu_count())
    reconnects = sum(x["reconnects"] for phase in PHASES for x in runs[phase])
    errors = sum(x["error_count"] for phase in PHASES for x in runs[phase]) + (rush["error_count"] if rush else 0)
    save_rps = median([x["rps"] for x in runs["saves"]])
    baseline_rps = median([x["rps"] for x in runs["baseline"]])
    attempts = median([x["attempts_per_s"] for x in runs["attempts"]])
    p99 = median([x["p99"] for x in runs["attempts"]])
    frame_ratio = median([x["rps"] for x in runs["frame_saves"]]) / baseline_rps
    frame_attempts = median([x["attempts_per_s"] for x in runs["frame_attempts"]])
    print(f"\nerrors: {errors}; connections reopened after the server closed them: {reconnects}")
    print(f"the app's frame (its hooks, cookie session, CSRF, headers, one statement a request, nothing checked): "
          f"saves at {frame_ratio:.3f} of the baseline, {frame_attempts:.1f} attempts/s of six such requests: "
          "no save or attempt of this app can go faster")
    print(f"targets: save_ratio ≥ 0.5 {'met' if save_rps / baseline_rps >= 0.5 else 'NOT met'}, "
          f"≥ 100 attempts/s {'met' if attempts >= 100 else 'NOT met'}, "
          f"p99 < 1000 ms {'met' if p99 < 1000 else 'NOT met'}, "
          + (f"synchronized start p95 < 1000 ms {'met' if rush['start_p95'] < 1000 else 'NOT met'}, " if rush else "")
          + f"no errors {'met' if not errors else 'NOT met'}")
    print(f"save_rps={save_rps:.1f} baseline_rps={baseline_rps:.1f} save_ratio={save_rps / baseline_rps:.3f} "
          f"attempts_per_s={attempts:.1f} p99_ms={p99:.0f}"
          + (f" start_p95_ms={rush['start_p95']:.0f}" if rush else "")
          + f" frame_save_ratio={frame_ratio:.3f} frame_attempts_per_s={frame_attempts:.1f}")


if __name__ == "__main__":
    main()
