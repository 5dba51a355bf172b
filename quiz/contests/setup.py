"""Setting up a contest from a specification (a TOML file, or the same dict from a page).

The whole specification is checked before anything is written: errors name the field at
fault in Vietnamese; warnings (a pool too small to give fresh questions to every allowed
attempt) carry the numbers. Times in the file are local (the configured time zone).

    slug = "tim-hieu-2026"
    title = "Hội thi tìm hiểu Chuyên đề năm 2026"
    time_limit_s = 1200
    max_attempts = 3            # per round; 0 = unlimited
    [[round]]
    name = "Tuần 1"
    opens = "2026-12-01 07:00"
    closes = "2026-12-07 21:00"
    [[draw]]
    bank = "Chuyên đề năm 2026 – Bắc Ninh"
    count = 20

Who may take part: ``eligibility = "everyone"`` (the default); ``units = ["TU.H01", …]``
(eligibility "units": the members of those units' subtrees); or ``eligibility = "roster"``
(the people on a list imported afterwards, see ``quiz.contests.roster``). A round may have
a daily window: ``days = "T2-T6"`` and ``hours = "07:30-17:30"`` (local time). Prizes are
``[[prize]]`` tables (``name``, ``count``, optionally ``division`` and ``round``), awarded in
their order; ``one_prize = "first_win"`` (a holder is passed over in later rounds) or
``"higher_kept"`` (a later higher prize replaces the earlier one, which passes down) keeps
each member to one prize in the contest (``one_prize_per_person = true``, from older files,
is "first_win"); ``shared_rank = true`` gives members equal on every criterion the same rank
and prize; ``certificates_for_all = true`` gives every participant a certificate.
``[collective]`` (``metric``, ``level``, ``count``, ``points``, ``ties``) ranks the units of
one level for collective prizes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from quiz.accounts.models import CATEGORIES
from quiz.banks import services as banks
from quiz.banks.models import DIFFICULTIES
from quiz.contests import draw
from quiz.contests import schedule
from quiz.contests.models import (ANSWERS_SHOWN, COLLECTIVE_TIES, COUNTING, DEFAULT_TIE_BREAK, ELIGIBILITY,
                                  ONE_PRIZE, PREDICTION_METRICS, Contest, Division, DrawRule, EligibleUnit, PrizeTier, Round)
from quiz.errors import InvalidFile, Problem
from quiz.rankings.collective import FORMULAS
from quiz.rankings.criteria import CRITERIA
from quiz.extensions import db
from quiz.text import clean
from quiz.units.models import Unit

TIE_BREAKS = tuple(CRITERIA)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class Setup:
    contest: Contest | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _at(where: str, message: str) -> Problem:
    return Problem(None, f"{where}: {message}")


def local_to_utc(raw, tz: ZoneInfo) -> datetime | None:
    """A local time from the file (``2026-12-01 07:00`` or a TOML datetime) as naive UTC."""
    if isinstance(raw, datetime):
        value = raw
    else:
        try:
            value = datetime.fromisoformat(str(raw).strip())
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc).replace(tzinfo=None)


_TABLES = {"round": "đợt thi ([[round]])", "division": "bảng ([[division]])", "draw": "dòng rút đề ([[draw]])",
           "prize": "giải ([[prize]])"}


def _shape_problems(spec: dict) -> list[Problem]:
    """Lists of tables where lists of tables belong (``round = "x"`` is valid TOML), so the
    whole check in ``setup.create`` can read them."""
    problems = []
    for key, what in _TABLES.items():
        value = spec.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, dict) for v in value)):
            problems.append(Problem(None, f"{key}: cần các mục {what}, mỗi mục là một bảng TOML."))
    if spec.get("prediction") is not None and not isinstance(spec["prediction"], dict):
        problems.append(Problem(None, "prediction: cần một bảng [prediction] với metric và prompt."))
    if spec.get("collective") is not None and not isinstance(spec["collective"], dict):
        problems.append(Problem(None, "collective: cần một bảng [collective] với metric, level, count."))
    return problems


def _daily_window(entry: dict, err) -> dict:
    """A round's optional daily window (``days = "T2-T6"``, ``hours = "07:30-17:30"``; either
    alone means every day or the whole day) as the Round's columns."""
    if entry.get("days") is None and entry.get("hours") is None:
        return {}
    days = schedule.parse_days(entry.get("days", "T2-CN"))
    hours = schedule.parse_hours(entry.get("hours", "00:00-24:00"))
    if days is None:
        err("days cần các thứ như \"T2-T6\" hoặc [\"T2\", \"T4\", \"CN\"].")
    if hours is None:
        err("hours cần khung giờ như \"07:30-17:30\" (giờ mở trước giờ đóng).")
    if days is None or hours is None:
        return {}
    return {"window_days": days, "window_opens_min": hours[0], "window_closes_min": hours[1]}


