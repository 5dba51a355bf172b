"""Setting up a contest: create, edit, copy and delete, from a specification checked whole.

The specification's fields, kinds and checks are declared once in ``quiz.contests.spec``;
this module turns checked values into rows and back (``of_contest``), and says what may
still change once members have taken the contest (``locks_for``):

- before the first attempt, everything;
- once attempts exist, the title, the rules text, the prizes and results settings, the
  certificate and the rounds that have not opened; not the draw nor anything that scores
  a running round (time, attempts, counting, ranking order, prediction, who takes part,
  divisions);
- once a round's results are frozen, not the prizes nor how they are given.

``create`` is the bare set-up (fixtures, the demo); ``create_contest``, ``edit``, ``copy``
and ``delete`` are the organiser's actions, each recorded in the audit log with who did it
and what changed. Nothing here commits: the caller does.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete as sql_delete
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from quiz.audit import services as audit
from quiz.contests import snapshot, spec
from quiz.contests.models import Contest, Division, DrawRule, EligibleUnit, PrizeTier, Round
from quiz.contests.spec import ATTEMPTS, RESULTS, Issue, Locks
from quiz.errors import Conflict, InvalidFile
from quiz.extensions import db


@dataclass
class Setup:
    contest: Contest | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    checked: spec.Checked | None = None
    changes: dict = field(default_factory=dict)


def local_to_utc(raw, tz: ZoneInfo) -> datetime | None:
    """A local time (``2026-12-01 07:00``, ``01/12/2026 07:00`` or a datetime) as naive UTC."""
    try:
        value = spec.Moment().parse(raw, tz)
    except spec.Invalid:
        return None
    return to_utc(value, tz)


def to_utc(value: datetime, tz: ZoneInfo) -> datetime:
    return value.replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


# Values → rows ---------------------------------------------------------------------------------

def _columns(values: dict) -> dict:
    columns = {}
    for f in spec.SETTINGS:
        if f.column_name:
            value = values[f.key]
            columns[f.column_name] = f.store(value) if f.store else value
    return columns


def _round_columns(row: dict, tz: ZoneInfo) -> dict:
    columns = {"name": row["name"], "opens_at": to_utc(row["opens"], tz), "closes_at": to_utc(row["closes"], tz),
               "window_days": None, "window_opens_min": None, "window_closes_min": None}
    if row["days"] is not None or row["hours"] is not None:
        opens, closes = row["hours"] or (0, 1440)
        columns.update(window_days=row["days"] or "1234567", window_opens_min=opens, window_closes_min=closes)
    return columns


def _draw_columns(row: dict, position: int, checked: spec.Checked) -> dict:
    return {"position": position, "bank_id": checked.banks[row["bank"]].id, "tag": row["tag"] or None,
            "difficulty": row["difficulty"], "count": row["count"]}


def _prize_columns(row: dict, position: int) -> dict:
    return {"position": position, "name": row["name"], "count": row["count"], "division_code": row["division"],
            "round_number": row["round"]}


def create(raw: dict, *, tz: ZoneInfo, dry_run: bool = False) -> Setup:
    """Check ``raw`` whole, then (unless it has errors or ``dry_run``) create the contest."""
    checked = spec.check(raw, tz=tz)
    setup = Setup(errors=checked.errors, warnings=checked.warnings, checked=checked)
    if checked.errors or dry_run:
        return setup
    values = checked.values
    contest = Contest(time_zone=tz.key, **_columns(values),
                      eligible_units=[EligibleUnit(unit_id=unit.id) for unit in checked.units],
                      rounds=[Round(number=i, **_round_columns(row, tz)) for i, row in enumerate(values["round"], 1)],
                      divisions=[Division(code=row["code"], name=row["name"], categories=",".join(row["categories"]))
                                 for row in values["division"]],
                      draw_rules=[DrawRule(**_draw_columns(row, i, checked)) for i, row in enumerate(values["draw"], 1)],
                      prize_tiers=[PrizeTier(**_prize_columns(row, i)) for i, row in enumerate(values["prize"], 1)])
    db.session.add(contest)
    db.session.flush()
    setup.contest = contest
    return setup


def create_or_raise(raw: dict, *, tz: ZoneInfo, dry_run: bool = False) -> Setup:
    setup = create(raw, tz=tz, dry_run=dry_run)
    if setup.errors:
        raise InvalidFile(setup.errors, f"Thiết lập cuộc thi có {len(setup.errors)} lỗi; chưa ghi gì.")
    return setup


# Rows → a specification ----------------------------------------------------------------------

def of_contest(contest: Contest, tz: ZoneInfo | None = None) -> dict:
    """The contest's settings as the TOML-shaped dict a file holds (``spec.to_toml`` writes it)."""
    from quiz.contests import services

    tz = tz or ZoneInfo(contest.time_zone)
    values: dict = {}
    for f in spec.SETTINGS:
        if f.column_name:
            value = getattr(contest, f.column_name)
            values[f.key] = f.load(value) if f.load else value
    values["units"] = [unit.code for unit in services.eligible_units(contest)]
    values["round"] = [{"name": r.name, "opens": spec.local(r.opens_at, tz), "closes": spec.local(r.closes_at, tz),
                        "days": r.window_days,
                        "hours": (r.window_opens_min, r.window_closes_min) if r.window_days else None}
                       for r in contest.rounds]
    values["division"] = [{"code": d.code, "name": d.name, "categories": [c for c in d.categories.split(",") if c]}
                          for d in contest.divisions]
    values["draw"] = [{"bank": bank.name, "tag": rule.tag or "", "difficulty": rule.difficulty, "count": rule.count}
                      for rule, bank in services.draw_with_banks(contest)]
    values["prize"] = [{"name": t.name, "count": t.count, "division": t.division_code, "round": t.round_number}
                       for t in contest.prize_tiers]
    return spec.dump(values)


