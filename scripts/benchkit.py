"""What the scale benchmarks share: the database they default to, the URL of one schema on
it, the nearest-rank percentile and timing a service as requests run it."""
from __future__ import annotations

import time

from quiz.extensions import db

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def schema_url(base: str, schema: str) -> str:
    """``base`` (psycopg 3) with ``schema`` first on the search path."""
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(fn, repeat: int, warmup: int = 1, budget_s: float | None = None, *, least: int = 1,
          close: bool = True) -> list[float]:
    """Milliseconds of each run; with ``close`` the session is closed after each one, as at a
    request's end. With a budget, stops early once it is spent (after at least ``least`` runs)."""
    for _ in range(warmup):
        fn()
        if close:
            db.session.close()
    times, until = [], time.perf_counter() + budget_s if budget_s else None
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        if close:
            db.session.close()
        times.append((time.perf_counter() - started) * 1000)
        if until and started > until and len(times) >= least:
            break
    return times
