"""``quiz results freeze|reopen|publish SLUG NUMBER``: the lifecycle of a round's results;
``quiz results contest freeze|reopen|publish SLUG``: the whole contest's (collective prizes).
Each step is in the audit log with no actor (the server's command line)."""
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
        click.echo(step.done.format(name=round_.name, value=step.run(round_, contest, utcnow(), None)))

    return click.command(step_name, help=HELP[step_name])(command)


for _name in HELP:
    results_group.add_command(_step_command(_name))


CONTEST_HELP = {
    "freeze": "Chốt kết quả toàn cuộc thi (giải tập thể trên mọi đợt) khi mọi đợt đã chốt.",
    "reopen": "Huỷ kết quả toàn cuộc thi đã chốt (chưa công bố).",
    "publish": "Công bố kết quả toàn cuộc thi đã chốt.",
}


@results_group.group("contest")
def contest_group():
    """Kết quả toàn cuộc thi: chốt, huỷ, công bố."""


def _contest_command(step_name: str) -> click.Command:
    @click.argument("slug")
    @with_appcontext
    @unit_of_work
    def command(slug: str):
        from quiz.contests.services import contest_by_slug
        from quiz.rankings.services import CONTEST_STEPS

        contest = contest_by_slug(slug)
        step = CONTEST_STEPS[step_name]
        click.echo(step.done.format(name=contest.title, value=step.run(None, contest, utcnow(), None)))

    return click.command(step_name, help=CONTEST_HELP[step_name])(command)


for _name in CONTEST_HELP:
    contest_group.add_command(_contest_command(_name))
