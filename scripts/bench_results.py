#!/usr/bin/env python3
"""Results at the size of the largest reported contest, on the data ``gen_scale_data.py`` made.

Through the app's own services, in an app context on that schema (1,000,000 members,
5,000 units, 2,500,000 attempts), it times:

- freezing round 1: ``rankings.reopen`` (timed on its own) and ``VACUUM results`` (as
  autovacuum does after such a delete: the new results have the same keys as the dead
  ones, and each unique index would otherwise visit the dead row's heap page for each new
  row), then ``freeze_round``: the freeze from start to finished as a job (started as the
  organiser's page starts it, run by a ``quiz worker`` process, waited for), or with
  ``--freeze-direct`` the service called here, committed, with each step's time as its
  ``progress`` reported it (the results are written again, the same as before), then
  ``ANALYZE results`` (runs can be repeated);
- settling the contest's prizes and collective standings again (``rankings.settle_prizes``, what
  every freeze and reopen of a round runs after its own work), with nothing to change;
- the standings: ``rankings.standings`` (a page of 50) with ``rankings.place`` ("my place")
  of a random ranked member, for page 1, a page drawn uniformly from all pages of a random
  division, and the last page; each repetition ends its session as a request does;
- the roll-up of all units: ``reports.figures.participation(contest)``;
- the exports of the unit whose subtree holds the frozen round-1 results closest to
  100,000 rows: ``reports.exports.xlsx`` to a temporary file and ``reports.exports.csv``
  read to the end, each in a fresh process (this script, ``--child``), which reports its
  time and its memory growth: the peak resident set during the export (sampled every 5 ms
  from /proc/self/statm, and the kernel's high-water mark) minus the resident set just
  before it.

Beside them, in the same run, the baseline the issue asks for: a plain indexed
``SELECT … FROM attempts WHERE round_id = … ORDER BY user_id LIMIT 50`` (index
``ix_attempts_round_id_user_id``), through the same session, closed after each run. For
the bulk operations a second reference is shown: ``count(*)`` of the whole attempts table
(one sequential scan); for the exports, the rows alone (query, fetch, row tuples, nothing
written) and xlsxwriter alone writing the same cells. Ratios are figure ÷ baseline.

    .venv/bin/python scripts/bench_results.py [--schema scale] [--repeat 300] [--budget 60]
        [--rollup-repeat 5] [--export-repeat 3] [--export-rows 100000] [--no-freeze]
        [--freeze-direct] [--explain]

Each standings kind runs ``--repeat`` times or until ``--budget`` seconds are spent (at
least 20 runs). ``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of the SQL the services ran
(captured as they ran it). Database: QUIZ_BENCH_DATABASE_URL or --database-url (default
postgresql://postgres@127.0.0.1:5432/test). Targets: freeze ≤ 60 s, standings p95 ≤ 50 ms, roll-up ≤ 2 s,
xlsx ≤ 15 s, csv ≤ 3 s, memory growth ≤ 200 MB. Last line: machine-readable figures
(``export_peak_rss_mb`` is the larger memory growth of the two exports).
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchkit  # noqa: E402
from benchkit import DEFAULT_URL, percentile, schema_url  # noqa: E402
from quiz import create_app  # noqa: E402
from quiz.extensions import db  # noqa: E402

CONTEST_SLUG = "thi-quy-mo-lon"   # as gen_scale_data.py makes it
PER_PAGE = 50
BASELINE_SQL = ("SELECT id, user_id, score, time_used_ms, finished_at FROM attempts "
                "WHERE round_id = :round_id ORDER BY user_id LIMIT 50")
TARGETS = {"freeze_s": 60, "standings_p95_ms": 50, "rollup_s": 2, "export_xlsx_100k_s": 15, "export_csv_100k_s": 3,
           "export_peak_rss_mb": 200}


def timed(fn, repeat: int, warmup: int = 3, budget_s: float | None = None) -> list[float]:
    return benchkit.timed(fn, repeat, warmup, budget_s, least=20)


class Capture:
    """The SQL the app runs, as it runs it (for EXPLAIN)."""

    def __init__(self, engine):
        self.on, self.statements = False, []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.on and not executemany:
            self.statements.append((statement, parameters))

    def run(self, fn):
        self.on, self.statements = True, []
        try:
            fn()
        finally:
            self.on = False
            db.session.close()
        return self.statements


def explain(title: str, statement: str, parameters) -> None:
    with db.engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        print(f"\n-- {title}\n{statement}\n  params: {parameters}")
        for (line,) in cur.fetchall():
            print("  " + line)
        conn.rollback()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


def child(args) -> None:
    """Run one export and print its figures as JSON (the last line)."""
    from quiz.contests.models import Contest, Round
    from quiz.db import utcnow
    from quiz.reports import exports
    from quiz.units.models import Unit

    app = create_app({"DATABASE_URL": schema_url(args.database_url, args.schema), "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tempfile.gettempdir()})
    with app.app_context(), tempfile.TemporaryDirectory(prefix="bench_results_") as folder:
        contest = db.session.scalars(sa.select(Contest).where(Contest.slug == CONTEST_SLUG)).one()
        round_, unit = db.session.get(Round, args.round_id), db.session.get(Unit, args.unit_id)
        _ = contest.divisions, contest.rounds
        now = datetime.fromisoformat(args.now) if args.now else utcnow()  # one "now": same titles in every run
        gc.collect()
        before, high_before = rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak, running = [before], True

        def sample():
            while running:
                peak[0] = max(peak[0], rss_mb())
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        digest = hashlib.sha256()
        prepared = list(exports.individual(contest, unit, round_, now).rows) if args.variant == "raw" else None
        started = time.perf_counter()
        if args.variant == "rows":  # reference: the rows alone (query, fetch, tuples), nothing written
            size = lines = sum(1 for _ in exports.individual(contest, unit, round_, now).rows)
        elif args.variant == "raw":  # reference: xlsxwriter alone writing the same cells, rows fetched before
            target = Path(folder) / "raw.xlsx"
            raw_xlsx(str(target), prepared)
            size, lines = target.stat().st_size, None
        elif args.child == "xlsx":
            target = Path(folder) / "ket-qua.xlsx"
            exports.xlsx(str(target), contest, unit, round_, now)
            size, lines = target.stat().st_size, None
        else:
            size = lines = 0
            for chunk in exports.csv(contest, unit, round_, now):
                size += len(chunk)
                lines += chunk.count(b"\n")
                digest.update(chunk)
        seconds = time.perf_counter() - started
        running = False
        sampler.join()
        high_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        top = max(peak[0], high_after if high_after > high_before else 0)
        if args.child == "xlsx" and args.variant != "rows":  # the worksheets' XML (docProps hold the time of writing), after measuring
            with zipfile.ZipFile(target) as book:
                for name in sorted(book.namelist()):
                    if name.startswith("xl/worksheets/"):
                        with book.open(name) as member:
                            for block in iter(lambda: member.read(1 << 20), b""):
                                digest.update(block)
        print(json.dumps({"seconds": seconds, "before_mb": before, "peak_mb": top, "growth_mb": top - before,
                          "bytes": size, "lines": lines, "sha256": digest.hexdigest()}))


def raw_xlsx(target: str, rows: list[tuple]) -> None:
    """The library's floor: the same cells written straight with xlsxwriter (constant memory,
    one bordered format per kind of cell), no checks, no per-column logic."""
    import xlsxwriter

    with xlsxwriter.Workbook(target, {"constant_memory": True}) as book:
        ws = book.add_worksheet("Kết quả cá nhân")
        cell, day = book.add_format({"border": 1}), book.add_format({"border": 1, "num_format": "dd/mm/yyyy"})
        for r, values in enumerate(rows, start=5):
            for c, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(r, c, value, cell)
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value, cell)
                else:
                    ws.write_datetime(r, c, value, day)


def run_export(args, kind: str, unit_id: int, round_id: int, variant: str = "app") -> dict:
    command = [sys.executable, __file__, "--child", kind, "--schema", args.schema, "--database-url",
               args.database_url, "--unit-id", str(unit_id), "--round-id", str(round_id), "--variant", variant,
               "--now", args.now]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"export {kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# The figures -------------------------------------------------------------------------------------

def check_schema() -> None:
    """Stop early when the schema was made by older models (regenerate it then)."""
    inspector = sa.inspect(db.engine)
    missing = [f"{table.name}.{column.name}" for table in db.metadata.sorted_tables
               for column in table.columns
               if column.name not in {c["name"] for c in inspector.get_columns(table.name)}]
    if missing:
        sys.exit(f"the schema predates the models (missing {', '.join(missing)}): run gen_scale_data.py again")


def refreeze(contest, round_, direct: bool = False) -> tuple[float, int]:
    """Reopen round 1 if it is frozen (timed: the delete of its results) and vacuum the results,
    then ``freeze_round``."""
    from quiz.db import utcnow
    from quiz.rankings import services as rankings

    if round_.frozen_at is not None:
        started = time.perf_counter()
        rankings.reopen(round_, contest, now=utcnow())
        db.session.commit()
        print(f"reopen round 1 (its results deleted) + commit: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM results"))  # as autovacuum would after the delete: the new rows' keys are
        print(f"VACUUM results: {time.perf_counter() - started:.1f} s")  # the dead ones', each a heap visit otherwise
    seconds, ranked, steps = freeze_round(contest.id, round_.id, direct=direct)
    if steps:
        print("freeze round 1, step by step (as progress reported them):")
        for label, step_s in steps:
            print(f"  {step_s:7.2f} s  {label}")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE results"))
    return seconds, ranked


def freeze_round(contest_id: int, round_id: int, *, direct: bool = False) -> tuple[float, int, list[tuple[str, float]]]:
    """Freeze the round, start to finished: seconds, members ranked, and (``direct``) each
    step's label and seconds as ``progress`` reported them. By default as the organiser's page
    does it: ``rankings.tasks.start_freeze``, commit, then ``jobs.wait`` while a real worker
    process (``quiz worker``, one thread, SQLite queue in the instance folder) runs the job;
    ``direct``: ``rankings.freeze`` here, committed (the job's own work, step by step)."""
    from quiz.contests.models import Contest, Round
    from quiz.db import utcnow
    from quiz.jobs import services as jobs
    from quiz.rankings import services as rankings
    from quiz.rankings.models import Result
    from quiz.rankings.tasks import start_freeze

    marks: list[tuple[str, float]] = []
    contest, round_ = db.session.get(Contest, contest_id), db.session.get(Round, round_id)
    if not direct:
        config = {key: current_app.config[key] for key in ("DATABASE_URL", "TASK_QUEUE", "TASK_QUEUE_NAME")}
        config.update(INSTANCE_PATH=current_app.instance_path, SECRET_KEY="bench")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
               **{f"QUIZ_{key}": value for key, value in config.items()}}
        worker = subprocess.Popen([sys.executable, "-c", "from quiz.cli import main; main()", "worker", "--threads", "1",
                                   "--no-periodic"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = time.perf_counter()
            job = start_freeze(round_, contest, None, utcnow())
            db.session.commit()
            done = jobs.wait(job.id, 1800, interval=0.1)
            seconds = time.perf_counter() - started
            if done.state != "done":
                sys.exit(f"the freeze job {done.state}: {done.error}")
        finally:
            worker.terminate()
            worker.wait(30)
        ranked = db.session.scalar(sa.select(sa.func.count()).select_from(Result).where(Result.round_id == round_id))
        db.session.commit()
        return seconds, ranked, []
    started = time.perf_counter()
    ranked = rankings.freeze(round_, contest, now=utcnow(),
                             progress=lambda done, total, label: marks.append((label, time.perf_counter())))
    db.session.commit()
    finished = time.perf_counter()
    ends = [at for _, at in marks[1:]] + [finished]
    steps = [(label, end - at) for (label, at), end in zip(marks, ends)]
    steps[-1] = ("commit", steps[-1][1])
    return finished - started, ranked, [("locks and checks", marks[0][1] - started)] + steps


def export_unit(round_id: int, wanted: int):
    """The unit whose subtree holds the number of round-1 results closest to ``wanted``."""
    from quiz.units.models import Unit

    own = dict(db.session.execute(sa.text("SELECT unit_id, count(*) FROM results WHERE round_id = :r "
                                          "GROUP BY unit_id"), {"r": round_id}).all())
    paths = db.session.execute(sa.select(Unit.id, Unit.path)).all()
    by_path = {path: uid for uid, path in paths}
    total = dict.fromkeys(by_path.values(), 0)
    size = dict.fromkeys(by_path.values(), 0)
    for uid, path in paths:
        parts = path.strip("/").split("/")
        for end in range(1, len(parts) + 1):
            above = by_path.get("/" + "/".join(parts[:end]) + "/")
            if above is not None:
                total[above] += own.get(uid, 0)
                size[above] += 1
    best = min(total, key=lambda uid: (abs(total[uid] - wanted), uid))
    return db.session.get(Unit, best), total[best], size[best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", default="scale")
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=300, help="runs of the baseline and of each standings kind")
    parser.add_argument("--budget", type=float, default=60,
                        help="seconds at most for each standings kind (at least 20 runs)")
    parser.add_argument("--rollup-repeat", type=int, default=5)
    parser.add_argument("--export-repeat", type=int, default=3)
    parser.add_argument("--export-rows", type=int, default=100_000, help="result rows wanted in the exported unit")
    parser.add_argument("--no-freeze", action="store_true", help="do not freeze round 1 again (no freeze figure)")
    parser.add_argument("--explain", action="store_true", help="print the plans of the services' SQL")
    parser.add_argument("--freeze-direct", action="store_true",
                        help="freeze by calling the service here, step by step, not as a job run by a worker")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", choices=["xlsx", "csv"], help=argparse.SUPPRESS)
    parser.add_argument("--unit-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--round-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=["app", "rows", "raw"], default="app", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    args.now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat()

    from quiz.contests.models import Contest, Round
    from quiz.db import utcnow
    from quiz.rankings import services as rankings
    from quiz.reports.figures import participation

    rng = random.Random(args.seed)
    folder = tempfile.TemporaryDirectory(prefix="bench_results_")
    app = create_app({"DATABASE_URL": schema_url(args.database_url, args.schema), "SECRET_KEY": "bench",
                      "INSTANCE_PATH": folder.name, "TASK_QUEUE": "sqlite",
                      "TASK_QUEUE_NAME": f"bench-results-{os.getpid()}"})
    figures = {}
    with app.app_context():
        check_schema()
        capture = Capture(db.engine)
        contest = db.session.scalars(sa.select(Contest).where(Contest.slug == CONTEST_SLUG)).one()
        round_ = db.session.scalars(sa.select(Round).where(Round.contest_id == contest.id, Round.number == 1)).one()
        counts = dict(db.session.execute(sa.text(
            "SELECT 'units', count(*) FROM units UNION ALL SELECT 'members', count(*) FROM users "
            "UNION ALL SELECT 'attempts', count(*) FROM attempts")).all())
        print(f"schema {args.schema}: {counts['units']:,} units, {counts['members']:,} members, "
              f"{counts['attempts']:,} attempts")

        if not args.no_freeze:
            figures["freeze_s"], ranked = refreeze(contest, round_, args.freeze_direct)
            print(f"freeze round 1 ({'rankings.freeze + commit' if args.freeze_direct else 'as a job: start to done'}): "
                  f"{figures['freeze_s']:.1f} s, "
                  f"{ranked:,} members ranked")
        round_ = db.session.get(Round, round_.id)
        round_id = round_.id
        _ = contest.divisions, contest.prize_tiers, contest.draw_rules, contest.rounds
        divisions = [(d.id, d.code, rankings.ranked_count(round_, d.id)) for d in contest.divisions]
        if not round_.frozen_at or not sum(n for _, _, n in divisions):
            sys.exit("round 1 is not frozen: run gen_scale_data.py without --no-freeze, or this without it")
        print("ranked: " + ", ".join(f"division {code} {n:,}" for _, code, n in divisions))
        settle = timed(lambda: rankings.settle_prizes(contest, now=utcnow(), cause="bench"), 5)
        figures["settle_ms"] = statistics.median(settle)
        print(f"settle the contest's prizes and collective standings again (nothing changes): "
              f"median {figures['settle_ms']:.0f} ms of 5")
        members = db.session.execute(sa.text("SELECT user_id FROM results WHERE round_id = :r ORDER BY random() "
                                             "LIMIT 2000"), {"r": round_id}).scalars().all()
        db.session.close()

        # Baselines
        base = timed(lambda: db.session.execute(sa.text(BASELINE_SQL), {"round_id": round_id}).all(), args.repeat, 10)
        figures["baseline_p50_ms"], figures["baseline_p95_ms"] = statistics.median(base), percentile(base, 0.95)
        scan = timed(lambda: db.session.scalar(sa.text("SELECT count(*) FROM attempts")), 5, 1)
        figures["scan_ms"] = statistics.median(scan)
        print(f"baseline, indexed LIMIT 50 on attempts: p50 {figures['baseline_p50_ms']:.2f} ms, "
              f"p95 {figures['baseline_p95_ms']:.2f} ms ({args.repeat} runs)")
        print(f"reference, count(*) of all attempts (sequential scan): median {figures['scan_ms']:.0f} ms")

        # Standings + my place
        def page_and_place(which: str):
            division_id, _code, ranked_n = rng.choice(divisions)
            pages = max(1, -(-ranked_n // PER_PAGE))
            page = {"first": 1, "any": rng.randint(1, pages), "last": pages}[which]
            rankings.standings(round_, division_id, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
            rankings.place(round_, rng.choice(members))

        standings_runs = {}
        for which in ("first", "any", "last"):
            standings_runs[which] = timed(lambda which=which: page_and_place(which), args.repeat, 1, args.budget)
        only_place = timed(lambda: rankings.place(round_, rng.choice(members)), args.repeat)
        for which, label in (("first", "page 1"), ("any", "any page (uniform)"), ("last", "last page")):
            runs = standings_runs[which]
            print(f"standings {label:<19} + place: p50 {statistics.median(runs):8.2f} ms  "
                  f"p95 {percentile(runs, 0.95):8.2f} ms  ({len(runs)} runs)")
        print(f"place alone:                        p50 {statistics.median(only_place):8.2f} ms  "
              f"p95 {percentile(only_place, 0.95):8.2f} ms")
        figures["standings_first_p95_ms"] = percentile(standings_runs["first"], 0.95)
        figures["standings_p95_ms"] = percentile(standings_runs["any"], 0.95)
        figures["standings_last_p95_ms"] = percentile(standings_runs["last"], 0.95)

        # Roll-up
        rollup = timed(lambda: participation(contest), args.rollup_repeat, 1)
        figures["rollup_s"] = statistics.median(rollup) / 1000
        units_seen = len(participation(contest))
        db.session.close()
        print(f"roll-up participation(contest), {units_seen:,} units: median {figures['rollup_s']:.2f} s "
              f"(runs: {', '.join(f'{t / 1000:.2f}' for t in rollup)})")

        unit, rows, subtree = export_unit(round_id, args.export_rows)
        unit_id, unit_label = unit.id, f"{unit.name} ({unit.code}, depth {unit.depth}, {subtree:,} units)"
        print(f"export unit: {unit_label}: {rows:,} frozen results in round 1")

        if args.explain:
            deep = max(divisions, key=lambda d: d[2])
            plans = [("standings, last page", lambda: rankings.standings(
                          round_, deep[0], offset=(max(1, -(-deep[2] // PER_PAGE)) - 1) * PER_PAGE, limit=PER_PAGE)),
                     ("standings, page 1", lambda: rankings.standings(round_, deep[0], offset=0, limit=PER_PAGE)),
                     ("place", lambda: rankings.place(round_, members[0])),
                     ("roll-up", lambda: participation(contest))]
            for title, fn in plans:
                for statement, parameters in capture.run(fn):
                    if "attempts" in statement or "results" in statement:
                        explain(title, statement, parameters)
            from quiz.reports import exports

            def export_query():
                for _ in exports.individual(contest, unit, round_, utcnow()).rows:
                    break
            for statement, parameters in capture.run(export_query):
                if "results" in statement:
                    explain("export rows (first row fetched)", statement, parameters)
        db.session.remove()
        db.engine.dispose()

    # Exports, each in a fresh process
    results = {}
    for kind in ("xlsx", "csv"):
        runs = [run_export(args, kind, unit_id, round_id) for _ in range(args.export_repeat)]
        results[kind] = runs
        seconds = [r["seconds"] for r in runs]
        print(f"export {kind}: median {statistics.median(seconds):6.2f} s (runs: "
              f"{', '.join(f'{s:.2f}' for s in seconds)}), {runs[0]['bytes'] / 1e6:.1f} MB"
              + (f", {runs[0]['lines'] - 1:,} rows" if runs[0]["lines"] else "")
              + f"; memory {runs[0]['before_mb']:.0f} MB before, peak {max(r['peak_mb'] for r in runs):.0f} MB, "
              f"growth {max(r['growth_mb'] for r in runs):.0f} MB")
    figures["export_xlsx_100k_s"] = statistics.median(r["seconds"] for r in results["xlsx"])
    figures["export_csv_100k_s"] = statistics.median(r["seconds"] for r in results["csv"])
    figures["export_xlsx_growth_mb"] = max(r["growth_mb"] for r in results["xlsx"])
    figures["export_csv_growth_mb"] = max(r["growth_mb"] for r in results["csv"])
    figures["export_peak_rss_mb"] = max(figures["export_xlsx_growth_mb"], figures["export_csv_growth_mb"])
    for kind, variant, key in (("csv", "rows", "rows_s"), ("xlsx", "raw", "raw_xlsx_s")):
        runs = [run_export(args, kind, unit_id, round_id, variant) for _ in range(args.export_repeat)]
        figures[key] = statistics.median(r["seconds"] for r in runs)
    print(f"reference: the export's rows alone (query, fetch, row tuples): median {figures['rows_s']:.2f} s; "
          f"xlsxwriter alone writing the same cells: median {figures['raw_xlsx_s']:.2f} s")
    print(f"  .xlsx = {figures['export_xlsx_100k_s'] / (figures['rows_s'] + figures['raw_xlsx_s']):.2f} × "
          f"(rows + xlsxwriter alone); .csv = {figures['export_csv_100k_s'] / figures['rows_s']:.2f} × rows alone")
    folder.cleanup()

    # The table
    b50, scan = figures["baseline_p50_ms"], figures["scan_ms"]
    lines = [("baseline: indexed LIMIT 50 (p50)", f"{b50:.2f} ms", "", 1.0, None),
             ("baseline: indexed LIMIT 50 (p95)", f"{figures['baseline_p95_ms']:.2f} ms", "",
              figures["baseline_p95_ms"] / b50, None),
             ("reference: count(*) of attempts", f"{scan:.0f} ms", "", scan / b50, 1.0),
             ("standings page 1 + place (p95)", f"{figures['standings_first_p95_ms']:.2f} ms", "≤ 50 ms",
              figures["standings_first_p95_ms"] / b50, None),
             ("standings any page + place (p95)", f"{figures['standings_p95_ms']:.2f} ms", "≤ 50 ms",
              figures["standings_p95_ms"] / b50, None),
             ("standings last page + place (p95)", f"{figures['standings_last_p95_ms']:.2f} ms", "≤ 50 ms",
              figures["standings_last_p95_ms"] / b50, None),
             ("roll-up of all units (median)", f"{figures['rollup_s']:.2f} s", "≤ 2 s",
              figures["rollup_s"] * 1000 / b50, figures["rollup_s"] * 1000 / scan)]
    if "freeze_s" in figures:
        lines.append(("freeze round 1", f"{figures['freeze_s']:.1f} s", "≤ 60 s", figures["freeze_s"] * 1000 / b50,
                      figures["freeze_s"] * 1000 / scan))
    lines += [(f"export .xlsx, {rows:,} rows (median)", f"{figures['export_xlsx_100k_s']:.2f} s", "≤ 15 s",
               figures["export_xlsx_100k_s"] * 1000 / b50, figures["export_xlsx_100k_s"] * 1000 / scan),
              (f"export .csv, {rows:,} rows (median)", f"{figures['export_csv_100k_s']:.2f} s", "≤ 3 s",
               figures["export_csv_100k_s"] * 1000 / b50, figures["export_csv_100k_s"] * 1000 / scan),
              ("reference: export rows alone (median)", f"{figures['rows_s']:.2f} s", "",
               figures["rows_s"] * 1000 / b50, figures["rows_s"] * 1000 / scan),
              ("reference: xlsxwriter alone, same cells", f"{figures['raw_xlsx_s']:.2f} s", "",
               figures["raw_xlsx_s"] * 1000 / b50, figures["raw_xlsx_s"] * 1000 / scan),
              ("export .xlsx memory growth (max)", f"{figures['export_xlsx_growth_mb']:.0f} MB", "≤ 200 MB", None, None),
              ("export .csv memory growth (max)", f"{figures['export_csv_growth_mb']:.0f} MB", "≤ 200 MB", None, None)]
    print(f"\n{'figure':<42} {'value':>11} {'target':>9} {'× LIMIT 50':>11} {'× count(*)':>11}")
    for label, value, target, ratio, ratio_scan in lines:
        print(f"{label:<42} {value:>11} {target:>9} {'' if ratio is None else f'{ratio:,.1f}':>11} "
              f"{'' if ratio_scan is None else f'{ratio_scan:.2f}':>11}")
    missed = [key for key, limit in TARGETS.items() if key in figures and figures[key] > limit]
    print("targets: " + ("all met" if not missed else "missed: " + ", ".join(missed)))
    print(f"baseline_p50_ms={b50:.2f} baseline_p95_ms={figures['baseline_p95_ms']:.2f} scan_ms={scan:.0f} "
          f"standings_first_p95_ms={figures['standings_first_p95_ms']:.2f} "
          f"standings_last_p95_ms={figures['standings_last_p95_ms']:.2f}")
    freeze = f"freeze_s={figures['freeze_s']:.1f} " if "freeze_s" in figures else ""
    print(f"{freeze}standings_p95_ms={figures['standings_p95_ms']:.1f} rollup_s={figures['rollup_s']:.2f} "
          f"export_xlsx_100k_s={figures['export_xlsx_100k_s']:.2f} export_csv_100k_s={figures['export_csv_100k_s']:.2f} "
          f"export_peak_rss_mb={figures['export_peak_rss_mb']:.0f}")

if __name__ == "__main__":
    main()
