"""Individual prizes over a whole contest: one prize per person under both wordings real
contests use, whatever the order rounds are frozen in; shared ranks; changes to a published
round marked on its page. The rule itself (``prizes.award``) is also tried on random boards."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import T0
from quiz.attempts.models import Attempt
from quiz.contests.models import Contest
from quiz.extensions import db as _db
from quiz.rankings import prizes
from quiz.rankings import services as rankings
from quiz.rankings.models import PrizeChange
from quiz.rankings.prizes import Board, Ranked, award

WEEK = timedelta(days=7)
TIERS = [{"name": "Nhất", "count": 1}, {"name": "Nhì", "count": 1}, {"name": "Ba", "count": 1}]


# The rule on plain lists -----------------------------------------------------------------------

def board(number: int, users: str, slots=("Nhất", "Nhì", "Ba"), ranks: list[int] | None = None) -> Board:
    """A round's ranking of members named by letters, best first (result id = round × 100 + place)."""
    levels = {"Nhất": 0, "Nhì": 1, "Ba": 2, "Khuyến khích": 3}
    ranks = ranks or list(range(1, len(users) + 1))
    return Board(number, [(levels[s], s) for s in slots],
                 [Ranked(number * 100 + i, ord(u), ranks[i]) for i, u in enumerate(users)])


def won(boards: list[Board], policy: str, shared: bool = False) -> list[dict[str, str]]:
    got = award(boards, policy, shared)
    return [{chr(r.user_id): got[r.result_id] for r in b.rows if r.result_id in got} for b in boards]


def test_ba_in_week_1_and_nhat_in_week_2_under_each_policy():
    weeks = [board(1, "XYMQ"), board(2, "MZW")]          # M: Ba in week 1, Nhất in week 2
    assert won(weeks, "none") == [{"X": "Nhất", "Y": "Nhì", "M": "Ba"}, {"M": "Nhất", "Z": "Nhì", "W": "Ba"}]
    # first win stands: M keeps Ba; week 2 passes over M
    assert won(weeks, "first_win") == [{"X": "Nhất", "Y": "Nhì", "M": "Ba"}, {"Z": "Nhất", "W": "Nhì"}]
    # the higher is kept: M keeps Nhất; week 1's Ba passes to Q, as if M had been passed over there
    assert won(weeks, "higher_kept") == [{"X": "Nhất", "Y": "Nhì", "Q": "Ba"}, {"M": "Nhất", "Z": "Nhì", "W": "Ba"}]


def test_the_higher_is_kept_cascades_and_equal_prizes_keep_the_earlier_one():
    # A: Nhì in week 1, Nhất in week 2 → keeps Nhất; week 1's Nhì goes to M (Ba there), whose
    # Nhì in week 2 is equal: the earlier stands, so week 2's Nhì goes to the next, Z.
    weeks = [board(1, "XAMQ"), board(2, "AMZW")]
    assert won(weeks, "higher_kept") == [{"X": "Nhất", "M": "Nhì", "Q": "Ba"}, {"A": "Nhất", "Z": "Nhì", "W": "Ba"}]


def test_shared_ranks_share_the_prize_and_use_up_the_slots():
    # B and C tie for second: both Nhì; Ba's slot is used by the tie, D gets nothing
    assert won([board(1, "ABCD", ranks=[1, 2, 2, 4])], "none", shared=True) == [{"A": "Nhất", "B": "Nhì", "C": "Nhì"}]
    # a tie across the last slot: all of the rank get it
    assert won([board(1, "ABCD", ranks=[1, 2, 3, 3])], "none", shared=True) == [
        {"A": "Nhất", "B": "Nhì", "C": "Ba", "D": "Ba"}]
    # not shared: the order given (the attempt id) decides
    assert won([board(1, "ABCD", ranks=[1, 2, 3, 3])], "none") == [{"A": "Nhất", "B": "Nhì", "C": "Ba"}]


