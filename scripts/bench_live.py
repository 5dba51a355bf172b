#!/usr/bin/env python3
"""The organiser's live page of a round at the size of the largest reported contest, on the
data ``gen_scale_data.py`` made (1,000,000 members, 5,000 units, 2,500,000 attempts; round 2
open, 500,000 attempts). Read-only: the only writes are the open attempts of the last part,
inside a transaction that is rolled back.

What one refresh of the page costs (``quiz.contests.live``), each run ending its session as a
request does:

- ``totals``: the two grouped queries behind the cached figures (submitted in the round and
  today, per hour, participants and the roll-up over the 5,000 units), uncached;
- ``running``: members taking an attempt now (the partial index of open attempts), with none
  open and with ``--open`` open attempts (inserted in a transaction rolled back at the end);
- the figures fragment as ``static/js/live.js`` fetches it (``live.watch`` + the template),
  from a warm ``Board`` (what every refresh but one per 30 s costs) and from a cold one.

Beside them, in the same run, the baselines: a plain indexed ``SELECT … FROM users ORDER BY id
LIMIT 50`` and a ``count(*)`` of the attempts. Ratios are figure ÷ baseline median.

The scale schema is made at migration 0006 (before ``rounds.paused_at``): the contest and the
round are read with plain SQL and given to the services as transient objects, so nothing in
the schema is changed.

    .venv/bin/python scripts/bench_live.py [--schema scale] [--repeat 15] [--open 5000] [--explain]

Database: QUIZ_BENCH_DATABASE_URL or --database-url (default
postgresql://postgres@127.0.0.1:5432/test). Last line: machine-readable figures.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchkit import DEFAULT_URL, percentile, schema_url, timed  # noqa: E402
from quiz import create_app  # noqa: E402
from quiz.db import utcnow  # noqa: E402
from quiz.extensions import db  # noqa: E402

CONTEST_SLUG = "thi-quy-mo-lon"   # as gen_scale_data.py makes it
BASELINE_SQL = "SELECT id, full_name, unit_id FROM users ORDER BY id LIMIT 50"


def explain(fn) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement ``fn`` runs, in the same transaction."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    cur = db.session.connection().connection.driver_connection.cursor()
    for statement, parameters in seen:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        print(f"\n{statement}\n  params: {parameters}")
        for (line,) in cur.fetchall():
            print("  " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", default="scale")
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--open", type=int, default=5000, help="open attempts for the last part (rolled back)")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if not args.schema.isidentifier():
        parser.error("--schema must be a plain identifier")

    from flask import render_template

    from quiz.contests import live
    from quiz.contests.models import Contest, Round
    from quiz.reports.charts import percent

    app = create_app({"DATABASE_URL": schema_url(args.database_url, args.schema), "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tempfile.gettempdir()})
    with app.app_context():
        row = db.session.execute(sa.text("SELECT id, grace_s, eligibility, time_zone FROM contests WHERE slug = :s"),
                                 {"s": CONTEST_SLUG}).one()
        contest = Contest(id=row.id, grace_s=row.grace_s, eligibility=row.eligibility, time_zone=row.time_zone,
                          title="bench", slug=CONTEST_SLUG)
        now = utcnow()
        found = db.session.execute(sa.text(
            "SELECT id, number, name, opens_at, closes_at FROM rounds WHERE contest_id = :c "
            "AND opens_at <= :now AND :now < closes_at ORDER BY number LIMIT 1"), {"c": contest.id, "now": now}).first()
        if found is None:       # the data's open round has closed since: watch the last round as of its last hour
            found = db.session.execute(sa.text("SELECT id, number, name, opens_at, closes_at FROM rounds "
                                               "WHERE contest_id = :c ORDER BY number DESC LIMIT 1"),
                                       {"c": contest.id}).one()
            now = found.closes_at - timedelta(hours=1)
        round_ = Round(id=found.id, contest_id=contest.id, number=found.number, name=found.name,
                       opens_at=found.opens_at, closes_at=found.closes_at)
        db.session.close()
        attempts = db.session.scalar(sa.text("SELECT count(*) FROM attempts WHERE round_id = :r"), {"r": round_.id})
        db.session.close()
        print(f"schema {args.schema}: round {round_.number} ({attempts:,} attempts), now {now:%Y-%m-%d %H:%M} UTC")

        base = timed(lambda: db.session.execute(sa.text(BASELINE_SQL)).all(), 100)
        baseline = statistics.median(base)
        scan = statistics.median(timed(lambda: db.session.execute(sa.text("SELECT count(*) FROM attempts")).scalar(),
                                       5))
        print(f"baseline {BASELINE_SQL!r}: median {baseline:.2f} ms; count(*) of attempts: {scan:.0f} ms")
        figures = {"baseline_p50_ms": round(baseline, 2), "scan_ms": round(scan)}

        def report(key: str, label: str, runs: list[float]) -> None:
            p50, p95 = statistics.median(runs), percentile(runs, 0.95)
            figures[f"{key}_p50_ms"], figures[f"{key}_p95_ms"] = round(p50, 2), round(p95, 2)
            print(f"{label:<46} median {p50:8.2f} ms  p95 {p95:8.2f} ms  ({len(runs)} runs)  "
                  f"×{p50 / baseline:,.1f} the LIMIT 50, ×{p50 / scan:.2f} the count(*)")

        report("totals", "totals (the cached figures), uncached", timed(lambda: live.totals(contest, round_, now),
                                                                          args.repeat))
        report("running", "running now (0 open)", timed(lambda: live.running(contest, round_, now), 50))

        board = live.Board()

        def fragment(fresh_board: bool) -> str:
            with app.test_request_context():
                seen = live.watch(contest, round_, now, board=live.Board() if fresh_board else board, ttl=30)
                return render_template("contests/_round_live_figures.html", contest=contest, round=round_, now=now,
                                       live=seen, status="open", statuses={}, percent=percent, window=None,
                                       clock=lambda m: f"{m:%H:%M:%S}")

        report("refresh_warm", "a refresh (fragment), warm board", timed(lambda: fragment(False), 50))
        report("refresh_cold", "a refresh (fragment), cold board", timed(lambda: fragment(True), args.repeat))
        t = board.get(round_.id, now, 30, lambda: None)
        print(f"  figures: submitted {t.submitted:,}, today {t.submitted_today:,}, participants {t.participants:,} "
              f"of {t.expected:,} ({percent(t.rate)}), {len(t.units)} top-level units, {len(t.per_hour)} hours")

        if args.open:
            # open attempts, each a member with none open in the contest: inserted, measured, rolled back
            db.session.execute(sa.text(
                "INSERT INTO attempts (contest_id, round_id, user_id, unit_id, number, seed, started_at, deadline_at) "
                "SELECT :c, :r, u.id, u.unit_id, 1000, 1, :start, :deadline FROM users u "
                "WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.user_id = u.id AND a.contest_id = :c "
                "AND a.finished_at IS NULL) ORDER BY u.id LIMIT :n"),
                {"c": contest.id, "r": round_.id, "start": now - timedelta(minutes=5),
                 "deadline": now + timedelta(minutes=10), "n": args.open})
            opened = live.running(contest, round_, now)
            report("running_open", f"running now ({opened:,} open, uncommitted)",
                   timed(lambda: live.running(contest, round_, now), 50, close=False))
            if args.explain:
                explain(lambda: live.running(contest, round_, now))
            db.session.rollback()
        if args.explain:
            explain(lambda: live.totals(contest, round_, now))
            db.session.rollback()
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
