"""The demo province: a party committee tree, a labour federation tree and demo accounts.

Loaded by ``quiz demo`` (and by ``scripts/run`` on first start). Idempotent: loading it
twice changes nothing.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from quiz.accounts import services as accounts
from quiz.accounts.models import Role, User
from quiz.banks import shipped
from quiz.units import importer
from quiz.units.importer import UnitRow
from quiz.units.models import Unit

ROOT_CODE = "TU"

#: (the district, its party committee, its bare name)
DISTRICTS = [("Thành phố", "Thành ủy", "Bình An"), ("Thị xã", "Thị ủy", "Hòa Lạc"),
             ("Huyện", "Huyện ủy", "Tân Phú"), ("Huyện", "Huyện ủy", "Đông Sơn"),
             ("Huyện", "Huyện ủy", "Kim Thành"), ("Huyện", "Huyện ủy", "Yên Lập"),
             ("Huyện", "Huyện ủy", "Phước Hải"), ("Huyện", "Huyện ủy", "Mường Tè")]
COMMUNES = ["Phường 1", "Phường 2", "Xã Tân Hòa", "Xã Phú Lộc", "Xã An Thạnh", "Xã Hưng Đạo", "Xã Quang Trung",
            "Xã Thanh Xuân", "Xã Nghĩa Hưng", "Xã Đồng Tâm"]
CELLS = ["Chi bộ ấp Bắc", "Chi bộ ấp Nam", "Chi bộ thôn Đông", "Chi bộ thôn Tây", "Chi bộ khu phố 1",
         "Chi bộ khu phố 2", "Chi bộ trường Tiểu học", "Chi bộ trường THCS", "Chi bộ Trạm Y tế",
         "Chi bộ Quân sự", "Chi bộ Công an"]
AGENCIES = ["Sở Giáo dục và Đào tạo", "Sở Y tế", "Sở Tài chính", "Sở Nội vụ", "Sở Văn hóa, Thể thao và Du lịch",
            "Công ty Điện lực tỉnh"]
AGENCY_CELLS = ["Chi bộ Văn phòng", "Chi bộ phòng Tổ chức", "Chi bộ phòng Kế hoạch", "Chi bộ phòng Nghiệp vụ"]
UNION_BRANCHES = ["Công đoàn ngành Giáo dục", "Công đoàn ngành Y tế", "Công đoàn Viên chức tỉnh"]
UNION_BASES = ["Công đoàn cơ sở Trường THPT Chuyên", "Công đoàn cơ sở Bệnh viện Đa khoa",
               "Công đoàn cơ sở Công ty May Bình An", "Công đoàn cơ sở Khu công nghiệp Tân Phú",
               "Công đoàn cơ sở Trường Tiểu học Kim Đồng", "Công đoàn cơ sở Văn phòng UBND"]

MEMBER_NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Minh Châu", "Phạm Quốc Dũng", "Hoàng Thị Duyên",
                "Vũ Đức Giang", "Đặng Thu Hà", "Bùi Văn Hải", "Đỗ Thị Hạnh", "Hồ Sỹ Hùng",
                "Ngô Thị Lan", "Dương Văn Long", "Lý Thị Mai", "Đinh Công Nam", "Mai Thị Ngọc",
                "Trịnh Văn Phúc", "Lương Thị Quỳnh", "Tạ Minh Sơn", "Châu Thị Thảo", "Kiều Văn Tuấn"]


@dataclass
class DemoLogin:
    role: str
    name: str
    phone: str
    password: str


def unit_rows() -> list[UnitRow]:
    """A few hundred units, four levels deep: tỉnh ủy → huyện ủy → đảng bộ xã → chi bộ."""
    rnd = random.Random(2026)
    rows: list[UnitRow] = []

    def add(code, name, parent, kind, headcount=0):
        rows.append(UnitRow(len(rows) + 2, code, name, parent, kind, headcount))

    add(ROOT_CODE, "Tỉnh ủy Bình An", "", "Tỉnh ủy")
    for d, (_, committee, name) in enumerate(DISTRICTS, start=1):
        dcode = f"{ROOT_CODE}.H{d:02d}"
        add(dcode, f"{committee} {name}", ROOT_CODE, "Huyện ủy, thành ủy")
        for c, commune in enumerate(rnd.sample(COMMUNES, 6), start=1):
            commune = commune[0].lower() + commune[1:]
            ccode = f"{dcode}.X{c:02d}"
            add(ccode, f"Đảng bộ {commune} ({name})", dcode, "Đảng bộ cơ sở")
            for k, cell in enumerate(rnd.sample(CELLS, 5), start=1):
                add(f"{ccode}.C{k:02d}", f"{cell}, {commune}", ccode, "Chi bộ", rnd.randint(12, 60))
    kcode = f"{ROOT_CODE}.KCQ"
    add(kcode, "Đảng ủy Khối Cơ quan và Doanh nghiệp tỉnh", ROOT_CODE, "Đảng ủy trực thuộc")
    for a, agency in enumerate(AGENCIES, start=1):
        acode = f"{kcode}.{a:02d}"
        add(acode, f"Đảng bộ {agency}", kcode, "Đảng bộ cơ sở")
        for k, cell in enumerate(AGENCY_CELLS, start=1):
            add(f"{acode}.C{k:02d}", f"{cell}, {agency}", acode, "Chi bộ", rnd.randint(8, 40))

    add("LDLD", "Liên đoàn Lao động tỉnh Bình An", "", "LĐLĐ tỉnh")
    for d, (kind, _, name) in enumerate(DISTRICTS[:4], start=1):
        add(f"LDLD.H{d:02d}", f"Liên đoàn Lao động {kind.lower()} {name}", "LDLD", "LĐLĐ huyện")
    for b, branch in enumerate(UNION_BRANCHES, start=1):
        add(f"LDLD.N{b:02d}", branch, "LDLD", "Công đoàn ngành")
    parents = [f"LDLD.H{d:02d}" for d in range(1, 5)] + [f"LDLD.N{b:02d}" for b in range(1, 4)]
    for p, parent in enumerate(parents, start=1):
        for u, base in enumerate(rnd.sample(UNION_BASES, 4), start=1):
            add(f"{parent}.CS{u:02d}", f"{base} ({p})", parent, "Công đoàn cơ sở", rnd.randint(20, 300))
    return rows


CONTEST_SLUG = "tim-hieu-chuyen-de-2026"


def running_contest(now: datetime) -> None:
    """The example contest of docs/ (once), in the configured time zone (``TIMEZONE``): a
    practice round that closed at local midnight this morning, in which the demo members took
    an attempt each (results not computed yet: the organiser can freeze, publish and export
    them), then its rounds, each from local midnight to local midnight a week later, the first
    open since local midnight yesterday."""
    import tomllib
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from flask import current_app

    from quiz.attempts import services as attempts
    from quiz.config import ROOT
    from quiz.contests import setup
    from quiz.contests.models import Contest
    from quiz.contests.schedule import local_time
    from quiz.extensions import db

    if db.session.scalars(select(Contest).where(Contest.slug == CONTEST_SLUG)).first() is not None:
        return
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    spec = tomllib.loads((ROOT / "docs" / "contest.example.toml").read_text(encoding="utf-8"))
    day = local_time(now, tz).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)  # local, naive
    edges = [day - timedelta(days=8), day - timedelta(days=1), day + timedelta(days=7), day + timedelta(days=14)]
    spec["round"].insert(0, {"name": "Tuần thi thử"})
    for entry, opens, closes in zip(spec["round"], edges, edges[1:]):
        entry["opens"], entry["closes"] = opens.isoformat(), closes.isoformat()
    contest = setup.create_or_raise(spec, tz=tz).contest
    chance = random.Random(2026)
    members = db.session.scalars(select(User).where(User.phone.like("09000001%")).order_by(User.phone))
    for i, member in enumerate(members):
        started = setup.local_to_utc(day - timedelta(days=3, hours=i), tz)
        attempt = attempts.start(member, contest, now=started, seed=i)
        skill = 0.45 + 0.5 * chance.random()
        answers = {q.question.id: next((o.id for o in q.options if o.is_correct), q.options[0].id)
                   if chance.random() < skill else chance.choice(q.options).id for q in attempts.sheet(attempt, contest)}
        attempts.submit(attempt, contest, now=started + timedelta(seconds=chance.randint(240, 1150)),
                        answers=answers, prediction=chance.randint(0, 30))


def load(now: datetime) -> list[DemoLogin]:
    """Load the demo (if not yet there) and return the demo logins. The caller commits."""
    from quiz.extensions import db

    if db.session.scalars(select(Unit).where(Unit.code == ROOT_CODE)).first() is None:
        importer.import_rows(unit_rows())
    shipped.load(now)
    logins = [
        DemoLogin("Quản trị", "Quản trị hệ thống", "0900000001", "quantri2026"),
        DemoLogin("Ban tổ chức", "Ban Tổ chức Hội thi", "0900000002", "bantochuc2026"),
        DemoLogin("Quản lý đơn vị (Thành ủy Bình An)", "Nguyễn Thị Thu", "0900000003", "donvi2026"),
    ] + [DemoLogin("Thí sinh", name, f"09000001{i:02d}", "thisinh2026") for i, name in enumerate(MEMBER_NAMES)]
    roles = [Role.ADMIN, Role.ORGANISER, Role.UNIT_MANAGER] + [Role.MEMBER] * len(MEMBER_NAMES)
    cells = list(db.session.scalars(select(Unit).where(Unit.kind == "Chi bộ").order_by(Unit.code)))
    district = db.session.scalars(select(Unit).where(Unit.code == f"{ROOT_CODE}.H01")).one()
    root = db.session.scalars(select(Unit).where(Unit.code == ROOT_CODE)).one()
    for i, (login, role) in enumerate(zip(logins, roles)):
        if db.session.scalars(select(User).where(User.phone == login.phone)).first() is not None:
            continue
        unit = root if role in (Role.ADMIN, Role.ORGANISER) else cells[(i * 7) % len(cells)]
        user = accounts.register(accounts.Registration(
            full_name=login.name, birth_date=date(1970 + i, 1 + i % 12, 1 + i % 28),
            gender="nu" if i % 2 else "nam", phone=login.phone, cccd=f"0010{i:08d}", email=None,
            unit=unit, category="dang_vien" if i % 3 else "doan_vien", password=login.password), now=now)
        accounts.set_role(user, role, district if role == Role.UNIT_MANAGER else None)
    running_contest(now)
    return logins