@st.composite
def contests(draw):
    people = "ABCDEFGH"
    rounds = draw(st.integers(1, 4))
    boards = []
    for number in range(1, rounds + 1):
        users = draw(st.permutations(people))[:draw(st.integers(0, len(people)))]
        ranks, rank = [], 1
        for i in range(len(users)):
            if i and not draw(st.booleans()):
                rank = i + 1
            ranks.append(rank if i else 1)
        slots = draw(st.lists(st.sampled_from(["Nhất", "Nhì", "Ba", "Khuyến khích"]), max_size=5))
        boards.append(board(number, "".join(users), sorted(slots, key=["Nhất", "Nhì", "Ba", "Khuyến khích"].index),
                            ranks))
    return boards


@settings(max_examples=300, deadline=None)
@given(contests(), st.sampled_from(["first_win", "higher_kept"]), st.booleans())
def test_nobody_ever_holds_two_prizes_and_only_holders_are_passed_over(boards, policy, shared):
    got = award(boards, policy, shared)
    holders = [r.user_id for b in boards for r in b.rows if r.result_id in got]
    assert len(holders) == len(set(holders))
    for b in boards:
        winners = [r for r in b.rows if r.result_id in got]
        elsewhere = set(holders) - {w.user_id for w in winners}
        if not shared:      # every slot is given while someone not holding a prize elsewhere is left
            assert len(winners) == min(len(b.slots), len([r for r in b.rows if r.user_id not in elsewhere]))
        for r in b.rows:    # a member ranked above a winner and given nothing holds a prize elsewhere
            if r.result_id not in got and any(w.rank > r.rank for w in winners):
                assert r.user_id in elsewhere


# The contest in the database ---------------------------------------------------------------------

def three_weeks(make_contest, **changes) -> int:
    rounds = [{"name": f"Tuần {n}", "opens": (T0 + (n - 1) * WEEK).isoformat(), "closes": (T0 + n * WEEK).isoformat()}
              for n in (1, 2, 3)]
    return make_contest(round=rounds, prize=TIERS, **changes)


#: Each week's ranking by score (best first), members by letter.
WEEKS = ["XYMQ", "MZWX", "ZQYM"]


def take(app, cid: int, people: dict[str, int]) -> None:
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        for round_, order in zip(contest.rounds, WEEKS):
            for place, name in enumerate(order):
                start = round_.opens_at + timedelta(hours=1)
                _db.session.add(Attempt(contest_id=cid, round_id=round_.id, user_id=people[name], number=1, seed=1,
                                        started_at=start, deadline_at=start + timedelta(minutes=10),
                                        finished_at=start + timedelta(minutes=5), score=20 - place,
                                        time_used_ms=300_000))
        _db.session.commit()


@pytest.fixture
def people(make_user):
    return {name: make_user(phone=f"09130001{i:02d}", full_name=f"Thí sinh {name}").id
            for i, name in enumerate("MQWXYZ")}


def prizes_of(cid: int, people: dict[str, int]) -> list[dict[str, str]]:
    names = {v: k for k, v in people.items()}
    contest = _db.session.get(Contest, cid)
    return [{names[s.user_id]: s.prize for s in rankings.standings(r, None) if s.prize} for r in contest.rounds]


#: What a person applying the written rule round by round, in order, finds.
EXPECTED = {
    "none": [{"X": "Nhất", "Y": "Nhì", "M": "Ba"}, {"M": "Nhất", "Z": "Nhì", "W": "Ba"},
             {"Z": "Nhất", "Q": "Nhì", "Y": "Ba"}],
    # week 2 passes over M and X (prizes in week 1): no one is left for Ba; week 3 over Z, Y, M
    "first_win": [{"X": "Nhất", "Y": "Nhì", "M": "Ba"}, {"Z": "Nhất", "W": "Nhì"}, {"Q": "Nhất"}],
    # M's Nhất in week 2 takes week 1's Ba to Q; Z's Nhất in week 3 takes week 2's Nhì to W (the
    # Ba behind it would go to X, who holds Nhất); Q's Nhì in week 3 takes week 1's Ba, and
    # nobody is left in week 1 to take it
    "higher_kept": [{"X": "Nhất", "Y": "Nhì"}, {"M": "Nhất", "W": "Nhì"}, {"Z": "Nhất", "Q": "Nhì"}],
}


