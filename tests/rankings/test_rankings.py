"""Rankings: the three real rule sets give their orders, counting picks the right attempt,
the prediction's truth, prizes, and the lifecycle (frozen results do not move)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from conftest import T0
from quiz.accounts.models import User
from quiz.attempts.models import Attempt
from quiz.contests.models import Contest
from quiz.errors import Conflict, DomainError
from quiz.extensions import db as _db
from quiz.rankings import services as rankings
from quiz.rankings.models import Result

CLOSE = T0 + timedelta(days=7)
AFTER = CLOSE + timedelta(minutes=5)


@pytest.fixture
def people(make_user):
    """Four members, A to D."""
    return {name: make_user(phone=f"09120005{i:02d}", full_name=f"Thí sinh {name}").id
            for i, name in enumerate("ABCD")}


def add(contest_id: int, user_id: int, number: int, score: int, time_s: int, prediction: int | None,
        started_s: int, submitted_s: int) -> int:
    contest = _db.session.get(Contest, contest_id)
    start = T0 + timedelta(hours=1, seconds=started_s)
    attempt = Attempt(contest_id=contest_id, round_id=contest.rounds[0].id, user_id=user_id, number=number, seed=1,
                      started_at=start, deadline_at=start + timedelta(minutes=10), score=score,
                      time_used_ms=time_s * 1000, prediction=prediction,
                      finished_at=T0 + timedelta(hours=1, seconds=submitted_s))
    _db.session.add(attempt)
    _db.session.flush()
    return attempt.id


def the_four(contest_id: int, people: dict[str, int]) -> None:
    """All score 20; the true number of attempts is 4, so the prediction errors are A 5, B, C, D 1."""
    add(contest_id, people["A"], 1, 20, 300, 9, started_s=5, submitted_s=310)
    add(contest_id, people["B"], 1, 20, 400, 5, started_s=1, submitted_s=320)
    add(contest_id, people["C"], 1, 20, 350, 3, started_s=0, submitted_s=340)
    add(contest_id, people["D"], 1, 20, 350, 5, started_s=2, submitted_s=330)


def order(contest_id: int, people: dict[str, int]) -> str:
    names = {v: k for k, v in people.items()}
    contest = _db.session.get(Contest, contest_id)
    return "".join(names[s.user_id] for s in rankings.standings(contest.rounds[0], None))


@pytest.mark.parametrize("tie_break, expected", [
    (["score", "prediction", "submitted_at"], "BDCA"),                  # national VCNET contests
    (["score", "prediction", "time_used", "started_at"], "CDBA"),      # Quảng Nam 2022
    (["score", "time_used", "prediction"], "ACDB"),                     # Phú Yên 2021
])
def test_three_real_rule_sets_rank_the_same_attempts_their_own_way(app, make_contest, people, tie_break, expected):
    cid = make_contest(tie_break=tie_break, prediction={"metric": "attempts", "prompt": "Bao nhiêu lượt?"})
    with app.app_context():
        the_four(cid, people)
        contest = _db.session.get(Contest, cid)
        assert rankings.freeze(contest.rounds[0], contest, now=AFTER) == 4
        assert contest.rounds[0].prediction_truth == 4
        assert order(cid, people) == expected
        assert [s.rank for s in rankings.standings(contest.rounds[0], None)] == [1, 2, 3, 4]
        assert [s.rank for s in rankings.standings(contest.rounds[0], None, offset=2, limit=5)] == [3, 4]


@pytest.mark.parametrize("counting, expected_score", [("best", 19), ("first", 12), ("last", 15)])
def test_counting_picks_the_attempt_that_counts(app, make_contest, people, counting, expected_score):
    cid = make_contest(counting=counting)
    with app.app_context():
        for number, score in enumerate([12, 19, 15], start=1):
            add(cid, people["A"], number, score, 300, None, started_s=number * 1000, submitted_s=number * 1000 + 300)
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=AFTER)
        result = rankings.place(contest.rounds[0], people["A"])
        assert (result.score, result.attempts) == (expected_score, 3)


@pytest.mark.parametrize("metric, truth", [("all_correct", 2), ("participants", 3), ("attempts", 4)])
def test_the_prediction_truth_for_each_metric(app, make_contest, people, metric, truth):
    cid = make_contest(prediction={"metric": metric, "prompt": "?"})
    with app.app_context():
        add(cid, people["A"], 1, 20, 300, 2, started_s=0, submitted_s=300)        # all 20 right
        add(cid, people["A"], 2, 20, 300, 2, started_s=1000, submitted_s=1300)    # again: still one person
        add(cid, people["B"], 1, 20, 300, 2, started_s=0, submitted_s=300)
        add(cid, people["C"], 1, 19, 300, 2, started_s=0, submitted_s=300)
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=AFTER)
        assert contest.rounds[0].prediction_truth == truth
        assert rankings.place(contest.rounds[0], people["C"]).prediction_error == abs(2 - truth)


def test_open_attempts_are_finished_nothing_before_the_close_and_grace_and_each_step_is_reported(
        app, make_contest, people):
    from quiz.attempts import services as attempts

    cid = make_contest()
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        user = _db.session.get(User, people["A"])
        attempts.start(user, contest, now=CLOSE - timedelta(minutes=2))
        with pytest.raises(DomainError, match="chưa đóng"):
            rankings.freeze(contest.rounds[0], contest, now=CLOSE + timedelta(seconds=5))   # grace is 10 s
        heard = []
        assert rankings.freeze(contest.rounds[0], contest, now=CLOSE + timedelta(seconds=11),
                               progress=lambda *step: heard.append(step)) == 1
        assert rankings.place(contest.rounds[0], people["A"]).time_used_ms == 120_000
        assert [label for _, _, label in heard[:-1]] == [label for _, label in rankings.FREEZE_STEPS.values()]
        done = [done for done, _, _ in heard]
        assert done[0] == 0 and done == sorted(set(done)) and {total for _, total, _ in heard} == {done[-1]}
        assert heard[-1][2] == "Đã tính và chốt kết quả Tuần 1: 1 thí sinh được xếp hạng."


def test_frozen_results_do_not_move(app, make_contest, people, make_unit):
    cid = make_contest()
    with app.app_context():
        the_four(cid, people)
        contest = _db.session.get(Contest, cid)
        round_ = contest.rounds[0]
        rankings.freeze(round_, contest, now=AFTER)
        before = [(s.rank, s.user_id, s.score, s.unit_name) for s in rankings.standings(round_, None)]
        _db.session.commit()
    make_unit("MOI")
    with app.app_context():
        from quiz.units.services import by_code

        _db.session.execute(update(Attempt).where(Attempt.user_id == people["D"]).values(score=0))
        _db.session.execute(update(User).where(User.id == people["A"]).values(unit_id=by_code("MOI").id))
        late = add(cid, people["A"], 2, 20, 10, None, started_s=0, submitted_s=10)
        contest = _db.session.get(Contest, cid)
        assert [(s.rank, s.user_id, s.score, s.unit_name) for s in rankings.standings(contest.rounds[0], None)] == before
        assert late and _db.session.scalar(select(Result.id).where(Result.user_id == people["A"],
                                                                   Result.attempt_number == 2)) is None
        with pytest.raises(Conflict):
            rankings.freeze(contest.rounds[0], contest, now=AFTER)


def test_the_lifecycle_reopen_before_publishing_only(app, make_contest, people):
    cid = make_contest()
    with app.app_context():
        the_four(cid, people)
        contest = _db.session.get(Contest, cid)
        round_ = contest.rounds[0]
        assert rankings.state(round_, T0 + timedelta(hours=1)) == "open"
        assert rankings.state(round_, AFTER) == "closed"
        with pytest.raises(DomainError, match="trước khi công bố"):
            rankings.publish(round_, now=AFTER)
        rankings.freeze(round_, contest, now=AFTER)
        assert rankings.state(round_, AFTER) == "frozen"
        rankings.reopen(round_, contest, now=AFTER)
        assert rankings.state(round_, AFTER) == "closed" and rankings.standings(round_, None) == []
        rankings.freeze(round_, contest, now=AFTER)
        rankings.publish(round_, now=AFTER)
        assert rankings.state(round_, AFTER) == "published"
        with pytest.raises(Conflict, match="đã công bố"):
            rankings.reopen(round_, contest, now=AFTER)


def test_prizes_by_tier_and_division(app, make_contest, make_user):
    cid = make_contest(division=[{"code": "A", "name": "Bảng A", "categories": ["dang_vien"]},
                                 {"code": "B", "name": "Bảng B", "categories": ["doan_vien"]}],
                       prize=[{"name": "Nhất", "count": 1}, {"name": "Nhì", "count": 2},
                              {"name": "Khuyến khích", "count": 1, "division": "B"}])
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        division = {d.code: d.id for d in contest.divisions}
    ids = {}
    for i in range(8):
        code = "A" if i < 4 else "B"
        ids[i] = make_user(phone=f"09120006{i:02d}", category="dang_vien" if code == "A" else "doan_vien").id
    with app.app_context():
        for i, user_id in ids.items():
            attempt = add(cid, user_id, 1, 20 - i % 4, 300, None, started_s=0, submitted_s=300)
            _db.session.execute(update(Attempt).where(Attempt.id == attempt).values(
                division_id=division["A" if i < 4 else "B"]))
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=AFTER)
        prizes = {code: [(s.rank, s.prize) for s in rankings.standings(contest.rounds[0], division[code])]
                  for code in "AB"}
        assert prizes["A"] == [(1, "Nhất"), (2, "Nhì"), (3, "Nhì"), (4, None)]
        assert prizes["B"] == [(1, "Nhất"), (2, "Nhì"), (3, "Nhì"), (4, "Khuyến khích")]


def test_vcnet_counts_the_most_correct_attempt_the_earliest_of_those(app, make_contest, people):
    """Two perfect attempts: the second has the better prediction. VCNET counts the first (the
    prediction ranks members, it does not pick the attempt); "best" picks the second."""
    for counting, number in (("most_correct", 1), ("best", 2)):
        cid = make_contest(counting=counting, tie_break=["score", "prediction", "submitted_at"],
                           prediction={"metric": "attempts", "prompt": "?"})
        with app.app_context():
            add(cid, people["A"], 1, 20, 300, 50, started_s=0, submitted_s=300)
            add(cid, people["A"], 2, 20, 200, 3, started_s=1000, submitted_s=1200)
            add(cid, people["A"], 3, 19, 100, 3, started_s=2000, submitted_s=2100)
            contest = _db.session.get(Contest, cid)
            rankings.freeze(contest.rounds[0], contest, now=AFTER)
            assert rankings.place(contest.rounds[0], people["A"]).attempt_number == number, counting


def test_a_submit_inside_the_grace_counts_as_at_the_deadline(app, make_contest, people):
    """A submitted 5 s after the deadline (inside the 10 s grace); B never submitted and was
    finished at the deadline. By submit time they are equal: they share the rank."""
    cid = make_contest(tie_break=["score", "submitted_at"], shared_rank=True)
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        start = T0 + timedelta(hours=1)
        deadline = start + timedelta(minutes=10)
        for name, finished in (("A", deadline + timedelta(seconds=5)), ("B", deadline)):
            _db.session.add(Attempt(contest_id=cid, round_id=contest.rounds[0].id, user_id=people[name], number=1,
                                    seed=1, started_at=start, deadline_at=deadline, finished_at=finished, score=18,
                                    time_used_ms=600_000))
        _db.session.flush()
        rankings.freeze(contest.rounds[0], contest, now=AFTER)
        a, b = (rankings.place(contest.rounds[0], people[n]) for n in "AB")
        assert a.rank == b.rank == 1 and a.submitted_at == b.submitted_at == deadline


@pytest.mark.parametrize("counting", ["best", "first", "last", "most_correct"])
def test_the_published_all_correct_number_is_the_prediction_truth(app, client, make_contest, people, counting):
    """A's first attempt is perfect, B's last, C's only; D never: 3 people, whichever attempt counts."""
    cid = make_contest(counting=counting, prediction={"metric": "all_correct", "prompt": "?"})
    with app.app_context():
        for name, scores in (("A", (20, 15)), ("B", (15, 20)), ("C", (20,)), ("D", (19,))):
            for number, score in enumerate(scores, start=1):
                add(cid, people[name], number, score, 300, 3, started_s=number * 1000, submitted_s=number * 1000 + 300)
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=AFTER)
        rankings.publish(contest.rounds[0], now=AFTER)
        assert contest.rounds[0].all_correct == contest.rounds[0].prediction_truth == 3
        assert rankings.place(contest.rounds[0], people["A"]).prediction_error == 0
        slug = contest.slug
        _db.session.commit()
    page = client.get(f"/ket-qua/{slug}/1").get_data(as_text=True)
    assert "Trả lời đúng tất cả 20 câu</dt><dd><strong>3</strong> người" in page
    assert "Đáp án câu hỏi dự đoán</dt><dd><strong>3</strong>" in page
    assert "mỗi người tính một lần" in page


def test_the_results_cli_freezes_publishes_and_refuses_to_reopen(app, runner, closed_contest):
    cid, rid, users = closed_contest
    with app.app_context():
        slug = _db.session.get(Contest, cid).slug
    frozen = runner.invoke(args=["results", "freeze", slug, "1"])
    assert frozen.exit_code == 0 and "3 thí sinh được xếp hạng" in frozen.output
    assert runner.invoke(args=["results", "publish", slug, "1"]).exit_code == 0
    refused = runner.invoke(args=["results", "reopen", slug, "1"])
    assert refused.exit_code == 1 and "đã công bố" in refused.output
    missing = runner.invoke(args=["results", "freeze", slug, "7"])
    assert missing.exit_code == 1 and "đợt thi số 7" in missing.output
