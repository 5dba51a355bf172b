"""``quiz worker``: a worker process of the task queue (``quiz.jobs.queue``)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Số việc chạy cùng lúc trong tiến trình này")
@click.option("--no-periodic", is_flag=True,
              help="Không chạy việc định kỳ (nộp lượt thi hết giờ, kiểm tra việc nền) ở tiến trình này")
@with_appcontext
def worker_command(threads: int, no_periodic: bool):
    """Chạy tiến trình nền: chốt kết quả, xuất tệp lớn, giấy chứng nhận, và mỗi phút nộp các lượt
    thi hết giờ. Dừng: Ctrl+C / SIGINT (làm xong việc đang chạy) hoặc SIGTERM (dừng ngay; việc
    dở được chạy lại)."""
    from quiz.jobs.queue import run_worker

    try:
        run_worker(current_app._get_current_object(), threads, not no_periodic)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
