"""Collective prizes (giải tập thể): the units of one level of the tree ranked by a formula, a
registry of small strategies. Each formula sees a unit's rolled-up figures (participants,
participation rate over headcount or roster) and the individual prizes its members won in the
round; ``weighted`` adds points per individual prize (``Contest.collective_points``) to the
rate in percent."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from quiz.contests.models import Contest, Round
from quiz.extensions import db
from quiz.rankings.models import Result
from quiz.reports.figures import UnitFigures, participation
from quiz.units.models import Unit


@dataclass(frozen=True)
class Formula:
    label: str
    value: Callable[[UnitFigures, Counter, dict], float]


FORMULAS: dict[str, Formula] = {
    "participants": Formula("số người tham gia", lambda f, prizes, points: f.total.participants),
    "rate": Formula("tỷ lệ tham gia", lambda f, prizes, points: f.total.rate or 0.0),
    "weighted": Formula("tỷ lệ tham gia (%) cộng điểm các giải cá nhân",
                        lambda f, prizes, points: 100 * (f.total.rate or 0.0)
                        + sum(points.get(name, 0) * n for name, n in prizes.items())),
}


@dataclass
class CollectiveStanding:
    rank: int
    unit: UnitFigures
    value: float
    prizes: Counter
    awarded: bool


def standings(contest: Contest, round_: Round, units: dict[int, UnitFigures] | None = None) -> list[CollectiveStanding]:
    """The units at the contest's collective level, best first (ties share a rank; names
    order them); the first ``collective_count`` are awarded. ``units``: the round's
    participation, if the caller has it already."""
    if contest.collective_metric is None:
        return []
    units = participation(contest, round_) if units is None else units
    figures = [f for f in units.values() if f.depth == contest.collective_level]
    by_id = {f.id: f for f in figures}
    prizes: dict[int, Counter] = {f.id: Counter() for f in figures}
    rows = db.session.execute(select(Unit.path, Result.prize).join(Unit, Unit.id == Result.unit_id)
                              .where(Result.round_id == round_.id, Result.prize.is_not(None)))
    for path, prize in rows:
        parts = path.strip("/").split("/")
        if len(parts) > contest.collective_level and int(parts[contest.collective_level]) in by_id:
            prizes[int(parts[contest.collective_level])][prize] += 1
    formula = FORMULAS[contest.collective_metric]
    scored = sorted(((formula.value(f, prizes[f.id], contest.collective_points), f) for f in figures),
                    key=lambda pair: (-pair[0], pair[1].name, pair[1].id))
    result: list[CollectiveStanding] = []
    for position, (value, f) in enumerate(scored, start=1):
        rank = result[-1].rank if result and result[-1].value == value else position
        result.append(CollectiveStanding(rank, f, value, prizes[f.id], rank <= contest.collective_count))
    return result
