"""Every invariant the database itself enforces, on SQLite and on PostgreSQL.

Each refusal is a direct insert (no service in between) that must raise IntegrityError, and
the message must name the constraint that refused it, so a row that fails for some other
reason (a NOT NULL column left out, say) cannot make a test pass. PostgreSQL names the
constraint; SQLite names the columns of a unique key and says only "FOREIGN KEY constraint
failed" for a foreign key. Each factory's row is first shown to be accepted as built.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from itertools import count

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from quiz.accounts.models import User
from quiz.attempts.models import Answer, Attempt, AttemptQuestion
from quiz.banks.models import Question, QuestionBank, QuestionOption, Topic
from quiz.contests.models import Contest, DrawRule, Round
from quiz.units.models import Unit

T0 = datetime(2026, 5, 1, 8, 0)
SQLITE_FK = "FOREIGN KEY constraint failed"


class Rows:
    """Valid, unsaved rows with every required column filled; keyword arguments override."""

    def __init__(self, db):
        self.db = db
        self.n = count(1)

    def add(self, *rows):
        self.db.session.add_all(rows)
        self.db.session.flush()
        return rows[0] if len(rows) == 1 else rows

    def unit(self, **kw):
        n = next(self.n)
        return Unit(**{"code": f"U{n}", "name": f"Đơn vị {n}", "path": f"/x{n}/", "depth": 0,
                       "headcount": 10, "kind": "Chi bộ", "search_key": f"don vi {n}", **kw})

    def user(self, **kw):
        n = next(self.n)
        return User(**{"full_name": "Nguyễn Văn An", "phone": f"091{n:07d}", "cccd": f"00109{n:07d}",
                       "gender": "nam", "category": "dang_vien", "role": "member",
                       "unit_id": self.base.unit.id, "password_hash": "x", **kw})

    def topic(self, **kw):
        n = next(self.n)
        return Topic(**{"year": 2026, "title": f"Chuyên đề {n}", "issuer": "Ban Tuyên giáo", **kw})

    def bank(self, **kw):
        n = next(self.n)
        return QuestionBank(**{"name": f"Ngân hàng {n}", "description": "", **kw})

    def question(self, **kw):
        n = next(self.n)
        return Question(**{"bank_id": self.base.bank.id, "text": f"Câu hỏi {n}?", "dedup_key": f"k{n}",
                           "difficulty": "trung_binh", **kw})

    def option(self, **kw):
        return QuestionOption(**{"question_id": self.base.question.id, "position": 4, "text": "Phương án E",
                                 "is_correct": False, **kw})

    def contest(self, **kw):
        n = next(self.n)
        return Contest(**{"slug": f"cuoc-thi-{n}", "title": f"Cuộc thi {n}", "time_limit_s": 1200,
                          "grace_s": 15, "max_attempts": 3, "min_delay_s": 0, "counting": "best",
                          "prediction_metric": "all_correct", "show_answers": "after_close",
                          "eligibility": "everyone", **kw})

    def round(self, **kw):
        n = next(self.n)
        return Round(**{"contest_id": self.base.contest.id, "number": 100 + n, "name": f"Tuần {n}",
                        "opens_at": T0, "closes_at": T0 + timedelta(days=7), **kw})

    def draw_rule(self, **kw):
        n = next(self.n)
        return DrawRule(**{"contest_id": self.base.contest.id, "position": n, "bank_id": self.base.bank.id,
                           "count": 10, "difficulty": None, **kw})

    def attempt(self, **kw):
        """A finished attempt by default (so it never collides with the one open attempt)."""
        n = next(self.n)
        started = T0 + timedelta(hours=1)
        return Attempt(**{"contest_id": self.base.contest.id, "round_id": self.base.round.id,
                          "user_id": self.base.user.id, "number": 100 + n, "seed": 2**40 + n,
                          "started_at": started, "deadline_at": started + timedelta(minutes=20),
                          "finished_at": started + timedelta(minutes=5), "score": 7, "time_used_ms": 300_000,
                          **kw})


class Base:
    """The rows every test builds on: a unit, a member, a bank with one question (options A–D,
    A correct), a contest with one round, and one open attempt that drew that question."""


@pytest.fixture
def rows(db):
    r = Rows(db)
    base = r.base = Base()
    base.unit = r.add(r.unit(code="ROOT", path="/root/"))
    base.user = r.add(r.user(phone="0912000001", cccd="001090000001"))
    base.topic = r.add(r.topic())
    base.bank = r.add(r.bank(topic_id=base.topic.id))
    base.question = r.add(r.question(dedup_key="base"))
    base.options = r.add(*[QuestionOption(question_id=base.question.id, position=i, text=f"Phương án {'ABCD'[i]}",
                                          is_correct=i == 0) for i in range(4)])
    base.other_question = r.add(r.question(dedup_key="other"))
    base.contest = r.add(r.contest(slug="base"))
    base.round = r.add(r.round(number=1))
    base.attempt = r.add(r.attempt(number=1, finished_at=None, score=None, time_used_ms=None))
    base.drawn = r.add(AttemptQuestion(attempt_id=base.attempt.id, position=0, question_id=base.question.id,
                                       option_order="2,0,3,1"))
    db.session.commit()
    return r


def refused(db, *new_rows, match: str):
    """Inserting ``new_rows`` (in a savepoint) fails on the constraint ``match`` names."""
    with pytest.raises(IntegrityError) as caught:
        with db.session.begin_nested():
            db.session.add_all(new_rows)
    message = str(caught.value.orig)
    assert re.search(match, message), f"refused, but not by {match!r}: {message}"


def accepted(db, *new_rows):
    with db.session.begin_nested():
        db.session.add_all(new_rows)
    return new_rows


def refused_sql(db, statement, match: str):
    """The same for a Core statement (an update or delete)."""
    with pytest.raises(IntegrityError) as caught:
        with db.session.begin_nested():
            db.session.execute(statement)
    message = str(caught.value.orig)
    assert re.search(match, message), f"refused, but not by {match!r}: {message}"


# -- the factories' rows are valid -------------------------------------------------------------

@pytest.mark.parametrize("factory", ["unit", "user", "topic", "bank", "question", "option", "contest",
                                     "round", "draw_rule", "attempt"])
def test_factory_rows_are_accepted(db, rows, factory):
    accepted(db, getattr(rows, factory)())


def test_base_rows_were_stored(db, rows):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionOption)) == 4
    assert db.session.get(Attempt, rows.base.attempt.id).finished_at is None


# -- check constraints ---------------------------------------------------------------------------

CHECKS = [
    ("user", {"role": "superuser"}, "ck_users_role_known"),
    ("user", {"role": "Admin"}, "ck_users_role_known"),
    ("user", {"gender": "male"}, "ck_users_gender_known"),
    ("user", {"category": "can_bo"}, "ck_users_category_known"),
    ("user", {"role": "unit_manager", "managed_unit_id": None}, "ck_users_unit_manager_has_unit"),
    ("user", {"full_name": ""}, "ck_users_full_name_present"),
    ("unit", {"headcount": -1}, "ck_units_headcount_not_negative"),
    ("unit", {"depth": -1}, "ck_units_depth_not_negative"),
    ("unit", {"code": ""}, "ck_units_code_and_name_present"),
    ("unit", {"name": ""}, "ck_units_code_and_name_present"),
    ("topic", {"year": 1999}, "ck_topics_year_plausible"),
    ("topic", {"year": 2101}, "ck_topics_year_plausible"),
    ("question", {"difficulty": "rat_kho"}, "ck_questions_difficulty_known"),
    ("question", {"text": ""}, "ck_questions_text_present"),
    ("option", {"position": 6}, "ck_question_options_position_a_to_f"),
    ("option", {"position": -1}, "ck_question_options_position_a_to_f"),
    ("option", {"text": ""}, "ck_question_options_text_present"),
    ("contest", {"time_limit_s": 0}, "ck_contests_time_limit_positive"),
    ("contest", {"time_limit_s": -60}, "ck_contests_time_limit_positive"),
    ("contest", {"grace_s": -1}, "ck_contests_grace_not_negative"),
    ("contest", {"max_attempts": 0}, "ck_contests_max_attempts_positive"),
    ("contest", {"min_delay_s": -1}, "ck_contests_min_delay_not_negative"),
    ("contest", {"counting": "average"}, "ck_contests_counting_known"),
    ("contest", {"counting": "Best"}, "ck_contests_counting_known"),
    ("contest", {"prediction_metric": "winners"}, "ck_contests_prediction_metric_known"),
    ("contest", {"show_answers": "always"}, "ck_contests_show_answers_known"),
    ("contest", {"eligibility": "nobody"}, "ck_contests_eligibility_known"),
    ("round", {"closes_at": T0}, "ck_rounds_closes_after_opening"),
    ("round", {"closes_at": T0 - timedelta(seconds=1)}, "ck_rounds_closes_after_opening"),
    ("round", {"published_at": T0 + timedelta(days=8)}, "ck_rounds_published_only_when_frozen"),
    ("draw_rule", {"count": 0}, "ck_draw_rules_count_positive"),
    ("draw_rule", {"difficulty": "rat_kho"}, "ck_draw_rules_difficulty_known"),
    ("attempt", {"number": 0}, "ck_attempts_number_positive"),
    ("attempt", {"deadline_at": T0 + timedelta(hours=1)}, "ck_attempts_deadline_after_start"),
    ("attempt", {"finished_at": T0}, "ck_attempts_finished_after_start"),
    ("attempt", {"score": -1}, "ck_attempts_score_not_negative"),
    ("attempt", {"time_used_ms": -1}, "ck_attempts_time_used_not_negative"),
]


@pytest.mark.parametrize("factory, values, constraint", CHECKS,
                         ids=[f"{c}-{'-'.join(map(str, v.values()))}" for _, v, c in CHECKS])
def test_check_constraint(db, rows, factory, values, constraint):
    refused(db, getattr(rows, factory)(**values), match=constraint)


@pytest.mark.parametrize("factory, values", [
    ("user", {"role": "unit_manager", "managed_unit_id": "base"}),
    ("user", {"role": "admin"}),
    ("user", {"gender": "nu", "category": "cnvcld", "cccd": None}),
    ("unit", {"headcount": 0}),
    ("option", {"position": 5}),
    ("option", {"position": 0, "question_id": "other"}),
    ("contest", {"max_attempts": None, "prediction_metric": None, "counting": "last", "grace_s": 0}),
    ("contest", {"max_attempts": 1, "counting": "first", "show_answers": "never", "eligibility": "roster"}),
    ("round", {"frozen_at": T0 + timedelta(days=7), "published_at": T0 + timedelta(days=8)}),
    ("round", {"frozen_at": T0 + timedelta(days=7)}),
    ("draw_rule", {"difficulty": "kho"}),
    ("attempt", {"finished_at": T0 + timedelta(hours=1), "score": 0, "time_used_ms": 0}),
])
def test_boundary_values_are_accepted(db, rows, factory, values):
    values = {key: (rows.base.unit.id if value == "base" and key == "managed_unit_id"
                    else rows.base.other_question.id if value == "other" else value)
              for key, value in values.items()}
    accepted(db, getattr(rows, factory)(**values))


# -- accounts and units ------------------------------------------------------------------------

def test_phone_is_unique(db, rows):
    refused(db, rows.user(phone="0912000001"), match=r"uq_users_phone|users\.phone")


def test_cccd_is_unique(db, rows):
    refused(db, rows.user(cccd="001090000001"), match=r"uq_users_cccd|users\.cccd")


def test_several_accounts_without_cccd(db, rows):
    accepted(db, rows.user(cccd=None), rows.user(cccd=None))


def test_unit_code_is_unique(db, rows):
    refused(db, rows.unit(code="ROOT"), match=r"uq_units_code|units\.code")


def test_unit_path_is_unique(db, rows):
    refused(db, rows.unit(path="/root/"), match=r"uq_units_path|units\.path")


def test_unit_path_compares_bytewise(db, rows):
    """Paths differing only in punctuation are distinct (PostgreSQL's default collation would
    ignore it in ordering; the unique index must still tell them apart)."""
    accepted(db, rows.unit(path="/1/2/"), rows.unit(path="/12/"), rows.unit(path="/1/2"))
    ordered = db.session.scalars(sa.select(Unit.path).where(Unit.path.in_(["/1/2/", "/12/", "/1/2"]))
                                 .order_by(Unit.path)).all()
    assert ordered == ["/1/2", "/1/2/", "/12/"]


# -- banks -------------------------------------------------------------------------------------

def test_exactly_one_correct_option_per_question(db, rows):
    refused(db, rows.option(is_correct=True),
            match=r"uq_question_options_one_correct|question_options\.question_id")


def test_many_wrong_options_and_one_correct_elsewhere(db, rows):
    accepted(db, rows.option(position=4), rows.option(position=5),
             rows.option(position=0, is_correct=True, question_id=rows.base.other_question.id))


def test_option_position_is_unique_per_question(db, rows):
    refused(db, rows.option(position=1),
            match=r"uq_question_options_question_id_position|question_options\.question_id, "
                  r"question_options\.position")


def test_question_unique_per_bank_and_dedup_key(db, rows):
    refused(db, rows.question(dedup_key="base"),
            match=r"uq_questions_bank_id_dedup_key|questions\.bank_id, questions\.dedup_key")


def test_same_question_allowed_in_another_bank(db, rows):
    other = rows.add(rows.bank())
    accepted(db, rows.question(dedup_key="base", bank_id=other.id))


def test_bank_name_and_topic_are_unique(db, rows):
    refused(db, rows.bank(name=rows.base.bank.name), match=r"uq_question_banks_name|question_banks\.name")
    topic = rows.base.topic
    refused(db, rows.topic(year=topic.year, title=topic.title, issuer=topic.issuer),
            match=r"uq_topics_issuer_year_title|topics\.issuer, topics\.year, topics\.title")


# -- contests ----------------------------------------------------------------------------------

def test_contest_slug_and_round_number_are_unique(db, rows):
    refused(db, rows.contest(slug="base"), match=r"uq_contests_slug|contests\.slug")
    refused(db, rows.round(number=1), match=r"uq_rounds_contest_id_number|rounds\.contest_id, rounds\.number")


# -- attempts ----------------------------------------------------------------------------------

def test_attempt_number_unique_per_user_and_round(db, rows):
    accepted(db, rows.attempt(number=2))
    refused(db, rows.attempt(number=2),
            match=r"uq_attempts_user_id_round_id_number|attempts\.user_id, attempts\.round_id, attempts\.number")


def test_same_attempt_number_in_another_round_or_by_another_user(db, rows):
    other_round = rows.add(rows.round())
    other_user = rows.add(rows.user())
    accepted(db, rows.attempt(number=1, round_id=other_round.id), rows.attempt(number=1, user_id=other_user.id))


def test_only_one_open_attempt_per_user_and_contest(db, rows):
    refused(db, rows.attempt(number=2, finished_at=None),
            match=r"uq_attempts_one_open|attempts\.user_id, attempts\.contest_id")


def test_open_attempt_limit_holds_across_rounds(db, rows):
    other_round = rows.add(rows.round())
    refused(db, rows.attempt(number=1, round_id=other_round.id, finished_at=None),
            match=r"uq_attempts_one_open|attempts\.user_id, attempts\.contest_id")


def test_finished_attempts_beside_the_open_one_are_allowed(db, rows):
    accepted(db, rows.attempt(number=2), rows.attempt(number=3))


def test_open_attempts_in_other_contests_or_by_others_are_allowed(db, rows):
    contest = rows.add(rows.contest())
    round_ = rows.add(rows.round(contest_id=contest.id))
    other_user = rows.add(rows.user())
    accepted(db, rows.attempt(number=1, contest_id=contest.id, round_id=round_.id, finished_at=None),
             rows.attempt(number=1, user_id=other_user.id, finished_at=None))


def test_finishing_the_open_attempt_lets_the_next_one_open(db, rows):
    attempt = db.session.get(Attempt, rows.base.attempt.id)
    attempt.finished_at = attempt.started_at + timedelta(minutes=3)
    db.session.flush()
    accepted(db, rows.attempt(number=2, finished_at=None))


def test_reopening_a_finished_attempt_beside_an_open_one_is_refused(db, rows):
    finished = rows.add(rows.attempt(number=2))
    refused_sql(db, sa.update(Attempt).where(Attempt.id == finished.id).values(finished_at=None),
                match=r"uq_attempts_one_open|attempts\.user_id, attempts\.contest_id")


def test_a_question_is_drawn_once_per_attempt(db, rows):
    refused(db, AttemptQuestion(attempt_id=rows.base.attempt.id, position=1, question_id=rows.base.question.id,
                                option_order="0,1,2,3"),
            match=r"uq_attempt_questions_attempt_id_question_id|attempt_questions\.attempt_id, "
                  r"attempt_questions\.question_id")


def test_answer_unique_per_attempt_and_question(db, rows):
    base = rows.base
    first = Answer(attempt_id=base.attempt.id, question_id=base.question.id, option_id=base.options[1].id,
                   saved_at=T0 + timedelta(hours=1, minutes=1))
    rows.add(first)
    db.session.expunge(first)  # so the ORM sends the second insert instead of refusing it itself
    refused(db, Answer(attempt_id=base.attempt.id, question_id=base.question.id, option_id=base.options[0].id,
                       saved_at=T0 + timedelta(hours=1, minutes=2)),
            match=r"pk_answers|answers\.attempt_id, answers\.question_id")


def test_answer_for_a_question_not_drawn_is_refused(db, rows):
    base = rows.base
    refused(db, Answer(attempt_id=base.attempt.id, question_id=base.other_question.id,
                       option_id=base.options[0].id, saved_at=T0 + timedelta(hours=1, minutes=1)),
            match=f"fk_answers_attempt_id_attempt_questions|{SQLITE_FK}")


def test_answer_for_a_drawn_question_is_accepted(db, rows):
    base = rows.base
    accepted(db, Answer(attempt_id=base.attempt.id, question_id=base.question.id, option_id=base.options[2].id,
                        saved_at=T0 + timedelta(hours=1, minutes=1)))


# -- foreign keys ------------------------------------------------------------------------------

def test_user_in_a_missing_unit_is_refused(db, rows):
    refused(db, rows.user(unit_id=999999), match=f"fk_users_unit_id_units|{SQLITE_FK}")


@pytest.mark.parametrize("factory, values, constraint", [
    ("user", {"role": "unit_manager", "managed_unit_id": 999999}, "fk_users_managed_unit_id_units"),
    ("unit", {"parent_id": 999999}, "fk_units_parent_id_units"),
    ("question", {"bank_id": 999999}, "fk_questions_bank_id_question_banks"),
    ("option", {"question_id": 999999}, "fk_question_options_question_id_questions"),
    ("round", {"contest_id": 999999}, "fk_rounds_contest_id_contests"),
    ("attempt", {"user_id": 999999}, "fk_attempts_user_id_users"),
    ("attempt", {"round_id": 999999}, "fk_attempts_round_id_rounds|fk_attempts_round_contest"),
    ("draw_rule", {"bank_id": 999999}, "fk_draw_rules_bank_id_question_banks"),
])
def test_foreign_keys_are_enforced(db, rows, factory, values, constraint):
    refused(db, getattr(rows, factory)(**values), match=f"{constraint}|{SQLITE_FK}")


def test_answer_with_a_missing_option_is_refused(db, rows):
    base = rows.base
    refused(db, Answer(attempt_id=base.attempt.id, question_id=base.question.id, option_id=999999,
                       saved_at=T0 + timedelta(hours=1)),
            match=f"fk_answers_option_id_question_options|fk_answers_option_of_question|{SQLITE_FK}")


def test_answer_with_another_questions_option_is_refused(db, rows):
    base = rows.base
    foreign = rows.add(QuestionOption(question_id=base.other_question.id, position=0, text="Khác",
                                      is_correct=True))
    refused(db, Answer(attempt_id=base.attempt.id, question_id=base.question.id, option_id=foreign.id,
                       saved_at=T0 + timedelta(hours=1)),
            match=f"fk_answers_option_of_question|{SQLITE_FK}")


def test_attempt_in_a_round_of_another_contest_is_refused(db, rows):
    contest = rows.add(rows.contest())
    other_user = rows.add(rows.user())
    refused(db, rows.attempt(number=1, user_id=other_user.id, contest_id=contest.id, round_id=rows.base.round.id,
                             finished_at=None),
            match=f"fk_attempts_round_contest|{SQLITE_FK}")


def test_a_unit_with_members_cannot_be_deleted(db, rows):
    refused_sql(db, sa.delete(Unit).where(Unit.id == rows.base.unit.id),
                match=f"fk_users_unit_id_units|{SQLITE_FK}")


def test_a_question_drawn_into_an_attempt_cannot_be_deleted(db, rows):
    refused_sql(db, sa.delete(Question).where(Question.id == rows.base.question.id),
                match=f"fk_attempt_questions_question_id_questions|{SQLITE_FK}")


def test_deleting_an_attempt_removes_its_questions_and_answers(db, rows):
    base = rows.base
    rows.add(Answer(attempt_id=base.attempt.id, question_id=base.question.id, option_id=base.options[0].id,
                    saved_at=T0 + timedelta(hours=1, minutes=1)))
    db.session.execute(sa.delete(Attempt).where(Attempt.id == base.attempt.id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttemptQuestion)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0
