"""The attempt rules, each with ``now`` injected, and their limits under concurrency."""
from __future__ import annotations

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from quiz.attempts import services as attempts
from quiz.attempts.models import Answer, Attempt, AttemptQuestion
from quiz.banks.models import QuestionOption
from quiz.contests import draw, setup
from quiz.contests.models import Contest
from quiz.errors import Conflict, DomainError
from quiz.extensions import db as _db

from conftest import LIMIT, T0


@pytest.fixture
def member(make_user):
    return make_user(phone="0912000111")


def load(contest_id: int, user_id: int):
    from quiz.accounts.models import User

    return _db.session.get(Contest, contest_id), _db.session.get(User, user_id)


def correct_answers(attempt: Attempt, how_many: int) -> dict[int, int]:
    drawn = _db.session.scalars(select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt.id)
                                .order_by(AttemptQuestion.position)).all()[:how_many]
    return dict(_db.session.execute(select(QuestionOption.question_id, QuestionOption.id).where(
        QuestionOption.question_id.in_(drawn), QuestionOption.is_correct)).all())


def drawn_ids(attempt: Attempt) -> set[int]:
    return set(_db.session.scalars(select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt.id)))


def test_start_draws_and_starting_again_resumes(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        first = attempts.start(user, contest, now=T0 + timedelta(minutes=1))
        _db.session.commit()
        again = attempts.start(user, contest, now=T0 + timedelta(minutes=5))
        _db.session.commit()
        assert again.id == first.id
        assert len(drawn_ids(first)) == 20
        assert _db.session.scalar(select(func.count()).select_from(AttemptQuestion)) == 20   # never re-drawn
        assert first.deadline_at == T0 + timedelta(minutes=1, seconds=LIMIT)
        assert first.number == 1


def test_deadline_is_the_earlier_of_limit_and_round_close(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        late = T0 + timedelta(days=7) - timedelta(minutes=2)
        attempt = attempts.start(user, contest, now=late)
        assert attempt.deadline_at == T0 + timedelta(days=7)


def test_no_start_outside_an_open_round(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        with pytest.raises(DomainError, match="không có đợt thi nào đang mở"):
            attempts.start(user, contest, now=T0 - timedelta(seconds=1))
        with pytest.raises(DomainError, match="không có đợt thi nào đang mở"):
            attempts.start(user, contest, now=T0 + timedelta(days=7))


def test_max_attempts_and_three_attempts_share_no_question(app, make_contest, member):
    cid = make_contest(max_attempts=3)
    with app.app_context():
        contest, user = load(cid, member.id)
        seen: set[int] = set()
        now = T0 + timedelta(hours=1)
        for _ in range(3):
            attempt = attempts.start(user, contest, now=now)
            drawn = drawn_ids(attempt)
            assert not drawn & seen
            seen |= drawn
            attempts.submit(attempt, contest, now=now + timedelta(minutes=1))
            _db.session.commit()
            now += timedelta(minutes=5)
        assert len(seen) == 60
        with pytest.raises(Conflict, match="hết 3 lượt"):
            attempts.start(user, contest, now=now)


def test_minimum_delay_between_attempts(app, make_contest, member):
    cid = make_contest(min_delay_s=600)
    with app.app_context():
        contest, user = load(cid, member.id)
        attempt = attempts.start(user, contest, now=T0 + timedelta(hours=1))
        attempts.submit(attempt, contest, now=T0 + timedelta(hours=1, minutes=2))
        _db.session.commit()
        with pytest.raises(Conflict, match="sau 5 phút nữa"):
            attempts.start(user, contest, now=T0 + timedelta(hours=1, minutes=7))
        assert attempts.start(user, contest, now=T0 + timedelta(hours=1, minutes=13)).number == 2


def test_the_draw_is_reproducible_from_the_stored_seed(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        attempt = attempts.start(user, contest, now=T0 + timedelta(hours=1))
        stored = _db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                                     .order_by(AttemptQuestion.position)).all()
        pools, options = draw.pools(contest.draw_rules)
        again = draw.pick(pools, options, set(), attempt.seed)
        assert [(d.question_id, ",".join(map(str, d.option_order))) for d in again] == \
               [(s.question_id, s.option_order) for s in stored]


def test_save_then_submit_scores_once_and_is_idempotent(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        started = T0 + timedelta(hours=1)
        attempt = attempts.start(user, contest, now=started)
        assert attempts.save(attempt, correct_answers(attempt, 7), now=started + timedelta(minutes=2),
                             prediction=1234) == 7
        done = attempts.submit(attempt, contest, now=started + timedelta(minutes=3, milliseconds=250))
        _db.session.commit()
        assert (done.score, done.time_used_ms, done.prediction) == (7, 180_250, 1234)
        again = attempts.submit(attempt, contest, now=started + timedelta(minutes=9))
        assert (again.score, again.finished_at, again.time_used_ms) == (7, done.finished_at, 180_250)


def test_a_save_after_the_attempt_finished_is_refused_and_changes_nothing(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        started = T0 + timedelta(hours=1)
        attempt = attempts.start(user, contest, now=started)
        attempts.save(attempt, correct_answers(attempt, 3), now=started + timedelta(minutes=1))
        attempts.submit(attempt, contest, now=started + timedelta(minutes=2))
        _db.session.commit()
        with pytest.raises(Conflict, match="đã kết thúc"):
            attempts.save(attempt, correct_answers(attempt, 10), now=started + timedelta(minutes=3))
        _db.session.rollback()
        assert _db.session.scalar(select(func.count()).select_from(Answer)) == 3


def test_past_deadline_and_grace_the_attempt_finishes_with_what_it_saved(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        started = T0 + timedelta(hours=1)
        attempt = attempts.start(user, contest, now=started)
        attempts.save(attempt, correct_answers(attempt, 4), now=started + timedelta(seconds=LIMIT + 9))
        _db.session.commit()                                          # inside the grace: kept
        with pytest.raises(Conflict, match="hết giờ"):
            attempts.save(attempt, correct_answers(attempt, 12), now=started + timedelta(seconds=LIMIT + 11))
        _db.session.commit()                                          # the finish is kept, the late answers not
        attempt = _db.session.get(Attempt, attempt.id)
        assert attempt.score == 4 and attempt.time_used_ms == LIMIT * 1000
        assert attempt.finished_at == attempt.deadline_at


def test_an_answer_outside_the_drawn_questions_is_refused(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        attempt = attempts.start(user, contest, now=T0 + timedelta(hours=1))
        drawn = drawn_ids(attempt)
        other_question = _db.session.scalar(select(QuestionOption.question_id)
                                            .where(QuestionOption.question_id.not_in(drawn)).limit(1))
        option = _db.session.scalar(select(QuestionOption.id).where(QuestionOption.question_id == other_question))
        with pytest.raises(DomainError, match="không thuộc đề"):
            attempts.save(attempt, {other_question: option}, now=T0 + timedelta(hours=1, minutes=1))
        mine = next(iter(drawn))
        with pytest.raises(DomainError, match="không thuộc đề"):
            attempts.save(attempt, {mine: option}, now=T0 + timedelta(hours=1, minutes=1))


def test_finish_expired_finishes_only_attempts_past_their_grace(app, make_contest, make_user, runner):
    cid = make_contest()
    late, fresh = make_user(phone="0912000201"), make_user(phone="0912000202")
    with app.app_context():
        contest, user = load(cid, late.id)
        attempts.start(user, contest, now=T0 + timedelta(hours=1))
        contest, user = load(cid, fresh.id)
        attempts.start(user, contest, now=T0 + timedelta(hours=1, minutes=9))
        _db.session.commit()
        assert attempts.finish_expired(now=T0 + timedelta(hours=1, seconds=LIMIT + 11)) == 1
        _db.session.commit()
        open_ = _db.session.scalars(select(Attempt.user_id).where(Attempt.finished_at.is_(None))).all()
        assert open_ == [fresh.id]
    result = runner.invoke(args=["attempts", "finish-expired"])        # on the real clock: none is due yet
    assert result.exit_code == 0 and "lượt thi quá hạn" in result.output


def _in_threads(app, count: int, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                results.append(work())
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 - collected and asserted on below
                _db.session.rollback()
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_fifty_simultaneous_starts_give_one_attempt(app, make_contest, member):
    cid = make_contest(max_attempts=1)

    def work():
        contest, user = load(cid, member.id)
        return attempts.start(user, contest, now=T0 + timedelta(hours=1)).id

    results, errors = _in_threads(app, 50, work)
    assert errors == []
    assert len(set(results)) == 1
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_fifty_simultaneous_starts_after_the_last_allowed_attempt_give_none(app, make_contest, member):
    cid = make_contest(max_attempts=1)
    with app.app_context():
        contest, user = load(cid, member.id)
        attempt = attempts.start(user, contest, now=T0 + timedelta(hours=1))
        attempts.submit(attempt, contest, now=T0 + timedelta(hours=1, minutes=1))
        _db.session.commit()

    def work():
        contest, user = load(cid, member.id)
        return attempts.start(user, contest, now=T0 + timedelta(hours=2)).id

    results, errors = _in_threads(app, 50, work)
    assert results == [] and len(errors) == 50 and all(isinstance(e, Conflict) for e in errors)
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_twenty_simultaneous_submits_give_one_result(app, make_contest, member):
    cid = make_contest()
    with app.app_context():
        contest, user = load(cid, member.id)
        attempt = attempts.start(user, contest, now=T0 + timedelta(hours=1))
        attempts.save(attempt, correct_answers(attempt, 5), now=T0 + timedelta(hours=1, minutes=1))
        _db.session.commit()
        attempt_id = attempt.id

    def work():
        contest = _db.session.get(Contest, cid)
        done = attempts.submit(_db.session.get(Attempt, attempt_id), contest, now=T0 + timedelta(hours=1, minutes=2))
        return done.score, done.finished_at, done.time_used_ms

    results, errors = _in_threads(app, 20, work)
    assert errors == []
    assert len(set(results)) == 1 and results[0][0] == 5


def test_a_contest_for_chosen_units_admits_only_their_subtrees(app, make_contest, make_unit, make_user):
    from quiz.errors import Forbidden

    make_unit("TU")
    make_unit("TU.H1", "TU")
    make_unit("TU.H1.C1", "TU.H1")
    make_unit("TU.H10", "TU")                 # a sibling: not in TU.H1's subtree
    inside = make_user(phone="0912000301", unit="TU.H1.C1")
    outside = make_user(phone="0912000302", unit="TU.H10")
    cid = make_contest(units=["TU.H1"])
    with app.app_context():
        contest, user = load(cid, inside.id)
        assert contest.eligibility == "units"
        assert attempts.start(user, contest, now=T0 + timedelta(hours=1)).number == 1
        assert [e.contest.id for e in attempts.member_contests(user, T0 + timedelta(hours=1)).open] == [cid]
        contest, user = load(cid, outside.id)
        with pytest.raises(Forbidden, match="không thuộc đối tượng dự thi"):
            attempts.start(user, contest, now=T0 + timedelta(hours=1))
        found = attempts.member_contests(user, T0 + timedelta(hours=1))
        assert found.open == found.upcoming == found.closed == []


def test_unknown_eligible_unit_is_a_setup_error(app, make_contest):
    with app.app_context():
        result = setup.create({"slug": "x", "title": "X", "units": ["KHONG-CO"], "round": [
            {"opens": T0.isoformat(), "closes": (T0 + timedelta(days=1)).isoformat()}],
            "draw": [{"bank": "Ngân hàng lượt thi", "count": 5}]}, tz=ZoneInfo("UTC"))
        assert any("KHONG-CO" in str(p) for p in result.errors) and result.contest is None


def test_a_daily_window_refuses_starts_outside_it_and_ends_attempts_with_it(app, make_contest, member):
    # T0 is Tuesday 01/12/2026; the contest's clock is UTC here.
    cid = make_contest(round=[{"name": "Tuần 1", "opens": T0.isoformat(), "closes": (T0 + timedelta(days=7)).isoformat(),
                               "days": "T2-T6", "hours": "07:30-17:30"}])
    with app.app_context():
        contest, user = load(cid, member.id)
        with pytest.raises(DomainError, match=r"chỉ nhận bài trong khung giờ T2–T6, 07:30–17:30\. "
                                              r"Mở lại lúc 07:30 01/12/2026"):
            attempts.start(user, contest, now=T0 + timedelta(hours=6))
        entry = attempts.entry(user, contest, T0 + timedelta(hours=6))
        assert entry.round is not None and entry.opens_at == T0 + timedelta(hours=7, minutes=30)
        late = T0 + timedelta(hours=17, minutes=25)            # five minutes before the window ends
        attempt = attempts.start(user, contest, now=late)
        assert attempt.deadline_at == T0 + timedelta(hours=17, minutes=30)
        assert attempts.entry(user, contest, late).opens_at is None
        saturday = T0 + timedelta(days=4, hours=10)
        with pytest.raises(DomainError, match="Mở lại lúc 07:30 07/12/2026"):
            attempts.start(user, contest, now=saturday)


def test_a_roster_contest_admits_the_people_on_it_by_phone_or_cccd(app, make_contest, make_user):
    from quiz.contests import roster
    from quiz.errors import Forbidden
    from quiz.tables import Table

    by_phone = make_user(phone="0912000401", unit="TU")
    by_cccd = make_user(phone="0912000402", cccd="001090000402", unit="TU")
    not_listed = make_user(phone="0912000403", unit="TU")
    cid = make_contest(eligibility="roster")
    now = T0 + timedelta(hours=1)
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        assert attempts.member_contests(_db.session.merge(by_phone), now).open == []   # no roster yet: nobody
        roster.import_table(contest, Table(None, ["Họ và tên", "Số điện thoại", "Số CCCD", "Mã đơn vị"], [
            (2, ["Nguyễn Văn An", "0912.000.401", "", "TU"]),
            (3, ["Trần Thị Bình", "", "001 090 000 402", "TU"])]))
        _db.session.commit()
        for person in (by_phone, by_cccd):
            contest, user = load(cid, person.id)
            assert attempts.start(user, contest, now=now).number == 1
        contest, user = load(cid, not_listed.id)
        with pytest.raises(Forbidden):
            attempts.start(user, contest, now=now)
        assert attempts.member_contests(user, now).open == []
