"""Editing, copying and deleting a contest (the services, ``now`` injected): everything before
the first attempt; afterwards only what does not change how a running round is scored; every
action in the audit log with who did it and what changed."""
from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from quiz.audit import services as audit
from quiz.config import ROOT
from quiz.contests import services, setup
from quiz.contests.models import Contest, Division, DrawRule, Round
from quiz.errors import Conflict

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLE = tomllib.loads((ROOT / "docs" / "contest.example.toml").read_text(encoding="utf-8"))
NOW = datetime(2026, 12, 3, 5, 0)        # UTC: round 1 (01/12 – 07/12 local) is open, round 2 not yet


@pytest.fixture
def shipped(db):
    from quiz.banks import shipped

    shipped.load(NOW)
    db.session.commit()


@pytest.fixture
def actor(make_user):
    return make_user(phone="0915000009", role="organiser", full_name="Lê Thị Tổ Chức").id


@pytest.fixture
def contest(db, shipped):
    contest = setup.create(EXAMPLE, tz=TZ).contest
    db.session.commit()
    return contest


def raw_of(contest, **changes) -> dict:
    raw = setup.of_contest(contest, TZ)
    raw.update(changes)
    return raw


def with_attempt(db, contest, make_user) -> None:
    from quiz.accounts.models import User
    from quiz.attempts.models import Attempt

    user = db.session.get(User, make_user(phone="0912888001").id)
    round_ = contest.rounds[0]
    start = round_.opens_at + timedelta(hours=1)
    db.session.add(Attempt(contest_id=contest.id, round_id=round_.id, user_id=user.id, number=1, seed=1,
                           unit_id=user.unit_id, started_at=start, deadline_at=start + timedelta(minutes=20),
                           finished_at=start + timedelta(minutes=9), score=15, time_used_ms=540_000))
    db.session.commit()


def test_before_the_first_attempt_everything_changes_and_rounds_keep_their_ids(db, contest, actor):
    first_round = contest.rounds[0].id
    raw = raw_of(contest, time_limit_s=900, counting="first", tie_break=["score", "time_used"], slug="doi-ten")
    raw["round"][0]["closes"] = "2026-12-06 21:00"
    raw["round"].append({"name": "Tuần 3", "opens": "2026-12-15 07:00", "closes": "2026-12-21 21:00",
                         "days": "T2-T6", "hours": "07:30-17:30"})
    raw["draw"] = [{"bank": "Chuyên đề năm 2026 – Bắc Ninh", "count": 10, "difficulty": "de"}]
    raw["division"] = [{"code": "A", "name": "Bảng chung", "categories": []}]
    raw["prize"] = raw["prize"][:2]
    raw["collective"]["points"] = {"Nhất": 5, "Nhì": 3}
    result = setup.edit(contest, raw, tz=TZ, now=NOW, actor_id=actor)
    assert result.errors == [], result.errors
    db.session.commit()
    db.session.expire_all()
    contest = db.session.get(Contest, contest.id)
    assert (contest.time_limit_s, contest.counting, contest.tie_break, contest.slug) == (
        900, "first", "score,time_used", "doi-ten")
    assert [r.id for r in contest.rounds][0] == first_round and len(contest.rounds) == 3
    assert contest.rounds[2].window_days == "12345"
    assert [(r.count, r.difficulty) for r in contest.draw_rules] == [(10, "de")]
    assert [(d.code, d.name) for d in contest.divisions] == [("A", "Bảng chung")]
    assert [t.name for t in contest.prize_tiers] == ["Nhất", "Nhì"]
    [(entry, name)] = audit.entries(contest_id=contest.id)
    assert entry.action == "contest.edit" and name == "Lê Thị Tổ Chức" and entry.at == NOW
    assert entry.changes["Thời gian làm bài"] == ["20 phút", "15 phút"]
    assert entry.changes["Đợt thi 1 › Đóng lúc"] == ["07/12/2026 21:00", "06/12/2026 21:00"]
    assert entry.changes["Đợt thi: số dòng"] == ["2", "3"]


def test_a_check_writes_nothing_and_an_edit_without_changes_is_not_logged(db, contest, actor):
    checked = setup.edit(contest, raw_of(contest, title="Khác"), tz=TZ, now=NOW, actor_id=actor, dry_run=True)
    assert checked.errors == [] and checked.changes == {"Tên cuộc thi": [contest.title, "Khác"]}
    db.session.rollback()
    same = setup.edit(contest, raw_of(contest), tz=TZ, now=NOW, actor_id=actor)
    assert same.errors == [] and same.changes == {}
    assert audit.entries(contest_id=contest.id) == []
    assert db.session.get(Contest, contest.id).title == EXAMPLE["title"]


