"""Fixtures: an app on each database (SQLite always; PostgreSQL when it answers), a client,
an ``auth`` helper, factories for units and accounts, and for browser tests a live server
and a phone-sized Chromium (skipped with a message when Chromium is missing, unless
``QUIZ_REQUIRE_BROWSER=1``).

PostgreSQL: ``QUIZ_TEST_DATABASE_URL`` if set, else postgresql://postgres@127.0.0.1:5432/test.
Each test session works in a schema of its own, dropped at the end. Without a reachable
server those runs are skipped with a message, unless ``QUIZ_REQUIRE_POSTGRES=1`` (CI),
where they fail.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest
import sqlalchemy as sa

from werkzeug.serving import make_server

from quiz import create_app
from quiz.db import utcnow
from quiz.extensions import db as _db

PG_URL = os.environ.get("QUIZ_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FAST_HASH = "pbkdf2:sha256:1000"  # the real default (scrypt) is slow on purpose
CHROMIUM = os.environ.get("QUIZ_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


def _postgres_schema_url() -> tuple[str, sa.Engine, str]:
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        admin.dispose()
        message = (f"PostgreSQL is not reachable at {PG_URL} ({type(error).__name__}); the PostgreSQL "
                   "runs are skipped. Start PostgreSQL or set QUIZ_TEST_DATABASE_URL to run them.")
        if os.environ.get("QUIZ_REQUIRE_POSTGRES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    schema = f"quiz_test_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    # A commit need not wait for its WAL to reach the disk: a test database outlives no crash.
    return f"{url}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff", admin, schema


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory):
    """A migrated, empty database URL: once per test session and backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'quiz.db'}"
        cleanup = None
    else:
        url, admin, schema = _postgres_schema_url()

        def cleanup():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": url,
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance"))})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _db.engine.dispose()
    yield url
    if cleanup:
        cleanup()


def _empty_tables() -> None:
    """Every table emptied, and on PostgreSQL the sequences used restarted (as TRUNCATE ... RESTART
    IDENTITY would): DELETE, since on tables of a few rows TRUNCATE costs a new file per table."""
    postgresql = _db.engine.dialect.name == "postgresql"
    if not postgresql:
        _db.session.execute(sa.text("PRAGMA defer_foreign_keys = ON"))  # units refer to units
    for table in reversed(_db.metadata.sorted_tables):
        _db.session.execute(table.delete())
    if postgresql:
        _db.session.execute(sa.text(
            "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL"))
    _db.session.commit()


#: For a test of a rule that needs an app but not a particular database (the helper processes
#: that hash passwords, a browser test): it runs once, on SQLite, instead of once per database.
ONE_DATABASE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@pytest.fixture
def config():
    """Per-test settings; a test may change them before asking for ``app``."""
    return {"PASSWORD_HASH_METHOD": FAST_HASH, "RATELIMIT_ENABLED": False}


@pytest.fixture
def app(database, config, tmp_path):
    """The app on one backend. No app context stays pushed: each test-client request gets
    its own, as in production (service-level tests ask for ``ctx``)."""
    app = create_app({"TESTING": True, "DATABASE_URL": database, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "test", **config})
    yield app
    with app.app_context():
        _db.session.rollback()
        _empty_tables()
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    with app.app_context():
        yield
        _db.session.rollback()


@pytest.fixture
def db(ctx):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def statements(app):
    """Counts the SQL statements sent to the database (round trips, BEGIN included), as
    Indico's query-counting fixture does: ``with statements() as sent: client.post(...)``,
    then ``assert len(sent) <= N, sent`` (each item is the statement's text), so a hot route
    that grows an extra query fails a test."""
    from contextlib import contextmanager

    @contextmanager
    def count():
        sent: list[str] = []

        def record(_conn, _cursor, statement, _parameters, _context, _executemany):
            sent.append(statement)

        with app.app_context():
            engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield sent
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return count


