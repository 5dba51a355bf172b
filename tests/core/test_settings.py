"""Settings and the app factory: defaults < QUIZ_* environment < the caller's override."""
from __future__ import annotations

import runpy
import stat
import threading

import pytest

from quiz import config as settings
from quiz import create_app


@pytest.fixture
def clean_env(monkeypatch):
    """No QUIZ_* setting from the machine running the tests leaks into these ones."""
    for key in settings.SETTINGS:
        monkeypatch.delenv(f"QUIZ_{key}", raising=False)
    return monkeypatch


# -- quiz.config.load ------------------------------------------------------------------------

def test_defaults():
    conf = settings.load(environ={})
    assert conf == {key: default for key, (default, _) in settings.SETTINGS.items()}
    assert conf["DATABASE_URL"] is None and conf["SECRET_KEY"] is None and conf["INSTANCE_PATH"] is None
    assert conf["SQLITE_BUSY_TIMEOUT_MS"] == 10000
    assert conf["PASSWORD_HASH_METHOD"] == "scrypt"
    assert conf["RATELIMIT_ENABLED"] is True
    assert conf["SESSION_COOKIE_SECURE"] is False
    assert conf["TRUSTED_PROXIES"] == 0


def test_every_setting_is_documented():
    for key, (_, help_text) in settings.SETTINGS.items():
        assert help_text.strip(), key


def test_environment_overrides_defaults_with_types():
    conf = settings.load(environ={
        "QUIZ_DATABASE_URL": "postgresql://quiz@db/quiz",
        "QUIZ_SQLITE_BUSY_TIMEOUT_MS": "2500",
        "QUIZ_DB_POOL_SIZE": " 7 ",
        "QUIZ_TRUSTED_PROXIES": "2",
        "QUIZ_RATELIMIT_ENABLED": "0",
        "QUIZ_SESSION_COOKIE_SECURE": "1",
        "QUIZ_SITE_NAME": "Hội thi tỉnh Bình An",
    })
    assert conf["DATABASE_URL"] == "postgresql://quiz@db/quiz"
    assert conf["SQLITE_BUSY_TIMEOUT_MS"] == 2500 and type(conf["SQLITE_BUSY_TIMEOUT_MS"]) is int
    assert conf["DB_POOL_SIZE"] == 7 and type(conf["DB_POOL_SIZE"]) is int
    assert conf["TRUSTED_PROXIES"] == 2
    assert conf["RATELIMIT_ENABLED"] is False
    assert conf["SESSION_COOKIE_SECURE"] is True
    assert conf["SITE_NAME"] == "Hội thi tỉnh Bình An"
    assert conf["MAX_UPLOAD_MB"] == 20  # untouched settings keep their default


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("True", True), (" yes ", True), ("on", True), ("có", True),
    ("bật", True), ("0", False), ("false", False), ("no", False), ("off", False), ("không", False),
    ("tắt", False), (" FALSE ", False),
])
def test_boolean_spellings(raw, expected):
    assert settings.load(environ={"QUIZ_SESSION_COOKIE_SECURE": raw})["SESSION_COOKIE_SECURE"] is expected


def test_malformed_number_names_the_variable():
    with pytest.raises(ValueError, match="QUIZ_DB_POOL_SIZE='năm' không hợp lệ: cần một số nguyên"):
        settings.load(environ={"QUIZ_DB_POOL_SIZE": "năm"})


@pytest.mark.parametrize("raw", ["2", "enable", "ture"])
def test_unknown_boolean_spelling_is_refused(raw):
    with pytest.raises(ValueError, match=f"QUIZ_SESSION_COOKIE_SECURE='{raw}' không hợp lệ: cần 1 hoặc 0"):
        settings.load(environ={"QUIZ_SESSION_COOKIE_SECURE": raw})


def test_empty_environment_variable_keeps_the_default():
    conf = settings.load(environ={"QUIZ_SECRET_KEY": "", "QUIZ_DB_POOL_SIZE": "", "QUIZ_RATELIMIT_ENABLED": ""})
    assert conf["SECRET_KEY"] is None
    assert conf["DB_POOL_SIZE"] == 8
    assert conf["RATELIMIT_ENABLED"] is True


def test_only_prefixed_variables_count():
    conf = settings.load(environ={"DATABASE_URL": "sqlite:///elsewhere.db", "SECRET_KEY": "x"})
    assert conf["DATABASE_URL"] is None and conf["SECRET_KEY"] is None


def test_override_wins_over_environment():
    conf = settings.load({"SITE_NAME": "Ghi đè", "DB_POOL_SIZE": 3, "TESTING": True},
                         environ={"QUIZ_SITE_NAME": "Môi trường", "QUIZ_DB_POOL_SIZE": "9",
                                  "QUIZ_TIMEZONE": "UTC"})
    assert conf["SITE_NAME"] == "Ghi đè"
    assert conf["DB_POOL_SIZE"] == 3
    assert conf["TIMEZONE"] == "UTC"  # not overridden: the environment still applies
    assert conf["TESTING"] is True     # keys outside SETTINGS pass through (Flask's own)