@pytest.mark.parametrize("policy", ["none", "first_win", "higher_kept"])
def test_prizes_are_the_same_whatever_order_the_rounds_are_frozen_in(app, make_contest, people, policy):
    cid = three_weeks(make_contest, one_prize=policy)
    take(app, cid, people)
    after = T0 + 4 * WEEK
    outcomes = []
    for order in itertools.permutations(range(3)):
        with app.app_context():
            contest = _db.session.get(Contest, cid)
            for i in order:
                rankings.freeze(contest.rounds[i], contest, now=after)
            outcomes.append(prizes_of(cid, people))
            for i in order:
                rankings.reopen(contest.rounds[i], contest, now=after)
            _db.session.commit()
    assert outcomes[0] == EXPECTED[policy]
    assert all(outcome == outcomes[0] for outcome in outcomes)
    if policy != "none":
        held = [name for week in outcomes[0] for name in week]
        assert len(held) == len(set(held))


def test_a_published_round_whose_winners_change_is_marked(app, client, make_contest, people):
    cid = three_weeks(make_contest, one_prize="higher_kept")
    take(app, cid, people)
    after = T0 + 4 * WEEK
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        first, second = contest.rounds[:2]
        rankings.freeze(first, contest, now=after)
        rankings.publish(first, now=after)
        assert prizes_of(cid, people)[0] == {"X": "Nhất", "Y": "Nhì", "M": "Ba"}
        rankings.freeze(second, contest, now=after)     # M wins Nhất in week 2
        assert prizes_of(cid, people)[0] == {"X": "Nhất", "Y": "Nhì", "Q": "Ba"}
        changes = {(c.user_id, c.before, c.after) for c in _db.session.scalars(select(PrizeChange))}
        assert changes == {(people["M"], "Ba", None), (people["Q"], None, "Ba")}
        slug = contest.slug
        _db.session.commit()
    page = client.get(f"/ket-qua/{slug}/1").get_data(as_text=True)
    assert "Giải đã điều chỉnh do chốt kết quả Tuần 2" in page
    assert "người này nhận giải Nhất ở Tuần 2" in page


def test_shared_rank_in_the_database(app, make_contest, people):
    cid = make_contest(prize=TIERS, shared_rank=True, tie_break=["score", "time_used"])
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        round_ = contest.rounds[0]
        for name, score, used in [("M", 20, 100), ("Q", 19, 100), ("W", 18, 100), ("X", 18, 100), ("Y", 17, 100)]:
            start = round_.opens_at + timedelta(hours=1)
            _db.session.add(Attempt(contest_id=cid, round_id=round_.id, user_id=people[name], number=1, seed=1,
                                    started_at=start, deadline_at=start + timedelta(minutes=10),
                                    finished_at=start + timedelta(minutes=5), score=score, time_used_ms=used * 1000))
        _db.session.flush()
        rankings.freeze(round_, contest, now=T0 + 2 * WEEK)
        names = {v: k for k, v in people.items()}
        # W and X tie across the last slot: both take Ba
        assert [(names[s.user_id], s.rank, s.prize) for s in rankings.standings(round_, None)] == [
            ("M", 1, "Nhất"), ("Q", 2, "Nhì"), ("W", 3, "Ba"), ("X", 3, "Ba"), ("Y", 5, None)]
        assert [s.rank for s in rankings.standings(round_, None, offset=2, limit=5)] == [3, 3, 5]   # pages by place


def test_prizes_settle_only_over_frozen_rounds_and_unpublished_changes_are_not_marked(app, make_contest, people):
    cid = three_weeks(make_contest, one_prize="first_win")
    take(app, cid, people)
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[1], contest, now=T0 + 4 * WEEK)
        assert prizes_of(cid, people)[1] == {"M": "Nhất", "Z": "Nhì", "W": "Ba"}   # alone, for now
        rankings.freeze(contest.rounds[0], contest, now=T0 + 4 * WEEK)
        assert prizes_of(cid, people)[1] == {"Z": "Nhất", "W": "Nhì"}              # M won Ba in week 1 first
        assert _db.session.scalar(select(PrizeChange.id)) is None
        assert prizes.changes(contest.rounds[1]) == []