def to_toml(contest: Contest) -> str:
    return spec.to_toml(of_contest(contest), contest.title)


# What may still change -----------------------------------------------------------------------

def has_attempts(contest: Contest) -> bool:
    from quiz.attempts.models import Attempt

    return bool(db.session.scalar(select(exists().where(Attempt.contest_id == contest.id))))


ATTEMPTS_REASON = ("Cuộc thi đã có lượt thi: cách rút đề, tên ngắn, thời gian làm bài, số lượt, cách tính lượt, "
                   "thứ tự xếp hạng, câu hỏi dự đoán, ai được dự thi và các bảng giữ nguyên, để mọi thí sinh thi và "
                   "được xếp hạng theo cùng một quy định. Muốn khác, hãy sao chép thành cuộc thi mới.")


def locks_for(contest: Contest, now: datetime) -> Locks:
    """What can no longer change in ``contest`` at ``now``, and why (in Vietnamese)."""
    locks = Locks()
    tz = ZoneInfo(contest.time_zone)
    if has_attempts(contest):
        locks.reasons[ATTEMPTS] = ATTEMPTS_REASON
        for i, round_ in enumerate(contest.rounds):
            if round_.opens_at <= now:
                locks.opened[i] = (f"Đợt đã mở lúc {spec.local(round_.opens_at, tz):%H:%M %d/%m/%Y}: giờ mở, giờ đóng "
                                   "và khung giờ giữ nguyên. Muốn kéo dài, dùng “Gia hạn” ở trang cuộc thi.")
    frozen = [f"“{r.name}”" for r in contest.rounds if r.frozen_at is not None]
    if frozen or contest.results_frozen_at is not None:
        which = f"đợt {', '.join(frozen)}" if frozen else "toàn cuộc thi"
        locks.reasons[RESULTS] = (f"Kết quả {which} đã chốt: các giải, đồng hạng, mỗi người một giải và giải tập thể "
                                  "giữ nguyên như khi chốt. Huỷ kết quả để tính lại (trang kết quả của đợt) rồi mới "
                                  "sửa được.")
    return locks


def _hold(contest: Contest) -> None:
    """Lock the contest and its rounds, so that no attempt starts (it key-share locks its
    round) between reading what may change and writing it."""
    db.session.execute(select(Contest.id).where(Contest.id == contest.id).with_for_update())
    db.session.execute(select(Round.id).where(Round.contest_id == contest.id).with_for_update())


# The organiser's actions, each in the audit log -----------------------------------------------

def _summary(contest: Contest) -> str:
    questions = sum(rule.count for rule in contest.draw_rules)
    return f"{len(contest.rounds)} đợt, {questions} câu mỗi lượt"


def create_contest(raw: dict, *, tz: ZoneInfo, now: datetime, actor_id: int | None,
                   dry_run: bool = False) -> Setup:
    """Create the contest ``raw`` describes, recorded as ``contest.create``."""
    setup = create(raw, tz=tz, dry_run=dry_run)
    if setup.contest is not None:
        contest = setup.contest
        audit.record("contest.create", f"Tạo cuộc thi “{contest.title}” ({_summary(contest)})", actor_id=actor_id,
                     now=now, contest_id=contest.id)
    return setup


