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


@pytest.mark.parametrize("changes, field, expected", [
    ({"slug": "Có Dấu"}, "slug", "chữ thường không dấu"),
    ({"title": ""}, "title", "Vui lòng nhập"),
    ({"time_limit_s": 0}, "time_limit_s", "lớn hơn 0"),
    ({"time_limit_s": 10**12}, "time_limit_s", "tối đa 1440"),      # an int4 overflow would be a 500
    ({"max_attempts": -1}, "max_attempts", "từ 0 đến 1000"),
    ({"counting": "average"}, "counting", "“average” không phải lựa chọn có sẵn"),
    ({"tie_break": ["score", "score"]}, "tie_break", "Mỗi tiêu chí chỉ dùng một lần"),
    ({"tie_break": ["luck"]}, "tie_break", "Không có tiêu chí: luck"),
    ({"prediction": {"metric": "weather"}}, "prediction_metric", "không phải lựa chọn"),
    ({"prediction": {"prompt": "Bao nhiêu?"}}, "prediction_metric", "Chọn điều thí sinh dự đoán"),
    ({"round": [{"opens": "2026-12-07 21:00", "closes": "2026-12-01 07:00"}]}, "round-0-closes",
     "Giờ đóng phải sau giờ mở"),
    ({"round": [{"opens": "ngày mai", "closes": "2026-12-01 07:00"}]}, "round-0-opens", "dd/mm/yyyy HH:MM"),
    ({"round": [{"closes": "2026-12-01 07:00"}]}, "round-0-opens", "Vui lòng nhập ngày giờ"),
    ({"round": []}, "round", "ít nhất một đợt"),
    ({"draw": []}, "draw", "ít nhất một dòng rút đề"),
    ({"draw": [{"bank": "Không có", "count": 5}]}, "draw-0-bank", "Không có ngân hàng “Không có”"),
    ({"draw": [{"bank": "Chuyên đề năm 2026 – Bắc Ninh", "count": 61}]}, "draw-0-count",
     "Cần 61 câu nhưng ngân hàng chỉ có 60 câu phù hợp"),
    ({"draw": [{"bank": "Chuyên đề năm 2026 – Bắc Ninh"}]}, "draw-0-count", "Vui lòng nhập một số"),
    ({"draw": [{"bank": "Chuyên đề năm 2026 – Bắc Ninh", "count": 5, "difficulty": "rất khó"}]}, "draw-0-difficulty",
     "không phải lựa chọn"),
    ({"division": [{"code": "A", "name": "A", "categories": ["nguoi_ngoai_hanh_tinh"]}]}, "division-0-categories",
     "Không có đối tượng: nguoi_ngoai_hanh_tinh"),
    ({"division": [{"code": "A", "name": "A"}, {"code": "A", "name": "B"}]}, "division-1-code", "đã dùng"),
    ({"round": [{"opens": "2026-12-01 07:00", "closes": "2026-12-07 21:00", "days": "T6-T2"}]}, "round-0-days",
     "T2-T6"),
    ({"round": [{"opens": "2026-12-01 07:00", "closes": "2026-12-07 21:00", "hours": "17:30-07:30"}]},
     "round-0-hours", "07:30-17:30"),
    ({"eligibility": "friends"}, "eligibility", "không phải lựa chọn"),
    ({"eligibility": "units"}, "units", "Cần chọn ít nhất một đơn vị"),
    ({"eligibility": "roster", "units": ["TU"]}, "units", "Chỉ chọn đơn vị khi"),
    ({"units": ["KHONG-CO"]}, "units", "Không có đơn vị mã “KHONG-CO”"),
    ({"prize": [{"name": "Nhất", "count": 1, "division": "Z"}]}, "prize-0-division", "Không có bảng “Z”"),
    ({"prize": [{"name": "Nhất", "count": 1, "round": 3}]}, "prize-0-round", "Không có đợt thi số 3"),
    ({"prize": [{"name": "", "count": 1}]}, "prize-0-name", "Vui lòng nhập"),
    ({"collective": {"metric": "rate", "points": {"Vàng": 1}}}, "collective_points", "không có giải cá nhân: Vàng"),
    ({"collective": {"level": 1}}, "collective_metric", "Chọn cách xếp hạng đơn vị"),
    ({"collective": {"metric": "rate", "ties": "coin"}}, "collective_ties", "không phải lựa chọn"),
    ({"shared_rank": "yes"}, "shared_rank", "có hoặc không"),
    ({"one_prize": "all"}, "one_prize", "không phải lựa chọn"),
    ({"certificate_place": "x" * 101}, "certificate_place", "Dài tối đa 100 ký tự"),
])
def test_each_error_is_placed_at_its_field_and_nothing_is_written(db, shipped, changes, field, expected):
    result = setup.create(spec(**changes), tz=TZ)
    placed = result.checked.by_field()
    assert any(expected in message for message in placed.get(field, [])), placed
    assert result.contest is None
    assert db.session.query(Contest).count() == 0