def test_load_reads_os_environ_by_default(clean_env):
    clean_env.setenv("QUIZ_MAX_UPLOAD_MB", "3")
    assert settings.load()["MAX_UPLOAD_MB"] == 3


# -- quiz.config.resolve ---------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("postgresql://quiz:pw@db.local/quiz", "postgresql+psycopg://quiz:pw@db.local/quiz"),
    ("postgres://quiz@db.local:5433/quiz", "postgresql+psycopg://quiz@db.local:5433/quiz"),
    ("postgresql+psycopg://quiz@db/quiz", "postgresql+psycopg://quiz@db/quiz"),
    ("postgresql+psycopg2://quiz@db/quiz", "postgresql+psycopg2://quiz@db/quiz"),  # an explicit choice stays
    ("sqlite:////var/lib/quiz/quiz.db", "sqlite:////var/lib/quiz/quiz.db"),
])
def test_postgres_urls_get_the_psycopg_driver(tmp_path, url, expected):
    conf = settings.resolve(settings.load({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path),
                                           "SECRET_KEY": "k"}, environ={}))
    assert conf["DATABASE_URL"] == url
    assert conf["SQLALCHEMY_DATABASE_URI"] == expected


def test_sqlite_default_lives_under_the_instance_path(tmp_path):
    instance = tmp_path / "data" / "instance"
    conf = settings.resolve(settings.load({"INSTANCE_PATH": str(instance), "SECRET_KEY": "k"}, environ={}))
    assert instance.is_dir()  # created
    assert conf["INSTANCE_PATH"] == str(instance)
    assert conf["DATABASE_URL"] == f"sqlite:///{instance / 'quiz.db'}"
    assert conf["SQLALCHEMY_DATABASE_URI"] == conf["DATABASE_URL"]


def test_default_instance_path_is_beside_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "ROOT", tmp_path)
    conf = settings.resolve(settings.load({"SECRET_KEY": "k"}, environ={}))
    assert conf["INSTANCE_PATH"] == str(tmp_path / "instance")
    assert conf["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'quiz.db'}"


def test_relative_instance_path_is_made_absolute(clean_env, tmp_path):
    """Flask refuses a relative instance path; QUIZ_INSTANCE_PATH=instance must still work."""
    clean_env.chdir(tmp_path)
    clean_env.setenv("QUIZ_INSTANCE_PATH", "du-lieu")
    app = create_app({"SECRET_KEY": "k"})
    assert app.instance_path == str(tmp_path / "du-lieu")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'du-lieu' / 'quiz.db'}"


def test_derived_flask_settings(tmp_path):
    conf = settings.resolve(settings.load({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k",
                                           "MAX_UPLOAD_MB": 2, "SESSION_COOKIE_SECURE": True}, environ={}))
    assert conf["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    assert conf["SESSION_COOKIE_HTTPONLY"] is True and conf["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert conf["REMEMBER_COOKIE_SECURE"] is True


# -- the secret key --------------------------------------------------------------------------

def test_generated_secret_key_is_stored_and_reused(tmp_path):
    first = settings.resolve(settings.load({"INSTANCE_PATH": str(tmp_path)}, environ={}))["SECRET_KEY"]
    stored = tmp_path / "secret_key"
    assert len(first) >= 32
    assert stored.read_text().strip() == first
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600  # readable by the owner only
    again = settings.resolve(settings.load({"INSTANCE_PATH": str(tmp_path)}, environ={}))["SECRET_KEY"]
    assert again == first
    other = settings.resolve(settings.load({"INSTANCE_PATH": str(tmp_path / "other")}, environ={}))
    assert other["SECRET_KEY"] != first


def test_configured_secret_key_writes_no_file(tmp_path):
    conf = settings.resolve(settings.load(environ={"QUIZ_SECRET_KEY": "chung-cho-moi-may",
                                                   "QUIZ_INSTANCE_PATH": str(tmp_path)}))
    assert conf["SECRET_KEY"] == "chung-cho-moi-may"
    assert not (tmp_path / "secret_key").exists()


def test_processes_starting_together_agree_on_one_secret_key(tmp_path):
    """Several workers starting at once on a fresh instance must not each write their own key
    (a member would be logged out whenever the next request hits another worker)."""
    for trial in range(20):
        path = tmp_path / f"instance{trial}" / "secret_key"
        path.parent.mkdir()
        start = threading.Barrier(8)
        keys: list[str] = []

        def worker():
            start.wait()
            keys.append(settings._local_secret(path))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(keys) == 8
        assert len(set(keys)) == 1 and keys[0], f"trial {trial}: {keys}"
        assert path.read_text().strip() == keys[0]


# -- create_app --------------------------------------------------------------------------------

def test_create_app_reads_the_environment(clean_env, tmp_path):
    clean_env.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    clean_env.setenv("QUIZ_SITE_NAME", "Hội thi Môi trường")
    clean_env.setenv("QUIZ_MAX_UPLOAD_MB", "5")
    clean_env.setenv("QUIZ_SQLITE_BUSY_TIMEOUT_MS", "1234")
    clean_env.setenv("QUIZ_RATELIMIT_ENABLED", "false")
    app = create_app()
    assert app.instance_path == str(tmp_path)
    assert app.config["SITE_NAME"] == "Hội thi Môi trường"
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    assert app.config["SQLITE_BUSY_TIMEOUT_MS"] == 1234
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'quiz.db'}"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"connect_args": {"timeout": 1.234}}
    assert app.secret_key == (tmp_path / "secret_key").read_text().strip()