def create(spec: dict, *, tz: ZoneInfo, dry_run: bool = False) -> Setup:
    """Check ``spec`` whole, then (unless it has errors or ``dry_run``) create the contest."""
    problems = _shape_problems(spec)
    if problems:
        return Setup(errors=problems)
    setup = Setup()
    err = setup.errors.append

    slug, title = clean(spec.get("slug")), clean(spec.get("title"))
    if not _SLUG.fullmatch(slug or "") or len(slug) > 100:
        err(_at("slug", "cần chữ thường không dấu, số và dấu gạch ngang (ví dụ tim-hieu-2026)."))
    elif db.session.scalar(select(Contest.id).where(Contest.slug == slug)) is not None:
        err(_at("slug", f"đã có cuộc thi “{slug}”."))
    if not title or len(title) > 300:
        err(_at("title", "cần tên cuộc thi (tối đa 300 ký tự)."))

    def integer(key, default, minimum):
        value = spec.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            err(_at(key, f"cần một số nguyên từ {minimum} trở lên."))
            return default
        return value

    time_limit = integer("time_limit_s", 1200, 1)
    grace = integer("grace_s", 15, 0)
    max_attempts = integer("max_attempts", 1, 0) or None
    min_delay = integer("min_delay_s", 0, 0)
    for key, allowed, default in (("counting", COUNTING, "best"), ("show_answers", ANSWERS_SHOWN, "after_close")):
        if spec.get(key, default) not in allowed:
            err(_at(key, f"cần một trong: {', '.join(allowed)}."))
    tie_break = spec.get("tie_break", DEFAULT_TIE_BREAK.split(","))
    if (not isinstance(tie_break, list) or not tie_break or any(t not in TIE_BREAKS for t in tie_break)
            or len(set(tie_break)) != len(tie_break)):
        err(_at("tie_break", f"cần danh sách không lặp lại lấy từ: {', '.join(TIE_BREAKS)}."))
        tie_break = DEFAULT_TIE_BREAK.split(",")
    prediction = spec.get("prediction") or {}
    if prediction and prediction.get("metric") not in PREDICTION_METRICS:
        err(_at("prediction.metric", f"cần một trong: {', '.join(PREDICTION_METRICS)}."))

    rounds = []
    for i, entry in enumerate(spec.get("round") or [], start=1):
        opens, closes = local_to_utc(entry.get("opens"), tz), local_to_utc(entry.get("closes"), tz)
        if opens is None or closes is None:
            err(_at(f"round {i}", "giờ mở/đóng cần dạng YYYY-MM-DD HH:MM."))
        elif closes <= opens:
            err(_at(f"round {i}", "giờ đóng phải sau giờ mở."))
        rounds.append(Round(number=i, name=clean(entry.get("name")) or f"Đợt {i}", opens_at=opens, closes_at=closes,
                            **_daily_window(entry, lambda message: err(_at(f"round {i}", message)))))
    if not rounds:
        err(_at("round", "cần ít nhất một đợt thi."))

    divisions = []
    for i, entry in enumerate(spec.get("division") or [], start=1):
        categories = entry.get("categories") or []
        if not clean(entry.get("code")) or not clean(entry.get("name")):
            err(_at(f"division {i}", "cần mã và tên bảng."))
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown:
            err(_at(f"division {i}", f"đối tượng không có: {', '.join(unknown)}."))
        divisions.append(Division(code=clean(entry.get("code")), name=clean(entry.get("name")),
                                  categories=",".join(categories)))

    units = []
    codes = spec.get("units") or []
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        err(_at("units", "cần danh sách mã đơn vị, ví dụ [\"TU.H01\"]."))
        codes = []
    for code in codes:
        unit = db.session.scalars(select(Unit).where(Unit.code == clean(code))).first()
        if unit is None:
            err(_at("units", f"không có đơn vị mã “{code}”."))
        else:
            units.append(unit)
    eligibility = spec.get("eligibility", "units" if codes else "everyone")
    if eligibility not in ELIGIBILITY:
        err(_at("eligibility", f"cần một trong: {', '.join(ELIGIBILITY)}."))
    elif (eligibility == "units") != bool(codes):
        err(_at("units", "chỉ dùng cùng eligibility = \"units\", và khi đó cần ít nhất một mã đơn vị."))
    elif eligibility == "roster":
        setup.warnings.append(_at("eligibility", "chỉ những người trong danh sách dự thi được thi: nhớ nhập danh "
                                                 "sách (quiz contests roster hoặc trang cuộc thi) trước khi mở."))

    rules = []
    for i, entry in enumerate(spec.get("draw") or [], start=1):
        bank = banks.bank_by_name(entry.get("bank", ""))
        count = entry.get("count")
        difficulty = entry.get("difficulty")
        if bank is None:
            err(_at(f"draw {i}", f"không có ngân hàng “{entry.get('bank', '')}”."))
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            err(_at(f"draw {i}", "count cần một số nguyên dương."))
        if difficulty is not None and difficulty not in DIFFICULTIES:
            err(_at(f"draw {i}", f"difficulty cần một trong: {', '.join(DIFFICULTIES)}."))
        if bank is not None:
            rules.append(DrawRule(position=i, bank_id=bank.id, tag=clean(entry.get("tag")) or None,
                                  difficulty=difficulty, count=count if isinstance(count, int) else 1))
    if not rules and not any("draw" in p.message for p in setup.errors):
        err(_at("draw", "cần ít nhất một dòng rút đề."))

    tiers = []
    for i, entry in enumerate(spec.get("prize") or [], start=1):
        name, count, division, number = (clean(entry.get("name")), entry.get("count"), entry.get("division"),
                                         entry.get("round"))
        if not name or len(name) > 50:
            err(_at(f"prize {i}", "cần tên giải (tối đa 50 ký tự), ví dụ \"Nhất\"."))
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            err(_at(f"prize {i}", "count cần một số nguyên dương."))
        if division is not None and division not in {d.code for d in divisions}:
            err(_at(f"prize {i}", f"không có bảng “{division}”."))
        if number is not None and (not isinstance(number, int) or not 1 <= number <= len(rounds)):
            err(_at(f"prize {i}", f"round cần số thứ tự một đợt thi (1 đến {len(rounds)})."))
        tiers.append(PrizeTier(position=i, name=name, count=count if isinstance(count, int) else 1,
                               division_code=division, round_number=number))
    flags = {}
    for key in ("shared_rank", "certificates_for_all"):
        flags[key] = spec.get(key, False)
        if not isinstance(flags[key], bool):
            err(_at(key, "cần true hoặc false."))
    legacy = spec.get("one_prize_per_person")
    if legacy is not None and not isinstance(legacy, bool):
        err(_at("one_prize_per_person", "cần true hoặc false (hoặc dùng one_prize)."))
    one_prize = spec.get("one_prize", "first_win" if legacy is True else "none")
    if one_prize not in ONE_PRIZE:
        err(_at("one_prize", f"cần một trong: {', '.join(ONE_PRIZE)}."))
    collective = spec.get("collective") or {}
    if collective:
        if collective.get("metric") not in FORMULAS:
            err(_at("collective.metric", f"cần một trong: {', '.join(FORMULAS)}."))
        for key, default in (("level", 1), ("count", 0)):
            value = collective.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                err(_at(f"collective.{key}", "cần một số nguyên từ 0 trở lên."))
        if collective.get("ties", "share") not in COLLECTIVE_TIES:
            err(_at("collective.ties", f"cần một trong: {', '.join(COLLECTIVE_TIES)}."))
        points = collective.get("points", {})
        if not isinstance(points, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in points.values()):
            err(_at("collective.points", "cần bảng điểm theo tên giải, ví dụ { \"Nhất\" = 5, \"Nhì\" = 3 }."))
        elif unknown := set(points) - {t.name for t in tiers}:
            err(_at("collective.points", f"không có giải cá nhân: {', '.join(sorted(unknown))}."))

    if rules and not setup.errors:
        _check_pools(setup, rules, attempts=(max_attempts or 1) * len(rounds))
    if setup.errors or dry_run:
        return setup

    contest = Contest(slug=slug, title=title, rules_text=str(spec.get("rules", "")), time_limit_s=time_limit,
                      grace_s=grace, max_attempts=max_attempts, min_delay_s=min_delay,
                      counting=spec.get("counting", "best"), show_answers=spec.get("show_answers", "after_close"),
                      tie_break=",".join(tie_break), prediction_metric=prediction.get("metric"),
                      prediction_prompt=clean(prediction.get("prompt")),
                      eligibility=eligibility, time_zone=tz.key,
                      eligible_units=[EligibleUnit(unit_id=unit.id) for unit in units],
                      rounds=rounds, divisions=divisions, draw_rules=rules, prize_tiers=tiers, **flags,
                      one_prize=one_prize, collective_ties=collective.get("ties", "share"),
                      collective_metric=collective.get("metric"), collective_level=collective.get("level", 1),
                      collective_count=collective.get("count", 0), collective_points=collective.get("points", {}))
    db.session.add(contest)
    db.session.flush()
    setup.contest = contest
    return setup