def edit(contest: Contest, raw: dict, *, tz: ZoneInfo, now: datetime, actor_id: int | None,
         dry_run: bool = False) -> Setup:
    """Change ``contest`` to what ``raw`` says, where it still may (``locks_for``)."""
    if not dry_run:
        _hold(contest)
    locks = locks_for(contest, now)
    before = spec.check(of_contest(contest, tz), tz=tz, contest_id=contest.id).values
    checked = spec.check(raw, tz=tz, contest_id=contest.id)
    if not checked.errors:
        checked.errors.extend(spec.changed_locked(before, checked.values, locks))
    setup = Setup(contest=contest, errors=checked.errors, warnings=checked.warnings, checked=checked)
    setup.changes = {key: [_short(a), _short(b)] for key, (a, b) in
                     audit.diff(spec.flat(before), spec.flat(checked.values)).items()}
    if setup.errors or dry_run or before == checked.values:
        return setup
    _apply(contest, checked, tz)
    changed = list(setup.changes)
    more = f" và {len(changed) - 4} mục khác" if len(changed) > 4 else ""
    audit.record("contest.edit", f"Sửa {', '.join(changed[:4])}{more}", actor_id=actor_id, now=now,
                 contest_id=contest.id, changes=setup.changes)
    return setup


def _short(text: str | None) -> str | None:
    return text if text is None or len(text) <= 300 else text[:299] + "…"


def _apply(contest: Contest, checked: spec.Checked, tz: ZoneInfo) -> None:
    """Write checked values over the contest's rows: rounds, draw rules and prize tiers by
    position, divisions by code (a round or division kept keeps its id)."""
    values = checked.values
    for column, value in _columns(values).items():
        setattr(contest, column, value)
    wanted = {unit.id for unit in checked.units}
    kept = [e for e in contest.eligible_units if e.unit_id in wanted]
    contest.eligible_units = kept + [EligibleUnit(unit_id=i) for i in sorted(wanted - {e.unit_id for e in kept})]

    rounds = list(contest.rounds)
    for i, row in enumerate(values["round"]):
        columns = _round_columns(row, tz)
        if i < len(rounds):
            for key, value in columns.items():
                setattr(rounds[i], key, value)
        else:
            db.session.add(Round(contest_id=contest.id, number=i + 1, **columns))
    for round_ in rounds[len(values["round"]):]:
        db.session.delete(round_)

    existing = {d.code: d for d in contest.divisions}
    for row in values["division"]:
        division = existing.pop(row["code"], None) or Division(contest_id=contest.id, code=row["code"])
        division.name, division.categories = row["name"], ",".join(row["categories"])
        db.session.add(division)
    for division in existing.values():
        db.session.delete(division)

    rules = list(contest.draw_rules)
    for i, row in enumerate(values["draw"]):
        columns = _draw_columns(row, i + 1, checked)
        if i < len(rules):
            for key, value in columns.items():
                setattr(rules[i], key, value)
        else:
            db.session.add(DrawRule(contest_id=contest.id, **columns))
    for rule in rules[len(values["draw"]):]:
        db.session.delete(rule)

    tiers = contest.prize_tiers
    for i, row in enumerate(values["prize"]):
        columns = _prize_columns(row, i + 1)
        if i < len(tiers):
            for key, value in columns.items():
                setattr(tiers[i], key, value)
        else:
            tiers.append(PrizeTier(**columns))
    del tiers[len(values["prize"]):]
    db.session.flush()
    snapshot.changed(contest_id=contest.id)
    db.session.expire(contest, ["rounds", "divisions", "draw_rules", "prize_tiers", "eligible_units"])


