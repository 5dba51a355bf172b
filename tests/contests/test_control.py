"""Round control, each service with ``now`` injected (on SQLite and PostgreSQL): close now ends
the running attempts with their saved answers and refuses new starts; pause refuses starts
while running attempts still save and submit; resume; the announcement; the audit entries;
and the live figures (what they count, the per-process board, the hourly chart)."""
from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from conftest import LIMIT, T0
from quiz.accounts.models import User
from quiz.attempts import services as attempts
from quiz.attempts.models import Attempt, AttemptQuestion
from quiz.audit import services as audit
from quiz.banks.models import QuestionOption
from quiz.contests import control, live
from quiz.contests.models import Contest
from quiz.errors import Conflict, DomainError
from quiz.extensions import db as _db

START = T0 + timedelta(hours=1)      # make_contest's round is open from T0 for a week


@pytest.fixture
def organiser(make_user):
    return make_user(phone="0916000001", role="organiser", full_name="Phạm Ban Tổ Chức")


@pytest.fixture
def two(make_user):
    return make_user(phone="0916000011", full_name="Nguyễn Văn An"), make_user(phone="0916000012",
                                                                                full_name="Trần Thị Bình")


def load(contest_id: int, *users):
    contest = _db.session.get(Contest, contest_id)
    return (contest, contest.rounds[0], *(_db.session.get(User, u.id) for u in users))


def right_answers(attempt: Attempt, how_many: int, skip: int = 0) -> dict[int, int]:
    drawn = _db.session.scalars(select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt.id)
                                .order_by(AttemptQuestion.position)).all()[skip:skip + how_many]
    return dict(_db.session.execute(select(QuestionOption.question_id, QuestionOption.id).where(
        QuestionOption.question_id.in_(drawn), QuestionOption.is_correct)).all())


def logged(action: str) -> list:
    return [(entry, name) for entry, name in audit.entries() if entry.action == action]


# Close now -------------------------------------------------------------------------------------

def test_close_now_ends_running_attempts_with_their_saved_answers_and_refuses_new_starts(
        app, make_contest, two, organiser):
    cid = make_contest()          # grace 10 s
    with app.app_context():
        contest, round_, an, binh = load(cid, *two)
        attempt = attempts.start(an, contest, now=START)
        attempts.save(attempt, right_answers(attempt, 3), now=START + timedelta(minutes=1))
        _db.session.commit()
        closed = START + timedelta(minutes=2)
        assert control.close_now(round_, contest, actor_id=organiser.id, now=closed) == 1
        _db.session.commit()
        assert round_.closes_at == closed and attempt.deadline_at == closed and attempt.finished_at is None
        # as with a deadline: an answer in flight inside the grace seconds is still kept …
        assert attempts.save(attempt, right_answers(attempt, 1, skip=3), now=closed + timedelta(seconds=8)) == 4
        _db.session.commit()
        # … nothing after it; the attempt is then finished with what it saved, time capped at the close
        with pytest.raises(Conflict):
            attempts.save(attempt, right_answers(attempt, 1, skip=4), now=closed + timedelta(seconds=11))
        _db.session.rollback()
        assert attempts.finish_expired(now=closed + timedelta(seconds=11)) == 1
        _db.session.commit()
        assert (attempt.score, attempt.time_used_ms, attempt.finished_at) == (4, 120_000, closed)
        # nobody starts after the close, the one who had an attempt neither
        for member in (binh, an):
            with pytest.raises(DomainError, match="không có đợt thi nào đang mở"):
                attempts.start(member, contest, now=closed + timedelta(seconds=30))
            _db.session.rollback()
        [(entry, actor)] = logged("round.close_now")
        assert actor == "Phạm Ban Tổ Chức" and entry.round_id == round_.id and entry.contest_id == cid
        assert entry.changes["running_attempts"] == 1
        assert entry.changes["closes_at"] == ["00:00 08/12/2026", "01:02 01/12/2026"]   # the contest's zone: UTC
        assert "1 lượt đang làm kết thúc với các câu đã lưu" in entry.summary


