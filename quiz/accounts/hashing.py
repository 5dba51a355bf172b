"""Password hashes, computed off the request threads so a burst of logins cannot starve the rest.

A check of today's hash (werkzeug's scrypt: N=2¹⁵, r=8, p=1, 32 MiB of memory per check) costs
about 130 ms of CPU, on purpose: the hash stays exactly as strong (memory-hard scrypt, the
same parameters, so every stored hash still verifies and a stolen table costs as much to
crack). What changes is *where* it runs: each process has a small pool of at most
``PASSWORD_HASH_THREADS`` threads that compute hashes, each lowered to the CPU priority
``PASSWORD_HASH_NICE`` (Linux ``nice`` of that thread only). The hash releases the GIL, so the
request threads keep serving, and the kernel gives the CPU to an answer save first: five
hundred logins use the CPU the saves leave over instead of queueing them. A request thread
waits (without using CPU) for its hash; with more logins than the pool can take, they queue.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

_lock = threading.Lock()
_pools: dict[tuple[int, int, int], ThreadPoolExecutor] = {}


def _lower_priority(nice: int) -> None:
    if nice > 0 and hasattr(os, "setpriority"):
        try:  # on Linux PRIO_PROCESS with a thread id sets that thread's nice value only
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except OSError:
            pass


def _pool() -> ThreadPoolExecutor:
    """This process's pool (made after gunicorn forks: threads do not survive a fork)."""
    key = (os.getpid(), current_app.config["PASSWORD_HASH_THREADS"], current_app.config["PASSWORD_HASH_NICE"])
    pool = _pools.get(key)
    if pool is None:
        with _lock:
            pool = _pools.get(key)
            if pool is None:
                pool = _pools[key] = ThreadPoolExecutor(max(1, key[1]), thread_name_prefix="password-hash",
                                                        initializer=_lower_priority, initargs=(key[2],))
    return pool


def run(fn, *args):
    """``fn(*args)`` on a hashing thread; its result (or its exception) here."""
    return _pool().submit(fn, *args).result()


def make(password: str) -> str:
    return run(generate_password_hash, password, current_app.config["PASSWORD_HASH_METHOD"])


def check(password_hash: str, password: str) -> bool:
    return run(check_password_hash, password_hash, password)
