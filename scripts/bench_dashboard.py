#!/usr/bin/env python3
"""The dashboard's people lists at the size of the largest reported contest, on the data
``gen_scale_data.py`` made (1,000,000 members, 5,000 units, 2,500,000 attempts).

Through the app's own services, in an app context on that schema, it times, for the
province (the root unit: every participant, in Vietnamese order by unit, then by given name)
and the whole contest:

- ``reports.dashboard.participants`` alone, for page 1, a deep page (the middle of the list)
  and the last page: everything the call does (its count of all rows, or the figures it
  pages by, and the page of 50);
- when ``participants`` takes the figures (``figures=``), the same pages given the figures
  the dashboard has already computed for its overview: what the list adds to the page;
- ``reports.dashboard.overview`` (the roll-up every dashboard page computes), for reference.

Each repetition ends its session as a request does.

Beside it, in the same run, the baseline: a plain indexed ``SELECT … FROM users ORDER BY id
LIMIT 50`` through the same session, closed after each run. Ratios are figure ÷ baseline
median, so that they hold on a noisy machine.

    .venv/bin/python scripts/bench_dashboard.py [--schema scale] [--repeat 30] [--budget 60]
        [--explain]

Each kind runs ``--repeat`` times or until ``--budget`` seconds are spent (at least 5 runs).
``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of the SQL the service ran (captured as it
ran it). Database: QUIZ_BENCH_DATABASE_URL or --database-url (default
postgresql://postgres@127.0.0.1:5432/test). Last line: machine-readable figures.
"""
from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchkit  # noqa: E402
from benchkit import DEFAULT_URL, percentile, schema_url  # noqa: E402
from quiz import create_app  # noqa: E402
from quiz.extensions import db  # noqa: E402

CONTEST_SLUG = "thi-quy-mo-lon"   # as gen_scale_data.py makes it
BASELINE_SQL = "SELECT id, full_name, unit_id FROM users ORDER BY id LIMIT 50"


def timed(fn, repeat: int, budget_s: float | None = None) -> list[float]:
    return benchkit.timed(fn, repeat, 2, budget_s, least=5)


def explain(fn) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement ``fn`` runs, as it ran them."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        db.session.close()
    with db.engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        for statement, parameters in seen:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print(f"\n{statement}\n  params: {parameters}")
            for (line,) in cur.fetchall():
                print("  " + line)
        conn.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", default="scale")
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--budget", type=float, default=60, help="seconds per kind at most (after 5 runs)")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if not args.schema.isidentifier():
        parser.error("--schema must be a plain identifier")

    from quiz.contests.models import Contest
    from quiz.reports import dashboard
    from quiz.units.models import Unit

    app = create_app({"DATABASE_URL": schema_url(args.database_url, args.schema), "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tempfile.gettempdir()})
    with app.app_context():
        contest_id = db.session.scalars(sa.select(Contest.id).where(Contest.slug == CONTEST_SLUG)).one()
        root_id = db.session.scalars(sa.select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first()

        def page(number: int, figures=None):
            contest, root = db.session.get(Contest, contest_id), db.session.get(Unit, root_id)
            if figures is None:
                return dashboard.participants(contest, root, None, number)
            return dashboard.participants(contest, root, None, number, figures=figures)

        def overview():
            contest, root = db.session.get(Contest, contest_id), db.session.get(Unit, root_id)
            return dashboard.overview(contest, root)

        first = page(1)
        total, pages = first.total, first.pages
        db.session.close()
        print(f"schema {args.schema}: province participants {total:,} rows, {pages:,} pages of {dashboard.PAGE_SIZE}")

        base = timed(lambda: db.session.execute(sa.text(BASELINE_SQL)).all(), max(args.repeat, 100))
        baseline = statistics.median(base)
        print(f"baseline {BASELINE_SQL!r}: median {baseline:.2f} ms, p95 {percentile(base, 0.95):.2f} ms")

        figures = {"rows": total, "baseline_p50_ms": round(baseline, 3)}

        def report(title: str, key: str, fn) -> None:
            runs = timed(fn, args.repeat, budget_s=args.budget)
            p50, p95 = statistics.median(runs), percentile(runs, 0.95)
            figures[f"{key}_p50_ms"], figures[f"{key}_p95_ms"] = round(p50, 1), round(p95, 1)
            print(f"{title:<44}: median {p50:8.1f} ms  p95 {p95:8.1f} ms  ({len(runs)} runs)  "
                  f"×{p50 / baseline:,.0f} / ×{p95 / baseline:,.0f} the baseline median")

        which = (("page 1", "page", 1), ("deep page", "deep", (pages + 1) // 2), ("last page", "last", pages))
        for label, key, number in which:
            report(f"participants {label} ({number:,})", key, lambda: page(number))
        if "figures" in inspect.signature(dashboard.participants).parameters:
            units = overview().units
            db.session.close()
            for label, key, number in which:
                report(f"participants {label} ({number:,}), figures given", f"{key}_given", lambda: page(number, units))
        report("overview (the roll-up of every dashboard page)", "overview", overview)
        if args.explain:
            for number in (1, (pages + 1) // 2):
                print(f"\n-- participants, page {number:,}")
                explain(lambda: page(number))
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
