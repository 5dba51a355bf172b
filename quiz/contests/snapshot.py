"""What the hot pages (start, the attempt page, the result) need of a contest that only the
organisers change, kept per app process: the draw's pools, the divisions, and the texts and
options of the questions it draws (escaped once, ready for the page).

A copy is good while the contest row's ``version`` is the one it was loaded at. Every hot
request reads that row anyway, so a change reaches every worker and every instance before
its next start, with no timer. ``changed`` is the one owner of the version: the contest's
setup calls it when the draw or the divisions change, the banks when a question is added,
edited, retired or restored (a bank may feed several contests). The contest row itself and
its rounds (open, close, pause, publication) are never kept here: they are read fresh.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import select, update

from quiz.banks.models import Question as QuestionRow
from quiz.banks.models import QuestionOption
from quiz.contests import draw
from quiz.contests.models import Contest, Division, DrawRule
from quiz.extensions import db

#: How many contests one process keeps, least recently used dropped first (a contest holds a
#: few kilobytes per question its draw may take).
MAX_CONTESTS = 16


@dataclass(frozen=True)
class Option:
    id: int
    position: int
    text: Markup
    is_correct: bool


@dataclass(frozen=True)
class Question:
    """A question as the pages show it (its options by position); ``text`` already escaped."""

    id: int
    text: Markup
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Snapshot:
    key: tuple
    pools: list[draw.Pool]
    options: dict[int, int]                    # question id → number of options
    divisions: tuple[tuple[int, frozenset[str]], ...]
    questions: dict[int, Question] = field(repr=False)

    def division_for(self, category: str | None) -> int | None:
        """The id of the first division (by code) whose categories hold ``category``."""
        return next((i for i, categories in self.divisions if category in categories), None)


class _Kept:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_contest: OrderedDict[int, Snapshot] = OrderedDict()


def _kept() -> _Kept:
    return current_app.extensions.setdefault("contest_snapshots", _Kept())


def _key(contest: Contest) -> tuple:
    # created_at too: SQLite may give a deleted contest's id to a new one
    return contest.id, contest.created_at, contest.version


def of(contest: Contest) -> Snapshot:
    """The contest's snapshot at the version just read with its row, loaded on a miss."""
    kept, key = _kept(), _key(contest)
    with kept.lock:
        found = kept.by_contest.get(contest.id)
        if found is not None and found.key == key:
            kept.by_contest.move_to_end(contest.id)
            return found
    found = _load(contest, key)
    with kept.lock:
        kept.by_contest[contest.id] = found
        kept.by_contest.move_to_end(contest.id)
        while len(kept.by_contest) > MAX_CONTESTS:
            kept.by_contest.popitem(last=False)
    return found


def _load(contest: Contest, key: tuple) -> Snapshot:
    rules = [(rule.bank_id, rule.tag, rule.difficulty, rule.count) for rule in db.session.execute(
        select(DrawRule.bank_id, DrawRule.tag, DrawRule.difficulty, DrawRule.count)
        .where(DrawRule.contest_id == contest.id).order_by(DrawRule.position))]
    divisions = tuple((i, frozenset(categories.split(","))) for i, categories in db.session.execute(
        select(Division.id, Division.categories).where(Division.contest_id == contest.id).order_by(Division.code)))
    rows = db.session.execute(_questions().where(QuestionRow.bank_id.in_({r[0] for r in rules}),
                                                 QuestionRow.retired_at.is_(None))) if rules else []
    questions, facts = {}, []
    for question in _assemble(rows, facts):
        questions[question.id] = question
    pools, options = draw.pools_of([_Rule(*rule) for rule in rules], facts)
    return Snapshot(key, pools, options, divisions, questions)


@dataclass(frozen=True)
class _Rule:
    bank_id: int
    tag: str | None
    difficulty: str | None
    count: int


def _questions():
    return (select(QuestionRow.id, QuestionRow.bank_id, QuestionRow.tags, QuestionRow.difficulty, QuestionRow.text,
                   QuestionOption.id, QuestionOption.position, QuestionOption.text, QuestionOption.is_correct)
            .join(QuestionOption, QuestionOption.question_id == QuestionRow.id)
            .order_by(QuestionRow.id, QuestionOption.position))


def _assemble(rows, facts: list | None = None) -> list[Question]:
    """Questions from rows of ``_questions`` (one per option, by question then position);
    ``facts`` gets (id, bank id, tags, difficulty, number of options) for the draw."""
    result: list[Question] = []
    current, options, head = None, [], None
    for qid, bank_id, tags, difficulty, text, oid, position, option_text, is_correct in rows:
        if qid != current:
            if current is not None:
                result.append(Question(current, head[0], tuple(options)))
                if facts is not None:
                    facts.append((current, *head[1:], len(options)))
            current, options, head = qid, [], (escape(text), bank_id, tags, difficulty)
        options.append(Option(oid, position, escape(option_text), is_correct))
    if current is not None:
        result.append(Question(current, head[0], tuple(options)))
        if facts is not None:
            facts.append((current, *head[1:], len(options)))
    return result


def questions(snapshot: Snapshot, ids) -> dict[int, Question]:
    """The questions ``ids`` as the pages show them: from the snapshot, and the few it does not
    hold (retired since they were drawn, or from a bank the draw no longer uses) read in one
    statement."""
    found = {i: snapshot.questions[i] for i in ids if i in snapshot.questions}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update((q.id, q) for q in _assemble(db.session.execute(_questions().where(QuestionRow.id.in_(missing)))))
    return found


def changed(*, contest_id: int | None = None, bank_id: int | None = None) -> None:
    """Make every process load the contest again (or every contest drawing from the bank)
    before its next start: bump the version read with the contest row. Inside the caller's
    transaction, so the change and the new version are seen together."""
    stmt = update(Contest).values(version=Contest.version + 1).execution_options(synchronize_session=False)
    if contest_id is not None:
        db.session.execute(stmt.where(Contest.id == contest_id))
    if bank_id is not None:
        db.session.execute(stmt.where(Contest.id.in_(select(DrawRule.contest_id).where(DrawRule.bank_id == bank_id))))
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Contest):
            db.session.expire(obj, ["version"])