def test_an_attempt_that_would_end_before_the_close_keeps_its_deadline(app, make_contest, two, organiser):
    cid = make_contest()
    with app.app_context():
        contest, round_, an, binh = load(cid, *two)
        early = attempts.start(an, contest, now=START)
        late = attempts.start(binh, contest, now=START + timedelta(seconds=LIMIT - 60))
        _db.session.commit()
        closed = START + timedelta(seconds=LIMIT - 30)          # 30 s before an's limit runs out
        assert control.close_now(round_, contest, actor_id=None, now=closed) == 2
        assert early.deadline_at == closed and late.deadline_at == closed
        attempts.submit(early, contest, now=closed + timedelta(seconds=1))
        assert early.time_used_ms == (LIMIT - 30) * 1000
        _db.session.commit()
        [(entry, actor)] = logged("round.close_now")
        assert actor is None and entry.actor_id is None            # the command line


def test_close_now_refuses_a_round_not_open(app, make_contest, organiser):
    cid = make_contest()
    with app.app_context():
        contest, round_ = load(cid)
        with pytest.raises(DomainError, match="chưa mở"):
            control.close_now(round_, contest, actor_id=organiser.id, now=T0 - timedelta(hours=1))
        control.close_now(round_, contest, actor_id=organiser.id, now=START)
        with pytest.raises(Conflict, match="đã đóng lúc"):
            control.close_now(round_, contest, actor_id=organiser.id, now=START + timedelta(minutes=1))
        _db.session.rollback()
        assert logged("round.close_now") == []                    # nothing refused, nothing rolled back, is logged


# Pause and resume -----------------------------------------------------------------------------------

def test_pause_refuses_new_starts_while_running_attempts_save_and_submit(app, make_contest, two, organiser):
    cid = make_contest()
    with app.app_context():
        contest, round_, an, binh = load(cid, *two)
        attempt = attempts.start(an, contest, now=START)
        _db.session.commit()
        assert control.pause(round_, contest, actor_id=organiser.id, now=START + timedelta(minutes=1)) == 1
        _db.session.commit()
        with pytest.raises(Conflict, match="Tuần 1 đang tạm dừng") as refused:
            attempts.start(binh, contest, now=START + timedelta(minutes=2))
        assert "Lượt thi đang làm dở vẫn làm tiếp" in refused.value.message
        _db.session.rollback()
        assert attempts.start(an, contest, now=START + timedelta(minutes=3)).id == attempt.id   # resumed, not refused
        assert attempts.save(attempt, right_answers(attempt, 5), now=START + timedelta(minutes=3)) == 5
        attempts.submit(attempt, contest, now=START + timedelta(minutes=4))
        _db.session.commit()
        assert attempt.score == 5 and attempt.finished_at == START + timedelta(minutes=4)
        with pytest.raises(Conflict, match="đang tạm dừng"):        # a next attempt of the same member neither
            attempts.start(an, contest, now=START + timedelta(minutes=5))
        _db.session.rollback()

        control.resume(round_, contest, actor_id=organiser.id, now=START + timedelta(minutes=6))
        _db.session.commit()
        assert round_.paused_at is None
        assert attempts.start(binh, contest, now=START + timedelta(minutes=7)).number == 1
        _db.session.commit()
        assert [e.action for e, _ in audit.entries(contest_id=cid)] == ["round.resume", "round.pause"]
        resumed, paused = audit.entries(contest_id=cid)
        assert paused[0].changes == {"paused_at": [None, "01:01 01/12/2026"]}
        assert resumed[0].changes == {"paused_at": ["01:01 01/12/2026", None]} and resumed[1] == "Phạm Ban Tổ Chức"


def test_pause_and_resume_refuse_what_makes_no_sense(app, make_contest, organiser):
    cid = make_contest()
    with app.app_context():
        contest, round_ = load(cid)
        with pytest.raises(Conflict, match="không tạm dừng"):
            control.resume(round_, contest, actor_id=organiser.id, now=START)
        with pytest.raises(DomainError, match="Chỉ tạm dừng được đợt thi đang mở"):
            control.pause(round_, contest, actor_id=organiser.id, now=T0 - timedelta(minutes=1))
        control.pause(round_, contest, actor_id=organiser.id, now=START)
        with pytest.raises(Conflict, match="đã tạm dừng từ"):
            control.pause(round_, contest, actor_id=organiser.id, now=START + timedelta(minutes=1))
        with pytest.raises(DomainError, match="Chỉ tạm dừng được đợt thi đang mở"):
            control.pause(round_, contest, actor_id=organiser.id, now=round_.closes_at)


