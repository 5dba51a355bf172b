#!/usr/bin/env python3
"""Subtree queries at the size of the largest reported contest, on PostgreSQL.

Fills a schema of its own with 5,000 units four levels deep and 1,000,000 members (COPY),
then times ``quiz.units.services.subtree_members`` (the real code path) for a unit at each
level, beside baselines measured in the same run: a plain ``count(*)`` of the whole users
table, and a count of one unit's members through the ``unit_id`` index.

    .venv/bin/python scripts/bench_subtree.py [--members 1000000] [--repeat 21]

Database: QUIZ_BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test);
the schema ``bench_subtree`` is dropped and recreated. Last line: machine-readable figures.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quiz import create_app  # noqa: E402
from quiz.extensions import db  # noqa: E402
from quiz.text import name_sort_key  # noqa: E402

SCHEMA = "bench_subtree"
FANOUT = (24, 13, 15)  # root → 24 → 312 → 4,680: 5,017 units, depth 0..3


def progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    print(f"\r{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}", end="", flush=True)
    if done >= total:
        print()


def build_units() -> list[tuple]:
    rows = [(1, "R", "Tỉnh ủy", None, "/1/", 0)]
    level = [rows[0]]
    next_id = 2
    for depth, fanout in enumerate(FANOUT, start=1):
        below = []
        for parent in level:
            for k in range(fanout):
                row = (next_id, f"{parent[1]}.{k}", f"Đơn vị {parent[1]}.{k}", parent[0],
                       f"{parent[4]}{next_id}/", depth)
                rows.append(row)
                below.append(row)
                next_id += 1
        level = below
    return rows


def fill(conn, members: int) -> dict[str, int]:
    units = build_units()
    leaves = [u for u in units if u[5] == len(FANOUT)]
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy("COPY units (id, code, name, kind, parent_id, path, depth, headcount, search_key) "
                      "FROM STDIN") as copy:
            for uid, code, name, parent, path, depth in units:
                copy.write_row((uid, code, name, "", parent, path, depth, 200, name.lower()))
        progress("units", len(units), len(units))
        step = 50_000
        key = name_sort_key("Thí sinh")  # COPY bypasses the model, which writes the key with the name
        with cur.copy("COPY users (id, full_name, name_sort_key, gender, phone, cccd, unit_id, category, role, "
                      "password_hash, active, must_change_password, created_at) "
                      "FROM STDIN") as copy:
            for i in range(1, members + 1):
                unit = leaves[i % len(leaves)][0] if i % 10 else units[i % len(units)][0]
                copy.write_row((i, "Thí sinh", key, "nam", f"09{i:08d}", f"{i:012d}", unit, "dang_vien",
                                "member", "x", True, False, "2026-01-01 00:00:00"))
                if i % step == 0:
                    progress("members", i, members)
        progress("members", members, members)
        cur.execute("SELECT setval('units_id_seq', (SELECT max(id) FROM units))")
        cur.execute("SELECT setval('users_id_seq', (SELECT max(id) FROM users))")
    raw.commit()
    raw.autocommit = True
    raw.execute("VACUUM ANALYZE units")
    raw.execute("VACUUM ANALYZE users")
    raw.autocommit = False
    by_depth = {}
    for uid, _code, _name, _parent, _path, depth in units:
        by_depth.setdefault(depth, uid)
    return {"root": by_depth[0], "level1": by_depth[1], "level2": by_depth[2], "leaf": by_depth[3]}


def median_ms(fn, repeat: int) -> tuple[float, object]:
    fn()  # warm
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--keep", action="store_true", help="keep the generated schema afterwards")
    args = parser.parse_args()

    base = os.environ.get("QUIZ_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{SCHEMA}"

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    from quiz.units import services
    from quiz.units.models import Unit

    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        started = time.perf_counter()
        with db.engine.connect() as conn:
            picks = fill(conn, args.members)
        print(f"generated in {time.perf_counter() - started:.1f} s")

        units = {name: db.session.get(Unit, uid) for name, uid in picks.items()}
        figures = {}
        for name, unit in units.items():
            ms, count = median_ms(lambda unit=unit: services.subtree_members(unit), args.repeat)
            size = services.subtree_size(unit)
            figures[name] = ms
            print(f"subtree_members({name:<6} depth {unit.depth}, {size:>5,} units): {count:>9,} members  "
                  f"median {ms:8.2f} ms")
        all_ms, total = median_ms(lambda: db.session.scalar(sa.text("SELECT count(*) FROM users")), args.repeat)
        leaf = units["leaf"]
        one_ms, _ = median_ms(lambda: db.session.scalar(
            sa.text("SELECT count(*) FROM users WHERE unit_id = :u"), {"u": leaf.id}), args.repeat)
        print(f"baseline count(*) of all {total:,} users:          median {all_ms:8.2f} ms")
        print(f"baseline count of one unit's users by unit_id index: median {one_ms:8.2f} ms")
        plan = db.session.execute(sa.text(
            "EXPLAIN SELECT count(users.id) FROM users JOIN units ON users.unit_id = units.id "
            "WHERE units.path >= :a AND units.path < :b"), {"a": units["level2"].path,
                                                            "b": units["level2"].subtree_upper}).scalars().all()
        print("plan (depth-2 unit):\n  " + "\n  ".join(plan))
    if not args.keep:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    print(f"subtree_root_ms={figures['root']:.1f} baseline_count_all_ms={all_ms:.1f} "
          f"root_ratio={figures['root'] / all_ms:.2f} subtree_level1_ms={figures['level1']:.1f} "
          f"subtree_level2_ms={figures['level2']:.2f} subtree_leaf_ms={figures['leaf']:.2f} "
          f"baseline_one_unit_ms={one_ms:.2f} leaf_ratio={figures['leaf'] / one_ms:.2f}")


if __name__ == "__main__":
    main()
