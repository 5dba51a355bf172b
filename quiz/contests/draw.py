"""The draw: which questions an attempt gets, in which order, with options in which order.

``pick`` is the rule itself, a pure function of the pools, the questions the member has
already seen and a seed: the same inputs give the same draw, so the draw is reproducible
from the seed stored on the attempt. ``pools`` loads the pools of a contest's draw
specification from the database (``quiz.contests.snapshot`` keeps them per process).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, select

from quiz.banks.models import Question, QuestionOption
from quiz.contests.models import DrawRule
from quiz.errors import DomainError
from quiz.extensions import db


@dataclass(frozen=True)
class Pool:
    """The questions one line of the draw specification may take, and how many it takes."""

    question_ids: tuple[int, ...]
    count: int
    label: str = ""


@dataclass(frozen=True)
class Drawn:
    question_id: int
    option_order: tuple[int, ...]   # option positions in the order they are shown


def pick(pools: list[Pool], options: dict[int, int], seen: set[int], seed: int) -> list[Drawn]:
    """Draw ``count`` questions from each pool: never one question twice, questions the
    member has not seen first (seen ones only when the pool runs out of fresh ones), the
    whole list and each question's options shuffled. ``options`` gives each question's
    number of options."""
    rnd = random.Random(seed)
    taken: set[int] = set()
    chosen: list[int] = []
    for pool in pools:
        available = [q for q in sorted(set(pool.question_ids)) if q not in taken]
        if len(available) < pool.count:
            raise DomainError(f"Không đủ câu hỏi để rút đề{f' ({pool.label})' if pool.label else ''}: "
                              f"cần {pool.count}, chỉ có {len(available)}.")
        fresh = [q for q in available if q not in seen]
        if len(fresh) >= pool.count:
            picked = rnd.sample(fresh, pool.count)
        else:
            stale = [q for q in available if q in seen]
            picked = fresh + rnd.sample(stale, pool.count - len(fresh))
        taken.update(picked)
        chosen.extend(picked)
    rnd.shuffle(chosen)
    drawn = []
    for question_id in chosen:
        order = list(range(options[question_id]))
        rnd.shuffle(order)
        drawn.append(Drawn(question_id, tuple(order)))
    return drawn


def pools(rules: list[DrawRule]) -> tuple[list[Pool], dict[int, int]]:
    """The pools of a draw specification (questions in use only) and each question's number
    of options, in one statement."""
    stmt = (select(Question.id, Question.bank_id, Question.tags, Question.difficulty, func.count(QuestionOption.id))
            .join(QuestionOption, QuestionOption.question_id == Question.id)
            .where(Question.bank_id.in_({rule.bank_id for rule in rules}), Question.retired_at.is_(None))
            .group_by(Question.id, Question.bank_id, Question.tags, Question.difficulty))
    return pools_of(rules, db.session.execute(stmt) if rules else [])


def pools_of(rules, questions: Iterable[tuple[int, int, str, str, int]]) -> tuple[list[Pool], dict[int, int]]:
    """The pools of the draw specification ``rules`` (each with ``bank_id``, ``tag``,
    ``difficulty``, ``count``) over the questions in use of their banks, given as
    (id, bank id, tags, difficulty, number of options), and each question's number of options."""
    by_bank: dict[int, list[tuple[int, set[str], str]]] = {}
    options: dict[int, int] = {}
    for question_id, bank_id, tags, difficulty, n_options in questions:
        by_bank.setdefault(bank_id, []).append(
            (question_id, {t.strip().casefold() for t in tags.split(";")}, difficulty))
        options[question_id] = n_options
    result = []
    for rule in rules:
        tag = rule.tag.casefold() if rule.tag else None
        ids = tuple(question_id for question_id, tags, difficulty in by_bank.get(rule.bank_id, ())
                    if (not rule.difficulty or difficulty == rule.difficulty) and (tag is None or tag in tags))
        label = ", ".join(part for part in (rule.tag, rule.difficulty) if part)
        result.append(Pool(ids, rule.count, label))
    return result, options
