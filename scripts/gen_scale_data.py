#!/usr/bin/env python3
"""A contest the size of the largest reported, in PostgreSQL, for ``bench_results.py``.

Fills a schema of its own (dropped and recreated, then migrated as ``quiz init`` does) with:

- 5,000 units four levels deep: the province (1) → 24 districts → ~300 communes → ~4,675
  cells, with Vietnamese names, materialised paths and headcounts (the people expected to
  take part: the unit's own members × 1.0–1.4). District sizes are skewed: the provincial
  city holds 12.5 % of the members (so that its subtree gets ~100,000 frozen results in
  round 1, the size of the export benchmark), the others follow a Zipf-like curve; cells
  and communes vary log-normally. 90 % of the members belong to a cell, 9.5 % to a
  commune committee, the rest to a district or the province;
- 1,000,000 members: unique phones and CCCDs, names drawn from family, middle and given
  name lists by gender, birth dates fitting their category (đối tượng), one precomputed
  password hash (the password is ``matkhau2026``);
- the shipped question banks (``quiz.banks.shipped.load``) and one contest on them: 20
  questions (12 + 8 from two banks), 20 minutes, unlimited attempts, best attempt counts,
  a prediction question (how many take part), two divisions (A: học sinh and đoàn viên; B:
  everyone else) and prize tiers (1 Nhất, 3 Nhì, 5 Ba, 20 Khuyến khích per division);
- two rounds: round 1 (a week, closed two weeks ago) and round 2 (open now);
- 2,500,000 finished attempts, 80 % in round 1: ~800,000 members take round 1 (2.5
  attempts each on average), ~285,000 take round 2 so far. Members of keen units take
  part more often. Scores come from each member's ability (binomial over 20 questions),
  times are log-normal (median ~8 minutes, capped at the limit), predictions scatter
  around the true value. Start times follow the local day (peaks at noon and 20–22 h)
  and 30 % of round 1 comes in on its last evening. A member's attempts are numbered in
  time order and mostly do not overlap; rows are written in start-time order (the order
  a live database would hold them). ``attempts.unit_id`` is the member's unit.

Attempt questions and answers are not written: the ranking, the roll-up and the exports
never read them (so the question statistics computed at freezing are empty).

Units, members and attempts are written with COPY (psycopg 3), foreign-key triggers
skipped for the COPY only (``session_replication_role = replica``; the rows are correct
by construction). Then every table of the schema gets ``VACUUM ANALYZE``, and round 1 is
frozen through ``quiz.rankings.services.freeze`` (the real code, committed), timed, with the
time of each of its steps as its ``progress`` reported them.

    .venv/bin/python scripts/gen_scale_data.py [--schema scale] [--members 1000000]
        [--units 5000] [--attempts 2500000] [--seed 2026] [--no-freeze]

Database: QUIZ_BENCH_DATABASE_URL or --database-url (default
postgresql://postgres@127.0.0.1:5432/test). A progress bar per phase goes to stderr; the
time of each phase and the last line (machine-readable figures) to stdout.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quiz import create_app  # noqa: E402
from quiz.db import unlimited_statements, utcnow  # noqa: E402
from quiz.extensions import db  # noqa: E402
from quiz.text import fold, name_sort_key  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONTEST_SLUG = "thi-quy-mo-lon"
ROUND1_SHARE = 0.8           # of the attempts
BIG_DISTRICT_SHARE = 0.125   # of the members: ~100k results in round 1
TIME_LIMIT_S = 1200
QUESTIONS = 20
LOCAL = timedelta(hours=7)   # Asia/Ho_Chi_Minh
PASSWORD = "matkhau2026"

# Attempts per member in a round: (count, weight). Round 1 (a week, closed): mean ~2.5;
# round 2 (half-way through): mean ~1.8.
ATTEMPTS_R1 = ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [40, 20, 15, 10, 7, 4, 1.5, 1, 1, 0.5])
ATTEMPTS_R2 = ([1, 2, 3, 4, 5], [55, 25, 12, 5, 3])
# Local hour of day → share of the starts (people take the test at lunch and in the evening).
HOURS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 2.5, 3, 3.5, 4, 5, 6, 4, 3.5, 3.5, 3.5, 4, 5, 7, 9, 9.5, 7, 3]

CATEGORIES = [("dang_vien", 30, 1950, 2000), ("doan_vien", 20, 1990, 2008), ("cong_chuc", 15, 1965, 2002),
              ("cnvcld", 10, 1965, 2005), ("hoc_sinh", 10, 2006, 2012), ("hoi_vien", 5, 1945, 1990),
              ("nhan_dan", 10, 1945, 2008)]
DIVISION_A = ("hoc_sinh", "doan_vien")

FAMILY = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4), ("Phan", 4.5),
          ("Vũ", 3.9), ("Võ", 3), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3),
          ("Dương", 1), ("Lý", 0.5), ("Đinh", 1), ("Trịnh", 0.8), ("Đoàn", 0.8), ("Lương", 0.6), ("Mai", 0.5),
          ("Cao", 0.5), ("Tạ", 0.3), ("Hà", 0.5), ("Lâm", 0.4), ("Tô", 0.3), ("Chu", 0.3), ("Kiều", 0.2)]
MIDDLE = {"nam": ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành", "Ngọc", "Xuân", "Đình", "Quốc", "Anh",
                  "Trọng", "Gia", "Hoàng", "Thanh", "Văn", "Văn"],
          "nu": ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Phương", "Hồng", "Thùy", "Mỹ",
                 "Bảo", "Diệu", "Hoài", "Khánh"]}
GIVEN = {"nam": ["An", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Giang", "Hải", "Hiếu", "Hòa", "Hùng", "Huy",
                 "Khang", "Khoa", "Khánh", "Kiên", "Lâm", "Long", "Lộc", "Mạnh", "Minh", "Nam", "Nghĩa",
                 "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thịnh", "Toàn",
                 "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Bảo", "Duy", "Hoàng", "Hưng", "Trí"],
         "nu": ["Anh", "Ánh", "Bích", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
                "Hồng", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc",
                "Nhung", "Nhi", "Oanh", "Phương", "Quyên", "Quỳnh", "Tâm", "Thảo", "Thơ", "Thủy", "Trang",
                "Trâm", "Tuyết", "Uyên", "Vân", "Vy", "Xuân", "Yến", "Hậu", "Lý", "Nguyệt"]}
PLACES = ["An", "Bình", "Phú", "Hòa", "Tân", "Thạnh", "Long", "Mỹ", "Đông", "Tây", "Nam", "Bắc", "Hưng",
          "Thuận", "Phước", "Vĩnh", "Lộc", "Thịnh", "Quang", "Trung", "Hải", "Sơn", "Thủy", "Lâm", "Định",
          "Xuân", "Thành", "Hiệp", "Lợi", "Khánh", "Điền", "Châu", "Giang", "Hậu", "Phong", "Tiến"]
PHONE_PREFIXES = ["09", "03", "08", "07", "05"]


# Progress -------------------------------------------------------------------------------------

class Progress:
    """A text bar on stderr: ``label [#####.....] done/total``, redrawn at most ~20 times a second."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.shown, self.done = label, max(total, 1), 0.0, -1

    def update(self, done: int) -> None:
        now = time.monotonic()
        if done == self.done or (done < self.total and now - self.shown < 0.05):
            return
        self.shown, self.done = now, done
        width = 30
        filled = width * min(done, self.total) // self.total
        print(f"\r  {self.label:<12} [{'#' * filled}{'.' * (width - filled)}] {done:>11,}/{self.total:,}",
              end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        self.update(self.total)
        print(file=sys.stderr, flush=True)


PHASES: dict[str, float] = {}


@contextmanager
def phase(name: str):
    print(f"{name} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    yield
    PHASES[name] = time.perf_counter() - started
    print(f"{name:<34} {PHASES[name]:7.1f} s", flush=True)


# The unit tree and the members ------------------------------------------------------------------

def level_sizes(units: int) -> tuple[int, int, int]:
    """Units per level below the root: 5,000 → 24, 300, 4,675."""
    n1 = max(3, round(units * 24 / 5000))
    n2 = max(n1, round(units * 300 / 5000))
    n3 = units - 1 - n1 - n2
    if n3 < n2:
        raise SystemExit(f"--units {units} is too small for four levels")
    return n1, n2, n3


def spread(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` children over parents in proportion to ``weights``, at least one each."""
    counts = np.ones(len(weights), dtype=np.int64)
    rest = total - len(weights)
    share = weights / weights.sum() * rest
    counts += np.floor(share).astype(np.int64)
    left = total - counts.sum()
    counts[np.argsort(share - np.floor(share))[::-1][:left]] += 1
    return counts


def build_units(rng: np.random.Generator, units: int) -> dict[str, np.ndarray | list]:
    """The tree as columns, with each unit's share of the members (``weight``)."""
    n1, n2, n3 = level_sizes(units)
    rest = 1 / np.arange(2, n1 + 1) ** 0.6
    district = np.concatenate([[BIG_DISTRICT_SHARE], rest / rest.sum() * (1 - BIG_DISTRICT_SHARE)])
    ids, codes, names, kinds, parents, paths, depths, weights = [1], ["T"], ["Tỉnh ủy Bình An"], ["Tỉnh ủy"], \
        [None], ["/1/"], [0], [0.001]
    next_id = 2

    def add(code, name, kind, parent_index, weight):
        nonlocal next_id
        ids.append(next_id)
        codes.append(code)
        names.append(name)
        kinds.append(kind)
        parents.append(ids[parent_index])
        paths.append(f"{paths[parent_index]}{next_id}/")
        depths.append(depths[parent_index] + 1)
        weights.append(weight)
        next_id += 1
        return len(ids) - 1

    communes_per_district = spread(n2, district)
    commune_rows = []
    for d in range(n1):
        place = f"{PLACES[d % len(PLACES)]} {PLACES[(d * 7 + 3) % len(PLACES)]}"
        kind, title = ("Thành ủy", "Thành ủy") if d == 0 else ("Huyện ủy", "Huyện ủy") if d % 4 else ("Thị ủy", "Thị ủy")
        di = add(f"H{d + 1:02d}", f"{title} {place}", kind, 0, district[d] * 0.004)
        share = rng.lognormal(0, 0.5, communes_per_district[d])
        share = share / share.sum() * district[d]
        for c, s in enumerate(share):
            word = "phường" if d == 0 else "xã" if c % 5 else "thị trấn"
            name = f"Đảng ủy {word} {PLACES[(c + d) % len(PLACES)]} {PLACES[(c * 5 + d * 3 + 1) % len(PLACES)]} {c + 1}"
            ci = add(f"H{d + 1:02d}.{c + 1:03d}", name, "Đảng bộ cơ sở", di, s * 0.095)
            commune_rows.append((ci, s))
    cells = spread(n3, np.array([s for _, s in commune_rows]))
    for (ci, s), count in zip(commune_rows, cells):
        share = rng.lognormal(0, 0.6, count)
        share = share / share.sum() * s * 0.9
        for k, w in enumerate(share):
            word = "tổ dân phố" if codes[ci].startswith("H01") else "thôn" if k % 3 else "ấp"
            add(f"{codes[ci]}.{k + 1:03d}", f"Chi bộ {word} {k + 1}", "Chi bộ", ci, w)
    weights = np.array(weights)
    return {"id": np.array(ids), "code": codes, "name": names, "kind": kinds, "parent": parents, "path": paths,
            "depth": np.array(depths), "weight": weights / weights.sum()}


def build_members(rng: np.random.Generator, tree: dict, members: int, started: datetime) -> dict[str, np.ndarray]:
    n = members
    unit_index = rng.choice(len(tree["id"]), size=n, p=tree["weight"])
    cat_names = [c[0] for c in CATEGORIES]
    cat = rng.choice(len(CATEGORIES), size=n, p=np.array([c[1] for c in CATEGORIES]) / 100)
    first = np.array([c[2] for c in CATEGORIES])[cat]
    last = np.array([c[3] for c in CATEGORIES])[cat]
    year = first + (rng.random(n) * (last - first + 1)).astype(np.int64)
    born = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(0, 365, n)
    female = rng.random(n) < 0.5
    family = rng.choice(len(FAMILY), size=n, p=np.array([f[1] for f in FAMILY]) / sum(f[1] for f in FAMILY))
    middle_m, middle_f = rng.integers(0, len(MIDDLE["nam"]), n), rng.integers(0, len(MIDDLE["nu"]), n)
    given_m, given_f = rng.integers(0, len(GIVEN["nam"]), n), rng.integers(0, len(GIVEN["nu"]), n)
    double = (rng.random(n) < 0.15).tolist()  # a second middle name
    fam = [f[0] for f in FAMILY]
    names = []
    for f, w, mm, mf, gm, gf, two in zip(family.tolist(), female.tolist(), middle_m.tolist(), middle_f.tolist(),
                                         given_m.tolist(), given_f.tolist(), double):
        middles, givens, m, g = (MIDDLE["nu"], GIVEN["nu"], mf, gf) if w else (MIDDLE["nam"], GIVEN["nam"], mm, gm)
        second = f" {middles[(m + 1 + g) % len(middles)]}" if two else ""
        names.append(f"{fam[f]} {middles[m]}{second} {givens[g]}")
    # Phones: a prefix and 8 digits from a permutation of 10^8 (unique); CCCD: province 036,
    # gender/century digit, year of birth, then a serial unique within that pair.
    serial = (np.arange(1, n + 1, dtype=np.int64) * 48_271_573) % 100_000_000
    prefix = np.array(PHONE_PREFIXES)[np.arange(n) % len(PHONE_PREFIXES)]
    phones = np.char.add(prefix, np.char.zfill(serial.astype(str), 8))
    century = np.where(year >= 2000, 2, 0) + female.astype(np.int64)
    key = century * 100 + year % 100
    order = np.argsort(key, kind="stable")
    rank_in_key = np.empty(n, dtype=np.int64)
    sorted_key = key[order]
    group_start = np.searchsorted(sorted_key, sorted_key, side="left")
    rank_in_key[order] = np.arange(n) - group_start
    cccd_serial = (rank_in_key * 7919 + 104_729) % 1_000_000
    if len(np.unique(key * 1_000_000 + cccd_serial)) != n:
        raise SystemExit("too many members for unique CCCDs")
    cccds = np.char.add(np.char.add("036", np.char.zfill((century * 100 + year % 100).astype(str), 3)),
                        np.char.zfill(cccd_serial.astype(str), 6))
    created = (np.datetime64(started - timedelta(days=60), "s")
               + rng.integers(0, 55 * 86400, n).astype("timedelta64[s]"))
    return {"unit_index": unit_index, "unit_id": tree["id"][unit_index], "category": np.array(cat_names)[cat],
            "division_a": np.isin(np.array(cat_names)[cat], DIVISION_A), "birth": born.astype(str),
            "gender": np.where(female, "nu", "nam"), "name": names, "phone": phones, "cccd": cccds,
            "created": np.datetime_as_string(created, unit="s"),
            "ability": rng.beta(6, 2.5, n)}


def headcounts(tree: dict, members: dict, rng: np.random.Generator) -> np.ndarray:
    own = np.bincount(members["unit_index"], minlength=len(tree["id"]))
    return np.round(own * rng.uniform(1.0, 1.4, len(own))).astype(np.int64)


# The attempts -------------------------------------------------------------------------------------

def pick_participants(rng, propensity: np.ndarray, total_attempts: int, per_member) -> tuple[np.ndarray, np.ndarray]:
    """Members (weighted by their unit's keenness) and their attempt counts, summing to the total."""
    values, weights = per_member
    n = len(propensity)
    counts = rng.choice(values, size=n, p=np.array(weights) / sum(weights))
    cumulative = np.cumsum(counts)
    if cumulative[-1] < total_attempts:
        raise SystemExit(f"{total_attempts:,} attempts in a round need more than {n:,} members: "
                         "lower --attempts or raise --members")
    taking = int(np.searchsorted(cumulative, total_attempts)) + 1
    counts = counts[:taking].copy()
    counts[-1] -= cumulative[taking - 1] - total_attempts
    keys = rng.random(n) ** (1 / propensity)  # Efraimidis–Spirakis weighted sampling
    chosen = np.argpartition(-keys, taking - 1)[:taking]
    return chosen, counts


def start_times(rng, count: int, opens: datetime, closes: datetime, last_evening: float) -> np.ndarray:
    """Start times (ms since the epoch, naive UTC) following the local day; a share on the last evening."""
    first_day = np.datetime64((opens + LOCAL).date(), "D")
    days = int((np.datetime64((closes + LOCAL).date(), "D") - first_day).astype(int)) + 1
    hour_p = np.array(HOURS) / sum(HOURS)
    local = (first_day.astype("datetime64[ms]").astype(np.int64)
             + rng.integers(0, days, count) * 86_400_000
             + rng.choice(24, size=count, p=hour_p) * 3_600_000
             + rng.integers(0, 3_600_000, count))
    starts = local - int(LOCAL.total_seconds() * 1000)
    open_ms = int(np.datetime64(opens, "ms").astype(np.int64))
    close_ms = int(np.datetime64(closes, "ms").astype(np.int64)) - 60_000
    late = rng.random(count) < last_evening
    starts[late] = close_ms - rng.integers(0, 4 * 3_600_000, int(late.sum()))
    bad = (starts < open_ms) | (starts > close_ms)
    starts[bad] = rng.integers(open_ms, close_ms, int(bad.sum()))
    return starts


def build_attempts(rng, members: dict, propensity: np.ndarray, ids: dict, rounds: list[dict]) -> dict[str, np.ndarray]:
    """Columns of every attempt of every round, in start-time order."""
    parts = []
    for spec in rounds:
        chosen, counts = pick_participants(rng, propensity, spec["attempts"], spec["per_member"])
        user = np.repeat(chosen, counts)
        start = start_times(rng, len(user), spec["opens"], spec["attempts_until"], spec["last_evening"])
        order = np.lexsort((start, user))
        user, start = user[order], start[order]
        group_first = np.r_[0, np.flatnonzero(np.diff(user)) + 1]
        number = np.arange(len(user)) - np.repeat(group_first, np.diff(np.r_[group_first, len(user)])) + 1
        used = np.clip(rng.lognormal(np.log(480_000), 0.45, len(user)), 45_000, TIME_LIMIT_S * 1000).astype(np.int64)
        same = np.r_[False, user[1:] == user[:-1]]
        previous_end = np.r_[0, start[:-1] + used[:-1]]
        push = same & (start < previous_end)
        start[push] = previous_end[push] + rng.integers(5_000, 600_000, int(push.sum()))
        close_ms = int(np.datetime64(spec["closes"], "ms").astype(np.int64))
        until_ms = int(np.datetime64(spec["attempts_until"], "ms").astype(np.int64))
        start = np.minimum(start, until_ms - 60_000)
        deadline = np.minimum(start + TIME_LIMIT_S * 1000, close_ms)
        used = np.minimum(used, deadline - start)
        ability = members["ability"][user]
        score = rng.binomial(QUESTIONS, np.clip(ability + (number - 1) * 0.01, 0, 1))
        truth = spec["truth_guess"]
        prediction = np.maximum(0, rng.normal(truth, truth * 0.25, len(user))).astype(np.int64)
        parts.append({"round_id": np.full(len(user), spec["id"]), "user": user, "number": number,
                      "start": start, "deadline": deadline, "used": used, "score": score,
                      "prediction": prediction, "no_prediction": rng.random(len(user)) < 0.03})
    columns = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(columns["start"], kind="stable")
    columns = {key: value[order] for key, value in columns.items()}
    user = columns["user"]
    columns["user_id"] = user + 1
    columns["unit_id"] = members["unit_id"][user]
    columns["division_id"] = np.where(members["division_a"][user], ids["division_a"], ids["division_b"])
    columns["seed"] = rng.integers(0, 2**62, len(user), dtype=np.int64)
    return columns


# Writing ---------------------------------------------------------------------------------------------

def copy_rows(cur, table: str, columns: list[str], rows, total: int, label: str) -> None:
    bar = Progress(label, total)
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for i, row in enumerate(rows, start=1):
            copy.write_row(row)
            if i % 20_000 == 0:
                bar.update(i)
    bar.close()


def ms_text(values: np.ndarray) -> list[str]:
    return np.datetime_as_string(values.astype("datetime64[ms]"), unit="ms").tolist()


def write_units_and_members(raw, tree: dict, heads: np.ndarray, members: dict, password_hash: str) -> None:
    with raw.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")  # skip FK triggers for the COPY
        rows = ((int(tree["id"][i]), tree["code"][i], tree["name"][i], tree["kind"][i], tree["parent"][i],
                 tree["path"][i], int(tree["depth"][i]), int(heads[i]), fold(f"{tree['name'][i]} {tree['code'][i]}"))
                for i in range(len(tree["id"])))
        copy_rows(cur, "units", ["id", "code", "name", "kind", "parent_id", "path", "depth", "headcount",
                                 "search_key"], rows, len(tree["id"]), "units")
        n = len(members["name"])
        rows = zip(range(1, n + 1), members["name"], members["birth"].tolist(), members["gender"].tolist(),
                   members["phone"].tolist(), members["cccd"].tolist(), members["unit_id"].tolist(),
                   members["category"].tolist(), members["created"].tolist())
        # COPY bypasses the model, which writes name_sort_key with the name (quiz.db.PersonName).
        rows = ((i, name, name_sort_key(name), born, gender, phone, cccd, unit, cat, "member", password_hash, True, False,
                 created)
                for i, name, born, gender, phone, cccd, unit, cat, created in rows)
        copy_rows(cur, "users", ["id", "full_name", "name_sort_key", "birth_date", "gender", "phone", "cccd",
                                 "unit_id", "category", "role", "password_hash", "active",
                                 "must_change_password", "created_at"],
                  rows, n, "members")
        cur.execute("SELECT setval('units_id_seq', (SELECT max(id) FROM units))")
        cur.execute("SELECT setval('users_id_seq', (SELECT max(id) FROM users))")
    raw.commit()


def write_attempts(raw, columns: dict, contest_id: int) -> None:
    n = len(columns["user_id"])
    predictions = [None if skip else value for value, skip in
                   zip(columns["prediction"].tolist(), columns["no_prediction"].tolist())]
    finished = columns["start"] + columns["used"]
    rows = zip(range(1, n + 1), columns["round_id"].tolist(), columns["user_id"].tolist(),
               columns["division_id"].tolist(), columns["unit_id"].tolist(), columns["number"].tolist(),
               columns["seed"].tolist(), ms_text(columns["start"]), ms_text(columns["deadline"]), ms_text(finished),
               columns["score"].tolist(), columns["used"].tolist(), predictions)
    rows = ((i, contest_id, *rest) for i, *rest in rows)
    with raw.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        copy_rows(cur, "attempts", ["id", "contest_id", "round_id", "user_id", "division_id", "unit_id", "number",
                                    "seed", "started_at", "deadline_at", "finished_at", "score", "time_used_ms",
                                    "prediction"], rows, n, "attempts")
        cur.execute("SELECT setval('attempts_id_seq', (SELECT max(id) FROM attempts))")
    raw.commit()


def make_contest(now: datetime, round1: tuple[datetime, datetime], round2: tuple[datetime, datetime]):
    """The banks, the contest, its divisions, rounds, draw rules and prize tiers (ORM), committed."""
    from quiz.banks import shipped
    from quiz.banks.models import QuestionBank
    from quiz.contests.models import Contest, Division, DrawRule, PrizeTier, Round

    shipped.load(now)
    banks = db.session.scalars(sa.select(QuestionBank).order_by(QuestionBank.id)).all()
    contest = Contest(slug=CONTEST_SLUG, title="Cuộc thi trực tuyến tìm hiểu Nghị quyết (quy mô lớn)",
                      rules_text="Mỗi lượt 20 câu trong 20 phút; không giới hạn số lượt; tính lượt tốt nhất.",
                      time_limit_s=TIME_LIMIT_S, grace_s=15, max_attempts=None, counting="best",
                      prediction_metric="participants",
                      prediction_prompt="Có bao nhiêu người tham gia đợt thi này?", eligibility="everyone")
    db.session.add(contest)
    db.session.flush()
    db.session.add_all([
        Division(contest_id=contest.id, code="A", name="Bảng A: học sinh, đoàn viên", categories=",".join(DIVISION_A)),
        Division(contest_id=contest.id, code="B", name="Bảng B: cán bộ, đảng viên, nhân dân",
                 categories="dang_vien,hoi_vien,cnvcld,cong_chuc,nhan_dan"),
        Round(contest_id=contest.id, number=1, name="Tuần 1", opens_at=round1[0], closes_at=round1[1]),
        Round(contest_id=contest.id, number=2, name="Tuần 2", opens_at=round2[0], closes_at=round2[1]),
        DrawRule(contest_id=contest.id, position=0, bank_id=banks[0].id, count=12),
        DrawRule(contest_id=contest.id, position=1, bank_id=banks[1].id, count=8),
        *[PrizeTier(contest_id=contest.id, position=i, name=name, count=count)
          for i, (name, count) in enumerate([("Nhất", 1), ("Nhì", 3), ("Ba", 5), ("Khuyến khích", 20)])],
    ])
    db.session.commit()
    divisions = {d.code: d.id for d in db.session.scalars(sa.select(Division).where(Division.contest_id == contest.id))}
    rounds = {r.number: r.id for r in db.session.scalars(sa.select(Round).where(Round.contest_id == contest.id))}
    return contest.id, divisions, rounds


def vacuum(url: str, schema: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        tables = conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"),
                              {"s": schema}).scalars().all()
        bar = Progress("tables", len(tables))
        for i, table in enumerate(tables, start=1):
            conn.execute(sa.text(f'VACUUM ANALYZE "{schema}"."{table}"'))
            bar.update(i)
        bar.close()
    engine.dispose()


def schema_url(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", default="scale", help="schema to (re)create (default: scale)")
    parser.add_argument("--database-url", default=os.environ.get("QUIZ_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=5_000)
    parser.add_argument("--attempts", type=int, default=2_500_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-freeze", action="store_true", help="leave round 1 closed, not frozen")
    args = parser.parse_args()
    if not args.schema.isidentifier():
        parser.error("--schema must be a plain identifier")

    started = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    base = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    url = schema_url(base, args.schema)
    now = utcnow().replace(microsecond=0)
    day = datetime(now.year, now.month, now.day)
    round1 = (day - timedelta(days=14, hours=-1), day - timedelta(days=7, hours=9))   # 08:00 → 22:00 local, a week
    round2 = (day - timedelta(days=4, hours=-1), day + timedelta(days=3, hours=15))

    with phase("schema: drop, create, migrate"):
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {args.schema}"))
        admin.dispose()
        folder = tempfile.TemporaryDirectory(prefix="gen_scale_")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": folder.name})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()

    with app.app_context():
        unlimited_statements(db.engine)  # COPY of a million rows outlasts a request's statement timeout
        with phase("banks and contest (ORM)"):
            contest_id, divisions, rounds = make_contest(now, round1, round2)

        with phase("generate units and members"):
            from werkzeug.security import generate_password_hash

            tree = build_units(rng, args.units)
            members = build_members(rng, tree, args.members, now)
            heads = headcounts(tree, members, rng)
            password_hash = generate_password_hash(PASSWORD)

        with phase("COPY units and members"):
            with db.engine.connect() as conn:
                write_units_and_members(conn.connection.driver_connection, tree, heads, members, password_hash)

        with phase("generate attempts"):
            keen = rng.uniform(0.4, 1.0, len(tree["id"]))[members["unit_index"]]
            a1 = round(args.attempts * ROUND1_SHARE)
            specs = [
                {"id": rounds[1], "attempts": a1, "per_member": ATTEMPTS_R1, "opens": round1[0],
                 "closes": round1[1], "attempts_until": round1[1], "last_evening": 0.3,
                 "truth_guess": max(1, a1 // 2.5)},
                {"id": rounds[2], "attempts": args.attempts - a1, "per_member": ATTEMPTS_R2, "opens": round2[0],
                 "closes": round2[1], "attempts_until": now - timedelta(minutes=30), "last_evening": 0.0,
                 "truth_guess": max(1, (args.attempts - a1) // 1.8)},
            ]
            columns = build_attempts(rng, members, keen, {"division_a": divisions["A"], "division_b": divisions["B"]},
                                     specs)
            del members

        with phase("COPY attempts"):
            with db.engine.connect() as conn:
                write_attempts(conn.connection.driver_connection, columns, contest_id)
            attempts_written = len(columns["user_id"])
            del columns

    with phase("VACUUM ANALYZE"):
        vacuum(base, args.schema)

    results = 0
    if not args.no_freeze:
        with app.app_context():
            from quiz.contests.models import Contest, Round
            from quiz.rankings import services as rankings

            contest = db.session.get(Contest, contest_id)
            round_ = db.session.get(Round, rounds[1])
            with phase("freeze round 1 (rankings.freeze)"):
                marks = []
                results = rankings.freeze(round_, contest, now=utcnow(),
                                          progress=lambda done, total, label: marks.append((label, time.perf_counter())))
                db.session.commit()
                marks[-1] = ("commit", marks[-1][1])     # the last report (done) to the end of the commit
                marks.append(("", time.perf_counter()))
            for (label, at), (_, end) in zip(marks, marks[1:]):
                print(f"  {end - at:7.2f} s  {label}")
            db.session.remove()
            db.engine.dispose()
        with phase("VACUUM ANALYZE (after freezing)"):
            vacuum(base, args.schema)

    total = time.perf_counter() - started
    with sa.create_engine(url).connect() as conn:
        count = dict(conn.execute(sa.text(
            "SELECT 'units', count(*) FROM units UNION ALL SELECT 'users', count(*) FROM users "
            "UNION ALL SELECT 'attempts', count(*) FROM attempts UNION ALL SELECT 'results', count(*) FROM results "
            "UNION ALL SELECT 'size_mb', pg_total_relation_size('attempts') / 1048576")).all())
    folder.cleanup()
    print(f"schema {args.schema}: {count['units']:,} units, {count['users']:,} members, {count['attempts']:,} "
          f"attempts ({count['size_mb']:,} MB with indexes), {count['results']:,} frozen results in round 1")
    print(f"units={count['units']} members={count['users']} attempts={attempts_written} results={results} "
          f"copy_s={PHASES['COPY units and members'] + PHASES['COPY attempts']:.1f} "
          f"freeze_s={PHASES.get('freeze round 1 (rankings.freeze)', 0):.1f} total_s={total:.1f}")


if __name__ == "__main__":
    main()
