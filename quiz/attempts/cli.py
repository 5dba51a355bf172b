"""``quiz attempts …``: the cron side of attempts."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("attempts")
def attempts_group():
    """Lượt thi."""


@attempts_group.command("finish-expired")
@with_appcontext
def finish_expired_command():
    """Nộp các lượt thi đã quá hạn (chạy từ cron mỗi phút; chạy song song với ứng dụng được)."""
    from quiz.attempts.services import finish_expired
    from quiz.db import utcnow
    from quiz.extensions import db

    total = 0
    while True:
        done = finish_expired(now=utcnow())
        db.session.commit()  # one batch a transaction: locks are held briefly
        total += done
        if done == 0:
            break
    click.echo(f"Đã nộp {total} lượt thi quá hạn.")
