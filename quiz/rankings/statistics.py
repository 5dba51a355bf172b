"""Question statistics for a round, computed when its results are frozen.

- facility: the share of the attempts that drew the question and answered it right;
- discrimination: the point-biserial correlation between answering it right and the
  attempt's score, (M₁ − M₀) / s · √(p(1 − p)), over the round's finished attempts;
- a probably wrong key: among the strong attempts (the top 27 % by score, ties included)
  the option chosen most often is not the key and was chosen more often than the key, by
  at least ``MIN_STRONG`` strong answers.

Three aggregate queries whatever the size of the round.
"""
from __future__ import annotations

import math

from sqlalchemy import and_, case, func, insert, select

from quiz.attempts.models import Answer, Attempt, AttemptQuestion
from quiz.banks.models import QuestionOption
from quiz.contests.models import Round
from quiz.extensions import db
from quiz.rankings.models import QuestionStat

STRONG_SHARE = 0.27
MIN_STRONG = 5


def _answered():
    """Drawn questions of the round's finished attempts with the chosen option, if any."""
    return (select().select_from(AttemptQuestion)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .outerjoin(Answer, and_(Answer.attempt_id == AttemptQuestion.attempt_id,
                                    Answer.question_id == AttemptQuestion.question_id))
            .outerjoin(QuestionOption, QuestionOption.id == Answer.option_id))


def compute(round_: Round) -> None:
    finished = (Attempt.round_id == round_.id, Attempt.finished_at.is_not(None))
    n, mean, mean_sq = db.session.execute(select(func.count(), func.avg(Attempt.score),
                                                 func.avg(Attempt.score * Attempt.score)).where(*finished)).one()
    if not n:
        return
    mean, mean_sq = float(mean), float(mean_sq)
    spread = math.sqrt(max(0.0, mean_sq - mean * mean))
    threshold = db.session.scalar(select(Attempt.score).where(*finished).order_by(Attempt.score.desc())
                                  .offset(int(n * STRONG_SHARE)).limit(1))
    right = case((QuestionOption.is_correct, 1), else_=0)
    totals = db.session.execute(_answered().add_columns(
        AttemptQuestion.question_id, func.count(), func.sum(right), func.sum(Attempt.score),
        func.sum(right * Attempt.score)).where(*finished).group_by(AttemptQuestion.question_id)).all()
    strong: dict[int, dict[int, int]] = {}
    for question_id, option_id, count in db.session.execute(_answered().add_columns(
            AttemptQuestion.question_id, Answer.option_id, func.count())
            .where(*finished, Attempt.score >= threshold, Answer.option_id.is_not(None))
            .group_by(AttemptQuestion.question_id, Answer.option_id)):
        strong.setdefault(question_id, {})[option_id] = count
    keys = dict(db.session.execute(select(QuestionOption.question_id, QuestionOption.id).where(
        QuestionOption.is_correct, QuestionOption.question_id.in_([row[0] for row in totals]))).all())
    rows = []
    for question_id, drawn, correct, score_sum, right_score_sum in totals:
        correct, score_sum, right_score_sum = int(correct or 0), int(score_sum or 0), int(right_score_sum or 0)
        discrimination = None
        if spread > 0 and 0 < correct < drawn:
            p = correct / drawn
            m1, m0 = right_score_sum / correct, (score_sum - right_score_sum) / (drawn - correct)
            discrimination = round((m1 - m0) / spread * math.sqrt(p * (1 - p)), 4)
        choices = strong.get(question_id, {})
        choice = max(choices, key=lambda option: (choices[option], -option)) if choices else None
        key = keys.get(question_id)
        suspect = (choice is not None and choice != key and sum(choices.values()) >= MIN_STRONG
                   and choices[choice] > choices.get(key, 0))
        rows.append({"round_id": round_.id, "question_id": question_id, "drawn": drawn, "correct": correct,
                     "facility": round(correct / drawn, 4), "discrimination": discrimination,
                     "strong_choice_id": choice, "key_suspect": suspect})
    if rows:
        db.session.execute(insert(QuestionStat), rows)
