"""``quiz attempts …``: the shell side of attempts."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("attempts")
def attempts_group():
    """Lượt thi."""


@attempts_group.command("finish-expired")
@with_appcontext
def finish_expired_command():
    """Nộp các lượt thi đã quá hạn (tiến trình nền `quiz worker` làm việc này mỗi phút; lệnh này cho cron
    khi không chạy tiến trình nền; chạy song song với ứng dụng được)."""
    from quiz.attempts.tasks import finish_expired

    click.echo(f"Đã nộp {finish_expired()} lượt thi quá hạn.")