def test_a_start_waits_for_a_pause_being_made_and_then_is_refused(app, make_contest, two, organiser):
    """PostgreSQL: the pause holds the round's row; a start arriving meanwhile waits on it (the
    key-share lock start takes before reading the round), then sees the pause."""
    if "postgresql" not in app.config["SQLALCHEMY_DATABASE_URI"]:
        pytest.skip("SQLite runs one writer at a time: there is nothing to interleave")
    cid = make_contest()
    outcome: list = []
    paused = threading.Event()

    def member_starts():
        with app.app_context():
            contest, _, binh = load(cid, two[1])
            paused.wait(5)
            try:
                attempts.start(binh, contest, now=START + timedelta(seconds=1))
                _db.session.commit()
                outcome.append("started")
            except Conflict as error:
                _db.session.rollback()
                outcome.append(error.message)

    with app.app_context():
        contest, round_ = load(cid)
        control.pause(round_, contest, actor_id=organiser.id, now=START)
        thread = threading.Thread(target=member_starts)
        thread.start()
        paused.set()
        thread.join(1.0)
        assert thread.is_alive()              # waiting on the round's row
        _db.session.commit()
    thread.join(10)
    assert len(outcome) == 1 and "đang tạm dừng" in outcome[0]


# The announcement ------------------------------------------------------------------------------------

def test_the_announcement_is_set_logged_and_removed(app, make_contest, organiser):
    cid = make_contest()
    with app.app_context():
        contest, _ = load(cid)
        assert control.announce(contest, "  Đợt 2 kéo dài đến 20:00  \r\nChúc các bạn thi tốt. ",
                                actor_id=organiser.id, now=START)
        assert contest.announcement == "Đợt 2 kéo dài đến 20:00\nChúc các bạn thi tốt."
        assert not control.announce(contest, "Đợt 2 kéo dài đến 20:00\nChúc các bạn thi tốt.",
                                    actor_id=organiser.id, now=START)          # nothing new, nothing logged
        with pytest.raises(DomainError, match="tối đa 1.000 ký tự"):
            control.announce(contest, "x" * 1001, actor_id=organiser.id, now=START)
        assert control.announce(contest, "", actor_id=organiser.id, now=START + timedelta(minutes=1))
        _db.session.commit()
        assert contest.announcement == ""
        removed, made = audit.entries(contest_id=cid)
        assert made[0].action == "contest.announce" and made[0].changes == {
            "announcement": ["", "Đợt 2 kéo dài đến 20:00\nChúc các bạn thi tốt."]}
        assert removed[0].summary == "Gỡ thông báo cho thí sinh."


# The live figures -----------------------------------------------------------------------------------

@pytest.fixture
def district(make_unit):
    """TINH › H1 (headcount 4), H2 (6)."""
    make_unit("TINH", name="Tỉnh ủy")
    return make_unit("H1", "TINH", name="Huyện Một", headcount=4), make_unit("H2", "TINH", name="Huyện Hai", headcount=6)


def test_the_live_figures_of_a_round(app, make_contest, make_user, district):
    cid = make_contest()
    people = [make_user(phone=f"09160002{i:02d}", unit=unit) for i, unit in enumerate(["H1", "H1", "H1", "H2"])]
    now = T0 + timedelta(days=2, hours=3)                  # 10:00 on 03/12 in Hà Nội
    with app.app_context():
        contest, round_, *members = load(cid, *people)
        contest.time_zone = "Asia/Ho_Chi_Minh"
        # finished at 14:05 yesterday, 08:05 and 09:15 today (local time)
        for member, started in zip(members[:3], (now - timedelta(hours=20), now - timedelta(hours=2),
                                                 now - timedelta(minutes=50))):
            done = attempts.start(member, contest, now=started)
            attempts.submit(done, contest, now=started + timedelta(minutes=5))
        attempts.start(members[3], contest, now=now - timedelta(minutes=3))             # taking it now
        attempts.start(members[0], contest, now=now - timedelta(minutes=5))             # and another
        _db.session.commit()
        seen = live.watch(contest, round_, now)
        t = seen.totals
        assert seen.running == 2
        assert (t.submitted, t.submitted_today, t.participants, t.expected) == (3, 2, 3, 10)
        assert t.rate == pytest.approx(0.3)
        assert [(r.figures.name, r.rank, t.lagging(r)) for r in t.units] == [("Huyện Một", 1, False),
                                                                            ("Huyện Hai", 2, True)]
        assert len(t.per_hour) == 24 and t.per_hour[-1][0].hour == 10 and sum(c for _, c in t.per_hour) == 3
        assert [(h.hour, c) for h, c in t.per_hour if c] == [(14, 1), (8, 1), (9, 1)]
        chart = ET.fromstring(str(seen.chart))
        assert chart.get("role") == "img" and "lượt nộp bài" in chart.find("{http://www.w3.org/2000/svg}desc").text
        assert "style=" not in str(seen.chart)
        # an attempt whose grace has passed is not "taking it now", even if nobody finished it yet
        assert live.running(contest, round_, now + timedelta(seconds=LIMIT + 11)) == 0


