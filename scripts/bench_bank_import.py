#!/usr/bin/env python3
"""Importing a 10,000-question bank (.xlsx in the import template), through the real path.

Generates a workbook of unique, realistic Vietnamese questions (4 options each, varied
length, most with a source), then imports it into a fresh database with
``quiz.banks.services.import_file`` and commits, timing each phase (read + check, write)
and the peak memory of the process. In the same run it measures a baseline: reading the
same file with openpyxl (read-only mode, every row iterated, no checks, no writes); the
ratio import / baseline is what should hold on another machine.

    .venv/bin/python scripts/bench_bank_import.py [--questions 10000] [--database-url URL]

Database: a temporary SQLite file by default; with ``--database-url postgresql://...`` a
schema of its own (``bench_bank_import``), created and dropped. Target on a 2-core
machine: under 10 s and under 300 MB. Last line: machine-readable figures.
"""
from __future__ import annotations

import argparse
import io
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quiz import create_app  # noqa: E402
from quiz.banks.formats.template import HEADERS  # noqa: E402
from quiz.extensions import db  # noqa: E402
from quiz.text import match_key  # noqa: E402

SCHEMA = "bench_bank_import"

# The generated questions --------------------------------------------------------------

ENDINGS = ["là gì?", "như thế nào?", "gồm những nội dung nào?", "do ai chịu trách nhiệm?",
           "được thực hiện vào thời gian nào?", "có ý nghĩa gì?", "nhằm mục đích gì?", "?"]
CLAUSES_PER_QUESTION = [1, 2, 2, 2, 3, 3, 4, 6]  # from ~30 to ~400 characters
LEVELS = ["dễ", "trung bình", "khó"]


def material() -> tuple[list[str], list[str], list[str], list[str]]:
    """Real Vietnamese to build questions from: the clauses of the shipped banks' questions,
    their options (unique after normalising), sources and tags."""
    from quiz.banks import formats

    clauses, options, sources, tags = set(), {}, [], set()
    for path in sorted((ROOT / "question_banks").glob("*.csv")):
        for q in formats.parse(path.name, path.read_bytes()).questions:
            clauses.update(c.strip() for c in re.split(r"[,:;?“”]", q.text) if len(c.split()) >= 3)
            options.update((match_key(o), o) for o in q.options)
            sources.append(q.source)
            tags.update(q.tags)
    return sorted(clauses), sorted(options.values()), sources, sorted(tags)


def generate_questions(count: int, seed: int = 2024) -> list[list[object]]:
    """``count`` template rows, unique after the import's own normalisation: each question
    joins 1–6 clauses of real questions; 4 options; 90% with a source."""
    clauses, options, sources, tags = material()
    rng = random.Random(seed)
    rows, seen = [], set()
    while len(rows) < count:
        text = ", ".join(rng.sample(clauses, rng.choice(CLAUSES_PER_QUESTION)))
        text = f"{text[0].upper()}{text[1:]} {rng.choice(ENDINGS)}".replace(" ?", "?")
        key = match_key(text)
        if key in seen:
            continue
        seen.add(key)
        rows.append([len(rows) + 1, text, *rng.sample(options, 4), "", "", rng.choice("ABCD"), rng.choice(LEVELS),
                     "; ".join(rng.sample(tags, 2)), rng.choice(sources) if rng.random() < 0.9 else "",
                     "Xem văn bản nguồn." if rng.random() < 0.5 else ""])
    return rows


def write_workbook(path: Path, rows: list[list[object]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    sheet = book.add_worksheet("Câu hỏi")
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()


# Measuring -------------------------------------------------------------------------------

def rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_read(data: bytes) -> tuple[float, int]:
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = sum(1 for sheet in book.worksheets for _ in sheet.iter_rows(values_only=True))
    book.close()
    return time.perf_counter() - started, rows


def timed_import(path: Path, data: bytes) -> dict[str, float]:
    """Import through ``services.import_file``; ``write`` is wrapped only to note when the
    write phase starts (the import itself runs unchanged)."""
    from quiz.banks import services
    from quiz.db import utcnow

    bank = services.create_bank("Ngân hàng đo hiệu năng")
    db.session.commit()
    marks = {}
    real_write = services.write

    def noted_write(*args, **kwargs):
        marks["write"] = time.perf_counter()
        return real_write(*args, **kwargs)

    services.write = noted_write
    try:
        started = time.perf_counter()
        summary = services.import_file(bank, path.name, data, now=utcnow())
        db.session.commit()
        ended = time.perf_counter()
    finally:
        services.write = real_write
    return {"check": marks["write"] - started, "write": ended - marks["write"], "total": ended - started,
            "imported": summary.imported, "warnings": summary.warnings}


def timed_report() -> tuple[float, int]:
    """The bank check report over the imported bank (after the memory peak is read)."""
    from quiz.banks import services
    from quiz.banks.report import check_bank

    started = time.perf_counter()
    report = check_bank(services.bank_by_name("Ngân hàng đo hiệu năng"))
    return time.perf_counter() - started, len(report.near_duplicates)


# The database ------------------------------------------------------------------------------

def open_database(url: str | None, folder: Path) -> tuple[str, callable]:
    """A URL of an empty database, and how to drop it afterwards."""
    if not url:
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    base = url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        admin.dispose()

    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{SCHEMA}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--keep-file", type=Path, help="also save the generated workbook here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_bank_") as tmp:
        folder = Path(tmp)
        path = folder / f"ngan_hang_{args.questions}.xlsx"
        started = time.perf_counter()
        write_workbook(path, generate_questions(args.questions))
        data = path.read_bytes()
        if args.keep_file:
            args.keep_file.write_bytes(data)
        print(f"generated {args.questions:,} questions: {len(data) / 1e6:.1f} MB in "
              f"{time.perf_counter() - started:.1f} s")

        url, drop = open_database(args.database_url, folder)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder)})
        try:
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
                print(f"database: {db.engine.dialect.name}")
                base_s, base_rows = baseline_read(data)
                print(f"baseline: openpyxl read-only, {base_rows:,} rows iterated: {base_s:.2f} s")
                before = rss_mb()
                figures = timed_import(path, data)
                peak = rss_mb()
                report_s, pairs = timed_report()
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()

    print(f"import: {figures['imported']:,} questions ({figures['warnings']:,} warnings)")
    print(f"  read + check: {figures['check']:.2f} s")
    print(f"  write + commit: {figures['write']:.2f} s")
    print(f"  total: {figures['total']:.2f} s  (ratio import/baseline {figures['total'] / base_s:.1f})")
    print(f"peak RSS: {peak:.1f} MB (before import {before:.1f} MB, growth {peak - before:.1f} MB)")
    print(f"check report of the imported bank: {report_s:.2f} s ({pairs:,} near-duplicate pairs)")
    print(f"import_10k_s={figures['total']:.1f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