@pytest.mark.parametrize("changes, field", [
    ({"time_limit_s": 900}, "time_limit_s"),
    ({"grace_s": 60}, "grace_s"),
    ({"max_attempts": 5}, "max_attempts"),
    ({"min_delay_s": 0}, "min_delay_s"),
    ({"counting": "last"}, "counting"),
    ({"tie_break": ["score"]}, "tie_break"),
    ({"prediction": {"metric": "participants", "prompt": "?"}}, "prediction_metric"),
    ({"eligibility": "roster"}, "eligibility"),
    ({"slug": "ten-khac"}, "slug"),
    ({"draw": [{"bank": "Chuyên đề năm 2026 – Bắc Ninh", "count": 20}]}, "draw"),
    ({"division": [{"code": "A", "name": "Một bảng"}]}, "division"),
])
def test_once_attempts_exist_what_scores_a_running_round_is_refused_with_the_reason(db, contest, actor, make_user,
                                                                                     changes, field):
    with_attempt(db, contest, make_user)
    result = setup.edit(contest, raw_of(contest, **changes), tz=TZ, now=NOW, actor_id=actor)
    assert field == result.errors[0].field and result.errors
    for issue in result.errors:
        assert issue.message.startswith("Không sửa được nữa. Cuộc thi đã có lượt thi")
        assert "sao chép thành cuộc thi mới" in issue.message
    assert audit.entries(contest_id=contest.id) == []


def test_once_attempts_exist_the_title_rules_prizes_certificate_and_rounds_not_opened_still_change(
        db, contest, actor, make_user):
    with_attempt(db, contest, make_user)
    raw = raw_of(contest, title="Tên đã sửa", rules="Thể lệ mới", one_prize="higher_kept", shared_rank=True,
                 show_answers="never", certificates_for_all=True, certificate_place="Bắc Ninh",
                 certificate_signer_title="TRƯỞNG BAN", certificate_signer_name="Nguyễn Văn Bình")
    raw["prize"].append({"name": "Triển vọng", "count": 3, "division": "B"})
    raw["round"][0]["name"] = "Tuần một"                       # the name of an opened round: yes
    raw["round"][1]["opens"] = "2026-12-09 07:00"              # a round not yet opened: yes
    raw["round"].append({"name": "Tuần 3", "opens": "2026-12-15 07:00", "closes": "2026-12-21 21:00"})
    result = setup.edit(contest, raw, tz=TZ, now=NOW, actor_id=actor)
    assert result.errors == [], result.errors
    db.session.commit()
    contest = db.session.get(Contest, contest.id)
    assert (contest.title, contest.one_prize, contest.shared_rank, contest.certificate_signer_name) == (
        "Tên đã sửa", "higher_kept", True, "Nguyễn Văn Bình")
    assert [r.name for r in contest.rounds] == ["Tuần một", "Tuần 2", "Tuần 3"]
    assert contest.rounds[1].opens_at == datetime(2026, 12, 9, 0, 0)
    assert contest.prize_tiers[-1].division_code == "B"


def test_an_opened_round_keeps_its_times_and_cannot_be_removed(db, contest, actor, make_user):
    with_attempt(db, contest, make_user)
    raw = raw_of(contest)
    raw["round"][0]["closes"] = "2026-12-05 21:00"
    [issue] = setup.edit(contest, raw, tz=TZ, now=NOW, actor_id=actor).errors
    assert issue.field == "round-0" and "Đợt đã mở lúc 07:00 01/12/2026" in issue.message
    assert "Gia hạn" in issue.message
    raw = raw_of(contest)
    raw["round"] = raw["round"][1:]
    assert "đã mở: không xoá được" in str(setup.edit(contest, raw, tz=TZ, now=NOW, actor_id=actor).errors)
    raw = raw_of(contest)
    raw["round"] = raw["round"][:1]                            # the round not yet opened: removed
    assert setup.edit(contest, raw, tz=TZ, now=NOW, actor_id=actor).errors == []


def test_once_a_round_is_frozen_its_prizes_are_kept(db, contest, actor):
    contest.rounds[0].frozen_at = NOW
    db.session.commit()
    raw = raw_of(contest, title="Vẫn sửa được")
    raw["prize"][0]["count"] = 2
    [issue] = setup.edit(contest, raw, tz=TZ, now=NOW, actor_id=actor).errors
    assert issue.field == "prize" and "Kết quả đợt “Tuần 1” đã chốt" in issue.message
    assert setup.edit(contest, raw_of(contest, title="Vẫn sửa được"), tz=TZ, now=NOW, actor_id=actor).errors == []
    locks = setup.locks_for(contest, NOW)
    assert locks.reason("results") and not locks.reason("attempts") and locks.opened == {}


