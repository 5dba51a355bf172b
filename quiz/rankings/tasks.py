"""The results lifecycle's long steps as background jobs (``quiz.jobs``): freezing a round,
computing it again (reopen and freeze, in one transaction), freezing the whole contest. Each
job works on one key (the round's or the contest's results), so two organisers pressing the
button at once start one job; each is one transaction, so a worker killed mid-way leaves
nothing half-written and the run that follows gives the same frozen result.

``start_freeze(round_, contest, actor_id, now)`` returns the job (queued once the caller
commits); ``quiz.jobs.wait(job_id, timeout)`` waits for it (scripts)."""
from __future__ import annotations

from datetime import datetime

from flask import url_for

from quiz.accounts.models import Role
from quiz.contests import services as contests
from quiz.contests.models import Contest, Round
from quiz.db import utcnow
from quiz.jobs import services as jobs
from quiz.jobs.models import Job
from quiz.rankings import services

ORGANISERS = (Role.ADMIN, Role.ORGANISER)


def _organisers(user, job: Job) -> bool:
    return user.has_role(*ORGANISERS)


def _round_page(job: Job) -> str:
    return url_for("rankings.round_results", contest_id=job.params["contest_id"], round_id=job.params["round_id"])


def _contest_page(job: Job) -> str:
    return url_for("contests.show", contest_id=job.params["contest_id"]) + "#ket-qua"


def _round(job: Job) -> tuple[Round, Contest]:
    contest = contests.get_contest(job.params["contest_id"])
    return contests.get_round(contest, job.params["round_id"]), contest


@jobs.kind("freeze_round", allowed=_organisers, back=_round_page)
def _freeze_round(job: Job, progress) -> str:
    round_, contest = _round(job)
    ranked = services.freeze(round_, contest, now=utcnow(), actor_id=job.actor_id, progress=progress)
    return services.STEPS["freeze"].done.format(name=round_.name, value=ranked)


@jobs.kind("recompute_round", allowed=_organisers, back=_round_page)
def _recompute_round(job: Job, progress) -> str:
    round_, contest = _round(job)
    now = utcnow()
    progress(0, 100, "Huỷ kết quả đã chốt")  # on the freeze's scale, which follows
    services.reopen(round_, contest, now=now, actor_id=job.actor_id)
    ranked = services.freeze(round_, contest, now=now, actor_id=job.actor_id, progress=progress)
    return f"Đã tính lại và chốt kết quả {round_.name}: {ranked} thí sinh được xếp hạng."


@jobs.kind("freeze_contest", allowed=_organisers, back=_contest_page)
def _freeze_contest(job: Job, progress) -> str:
    contest = contests.get_contest(job.params["contest_id"])
    units = services.freeze_contest(contest, now=utcnow(), actor_id=job.actor_id, progress=progress)
    return services.CONTEST_STEPS["freeze"].done.format(name=contest.title, value=units)


def _start_round(kind: str, title: str, round_: Round, contest: Contest, actor_id: int | None, now: datetime) -> Job:
    return jobs.start(kind, f"round:{round_.id}:results", title, {"contest_id": contest.id, "round_id": round_.id},
                      actor_id=actor_id, now=now)


def start_freeze(round_: Round, contest: Contest, actor_id: int | None, now: datetime) -> Job:
    """Freeze the round in the background (or the job already working on its results)."""
    return _start_round("freeze_round", f"Tính và chốt kết quả {round_.name} — {contest.title}", round_, contest,
                        actor_id, now)


def start_recompute(round_: Round, contest: Contest, actor_id: int | None, now: datetime) -> Job:
    """Throw the frozen results away and compute them again, in the background."""
    return _start_round("recompute_round", f"Tính lại kết quả {round_.name} — {contest.title}", round_, contest,
                        actor_id, now)


def start_contest_freeze(contest: Contest, actor_id: int | None, now: datetime) -> Job:
    return jobs.start("freeze_contest", f"contest:{contest.id}:results", f"Chốt kết quả toàn cuộc thi {contest.title}",
                      {"contest_id": contest.id}, actor_id=actor_id, now=now)