def test_create_app_override_wins_over_environment(clean_env, tmp_path):
    clean_env.setenv("QUIZ_INSTANCE_PATH", str(tmp_path / "env"))
    clean_env.setenv("QUIZ_SITE_NAME", "Từ môi trường")
    clean_env.setenv("QUIZ_SECRET_KEY", "tu-moi-truong")
    clean_env.setenv("QUIZ_TIMEZONE", "UTC")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "override"), "SITE_NAME": "Ghi đè",
                      "SECRET_KEY": "ghi-de"})
    assert app.instance_path == str(tmp_path / "override")
    assert app.config["SITE_NAME"] == "Ghi đè"
    assert app.secret_key == "ghi-de"
    assert app.config["TIMEZONE"] == "UTC"
    assert not (tmp_path / "env").exists()


def test_create_app_postgresql_uses_psycopg_and_the_pool_settings(clean_env, tmp_path):
    """No connection is made: the engine is only built."""
    from quiz.extensions import db

    clean_env.setenv("QUIZ_DATABASE_URL", "postgresql://quiz@127.0.0.1:1/quiz")
    clean_env.setenv("QUIZ_DB_POOL_SIZE", "3")
    clean_env.setenv("QUIZ_DB_MAX_OVERFLOW", "4")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.engine.dialect.driver == "psycopg"
        assert db.engine.pool.size() == 3
        assert db.engine.pool._max_overflow == 4
        db.engine.dispose()


def test_create_app_each_call_is_independent(clean_env, tmp_path):
    one = create_app({"INSTANCE_PATH": str(tmp_path / "a"), "SECRET_KEY": "a", "SITE_NAME": "Một"})
    two = create_app({"INSTANCE_PATH": str(tmp_path / "b"), "SECRET_KEY": "b", "SITE_NAME": "Hai"})
    assert one is not two
    assert (one.config["SITE_NAME"], two.config["SITE_NAME"]) == ("Một", "Hai")
    assert one.config["SQLALCHEMY_DATABASE_URI"] != two.config["SQLALCHEMY_DATABASE_URI"]
    assert {"init", "demo", "units", "users"} <= set(one.cli.commands)


def test_trusted_proxies_wrap_the_wsgi_app(clean_env, tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    plain = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    behind = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "TRUSTED_PROXIES": 1})
    assert not isinstance(plain.wsgi_app, ProxyFix)
    assert isinstance(behind.wsgi_app, ProxyFix) and behind.wsgi_app.x_for == 1


def test_empty_secret_key_file_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(RuntimeError, match="khóa bí mật"):
        settings.resolve(settings.load({"INSTANCE_PATH": str(tmp_path)}, environ={}))


def test_no_temporary_files_are_left_behind(tmp_path):
    settings.resolve(settings.load({"INSTANCE_PATH": str(tmp_path)}, environ={}))
    settings.resolve(settings.load({"INSTANCE_PATH": str(tmp_path)}, environ={}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]


def test_gunicorn_pools_one_database_connection_per_thread(monkeypatch):
    """A pool smaller than the threads would open a new connection for most requests under
    load (SQLAlchemy closes an overflow connection when it is given back)."""
    monkeypatch.setenv("QUIZ_THREADS", "6")
    monkeypatch.setenv("QUIZ_DB_POOL_SIZE", "")
    monkeypatch.delenv("QUIZ_DB_POOL_SIZE")
    assert runpy.run_path(str(settings.ROOT / "gunicorn.conf.py"))["threads"] == 6
    assert settings.load()["DB_POOL_SIZE"] == 6
    monkeypatch.setenv("QUIZ_DB_POOL_SIZE", "12")  # set by hand: kept
    runpy.run_path(str(settings.ROOT / "gunicorn.conf.py"))
    assert settings.load()["DB_POOL_SIZE"] == 12
