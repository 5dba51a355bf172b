"""Password hashes run in low-priority helper processes, a bounded number at once per
process, and stay as strong as before. Nothing here depends on the database: once, on SQLite."""
import os
import threading
import time

import pytest
from werkzeug.security import check_password_hash

from conftest import ONE_DATABASE, post_form
from quiz import create_app
from quiz.accounts import hashing


@pytest.fixture
def config(config):
    config.update(PASSWORD_HASH_PROCESSES=2, PASSWORD_HASH_NICE=7, PASSWORD_HASH_QUEUE=8)
    return config


@ONE_DATABASE
def test_hashes_run_in_lowered_helper_processes(ctx):
    base = os.getpriority(os.PRIO_PROCESS, 0)
    pid = hashing.run(os.getpid)
    assert pid != os.getpid()
    assert hashing.run(os.getpriority, os.PRIO_PROCESS, 0) == min(19, base + 7)
    assert os.getpriority(os.PRIO_PROCESS, 0) == base  # the app's own process is untouched


@ONE_DATABASE
def test_at_most_the_set_number_run_at_once(app, ctx):
    """Eight requests at once, two helpers: they run two by two (0.3 s each: four rounds)."""
    def request_thread():
        with app.app_context():
            hashing.run(time.sleep, 0.3)

    hashing.run(time.sleep, 0)  # the helpers are started
    threads = [threading.Thread(target=request_thread) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1.2 <= time.monotonic() - started < 4


@ONE_DATABASE
def test_beyond_the_queue_a_login_is_told_to_come_back(app, ctx, client, make_unit, make_user):
    make_unit("ROOT")
    make_user(phone="0912345678")
    app.config["PASSWORD_HASH_QUEUE"] = 1
    def hold():
        with app.app_context():
            hashing.run(time.sleep, 1.5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.3)
    try:
        with pytest.raises(hashing.Busy):
            hashing.run(os.getpid)
        r = post_form(client, "/dang-nhap", {"identifier": "0912345678", "password": "matkhau123"})
        assert r.status_code == 503 and r.headers["Retry-After"] == "3"
        assert "Vui lòng bấm lại sau vài giây." in r.get_data(as_text=True)
    finally:
        holder.join()
    assert hashing.run(os.getpid)  # the slot is free once the hash is done
    assert post_form(client, "/dang-nhap", {"identifier": "0912345678", "password": "matkhau123"}).status_code == 302


@ONE_DATABASE
def test_an_exception_in_the_hash_reaches_the_caller(ctx):
    with pytest.raises(ValueError):
        hashing.run(int, "không phải số")


def test_the_default_hash_is_scrypt_as_strong_as_before(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "x"})
    with app.app_context():
        made = hashing.make("matkhau123")
        assert made.startswith("scrypt:32768:8:1$")  # N=2^15, r=8, p=1: werkzeug's default, as before
        assert hashing.check(made, "matkhau123") and not hashing.check(made, "matkhau124")
        assert check_password_hash(made, "matkhau123")  # an ordinary werkzeug hash, nothing of ours in it
