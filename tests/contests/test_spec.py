"""The declared specification: one table of fields behind the form, the TOML file, the CLI
and the documented example; what each kind reads, and the round trips between them."""
from __future__ import annotations

import re
import tomllib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import MultiDict

from quiz.config import ROOT
from quiz.contests import spec

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLE_TEXT = (ROOT / "docs" / "contest.example.toml").read_text(encoding="utf-8")
EXAMPLE = tomllib.loads(EXAMPLE_TEXT)


@pytest.fixture
def shipped(db):
    from quiz.banks import shipped
    from quiz.db import utcnow

    shipped.load(utcnow())
    db.session.commit()


def test_every_declared_field_is_documented_in_the_example_in_vietnamese():
    keys = {f.key.split(".")[-1] for f in spec.SETTINGS} | {f.key for t in spec.TABLES for f in t.fields}
    written = set(re.findall(r"^#? ?([a-z_]+) =", EXAMPLE_TEXT, re.M))
    assert keys - written == set()
    for t in spec.TABLES:
        assert f"[[{t.key}]]" in EXAMPLE_TEXT
    assert "[prediction]" in EXAMPLE_TEXT and "[collective]" in EXAMPLE_TEXT


def test_every_field_has_a_vietnamese_label_and_a_contest_column():
    from quiz.contests.models import Contest

    for f in spec.SETTINGS:
        assert f.label and not re.search(r"[a-z]+_[a-z]+", f.label), f.key
        if f.column_name:
            assert hasattr(Contest, f.column_name), f.key


def test_the_example_reads_without_unknown_keys(db, shipped):
    checked = spec.check(EXAMPLE, tz=TZ)
    assert checked.errors == []
    assert not any("không dùng đến" in issue.message for issue in checked.warnings)
    assert checked.matches == [60, 60] and checked.fresh == [60, 60]


def test_a_misspelt_key_is_a_warning_naming_it(db, shipped):
    checked = spec.check({**EXAMPLE, "max_attempt": 2, "round": [{**EXAMPLE["round"][0], "close": "x"}]}, tz=TZ)
    [unknown] = [i for i in checked.warnings if "không dùng đến" in i.message]
    assert "max_attempt" in unknown.message and "[[round]] close" in unknown.message


@pytest.mark.parametrize("raw, expected", [
    ("01/12/2026 07:00", datetime(2026, 12, 1, 7, 0)),
    ("2026-12-01 07:00", datetime(2026, 12, 1, 7, 0)),
    ("2026-12-01T07:00:30", datetime(2026, 12, 1, 7, 0, 30)),
    ("2026-12-01T00:00:00+00:00", datetime(2026, 12, 1, 7, 0)),       # an offset is read in the contest's zone
    (datetime(2026, 12, 1, 7, 0), datetime(2026, 12, 1, 7, 0)),      # a TOML local datetime
    (" 1/12/2026  7:00 ", datetime(2026, 12, 1, 7, 0)),
])
def test_a_moment_is_read_as_local_time(raw, expected):
    assert spec.Moment().parse(raw, TZ) == expected


@pytest.mark.parametrize("raw", ["ngày mai", "31/02/2026 07:00", 20261201, "", None])
def test_a_moment_that_is_not_one_is_refused(raw):
    with pytest.raises(spec.Invalid):
        spec.Moment().parse(raw, TZ)


@pytest.mark.parametrize("kind, shown, value", [
    (spec.setting("time_limit_s").kind, "20", 1200),          # the form says minutes, the file seconds
    (spec.setting("time_limit_s").kind, "1,5", 90),
    (spec.setting("min_delay_s").kind, "0", 0),
    (spec.setting("max_attempts").kind, "3", 3),
    (spec.setting("tie_break").kind, {"score": "1", "time_used": "2", "prediction": ""}, ["score", "time_used"]),
    (spec.setting("collective.points").kind, {"Nhất": "5", "Nhì": "2,5", "Ba": ""}, {"Nhất": 5, "Nhì": 2.5}),
    (spec.ROUND.field("days").kind, ["T2", "T3", "T4", "T5", "T6"], "12345"),
    (spec.ROUND.field("hours").kind, "07:30-17:30", (450, 1050)),
])
def test_what_the_form_shows_reads_back_to_the_value(kind, shown, value):
    assert kind.parse(kind.read(shown), TZ) == value
    assert kind.parse(kind.read(kind.show(kind.dump(value))), TZ) == value


