"""Password hashes run on a few low-priority threads per process, and stay as strong as before."""
import logging
import os
import threading
import time

import pytest
from werkzeug.security import check_password_hash

from quiz import create_app
from quiz.accounts import hashing


@pytest.fixture
def config(config):
    config.update(PASSWORD_HASH_THREADS=2, PASSWORD_HASH_NICE=7)
    return config


def test_at_most_the_set_number_run_at_once_on_lowered_threads(ctx):
    lock, running, seen = threading.Lock(), [0], []

    def work():
        with lock:
            running[0] += 1
            seen.append((running[0], os.getpriority(os.PRIO_PROCESS, threading.get_native_id()),
                         threading.current_thread().name))
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return "done"

    from flask import current_app
    app = current_app._get_current_object()

    def request_thread():
        with app.app_context():
            assert hashing.run(work) == "done"

    threads = [threading.Thread(target=request_thread) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert max(n for n, _, _ in seen) == 2
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert all(nice == min(19, base + 7) or nice == 7 for _, nice, _ in seen)
    assert all(name.startswith("password-hash") for _, _, name in seen)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base  # the caller is untouched


def test_an_exception_in_the_hash_reaches_the_caller(ctx):
    def broken():
        raise ValueError("hỏng")

    with pytest.raises(ValueError, match="hỏng"):
        hashing.run(broken)


def test_the_default_hash_is_scrypt_as_strong_as_before(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "x"})
    with app.app_context():
        made = hashing.make("matkhau123")
        assert made.startswith("scrypt:32768:8:1$")  # N=2^15, r=8, p=1: werkzeug's default, as before
        assert hashing.check(made, "matkhau123") and not hashing.check(made, "matkhau124")
        assert check_password_hash(made, "matkhau123")  # an ordinary werkzeug hash, nothing of ours in it
