"""``quiz results …``: compute and freeze, compute again, or publish a round's results."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from quiz.cli import unit_of_work
from quiz.db import utcnow


@click.group("results")
def results_group():
    """Kết quả đợt thi: tính và chốt, tính lại, công bố."""


def _round(slug: str, number: int):
    from quiz.contests.services import contest_by_slug, round_by_number

    contest = contest_by_slug(slug)
    return contest, round_by_number(contest, number)


@results_group.command("freeze")
@click.argument("slug")
@click.argument("number", type=int)
@with_appcontext
@unit_of_work
def freeze_command(slug: str, number: int):
    """Tính và chốt kết quả đợt NUMBER (sau khi đợt đã đóng)."""
    from quiz.rankings import services

    contest, round_ = _round(slug, number)
    ranked = services.freeze(round_, contest, now=utcnow())
    click.echo(f"Đã chốt kết quả {round_.name}: {ranked} thí sinh được xếp hạng.")


@results_group.command("reopen")
@click.argument("slug")
@click.argument("number", type=int)
@with_appcontext
@unit_of_work
def reopen_command(slug: str, number: int):
    """Huỷ kết quả đã chốt (chưa công bố) để tính lại."""
    from quiz.rankings import services

    contest, round_ = _round(slug, number)
    services.reopen(round_)
    click.echo(f"Đã huỷ kết quả đã chốt của {round_.name}.")


@results_group.command("publish")
@click.argument("slug")
@click.argument("number", type=int)
@with_appcontext
@unit_of_work
def publish_command(slug: str, number: int):
    """Công bố kết quả đã chốt."""
    from quiz.rankings import services

    contest, round_ = _round(slug, number)
    services.publish(round_, now=utcnow())
    click.echo(f"Đã công bố kết quả {round_.name}.")