MOODLE = Path(__file__).resolve().parents[2] / "shared" / "external" / "moodle"


def moodle_file(name: str) -> bytes:
    """One of Moodle's own question files in shared/external (beside the checkout)."""
    path = MOODLE / name
    if not path.is_file():
        pytest.skip(f"Moodle's fixture {name} is not at {MOODLE}")
    return path.read_bytes()


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url: str, data: dict, token_from: str | None = None, **kwargs):
    """Submit a form as a browser does: with the CSRF token of the page that shows it."""
    return client.post(url, data={"csrf_token": csrf_token(client, token_from or url), **data}, **kwargs)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, identifier: str = "0912345678", password: str = "matkhau123"):
        return post_form(self.client, "/dang-nhap", {"identifier": identifier, "password": password})

    def logout(self):
        return post_form(self.client, "/dang-xuat", {}, token_from="/tai-khoan")


@pytest.fixture
def auth(client):
    return Auth(client)


def _detached(obj):
    """A committed row, loaded and detached, readable after its app context has gone."""
    _db.session.refresh(obj)
    _db.session.expunge(obj)
    return obj


@pytest.fixture
def make_unit(app):
    """Units through the importer (so paths are built the real way)."""
    from quiz.units import importer, services
    from quiz.units.importer import UnitRow

    def make(code: str, parent: str = "", name: str | None = None, kind: str = "", headcount: int = 0):
        with app.app_context():
            importer.import_rows([UnitRow(2, code, name or f"Đơn vị {code}", parent, kind, headcount)])
            _db.session.commit()
            return _detached(services.by_code(code))

    return make


@pytest.fixture
def root(make_unit):
    """The unit accounts belong to, made first: ``make_user`` cannot create it on SQLite."""
    return make_unit("ROOT")


@pytest.fixture
def make_user(app, make_unit):
    """Accounts through the registration service."""
    from quiz.accounts import services
    from quiz.units.services import by_code

    counter = iter(range(10_000))

    def make(phone: str | None = None, password: str = "matkhau123", role: str = "member",
             unit: str = "ROOT", managed: str | None = None, full_name: str = "Nguyễn Văn An", **fields):
        n = next(counter)
        for code in (unit, managed):
            if code:
                with app.app_context():
                    missing = by_code(code) is None
                if missing:  # made in a context of its own: no write lock held here
                    make_unit(code)
        with app.app_context():
            user = services.register(services.Registration(
                full_name=full_name, birth_date=fields.get("birth_date", date(1990, 1, 1)),
                gender=fields.get("gender", "nam"), phone=phone or f"09{n:08d}",
                cccd=fields.get("cccd", f"0010{n:08d}"), email=fields.get("email"), unit=by_code(unit),
                category=fields.get("category", "dang_vien"), password=password), now=utcnow())
            services.set_role(user, role, by_code(managed) if managed else None)
            _db.session.commit()
            return _detached(user)

    return make


# Contests ----------------------------------------------------------------------------------

T0 = datetime(2026, 12, 1, 0, 0)  # make_contest's round opens (UTC)
LIMIT = 600


@pytest.fixture
def make_contest(app):
    """A bank of 60 questions (option A right) and a factory of contests drawing 20 of them,
    their round open for a week from ``T0`` (UTC); keywords change the specification."""
    from quiz.banks import services as banks
    from quiz.contests import setup
    from quiz.banks.formats import ParsedQuestion
    from quiz.banks.validation import Checked, dedup_key

    with app.app_context():
        bank = banks.create_bank("Ngân hàng lượt thi")
        rows = [Checked(ParsedQuestion(text=f"Câu hỏi thứ {i} về chuyên đề năm?", options=["Đúng", "Sai 1", "Sai 2",
                                                                                      "Sai 3"], correct=0),
                        "de", dedup_key(f"Câu hỏi thứ {i} về chuyên đề năm?")) for i in range(60)]
        banks.write(bank, rows, now=T0)
        _db.session.commit()
    counter = iter(range(100))

    def make(**changes) -> int:
        spec = {"slug": f"cuoc-thi-{next(counter)}", "title": "Cuộc thi thử", "time_limit_s": LIMIT, "grace_s": 10,
                "max_attempts": 3, "min_delay_s": 0,
                "round": [{"name": "Tuần 1", "opens": T0.isoformat(), "closes": (T0 + timedelta(days=7)).isoformat()}],
                "draw": [{"bank": "Ngân hàng lượt thi", "count": 20}], **changes}
        with app.app_context():
            result = setup.create(spec, tz=ZoneInfo("UTC"))
            assert result.errors == [], result.errors
            _db.session.commit()
            return result.contest.id

    return make