def test_a_file_error_names_the_place_in_vietnamese_and_the_toml_key(db, shipped):
    result = setup.create(spec(counting="average", round=[{"opens": "2026-12-07 21:00", "closes": "2026-12-01 07:00"}]),
                          tz=TZ)
    assert messages(result) == ("Lượt được tính (counting): “average” không phải lựa chọn có sẵn; hãy chọn trong "
                                "danh sách. Dùng một trong: best, most_correct, first, last. | "
                                "Đợt thi 1 › Đóng lúc ([[round]] 1 › closes): Giờ đóng phải sau giờ mở.")
    # the form shows the message alone beside the field, and the place in Vietnamese above: no file keys
    shown = [issue.shown() for issue in result.errors]
    assert shown == ["Lượt được tính: “average” không phải lựa chọn có sẵn; hãy chọn trong danh sách.",
                     "Đợt thi 1 › Đóng lúc: Giờ đóng phải sau giờ mở."]


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
    assert "chạy thử" in dry.output and "lưu ý" in dry.output and "72 câu, nhưng chỉ có 60" in dry.output
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


def test_cli_exports_a_contest_that_creates_again(app, runner, tmp_path):
    from quiz.audit import services as audit
    from quiz.banks import shipped
    from quiz.db import utcnow
    from quiz.extensions import db

    with app.app_context():
        shipped.load(utcnow())
        db.session.commit()
    assert runner.invoke(args=["contests", "create", "--from", str(EXAMPLE)]).exit_code == 0
    printed = runner.invoke(args=["contests", "export", "tim-hieu-chuyen-de-2026"])
    assert printed.exit_code == 0 and "[[round]]  # Đợt thi" in printed.output
    again = tmp_path / "lan-hai.toml"
    assert runner.invoke(args=["contests", "export", "tim-hieu-chuyen-de-2026", "--to", str(again)]).exit_code == 0
    again.write_text(again.read_text(encoding="utf-8").replace('"tim-hieu-chuyen-de-2026"', '"lan-hai"'),
                     encoding="utf-8")
    done = runner.invoke(args=["contests", "create", "--from", str(again)])
    assert done.exit_code == 0, done.output
    with app.app_context():
        first, second = (setup.of_contest(db.session.scalars(db.select(Contest).where(Contest.slug == s)).one())
                         for s in ("tim-hieu-chuyen-de-2026", "lan-hai"))
        assert {**second, "slug": first["slug"]} == first
        assert [e.actor_id for e, _ in audit.entries() if e.action == "contest.create"] == [None, None]  # the CLI
    missing = runner.invoke(args=["contests", "export", "khong-co"])
    assert missing.exit_code == 1 and "Không tìm thấy cuộc thi" in missing.output


def test_cli_reports_every_error_with_its_place_and_key(app, runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "X"\ncounting = "average"\n[[round]]\nopens = "2026-12-07 21:00"\n'
                   'closes = "2026-12-01 07:00"\n', encoding="utf-8")
    result = runner.invoke(args=["contests", "create", "--from", str(bad)])
    assert result.exit_code == 1
    assert "Lượt được tính (counting): “average” không phải lựa chọn có sẵn" in result.output
    assert "Đợt thi 1 › Đóng lúc ([[round]] 1 › closes): Giờ đóng phải sau giờ mở." in result.output
    assert "Rút đề ([[draw]]): Cần ít nhất một dòng rút đề." in result.output
