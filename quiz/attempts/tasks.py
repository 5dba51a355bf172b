"""The periodic side of attempts: every minute a worker of the task queue submits the
attempts whose time ran out (``quiz attempts finish-expired`` does the same from a shell)."""
from __future__ import annotations

from quiz.db import utcnow
from quiz.extensions import db
from quiz.jobs.queue import periodic


@periodic("quiz.attempts.finish_expired")
def finish_expired() -> int:
    """Finish every expired attempt, a batch a transaction (locks are held briefly). Returns how many."""
    from quiz.attempts.services import finish_expired as finish_batch

    total = 0
    while True:
        done = finish_batch(now=utcnow())
        db.session.commit()
        total += done
        if done == 0:
            return total