def _check_pools(setup: Setup, rules: list[DrawRule], attempts: int) -> None:
    """A draw the banks cannot fill is an error; one that cannot give fresh questions to
    every allowed attempt is a warning with the numbers."""
    pools, _ = draw.pools(rules)
    used: set[int] = set()
    for i, (rule, pool) in enumerate(zip(rules, pools), start=1):
        free = len(set(pool.question_ids) - used)
        used |= set(pool.question_ids)
        if free < rule.count:
            setup.errors.append(_at(f"draw {i}", f"cần {rule.count} câu nhưng ngân hàng chỉ có {free} câu phù hợp."))
        elif free < rule.count * attempts:
            setup.warnings.append(_at(f"draw {i}", f"{attempts} lượt thi × {rule.count} câu = "
                                                   f"{rule.count * attempts} câu, nhưng chỉ có {free} câu: "
                                                   "các lượt sau sẽ gặp lại câu đã làm."))


def create_or_raise(spec: dict, *, tz: ZoneInfo, dry_run: bool = False) -> Setup:
    setup = create(spec, tz=tz, dry_run=dry_run)
    if setup.errors:
        raise InvalidFile(setup.errors, f"Thiết lập cuộc thi có {len(setup.errors)} lỗi; chưa ghi gì.")
    return setup