def copy_defaults(contest: Contest, now: datetime) -> dict:
    """The copy form's first values: "(bản sao)", a free short name, and the first round
    moved by whole weeks (keeping each weekday and daily window) to open after ``now``."""
    slug, n = f"{contest.slug}-ban-sao"[:90], 1
    while db.session.scalar(select(Contest.id).where(Contest.slug == slug)) is not None:
        n += 1
        slug = f"{contest.slug}-ban-sao-{n}"[:100]
    first = contest.rounds[0].opens_at if contest.rounds else now
    weeks = max(0, (now - first).days // 7 + 1)
    opens = spec.local(first + timedelta(weeks=weeks), ZoneInfo(contest.time_zone))
    return {"title": f"{contest.title} (bản sao)"[:300], "slug": slug, "first_opens": f"{opens:%d/%m/%Y %H:%M}"}


def copy(contest: Contest, *, title: str, slug: str, first_opens: str, tz: ZoneInfo, now: datetime,
         actor_id: int | None) -> Setup:
    """A new contest with ``contest``'s settings (not its roster, attempts or results), titled
    ``title``, its rounds moved together so the first opens at ``first_opens`` (local), after
    ``now``: the copy has no round opened. Recorded as ``contest.copy``."""
    raw = of_contest(contest, tz)
    raw.update(title=title, slug=slug)
    moment = spec.Moment()
    try:
        start = moment.parse(first_opens, tz)
    except spec.Invalid as problem:
        return Setup(errors=[Issue(("first_opens",), problem.message)])
    if to_utc(start, tz) <= now:
        return Setup(errors=[Issue(("first_opens",), "Đợt 1 của bản sao phải mở sau bây giờ "
                                                     "(bản sao chưa có đợt nào mở).")])
    if raw["round"]:
        shift = start - moment.parse(raw["round"][0]["opens"], tz)
        for row in raw["round"]:
            row["opens"] = moment.dump(moment.parse(row["opens"], tz) + shift)
            row["closes"] = moment.dump(moment.parse(row["closes"], tz) + shift)
        if any(to_utc(moment.parse(row["opens"], tz), tz) <= now for row in raw["round"]):
            return Setup(errors=[Issue(("first_opens",), "Sau khi dời, có đợt mở trước bây giờ; hãy chọn giờ mở "
                                                         "muộn hơn.")])
    setup = create(raw, tz=tz)
    if setup.contest is not None:
        audit.record("contest.copy", f"Sao chép từ “{contest.title}” ({contest.slug}) thành “{setup.contest.title}”",
                     actor_id=actor_id, now=now, contest_id=setup.contest.id,
                     changes={"Sao chép từ": [None, contest.slug], "Đợt 1 mở lúc": [
                         f"{spec.local(contest.rounds[0].opens_at, tz):%d/%m/%Y %H:%M}" if contest.rounds else None,
                         f"{start:%d/%m/%Y %H:%M}"]})
        if contest.eligibility == "roster":
            setup.warnings.append(Issue(("eligibility",), "Danh sách dự thi không được sao chép: hãy nhập danh "
                                                          "sách cho cuộc thi mới."))
    return setup


DELETE_REFUSED = ("Cuộc thi đã có lượt thi nên không xoá được: bài làm và kết quả của thí sinh phải được giữ lại. "
                  "Có thể sửa tên và thể lệ, hoặc sao chép thành cuộc thi mới.")


def delete(contest: Contest, *, now: datetime, actor_id: int | None) -> str:
    """Delete a contest nobody has taken (its rounds, divisions, draw, prizes and roster go with
    it); recorded as ``contest.delete``. Returns its title."""
    _hold(contest)
    if has_attempts(contest):
        raise Conflict(DELETE_REFUSED)
    title, slug, rounds = contest.title, contest.slug, len(contest.rounds)
    audit.record("contest.delete", f"Xoá cuộc thi “{title}” ({slug}), chưa có lượt thi nào", actor_id=actor_id,
                 now=now, changes={"Tên cuộc thi": [title, None], "Tên ngắn": [slug, None], "Số đợt": [rounds, None]})
    try:
        with db.session.begin_nested():
            db.session.execute(sql_delete(Contest).where(Contest.id == contest.id),
                               execution_options={"synchronize_session": False})
    except IntegrityError:  # an attempt made it in after all: the database keeps it
        raise Conflict(DELETE_REFUSED) from None
    db.session.expunge(contest)
    return title


# Reading a TOML file -------------------------------------------------------------------------

MAX_TOML = 200_000  # characters: a specification is a page of text, not a data file


def read_toml(data: bytes | str) -> dict:
    """A TOML file's specification, or ``spec.Invalid`` saying in Vietnamese why it cannot be read."""
    import re

    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise spec.Invalid("Tệp không phải văn bản UTF-8. Hãy lưu tệp .toml với bảng mã UTF-8.") from None
    if len(data) > MAX_TOML:
        raise spec.Invalid(f"Tệp quá dài (tối đa {MAX_TOML:,} ký tự).".replace(",", "."))
    if not data.strip():
        raise spec.Invalid("Tệp trống.")
    try:
        return tomllib.loads(data.replace("\r\n", "\n"))
    except tomllib.TOMLDecodeError as error:
        at = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        where = (f" ở dòng {at.group(1)}, cột {at.group(2)}" if at
                 else " ở cuối văn bản" if "end of document" in str(error) else "")
        raise spec.Invalid(f"Tệp sai cú pháp TOML{where}. Hãy kiểm tra: tên mục và dấu “=”, giá trị sau dấu “=”, "
                           "chữ đặt trong dấu ngoặc kép, ngoặc vuông của [[round]], [[draw]] đóng mở đủ.") from None
    except (RecursionError, ValueError):  # nested thousands deep, or a number of thousands of digits
        raise spec.Invalid("Tệp có giá trị lồng nhau quá sâu hoặc số quá dài; một tệp cấu hình cuộc thi "
                           "không cần những giá trị như vậy.") from None