def test_days_are_written_compactly():
    assert spec.days_text("12345") == "T2-T6"
    assert spec.days_text("135") == "T2, T4, T6"
    assert spec.days_text("1267") == "T2, T3, T7, CN"
    assert spec.days_text("1234567") == "T2-CN"


def test_a_slug_is_made_from_the_title_and_kept_free(db, shipped):
    assert spec.slug_of("Hội thi tìm hiểu Chuyên đề năm 2026 – Đắk Lắk!") == "hoi-thi-tim-hieu-chuyen-de-nam-2026-dak-lak"
    from quiz.contests import setup

    raw = {k: v for k, v in EXAMPLE.items() if k != "slug"}
    first = setup.create(raw, tz=TZ).contest
    second = setup.create(raw, tz=TZ).contest
    assert (first.slug, second.slug) == ("hoi-thi-truc-tuyen-tim-hieu-chuyen-de-nam-2026",
                                         "hoi-thi-truc-tuyen-tim-hieu-chuyen-de-nam-2026-2")


def test_the_legacy_one_prize_per_person_is_first_win(db, shipped):
    raw = {k: v for k, v in EXAMPLE.items() if k != "one_prize"}
    assert spec.check({**raw, "one_prize_per_person": True}, tz=TZ).values["one_prize"] == "first_win"
    assert spec.check({**raw, "one_prize_per_person": False}, tz=TZ).values["one_prize"] == "none"
    refused = spec.check({**raw, "one_prize_per_person": "có"}, tz=TZ)
    assert [i.field for i in refused.errors] == ["one_prize"]


def form_post(data: dict) -> MultiDict:
    """``form_data`` as the inputs a browser sends (the names the template uses)."""
    post = MultiDict()
    for f in spec.SETTINGS:
        value = data[f.name]
        if f.kind.widget == "checkbox":
            if value:
                post.add(f.name, "1")
        elif f.kind.widget == "order":
            for key, position in value.items():
                post.add(f"{f.name}-{key}", position)
        elif f.kind.widget == "points":
            for name, points in value.items():
                post.add(f"{f.name}:{name}", points)
        elif isinstance(value, list):
            for item in value:
                post.add(f.name, item)
        else:
            post.add(f.name, value)
    for t in spec.TABLES:
        for i, row in enumerate(data[t.key]):
            post.add(f"{t.key}-{i}-row", "1")
            for f in t.fields:
                value = row[f.key]
                for item in value if isinstance(value, list) else [value]:
                    post.add(f"{t.key}-{i}-{f.key}", item)
    return post


def test_the_form_round_trip_loses_nothing(db, shipped):
    raw = {**EXAMPLE, "round": [{**EXAMPLE["round"][0], "days": "T2-T6", "hours": "07:30-17:30"},
                                EXAMPLE["round"][1]],
           "prize": [{"name": "Nhất", "count": 1, "division": "A", "round": 2}, *EXAMPLE["prize"][1:]]}
    direct = spec.check(raw, tz=TZ)
    through = spec.check(spec.raw_of(spec.posted(form_post(spec.form_data(raw, TZ)))), tz=TZ)
    assert direct.errors == [] and through.errors == []
    assert through.values == direct.values


def test_the_toml_round_trip_loses_nothing(db, shipped):
    direct = spec.check(EXAMPLE, tz=TZ)
    again = spec.check(tomllib.loads(spec.to_toml(spec.dump(direct.values), "x")), tz=TZ)
    assert again.values == direct.values and again.errors == []


