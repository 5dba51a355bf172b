"""The contest platform. ``create_app`` is the only way to get an app."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from quiz import config as settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    conf = settings.resolve(settings.load(config))
    app = Flask(
        __name__,
        instance_path=conf["INSTANCE_PATH"],
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
    )
    app.config.update(conf)
    if conf["TRUSTED_PROXIES"]:
        n = conf["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    else:
        _warn_of_forwarding(app)

    _init_database(app)
    _init_extensions(app)
    _init_jobs(app)

    from quiz.web import assets, errors, input, security, templating
    errors.register(app)
    input.register(app)
    security.register(app)
    templating.register(app)
    assets.register(app)  # fingerprinted static files, gzip

    from quiz.accounts.views import bp as accounts_bp
    from quiz.audit.views import bp as audit_bp
    from quiz.attempts.views import bp as attempts_bp
    from quiz.banks.views import bp as banks_bp
    from quiz.jobs.views import bp as jobs_bp
    from quiz.contests.control_views import bp as control_bp
    from quiz.contests.views import bp as contests_bp
    from quiz.rankings.views import bp as rankings_bp
    from quiz.reports.downloads import bp as downloads_bp
    from quiz.reports.views import bp as reports_bp
    from quiz.units.views import bp as units_bp
    from quiz.web.views import bp as main_bp
    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(units_bp)
    app.register_blueprint(banks_bp)
    app.register_blueprint(contests_bp)
    app.register_blueprint(control_bp)
    app.register_blueprint(attempts_bp)
    app.register_blueprint(rankings_bp)
    app.register_blueprint(downloads_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(jobs_bp)

    from quiz.cli import register_commands
    register_commands(app)
    return app


def _warn_of_forwarding(app: Flask) -> None:
    """Behind a proxy that is not declared, every request seems to come from the proxy: the
    limits per address would count the whole site as one. Said once per process."""
    from flask import request

    warned = []

    @app.before_request
    def forwarded_without_trusted_proxies():
        if not warned and "HTTP_X_FORWARDED_FOR" in request.environ:
            warned.append(True)
            app.logger.warning(
                "Yêu cầu có X-Forwarded-For nhưng QUIZ_TRUSTED_PROXIES chưa đặt: ứng dụng thấy mọi người dùng "
                "chung địa chỉ %s của proxy, nên giới hạn đăng nhập/đăng ký theo IP gộp cả trang làm một. "
                "Đặt QUIZ_TRUSTED_PROXIES=<số proxy> (thường là 1 sau nginx).", request.remote_addr)


def _init_database(app: Flask) -> None:
    from quiz.db import configure_engine, postgresql_engine_options
    from quiz.extensions import db, migrate

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        options = {"connect_args": {"timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000}}
    else:
        options = postgresql_engine_options(app.config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config.setdefault("SQLALCHEMY_RECORD_QUERIES", app.config.get("TESTING", False))

    import quiz.models  # noqa: F401  (every model, so metadata and migrations see them)
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)


def _init_jobs(app: Flask) -> None:
    """The task queue, with every kind of job and periodic task the domains register."""
    import quiz.attempts.tasks  # noqa: F401
    import quiz.rankings.tasks  # noqa: F401
    import quiz.reports.tasks  # noqa: F401
    from quiz.jobs import queue

    queue.init_app(app)


def _init_extensions(app: Flask) -> None:
    from quiz.accounts.views import load_user
    from quiz.extensions import csrf, login_manager

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)  # the cookie's session, checked on the server
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    # A login is a row of its own (``quiz.accounts.sessions``): ended by logout, a lock or a
    # reset on every instance, idle after the configured time. Flask-Login's "basic" protection
    # added nothing to it (no page asks for a fresh login) and cost every request: a SHA-512
    # of the address and browser, 128 characters more in the signed cookie to decode, and the
    # cookie written again whenever a phone's address changed.
    login_manager.session_protection = None
