"""``quiz results freeze|reopen|publish SLUG NUMBER``: the lifecycle of a round's results."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from quiz.cli import unit_of_work
from quiz.db import utcnow

HELP = {
    "freeze": "Tính và chốt kết quả đợt NUMBER (sau khi đợt đã đóng).",
    "reopen": "Huỷ kết quả đã chốt (chưa công bố) để tính lại.",
    "publish": "Công bố kết quả đã chốt.",
}


@click.group("results")
def results_group():
    """Kết quả đợt thi: tính và chốt, tính lại, công bố."""


def _step_command(step_name: str) -> click.Command:
    @click.argument("slug")
    @click.argument("number", type=int)
    @with_appcontext
    @unit_of_work
    def command(slug: str, number: int):
        from quiz.contests.services import contest_by_slug, round_by_number
        from quiz.rankings.services import STEPS

        contest = contest_by_slug(slug)
        round_ = round_by_number(contest, number)
        step = STEPS[step_name]
        click.echo(step.done.format(name=round_.name, value=step.run(round_, contest, utcnow())))

    return click.command(step_name, help=HELP[step_name])(command)


for _name in HELP:
    results_group.add_command(_step_command(_name))