@pytest.fixture
def closed_contest(app, make_contest, make_user, make_unit):
    """A contest whose round closed yesterday, with three members' finished attempts (20, 18, 15
    right) in units H1 (two) and H2 (one); prizes Nhất ×1, Nhì ×1. Returns (contest id, round id, users)."""
    now = utcnow()
    make_unit("TU")
    make_unit("H1", "TU", name="Huyện Một")
    make_unit("H2", "TU", name="Huyện Hai")
    users = [make_user(phone=f"09120007{i:02d}", unit=unit, full_name=name).id
             for i, (unit, name) in enumerate([("H1", "Nguyễn Văn An"), ("H2", "Trần Thị Bình"), ("H1", "Lê Văn Cường")])]
    cid = make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(days=3)).isoformat(),
                               "closes": (now - timedelta(days=1)).isoformat()}],
                       prize=[{"name": "Nhất", "count": 1}, {"name": "Nhì", "count": 1}])
    from quiz.accounts.models import User
    from quiz.attempts.models import Attempt
    from quiz.contests.models import Contest

    with app.app_context():
        contest = _db.session.get(Contest, cid)
        round_ = contest.rounds[0]
        for user_id, score in zip(users, (20, 18, 15)):
            start = now - timedelta(days=2)
            _db.session.add(Attempt(contest_id=cid, round_id=round_.id, user_id=user_id, number=1, seed=1,
                                    unit_id=_db.session.get(User, user_id).unit_id, started_at=start,
                                    deadline_at=start + timedelta(minutes=10), finished_at=start + timedelta(minutes=5),
                                    score=score, time_used_ms=300_000))
        _db.session.commit()
        return cid, round_.id, users


ROLE_PHONES = {"organiser": "0913000001", "admin": "0913000002", "member": "0913000003",
               "unit_manager": "0913000004"}


@pytest.fixture
def login_as(make_user, make_unit, auth):
    """Log the client in as a fresh account with ``role`` (a unit manager manages HU0)."""
    make_unit("ROOT")
    make_unit("HU0", parent="ROOT")

    def login(role: str):
        make_user(phone=ROLE_PHONES[role], role=role, managed="HU0" if role == "unit_manager" else None)
        response = auth.login(ROLE_PHONES[role])
        assert response.status_code == 302, response.get_data(as_text=True)

    return login


# Browser tests: a live server and a phone-sized Chromium (Debian's, driven by Playwright) ---

#: A browser test's marks (``pytestmark = BROWSER``): it runs once, on SQLite (always there, and the
#: one writer at a time is the harder case for a threaded server). What it proves is the page in a
#: real browser; each route's rules run on both databases in the view and service tests.
BROWSER = [pytest.mark.browser, ONE_DATABASE]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = (f"Chromium not found at {CHROMIUM}: browser tests skipped. "
                   "Install it with `apt-get install chromium` (or set QUIZ_CHROMIUM).")
        if os.environ.get("QUIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def log_in(page, live_server: str, phone: str, password: str = "matkhau123") -> None:
    """Log in through the real form in the browser and land on the home page."""
    page.goto(f"{live_server}/dang-nhap")
    page.fill("#identifier", phone)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()