def test_the_board_keeps_the_heavy_figures_for_its_ttl_and_running_is_always_fresh(app, make_contest, make_user,
                                                                                   district):
    cid = make_contest()
    a, b = make_user(phone="0916000301", unit="H1"), make_user(phone="0916000302", unit="H2")
    board = live.Board()
    with app.app_context():
        contest, round_, first, second = load(cid, a, b)
        attempts.submit(attempts.start(first, contest, now=START), contest, now=START + timedelta(minutes=5))
        _db.session.commit()
        seen = live.watch(contest, round_, START + timedelta(minutes=6), board=board, ttl=30)
        attempts.start(second, contest, now=START + timedelta(minutes=6, seconds=5))
        _db.session.commit()
        again = live.watch(contest, round_, START + timedelta(minutes=6, seconds=20), board=board, ttl=30)
        assert again.totals is seen.totals and again.running == 1          # cached: one submitted; running: now
        later = live.watch(contest, round_, START + timedelta(minutes=6, seconds=40), board=board, ttl=30)
        assert later.totals is not seen.totals and later.totals.participants == 1


def test_the_hourly_chart_is_well_formed_and_escaped():
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    hours = [(datetime(2026, 12, 3, h, tzinfo=tz), c) for h, c in zip(range(8, 12), (0, 5, 1200, 3))]
    svg = ET.fromstring(str(live.hourly_bars(hours, "Lượt <b>")))
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.find(f"{ns}title").text == "Lượt <b>"
    bars = svg.findall(f"{ns}rect")
    assert len(bars) == 4 and bars[2].find(f"{ns}title").text == "10:00–10:59 03/12/2026: 1.200 lượt nộp bài"
    assert "11h" in [t.text for t in svg.findall(f"{ns}text")]
    empty = ET.fromstring(str(live.hourly_bars([(h, 0) for h, _ in hours], "Trống")))
    assert "Chưa có lượt nộp bài nào" in "".join(empty.itertext())


def test_the_hours_follow_the_contests_zone_across_a_daylight_saving_change():
    from quiz.contests.live import _local_hour

    tz = ZoneInfo("Europe/Paris")            # 25/10/2026: 03:00 CEST → 02:00 CET
    first = _local_hour(datetime(2026, 10, 24, 23, 30), tz)
    steps, hour = [], first
    for _ in range(4):
        steps.append(hour.strftime("%H %Z"))
        hour = (hour.astimezone(timezone.utc) + timedelta(hours=1)).astimezone(tz)
    assert steps == ["01 CEST", "02 CEST", "02 CET", "03 CET"]


def test_one_thread_computes_a_stale_entry_while_the_others_keep_the_previous_one():
    board, started, release, calls = live.Board(), threading.Event(), threading.Event(), []
    old = live.Totals(computed_at=START, submitted=1, submitted_today=1, participants=1, expected=1)

    def slow():
        calls.append(1)
        started.set()
        release.wait(5)
        return live.Totals(computed_at=START + timedelta(minutes=1), submitted=2, submitted_today=2, participants=2,
                           expected=2)

    assert board.get(7, START, 30, lambda: old) is old
    later = START + timedelta(minutes=1)
    got: list = []
    worker = threading.Thread(target=lambda: got.append(board.get(7, later, 30, slow)))
    worker.start()
    started.wait(5)
    assert board.get(7, later, 30, slow) is old          # not computed twice: the previous entry meanwhile
    release.set()
    worker.join(5)
    assert got[0].submitted == 2 and calls == [1] and board.get(7, later, 30, slow) is got[0]
