#!/usr/bin/env python3
"""A burst of logins beside members already in an attempt: do their answer saves stay fast?
And the login limits seen from outside: guesses allowed against one account from many
addresses, members admitted from one address.

Set-up, as ``bench_attempts.py`` does it (and with its code): a database of its own
(``bench_logins``) on the PostgreSQL server of --database-url, migrated, with the shipped
banks, the demo units, one open contest and the members written with one COPY; every member
then gets a real password hash, today's default (werkzeug scrypt, N=2¹⁵ r=8 p=1, ~130 ms of
CPU per check). The app runs under ``gunicorn -c gunicorn.conf.py 'quiz:create_app()'`` with
Redis (--redis-url) for the limits and QUIZ_TRUSTED_PROXIES=1, so the ``X-Forwarded-For`` the
bench sends stands for the member's address (nothing is sent to those addresses: they are
only header values).

Phases:
  steady    --savers members, each in an open attempt, save a batch of 2–5 answers every
            --save-interval seconds (one keep-alive connection each, in a process of their
            own); their saves are timed for --window seconds: the "before" figures
  burst     --burst members log in (the form, then the POST) within --burst-seconds, evenly
            spread, all from one address (a school behind one public IP); the saves go on and
            are timed until the last login has answered: the "during" figures
  guesses   wrong passwords against one account, each from a new address, until refused
            --guesses times: how many were checked (the rest were told to wait)
  lab       --lab members log in from one address, one in five mistyping the password first:
            how many got in, and how long it took

Targets on this 2-core machine: saves' p95 during the burst under 500 ms, every burst login
admitted, no errors; 10 guesses then waits; every lab member admitted. Failures allowed per
15 minutes against one account (``guesses_per_15min``) follows from the measured immediate
allowance and the app's wait schedule (the doubling waits cannot be measured in a short run).

    .venv/bin/python scripts/bench_logins.py [--burst 500] [--burst-seconds 60] [--savers 16]
        [--save-interval 0.25] [--window 15] [--lab 200] [--workers N] [--threads N]
        [--hash-processes N] [--hash-nice N] [--database-url URL] [--redis-url URL]

Last line: machine-readable figures (key=value).
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import secrets
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_attempts as ba  # noqa: E402  (the set-up, the servers and the client are shared)
from benchkit import DEFAULT_URL, percentile  # noqa: E402

ba.DATABASE = "bench_logins"
BURST_ADDRESS = "100.64.0.1"     # a carrier-grade NAT address: one school, one public IP
LAB_ADDRESS = "203.0.113.50"
FORM = "application/x-www-form-urlencoded"


def real_hashes(url: sa.URL) -> None:
    """Every member's password hashed as today's default does (scrypt), one hash for all."""
    from werkzeug.security import generate_password_hash

    hashed = generate_password_hash(ba.PASSWORD)  # werkzeug's default: scrypt:32768:8:1
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE users SET password_hash = :h"), {"h": hashed})
    engine.dispose()


def clear_limits(redis_url: str) -> None:
    """An earlier run's counts for these phone numbers and addresses would hold this one."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter("quiz:limits:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def form_login(client: ba.Client, phone: str, password: str, address: str) -> tuple[int, float, int]:
    """The login form from ``address``: GET for the token, POST; told the server is busy (503),
    the member presses the button again after the 3 s the page asks for, for up to a minute.
    (status of the last POST, seconds from the GET to it, busy answers)."""
    headers = {"User-Agent": "bench_logins", "X-Forwarded-For": address}
    started = time.perf_counter()
    page = client.request("GET", "/dang-nhap", None, headers)
    token = ba._TOKEN.search(page.body).group(1)
    cookie = next((c.split(";")[0] for c in page.cookies if c.startswith("session=")), None)
    body = urlencode({"identifier": phone, "password": password, "csrf_token": token}).encode()
    headers = {**headers, "Content-Type": FORM, **({"Cookie": cookie} if cookie else {})}
    reply, busy = client.request("POST", "/dang-nhap", body, headers), 0
    while reply.status == 503 and time.perf_counter() - started < 60:
        busy += 1
        time.sleep(3)
        reply = client.request("POST", "/dang-nhap", body, headers)
    return reply.status, time.perf_counter() - started, busy


