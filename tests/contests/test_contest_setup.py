"""Setting up a contest from a specification: checked whole, then written."""
import tomllib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from quiz.config import ROOT
from quiz.contests import setup
from quiz.contests.models import Contest
from quiz.errors import InvalidFile

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLE = ROOT / "docs" / "contest.example.toml"


@pytest.fixture
def shipped(db):
    from quiz.banks import shipped
    from quiz.db import utcnow

    shipped.load(utcnow())
    db.session.commit()


def spec(**changes):
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def messages(result):
    return " | ".join(str(p) for p in result.errors)


def test_the_example_sets_up_a_contest_in_local_time(db, shipped):
    result = setup.create(spec(), tz=TZ)
    assert result.errors == []
    contest = result.contest
    assert [r.name for r in contest.rounds] == ["Tuần 1", "Tuần 2"]
    assert contest.rounds[0].opens_at == datetime(2026, 12, 1, 0, 0)      # 07:00 in Hà Nội is 00:00 UTC
    assert [d.code for d in contest.divisions] == ["A", "B"]
    assert sum(r.count for r in contest.draw_rules) == 20
    assert contest.max_attempts == 3 and contest.tie_break == "score,prediction,time_used,submitted_at"
    # 3 attempts × 2 rounds × 12 questions = 72 > 60 in the Bắc Ninh bank: a warning with the numbers
    assert any("72 câu, nhưng chỉ có 60" in str(w) for w in result.warnings)


@pytest.mark.parametrize("changes, expected", [
    ({"slug": "Có Dấu"}, "slug"),
    ({"title": ""}, "title"),
    ({"time_limit_s": 0}, "time_limit_s"),
    ({"counting": "average"}, "counting"),
    ({"tie_break": ["score", "score"]}, "tie_break"),
    ({"prediction": {"metric": "weather"}}, "prediction.metric"),
    ({"round": [{"opens": "2026-12-07 21:00", "closes": "2026-12-01 07:00"}]}, "giờ đóng phải sau giờ mở"),
    ({"round": [{"opens": "ngày mai", "closes": "2026-12-01 07:00"}]}, "YYYY-MM-DD"),
    ({"round": []}, "ít nhất một đợt"),
    ({"draw": [{"bank": "Không có", "count": 5}]}, "không có ngân hàng"),
    ({"draw": [{"bank": "Chuyên đề năm 2026 – Bắc Ninh", "count": 61}]}, "cần 61 câu nhưng ngân hàng chỉ có 60"),
    ({"draw": [{"bank": "Chuyên đề năm 2026 – Bắc Ninh", "count": 5, "difficulty": "rất khó"}]}, "difficulty"),
    ({"division": [{"code": "A", "name": "A", "categories": ["nguoi_ngoai_hanh_tinh"]}]}, "đối tượng không có"),
    ({"round": [{"opens": "2026-12-01 07:00", "closes": "2026-12-07 21:00", "days": "T6-T2"}]}, "round 1: days"),
    ({"round": [{"opens": "2026-12-01 07:00", "closes": "2026-12-07 21:00", "hours": "17:30-07:30"}]},
     "round 1: hours"),
    ({"eligibility": "friends"}, "eligibility"),
    ({"eligibility": "units"}, "cần ít nhất một mã đơn vị"),
    ({"eligibility": "roster", "units": ["TU"]}, "units"),
    ({"units": ["KHONG-CO"]}, "không có đơn vị mã “KHONG-CO”"),
])
def test_each_error_is_named_and_nothing_is_written(db, shipped, changes, expected):
    result = setup.create(spec(**changes), tz=TZ)
    assert expected in messages(result)
    assert result.contest is None
    assert db.session.query(Contest).count() == 0


def test_a_slug_already_used_is_refused(db, shipped):
    setup.create(spec(), tz=TZ)
    with pytest.raises(InvalidFile, match="1 lỗi"):
        setup.create_or_raise(spec(), tz=TZ)


def test_cli_creates_and_dry_run_writes_nothing(app, runner, tmp_path):
    from quiz.banks import shipped
    from quiz.db import utcnow
    from quiz.extensions import db

    with app.app_context():
        shipped.load(utcnow())
        db.session.commit()
    dry = runner.invoke(args=["contests", "create", "--from", str(EXAMPLE), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "chạy thử" in dry.output and "lưu ý" in dry.output
    with app.app_context():
        assert db.session.query(Contest).count() == 0
    done = runner.invoke(args=["contests", "create", "--from", str(EXAMPLE)])
    assert done.exit_code == 0, done.output
    assert "2 đợt, 20 câu mỗi lượt" in done.output
    bad = tmp_path / "bad.toml"
    bad.write_text('slug = "x"\ntitle = ', encoding="utf-8")
    result = runner.invoke(args=["contests", "create", "--from", str(bad)])
    assert result.exit_code == 1 and "TOML" in result.output


@pytest.mark.parametrize("changes", [{"round": "x"}, {"draw": [1]}, {"prediction": "x"}, {"division": {"a": 1}}])
def test_a_specification_of_the_wrong_shape_is_an_error_not_a_crash(db, shipped, changes):
    result = setup.create(spec(**changes), tz=TZ)
    assert result.errors and result.contest is None


def test_the_demo_has_a_contest_open_now_and_loading_it_twice_changes_nothing(db):
    from quiz import demo
    from quiz.contests.schedule import current_round
    from quiz.db import utcnow

    now = utcnow()
    demo.load(now)
    demo.load(now)
    contests = db.session.query(Contest).all()
    assert [c.slug for c in contests] == [demo.CONTEST_SLUG]
    assert current_round(contests[0], now).name == "Tuần 1"
    practice = contests[0].rounds[0]
    assert practice.name == "Tuần thi thử" and practice.closes_at < now


def test_an_organiser_can_freeze_publish_and_export_the_demo_practice_round(db, tmp_path):
    from quiz import demo
    from quiz.db import utcnow
    from quiz.rankings import services as rankings
    from quiz.reports import exports
    from quiz.units.services import by_code

    now = utcnow()
    demo.load(now)
    contest = db.session.query(Contest).one()
    practice = contest.rounds[0]
    assert rankings.freeze(practice, contest, now=now) == len(demo.MEMBER_NAMES)
    rankings.publish(practice, now=now)
    assert [s.prize for s in rankings.standings(practice, contest.divisions[0].id)][:1] == ["Nhất"]
    exports.xlsx(str(tmp_path / "tinh.xlsx"), contest, by_code(demo.ROOT_CODE), practice, now)
    assert (tmp_path / "tinh.xlsx").stat().st_size > 5000


def test_a_daily_window_and_a_roster_are_set_up(db, shipped):
    rounds = [{"name": "Tuần 1", "opens": "2026-12-01 07:00", "closes": "2026-12-07 21:00", "days": "T2-T6",
               "hours": "07:30-17:30"}, {"name": "Tuần 2", "opens": "2026-12-08 07:00", "closes": "2026-12-14 21:00"}]
    result = setup.create(spec(round=rounds, eligibility="roster"), tz=TZ)
    assert result.errors == []
    first, second = result.contest.rounds
    assert (first.window_days, first.window_opens_min, first.window_closes_min) == ("12345", 450, 1050)
    assert second.window_days is None
    assert result.contest.time_zone == "Asia/Ho_Chi_Minh" and result.contest.eligibility == "roster"
    assert any("nhớ nhập danh sách" in str(w) for w in result.warnings)
