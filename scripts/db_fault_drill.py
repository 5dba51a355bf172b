"""The PostgreSQL fault drill, with the default timeouts: how long a request waits before the
Vietnamese 503 page when PostgreSQL accepts connections but never answers, and that the app
answers again, without a restart, once the database does.

    .venv/bin/python scripts/db_fault_drill.py [--url postgresql://postgres@127.0.0.1:5432/test]

It works in a schema of its own (created, migrated, dropped), reaches it through the TCP
proxy of the fault tests (``tests/faults.py``, on 127.0.0.1 only), and signs a member in so
that each request loads them, as in real use. Prints one line per step with the seconds."""
from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]

from benchkit import DEFAULT_URL, schema_url  # noqa: E402
from faults import FaultyProxy  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from quiz import create_app
    from quiz.extensions import db

    base = sa.engine.make_url(args.url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    schema = f"quiz_drill_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        with FaultyProxy(base.host or "127.0.0.1", base.port or 5432) as proxy, tempfile.TemporaryDirectory() as tmp:
            url = schema_url(base.set(port=proxy.port).render_as_string(hide_password=False), schema)
            app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "SECRET_KEY": "drill",
                              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False})
            print("settings: " + ", ".join(f"{key}={app.config[key]}" for key in (
                "DB_CONNECT_TIMEOUT_S", "DB_STATEMENT_TIMEOUT_S", "DB_POOL_TIMEOUT_S", "HEALTH_TIMEOUT_S")))
            with app.app_context():
                upgrade()
                from quiz.accounts import services
                from quiz.db import utcnow
                from quiz.units import importer
                from quiz.units.importer import UnitRow
                from quiz.units.services import by_code

                importer.import_rows([UnitRow(2, "TU", "Tỉnh ủy", "", "Tỉnh ủy", 0)])
                unit = by_code("TU")
                services.register(services.Registration(
                    full_name="Nguyễn Văn Thử", birth_date=None, gender="nam", phone="0912000555",
                    cccd="001090000555", email=None, unit=unit, category="nhan_dan", password="matkhau123"),
                    now=utcnow())
                db.session.commit()
            client = app.test_client()
            page = client.get("/dang-nhap").get_data(as_text=True)
            token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
            signed_in = client.post("/dang-nhap", data={"csrf_token": token, "identifier": "0912000555",
                                                          "password": "matkhau123"})
            assert signed_in.status_code == 302, signed_in.status_code

            def step(label, path, c=client):
                started = time.monotonic()
                response = c.get(path)
                took = time.monotonic() - started
                busy = "Hệ thống đang bận" in response.get_data(as_text=True)
                print(f"{label:<58} {response.status_code} {'(trang “Hệ thống đang bận”) ' if busy else ''}"
                      f"{took:6.2f} s")
                return response

            step("database answering: GET /tai-khoan", "/tai-khoan")
            proxy.hang()
            step("hung: first request (pooled connection)", "/tai-khoan")
            step("hung: next request (a new connection)", "/tai-khoan")
            step("hung: /healthz (load balancer, no cookie)", "/healthz", app.test_client())
            step("hung: /healthz/live", "/healthz/live", app.test_client())
            proxy.refuse()
            step("down (connections refused): GET /tai-khoan", "/tai-khoan")
            proxy.forward()
            step("answering again, same process: GET /tai-khoan", "/tai-khoan")
            with app.app_context():  # a statement already sent when the server stops answering
                db.session.execute(sa.text("SELECT 1"))
                proxy.hang()
                started = time.monotonic()
                try:
                    db.session.execute(sa.text("SELECT 2"))
                except sa.exc.OperationalError as error:
                    print(f"{'hung: a statement of a checked-out connection gives up':<58} "
                          f"{type(error.orig).__name__} {time.monotonic() - started:6.2f} s")
                db.session.rollback()
                proxy.forward()
            step("answering again, same process: GET /tai-khoan", "/tai-khoan")
            with app.app_context():
                db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