# The savers: a process of their own ------------------------------------------------------------------

def savers_process(port: int, phones: list[str], interval: float, ready, stop, results) -> None:
    """Each member: log in, start the attempt, then save every ``interval`` s until ``stop`` is
    set (or ten minutes have gone). Sends [(end, latency s, ok)] for every save."""
    stop_at = time.monotonic() + 600
    lock, found, errors = threading.Lock(), [], []
    one_at_a_time = threading.Lock()

    def one(phone: str, seed: int):
        rnd = random.Random(seed)
        client, member = ba.Client(port), ba.Member(phone)
        with one_at_a_time:  # set-up: one login at a time (more would be told "busy")
            for again in range(20):
                try:
                    ba.login(client, member)
                    break
                except (RuntimeError, OSError, ba.http.client.HTTPException):
                    client.conn.close()
                    client = ba.Client(port)
                    time.sleep(1)
        sheet = ba.start(client, ba.Record(), member)
        ready.wait()
        time.sleep(rnd.random() * interval)
        while not stop.is_set() and time.monotonic() < stop_at:
            choices = {q: rnd.choice(sheet.questions[q]) for q in rnd.sample(list(sheet.questions), rnd.randint(2, 5))}
            started = time.perf_counter()
            try:
                reply = client.request("POST", sheet.save_path, ba.answers_body(choices),
                                       member.headers(**{"Content-Type": "application/json",
                                                         "X-CSRFToken": member.token}))
                ok = reply.status == 200
            except (OSError, ba.http.client.HTTPException) as error:
                ok = False
                errors.append(str(error))
                client.conn.close()
                client = ba.Client(port)
            ended = time.perf_counter()
            with lock:
                found.append((time.monotonic(), ended - started, ok))
            time.sleep(max(0.0, interval - (ended - started)))
        client.conn.close()

    threads = [threading.Thread(target=one, args=(phone, i)) for i, phone in enumerate(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(found)


# The run ----------------------------------------------------------------------------------------------

def stats(values_ms: list[float]) -> str:
    if not values_ms:
        return "none"
    return f"p50 {percentile(values_ms, 0.5):.0f} ms, p95 {percentile(values_ms, 0.95):.0f} ms ({len(values_ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=500, help="logins in the burst (default 500)")
    parser.add_argument("--burst-seconds", type=float, default=60, help="the burst's length (default 60)")
    parser.add_argument("--savers", type=int, default=16, help="members saving answers (default 16)")
    parser.add_argument("--save-interval", type=float, default=0.25, help="seconds between one member's saves")
    parser.add_argument("--window", type=float, default=15, help="seconds of saves timed before the burst")
    parser.add_argument("--lab", type=int, default=200, help="members logging in from one address (default 200)")
    parser.add_argument("--guesses", type=int, default=30, help="refusals to see in the guesses phase")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (default: gunicorn.conf.py's)")
    parser.add_argument("--hash-processes", type=int, help="QUIZ_PASSWORD_HASH_PROCESSES (default: the app's)")
    parser.add_argument("--hash-nice", type=int, help="QUIZ_PASSWORD_HASH_NICE (default: the app's)")
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default=os.environ.get("QUIZ_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    total = args.savers + args.burst + args.lab + 1
    savers = [ba.phone(i) for i in range(1, args.savers + 1)]
    burst = [ba.phone(i) for i in range(args.savers + 1, args.savers + args.burst + 1)]
    lab = [ba.phone(i) for i in range(args.savers + args.burst + 1, total)]
    target = ba.phone(total)

    server = None
    with tempfile.TemporaryDirectory(prefix="bench_logins_") as tmp:
        folder = Path(tmp)
        url, drop = ba.create_database(args.database_url)
        try:
            started = time.perf_counter()
            made = ba.seed(url, total, folder)
            real_hashes(url)
            clear_limits(args.redis_url)
            print(f"seeded {made['members']:,} members (scrypt hashes) and an open contest in "
                  f"{time.perf_counter() - started:.1f} s (database {ba.DATABASE})")
            env = {**os.environ, "QUIZ_DATABASE_URL": url.render_as_string(hide_password=False),
                   "QUIZ_SECRET_KEY": secrets.token_hex(32), "QUIZ_INSTANCE_PATH": str(folder),
                   "QUIZ_ACCESS_LOG": "/dev/null", "QUIZ_REDIS_URL": args.redis_url, "QUIZ_TRUSTED_PROXIES": "1"}
            for flag, name in ((args.workers, "QUIZ_WORKERS"), (args.threads, "QUIZ_THREADS"),
                               (args.hash_processes, "QUIZ_PASSWORD_HASH_PROCESSES"),
                               (args.hash_nice, "QUIZ_PASSWORD_HASH_NICE")):
                if flag is not None:
                    env[name] = str(flag)
            server = ba.Server("app", "quiz:create_app()", env, folder)
            server.wait_ready("/dang-nhap")
            conf = ba.gunicorn_settings({k: v for k, v in env.items() if k.startswith("QUIZ_")})
            print(f"gunicorn -c gunicorn.conf.py: {conf['workers']} workers × {conf['threads']} threads; "
                  f"password hashes: {env.get('QUIZ_PASSWORD_HASH_PROCESSES', 'default')} helper process(es) per worker at "
                  f"nice {env.get('QUIZ_PASSWORD_HASH_NICE', 'default')}; Redis {args.redis_url}")

            # steady, then burst ------------------------------------------------------------------
            ctx = mp.get_context("fork")
            ready, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
            proc = ctx.Process(target=savers_process, daemon=True,
                               args=(server.port, savers, args.save_interval, ready, stop, results))
            proc.start()
            time.sleep(0.5)
            # the savers log in and start their attempts first; wait for them (bounded)
            give_up = time.monotonic() + 60 + args.savers
            while not ready.is_set() and time.monotonic() < give_up:
                time.sleep(0.5)
                if proc.exitcode is not None:
                    raise RuntimeError(f"the savers' process stopped; the server's log ends:\n{server.tail()}")
                if _all_started(url, args.savers):
                    ready.set()
            ready.set()
            before_from = time.monotonic() + 2
            time.sleep(2 + args.window)
            burst_from = time.monotonic()
            logins: list[tuple[int, float]] = []
            lock = threading.Lock()
            local = threading.local()

            busy = [0]

            def login_at(i: int, phone: str):
                """One member's login; told the server is busy (503), they press again after the
                Retry-After the page gives (3 s), up to a minute."""
                time.sleep(max(0.0, burst_from + i * args.burst_seconds / args.burst - time.monotonic()))
                if not hasattr(local, "client"):
                    local.client = ba.Client(server.port)
                try:
                    status, seconds, times_busy = form_login(local.client, phone, ba.PASSWORD, BURST_ADDRESS)
                except (OSError, ba.http.client.HTTPException) as error:
                    status, seconds, times_busy = 0, float("nan"), 0
                    print(f"  login error: {error}")
                    local.client.conn.close()
                    local.client = ba.Client(server.port)  # a fresh connection for this thread's next member
                with lock:
                    logins.append((status, seconds))
                    busy[0] += times_busy

            with ThreadPoolExecutor(64) as pool:
                list(pool.map(login_at, range(args.burst), burst))
            burst_until = time.monotonic()
            stop.set()
            saves = results.get(timeout=120)
            proc.join(5)
            print(f"burst: {args.burst} logins in {burst_until - burst_from:.1f} s")

            # guesses against one account, each from a new address -----------------------------------
            client = ba.Client(server.port)
            tries = refused = 0
            for i in range(args.guesses + 200):
                status, _, _ = form_login(client, target, f"doan-{i}", f"198.51.{100 + i // 250}.{i % 250 + 1}")
                tries += 1
                refused += status == 429
                if refused >= args.guesses:
                    break
            client.conn.close()
            checked = _guesses_checked(url, target)

            # a lab: many members from one address ----------------------------------------------------
            lab_from, admitted, lab_refused = time.monotonic(), 0, 0
            lab_lock = threading.Lock()

            def lab_login(i_phone):
                i, phone = i_phone
                if not hasattr(local, "client"):
                    local.client = ba.Client(server.port)
                if i % 5 == 0:
                    form_login(local.client, phone, ba.PASSWORD + "x", LAB_ADDRESS)
                status, _, _ = form_login(local.client, phone, ba.PASSWORD, LAB_ADDRESS)
                nonlocal admitted, lab_refused
                with lab_lock:
                    admitted += status == 302
                    lab_refused += status == 429

            local = threading.local()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lab_login, enumerate(lab)))
            lab_seconds = time.monotonic() - lab_from

            schedule = _schedule(env)
        finally:
            if server:
                server.stop()
            drop()

    before = [lat * 1000 for end, lat, ok in saves if before_from <= end < burst_from and ok]
    during = [lat * 1000 for end, lat, ok in saves if burst_from <= end <= burst_until and ok]
    save_errors = sum(1 for end, _, ok in saves if not ok and end <= burst_until)
    admitted_burst = sum(1 for status, _ in logins if status == 302)
    login_ms = [lat * 1000 for status, lat in logins if status == 302]
    per_15min = checked + schedule(900) if checked else 0
    during_p95 = percentile(during, 0.95) if during else float("nan")
    print()
    print(f"saves before the burst: {stats(before)}")
    print(f"saves during the burst: {stats(during)}; errors {save_errors}")
    print(f"burst logins admitted: {admitted_burst} of {args.burst} (from one address), {stats(login_ms)}; "
          f"answered 'busy, press again' {busy[0]} times")
    print(f"guesses against one account from {tries} addresses: {checked} passwords checked (security events), "
          f"{tries - checked} refused before any check; with the waits that follow, {per_15min} in 15 minutes")
    print(f"lab: {admitted} of {args.lab} members admitted from one address in {lab_seconds:.1f} s "
          f"({args.lab // 5} mistyped first), {lab_refused} refused")
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    print(f"targets: saves' p95 during the burst < 500 ms {met(during_p95 < 500)}, all burst logins admitted "
          f"{met(admitted_burst == args.burst)}, 10 guesses {met(checked == 10)}, lab all admitted "
          f"{met(admitted == args.lab)}, no save errors {met(save_errors == 0)}")
    print(f"save_p50_before_ms={percentile(before, 0.5):.0f} save_p95_before_ms={percentile(before, 0.95):.0f} "
          f"save_p50_during_ms={percentile(during, 0.5):.0f} save_p95_during_ms={during_p95:.0f} "
          f"burst_logins={args.burst} burst_admitted={admitted_burst} burst_busy_answers={busy[0]} "
          f"login_p95_ms={percentile(login_ms, 0.95) if login_ms else float('nan'):.0f} "
          f"guesses_checked={checked} guesses_per_15min={per_15min} lab_admitted={admitted} lab_of={args.lab} "
          f"lab_seconds={lab_seconds:.0f}")


def _guesses_checked(url: sa.URL, account: str) -> int:
    """Wrong passwords really checked against ``account``: its login_failed security events."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT coalesce(sum(count), 0) FROM security_events "
                                 "WHERE kind = 'login_failed' AND account = :a"), {"a": account}).scalar()
    engine.dispose()
    return int(n)


def _all_started(url: sa.URL, savers: int) -> bool:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM attempts WHERE finished_at IS NULL")).scalar()
    engine.dispose()
    return n >= savers


def _schedule(env: dict):
    """The app's own wait schedule (its settings as the server read them): failures after the
    immediate allowance that fit in ``seconds``."""
    from quiz import config as settings
    from quiz.accounts.throttle import Policy

    conf = settings.load(environ={k: v for k, v in env.items() if k.startswith("QUIZ_")})
    policy = Policy.from_config(conf)
    return lambda seconds: policy.failures_within(seconds) - policy.account_failures


if __name__ == "__main__":
    main()