def test_blank_rows_are_left_out_and_row_buttons_add_and_remove(db):
    data = spec.form_data(spec.defaults(), TZ)
    spec.apply_action(data, "add:round")
    spec.apply_action(data, "add:prize")
    assert len(data["round"]) == 2 and len(data["prize"]) == 1
    raw = spec.raw_of(data)
    assert raw["round"] == [] and raw["prize"] == [] and raw["draw"] == []
    spec.apply_action(data, "remove:round-0")
    spec.apply_action(data, "remove:round-9")       # not there: nothing happens
    spec.apply_action(data, "remove:nothing-0")
    assert len(data["round"]) == 1


def test_divisions_without_a_code_get_the_next_letter():
    data = spec.form_data({"division": [{"code": "A", "name": "Một"}, {"name": "Hai"}, {"name": "Ba"}, {}]}, TZ)
    spec.fill_codes(data)
    assert [row["code"] for row in data["division"]] == ["A", "B", "C", ""]


def test_an_issue_is_placed_for_the_form_and_named_for_a_file():
    issue = spec.Issue(("round", 1, "closes"), "Giờ đóng phải sau giờ mở.")
    assert issue.field == "round-1-closes"
    assert issue.shown() == "Đợt thi 2 › Đóng lúc: Giờ đóng phải sau giờ mở."
    assert str(issue) == "Đợt thi 2 › Đóng lúc ([[round]] 2 › closes): Giờ đóng phải sau giờ mở."
    metric = spec.Issue(("collective.metric",), "Chọn…", "Dùng một trong: rate.")
    assert metric.field == "collective_metric"
    assert str(metric) == "Giải tập thể xếp đơn vị theo (collective.metric): Chọn… Dùng một trong: rate."


# Any file at all: an answer, never a crash -----------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

KEYS = sorted({f.key.split(".")[0] for f in spec.SETTINGS} | {f.key.split(".")[-1] for f in spec.SETTINGS}
              | {f.key for t in spec.TABLES for f in t.fields} | {"one_prize_per_person"})
SCALARS = (st.none() | st.booleans() | st.integers(-10**15, 10**15) | st.floats(allow_nan=True)
           | st.text(max_size=12) | st.sampled_from(["best", "T2-T6", "07:30-17:30", "2026-12-01 07:00",
                                                     "01/01/0001 00:00", "\x00", "A", "Nhất", "score"])
           | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=4),
                      max_leaves=12)
FILES = st.dictionaries(st.sampled_from(KEYS + ["round", "draw", "division", "prize", "prediction", "collective"]),
                        VALUES, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(FILES)
def test_any_specification_is_answered_with_problems_never_an_exception(db, raw):
    checked = spec.check(raw, tz=TZ)
    for issue in checked.errors + checked.warnings:
        assert str(issue) and issue.shown()
    data = spec.form_data(raw, TZ)
    spec.fill_codes(data)
    spec.check(spec.raw_of(data), tz=TZ)


@pytest.mark.parametrize("position", ["²", "１", "9" * 5000])
def test_a_ranking_position_that_is_not_ascii_digits_is_refused(position):
    with pytest.raises(spec.Invalid, match="Thứ tự cần là một số"):
        spec.Order(spec.CRITERIA_LABELS).parse({"score": position}, ZoneInfo("UTC"))


@pytest.mark.parametrize("action", ["remove:round-²", "remove:round-" + "9" * 5000, "remove:round-１"])
def test_a_row_button_with_a_hostile_index_removes_nothing(action):
    data = {name: [{"name": "x"}] for name in ("round", "draw", "prize", "division")}
    spec.apply_action(data, action)
    assert data["round"] == [{"name": "x"}]
    spec.apply_action(data, "remove:round-0")
    assert data["round"] == []


def test_huge_numbers_from_a_file_are_shown_not_overflowed():
    kind = spec.Integer(1, 86_400, scale=60, unit="phút")
    assert kind.show(10 ** 400) == "1" + "0" * 400
    assert spec.Points().show({"Nhất": float("inf"), "Nhì": float("nan"), "Ba": 10 ** 400})["Nhất"] == "inf"
