"""Password hashes, computed off the request threads so a burst of logins cannot starve the rest.

A check of today's hash (werkzeug's scrypt: N=2¹⁵, r=8, p=1, 32 MiB of memory per check) costs
about 130 ms of CPU, on purpose: the hash stays exactly as strong (memory-hard scrypt with the
same parameters, so every stored hash still verifies and a stolen table costs as much to
crack). What changes is *where* it runs: each app process hands its hashes to
``PASSWORD_HASH_PROCESSES`` helper processes of its own, started (spawned) on first use and
lowered to the CPU priority ``PASSWORD_HASH_NICE``. The kernel then gives the CPU to an answer
save first, and a burst of logins uses what the saves leave over. Processes, not threads: a
lowered thread that the kernel leaves waiting while it holds the GIL would stall every thread of
its process.

At most ``PASSWORD_HASH_QUEUE`` request threads of a process hold a hash (running or waiting)
at once; beyond that a login is answered at once with ``Busy`` (503, "press again in a few
seconds"), so logins never take every thread of a process and the saves that reach it are
still served.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from quiz.errors import DomainError

_lock = threading.Lock()
_pools: dict[tuple[int, int, int], ProcessPoolExecutor] = {}
_slots: dict[tuple[int, int], threading.BoundedSemaphore] = {}


class Busy(DomainError):
    """Too many logins in this process right now: try again in ``retry_after`` seconds."""

    status = 503
    retry_after = 3

    def __init__(self):
        super().__init__("Đang có rất nhiều người đăng nhập cùng lúc. Vui lòng bấm lại sau vài giây.")


def _lower_priority(nice: int) -> None:
    if nice > 0:
        os.nice(nice)


def _pool(renew: bool = False) -> ProcessPoolExecutor:
    """This process's helpers (made after gunicorn forks; spawned, so nothing of the app is copied)."""
    key = (os.getpid(), current_app.config["PASSWORD_HASH_PROCESSES"], current_app.config["PASSWORD_HASH_NICE"])
    with _lock:
        pool = None if renew else _pools.get(key)
        if pool is None:
            pool = _pools[key] = ProcessPoolExecutor(max(1, key[1]), mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=_lower_priority, initargs=(key[2],))
    return pool


def _slot() -> threading.BoundedSemaphore:
    key = (os.getpid(), current_app.config["PASSWORD_HASH_QUEUE"])
    slot = _slots.get(key)
    if slot is None:
        with _lock:
            slot = _slots.setdefault(key, threading.BoundedSemaphore(max(1, key[1])))
    return slot


def run(fn, *args):
    """``fn(*args)`` (a module-level function) in a helper process; its result (or its exception)
    here; Busy when this process already has ``PASSWORD_HASH_QUEUE`` hashes running or waiting."""
    slot = _slot()
    if not slot.acquire(blocking=False):
        raise Busy()
    try:
        try:
            return _pool().submit(fn, *args).result()
        except BrokenProcessPool:  # a helper was killed (out of memory …): new helpers, once
            return _pool(renew=True).submit(fn, *args).result()
    finally:
        slot.release()


def make(password: str) -> str:
    return run(generate_password_hash, password, current_app.config["PASSWORD_HASH_METHOD"])


def check(password_hash: str, password: str) -> bool:
    return run(check_password_hash, password_hash, password)
