"""What a load balancer asks: is the process alive (liveness), and can it serve (readiness:
the database, and Redis when configured, answer within ``HEALTH_TIMEOUT_S``)."""
from __future__ import annotations

from flask import Flask

from quiz import db as database
from quiz.extensions import db

OK = "ok"


def _failure(error: Exception) -> str:
    return f"lỗi: {type(error).__name__}"  # no address or password reaches the answer


def check_database(app: Flask) -> str:
    try:
        database.ping(db.engine, app.config["HEALTH_TIMEOUT_S"])
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        app.logger.warning("Readiness: the database does not answer: %s", error)
        return _failure(error)
    return OK


def check_redis(app: Flask) -> str | None:
    url = app.config["REDIS_URL"]
    if not url:
        return None
    import redis

    timeout = app.config["HEALTH_TIMEOUT_S"]
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        app.logger.warning("Readiness: Redis does not answer: %s", error)
        return _failure(error)
    finally:
        client.close()
    return OK


def readiness(app: Flask) -> tuple[dict, bool]:
    checks = {"database": check_database(app)}
    redis_state = check_redis(app)
    if redis_state is not None:
        checks["redis"] = redis_state
    ready = all(state == OK for state in checks.values())
    return {"status": "ok" if ready else "unavailable", **checks}, ready