def test_a_copy_moves_every_round_together_and_opens_none(db, contest, actor):
    result = setup.copy(contest, title="Hội thi năm 2027", slug="tim-hieu-2027", first_opens="06/12/2027 07:00",
                        tz=TZ, now=NOW, actor_id=actor)
    assert result.errors == [], result.errors
    db.session.commit()
    copy = services.contest_by_slug("tim-hieu-2027")
    shift = copy.rounds[0].opens_at - contest.rounds[0].opens_at
    assert copy.rounds[0].opens_at == datetime(2027, 12, 6, 0, 0)
    assert [(r.opens_at - shift, r.closes_at - shift) for r in copy.rounds] == [
        (r.opens_at, r.closes_at) for r in contest.rounds]
    expected = {**setup.of_contest(contest), "round": None, "title": None, "slug": None}
    assert {**setup.of_contest(copy), "round": None, "title": None, "slug": None} == expected
    [(entry, name)] = audit.entries(contest_id=copy.id)
    assert entry.action == "contest.copy" and name == "Lê Thị Tổ Chức"
    assert entry.changes["Sao chép từ"] == [None, "tim-hieu-chuyen-de-2026"]


@pytest.mark.parametrize("first_opens, expected", [
    ("03/12/2026 11:00", "phải mở sau bây giờ"),                # NOW is 12:00 local
    ("ngày mai", "dd/mm/yyyy HH:MM"),
])
def test_a_copy_whose_first_round_would_be_open_is_refused(db, contest, actor, first_opens, expected):
    result = setup.copy(contest, title="X", slug="x", first_opens=first_opens, tz=TZ, now=NOW, actor_id=actor)
    assert [i.field for i in result.errors] == ["first_opens"] and expected in result.errors[0].message
    assert result.contest is None


def test_a_roster_contest_is_copied_without_its_roster_and_says_so(db, shipped, actor, make_unit):
    source = setup.create({**EXAMPLE, "eligibility": "roster"}, tz=TZ).contest
    db.session.commit()
    result = setup.copy(source, title="Y", slug="y", first_opens="01/12/2027 07:00", tz=TZ, now=NOW, actor_id=actor)
    assert any("không được sao chép" in w.message for w in result.warnings)


def test_copy_defaults_pick_a_free_slug_and_the_next_week_after_now(db, contest):
    defaults = setup.copy_defaults(contest, datetime(2026, 12, 20, 0, 0))
    assert defaults["slug"] == "tim-hieu-chuyen-de-2026-ban-sao"
    assert defaults["first_opens"] == "22/12/2026 07:00"        # whole weeks later: the same weekday and hour
    assert defaults["title"].endswith("(bản sao)")


def test_a_contest_without_attempts_is_deleted_with_its_rows(db, contest, actor):
    contest_id = contest.id
    assert setup.delete(contest, now=NOW, actor_id=actor) == EXAMPLE["title"]
    db.session.commit()
    assert db.session.get(Contest, contest_id) is None
    for model in (Round, Division, DrawRule):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    [(entry, name)] = audit.entries()
    assert entry.action == "contest.delete" and entry.contest_id is None and name == "Lê Thị Tổ Chức"
    assert "tim-hieu-chuyen-de-2026" in entry.summary


def test_a_contest_with_attempts_is_not_deleted(db, contest, actor, make_user):
    with_attempt(db, contest, make_user)
    with pytest.raises(Conflict, match="không xoá được"):
        setup.delete(contest, now=NOW, actor_id=actor)
    db.session.rollback()
    assert db.session.get(Contest, contest.id) is not None


def test_creating_and_extending_are_logged(db, shipped, actor):
    result = setup.create_contest(EXAMPLE, tz=TZ, now=NOW, actor_id=actor)
    contest = result.contest
    services.extend_round(contest.rounds[0], datetime(2026, 12, 8, 14, 0), NOW, actor_id=actor)
    db.session.commit()
    entries = audit.entries(contest_id=contest.id)
    assert [(e.action, name) for e, name in entries] == [("round.extend", "Lê Thị Tổ Chức"),
                                                        ("contest.create", "Lê Thị Tổ Chức")]
    assert entries[1][0].summary == f"Tạo cuộc thi “{EXAMPLE['title']}” (2 đợt, 20 câu mỗi lượt)"
    assert entries[0][0].changes == {"Giờ đóng": ["21:00 07/12/2026", "21:00 08/12/2026"]}
    assert entries[0][0].round_id == contest.rounds[0].id
    assert setup.create_contest(EXAMPLE, tz=TZ, now=NOW, actor_id=actor, dry_run=True).contest is None
