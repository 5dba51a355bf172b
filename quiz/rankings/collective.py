"""Collective prizes (giải tập thể): the units of one level of the tree, ranked by a formula,
per round and for the whole contest, frozen.

When a round is frozen (or the contest's results are closed) ``freeze`` stores each unit of
the contest's collective level with its rolled-up figures and name as they are then; after
that new attempts, headcounts, moves or renames change nothing. ``rank`` counts the
individual prizes won under each unit (by the unit each member belonged to at freezing) and
ranks the units; it runs again only when the individual prizes are settled again.

Formulas are a registry of small strategies in exact arithmetic (``Fraction``): 100×15/30 + 12
and 100×14/25 + 6 are both exactly 62 and tie. Units with equal values share a rank; with
``collective_ties = "participants"`` more participants break the tie first. The first
``collective_count`` ranks are awarded, so units sharing the last awarded rank share a prize.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Callable

from sqlalchemy import delete, func, insert, select

from quiz.contests.models import Contest, Round
from quiz.extensions import db
from quiz.rankings.models import Result, UnitResult
from quiz.reports.figures import participation
from quiz.text import text_key

#: How many units each top list of the published page names.
TOP_UNITS = 10


@dataclass(frozen=True)
class Formula:
    label: str
    value: Callable[[UnitResult, Counter, dict[str, Fraction]], Fraction]


def rate(unit: UnitResult) -> Fraction:
    """Participants ÷ expected (0 when nobody is expected)."""
    return Fraction(unit.participants, unit.expected) if unit.expected else Fraction(0)


FORMULAS: dict[str, Formula] = {
    "participants": Formula("số người tham gia", lambda u, prizes, points: Fraction(u.participants)),
    "rate": Formula("tỷ lệ tham gia", lambda u, prizes, points: rate(u)),
    "weighted": Formula("tỷ lệ tham gia (%) cộng điểm các giải cá nhân",
                        lambda u, prizes, points: 100 * rate(u)
                        + sum((points.get(name, 0) * n for name, n in prizes.items()), Fraction(0))),
}

TIES = {"share": "đơn vị bằng điểm đồng hạng, cùng nhận giải",
        "participants": "đơn vị bằng điểm: đơn vị đông người dự thi hơn xếp trên"}


def shown(value: Fraction, metric: str) -> str:
    """A formula's value as the published page writes it: a whole number as it is, otherwise
    rounded to two decimals (Vietnamese comma); a rate in percent."""
    suffix = ""
    if metric == "rate":
        value, suffix = value * 100, "%"
    if value.denominator == 1:
        return f"{value.numerator:,}".replace(",", ".") + suffix
    return f"{float(value):.2f}".replace(".", ",") + suffix


def exact_points(points: dict) -> dict[str, Fraction]:
    """Points per prize as exact fractions (``0.1`` is one tenth, not a binary float)."""
    return {name: Fraction(Decimal(str(value))) for name, value in points.items()}


def _of(contest: Contest, round_: Round | None):
    return (UnitResult.contest_id == contest.id,
            UnitResult.round_id.is_(None) if round_ is None else UnitResult.round_id == round_.id)


def freeze(contest: Contest, round_: Round | None) -> list[dict]:
    """Store the figures of the units at the contest's collective level, for ``round_`` or
    (None) the whole contest (``rank`` ranks them). Returns the stored rows."""
    db.session.execute(delete(UnitResult).where(*_of(contest, round_)))
    rows = [{"contest_id": contest.id, "round_id": round_.id if round_ else None, "unit_id": f.id, "code": f.code,
             "name": f.name, "participants": f.total.participants, "attempts": f.total.attempts,
             "expected": f.total.expected, "prizes": {}, "value_num": 0, "value_den": 1, "rank": None,
             "awarded": False}
            for f in participation(contest, round_).values() if f.depth == contest.collective_level]
    if rows:
        db.session.execute(insert(UnitResult), rows)
    return rows


def published_figures(units: list[dict], participants: int, attempts: int) -> dict:
    """The published page's figures, stored with the frozen round (or the contest's results):
    how many people took part and how many attempts they made, and the ``TOP_UNITS`` units
    of the collective level with most participants and with most attempts (Vietnamese name
    order among equals), from the rows ``freeze`` stored."""
    def top(key: str) -> list[dict]:
        ordered = sorted(units, key=lambda u: (-u[key], text_key(u["name"])))[:TOP_UNITS]
        return [{"name": u["name"], key: u[key]} for u in ordered]
    return {"participants": participants, "attempts": attempts,
            "by_participants": top("participants"), "by_attempts": top("attempts")}


def rank(contest: Contest, round_: Round | None) -> None:
    """Count the individual prizes under each stored unit and rank the units by the formula."""
    units = db.session.scalars(select(UnitResult).where(*_of(contest, round_))).all()
    rounds = [round_.id] if round_ is not None else [r.id for r in contest.rounds]
    won: dict[int, Counter] = {}
    for unit_id, prize, count in db.session.execute(
            select(Result.level_unit_id, Result.prize, func.count()).where(
                Result.round_id.in_(rounds), Result.prize.is_not(None), Result.level_unit_id.is_not(None))
            .group_by(Result.level_unit_id, Result.prize)):
        won.setdefault(unit_id, Counter())[prize] = count
    formula = FORMULAS.get(contest.collective_metric)
    points = exact_points(contest.collective_points or {})
    values = {}
    for unit in units:
        unit.prizes = dict(sorted(won.get(unit.unit_id, Counter()).items()))
        values[unit.id] = formula.value(unit, Counter(unit.prizes), points) if formula else Fraction(0)
        unit.value_num, unit.value_den = values[unit.id].numerator, values[unit.id].denominator
    by_participants = contest.collective_ties == "participants"

    def key(unit: UnitResult) -> tuple:
        return (-values[unit.id], -unit.participants if by_participants else 0)

    previous = None
    for position, unit in enumerate(sorted(units, key=lambda u: (*key(u), text_key(u.name), u.id)), start=1):
        if formula is None:
            unit.rank, unit.awarded = None, False
            continue
        if previous is None or key(previous) != key(unit):
            unit.rank = position
        else:
            unit.rank = previous.rank
        unit.awarded = unit.rank <= contest.collective_count
        previous = unit
    db.session.flush()


@dataclass
class CollectiveStanding:
    rank: int | None
    unit: UnitResult
    value: Fraction
    awarded: bool

    @property
    def prizes(self) -> dict[str, int]:
        return self.unit.prizes


def standings(contest: Contest, round_: Round | None) -> list[CollectiveStanding]:
    """The frozen standing of the units, best first (Vietnamese name order inside a rank)."""
    units = db.session.scalars(select(UnitResult).where(*_of(contest, round_))).all()
    ordered = sorted(units, key=lambda u: (u.rank if u.rank is not None else 0, text_key(u.name), u.id))
    return [CollectiveStanding(u.rank, u, Fraction(u.value_num, u.value_den), u.awarded) for u in ordered]
