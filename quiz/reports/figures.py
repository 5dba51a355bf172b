"""Participation per unit: every figure twice, for the unit itself and rolled up over its
subtree (DESIGN.md §4).

A member counts in the unit they belonged to when they started the attempt
(``Attempt.unit_id``). The expected number is the unit's headcount or, for a contest with a
roster, the people of the roster listed under it. One grouped query over the attempts and one
over the roster; the roll-up walks the unit paths in Python (5,000 units take milliseconds).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from quiz.attempts.models import Attempt
from quiz.contests.models import Contest, RosterEntry, Round
from quiz.extensions import db
from quiz.units.models import Unit
from quiz.units.services import in_subtree


@dataclass
class Figures:
    participants: int = 0
    attempts: int = 0
    score_sum: int = 0
    expected: int = 0        # headcount, or roster size

    def add(self, other: Figures) -> None:
        self.participants += other.participants
        self.attempts += other.attempts
        self.score_sum += other.score_sum
        self.expected += other.expected

    @property
    def rate(self) -> float | None:
        """Participation rate: participants ÷ expected (None when nobody is expected)."""
        return self.participants / self.expected if self.expected else None

    @property
    def average_score(self) -> float | None:
        return self.score_sum / self.attempts if self.attempts else None


@dataclass
class UnitFigures:
    id: int
    code: str
    name: str
    path: str
    depth: int
    parent_id: int | None
    own: Figures = field(default_factory=Figures)
    total: Figures = field(default_factory=Figures)


def participation(contest: Contest, round_: Round | None = None, within: Unit | None = None) -> dict[int, UnitFigures]:
    """Figures of every unit (or of ``within``'s subtree) for the contest or one round, by unit id."""
    units_query = select(Unit.id, Unit.code, Unit.name, Unit.path, Unit.depth, Unit.parent_id, Unit.headcount)
    if within is not None:
        units_query = units_query.where(in_subtree(within))
    units = {}
    roster = contest.eligibility == "roster"
    for uid, code, name, path, depth, parent_id, headcount in db.session.execute(units_query):
        units[uid] = UnitFigures(uid, code, name, path, depth, parent_id,
                                 own=Figures(expected=0 if roster else headcount))
    attempts = (select(Attempt.unit_id, func.count(distinct(Attempt.user_id)), func.count(),
                       func.coalesce(func.sum(Attempt.score), 0))
                .where(Attempt.contest_id == contest.id, Attempt.finished_at.is_not(None)))
    if round_ is not None:
        attempts = attempts.where(Attempt.round_id == round_.id)
    if within is not None:
        attempts = attempts.join(Unit, Unit.id == Attempt.unit_id).where(in_subtree(within))
    for uid, participants, count, score_sum in db.session.execute(attempts.group_by(Attempt.unit_id)):
        if uid in units:
            own = units[uid].own
            own.participants, own.attempts, own.score_sum = participants, count, int(score_sum)
    if roster:
        listed = select(RosterEntry.unit_id, func.count()).where(RosterEntry.contest_id == contest.id)
        for uid, count in db.session.execute(listed.group_by(RosterEntry.unit_id)):
            if uid in units:
                units[uid].own.expected = count
    by_path = {figures.path: figures for figures in units.values()}
    for figures in units.values():
        parts = figures.path.strip("/").split("/")
        for end in range(1, len(parts) + 1):
            ancestor = by_path.get("/" + "/".join(parts[:end]) + "/")
            if ancestor is not None:
                ancestor.total.add(figures.own)
    return units
