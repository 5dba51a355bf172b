"""The home page, one per role (the queries are in ``quiz.web.home``), and the health checks
(``quiz.web.health``)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from quiz.contests.views import duration
from quiz.db import utcnow
from quiz.rankings.services import STATES
from quiz.web import health as health_checks
from quiz.web import home as homes

bp = Blueprint("main", __name__)

#: The organiser's live page of an open round, when that part of the console is installed.
LIVE_PAGE = "control.round_page"


def round_page(contest_id: int, round_id: int) -> str:
    """Where an organiser watches a round: its live page if there is one, else its results page."""
    if LIVE_PAGE in current_app.view_functions:
        try:
            return url_for(LIVE_PAGE, contest_id=contest_id, round_id=round_id)
        except BuildError:
            pass
    return url_for("rankings.round_results", contest_id=contest_id, round_id=round_id)


@bp.get("/")
def home():
    now = utcnow()
    role = homes.kind(current_user)
    if role == "organiser":
        data = homes.organiser_home(now, ZoneInfo(current_app.config["TIMEZONE"]))
    elif role == "unit_manager":
        data = homes.manager_home(current_user, now)
    elif role == "member":
        data = homes.member_home(current_user, now)
    else:
        data = homes.public_home(now)
    mine = homes.member_home(current_user, now) if role == "unit_manager" else None
    return render_template("main/home.html", role=role, home=data, mine=mine, now=now, states=STATES,
                           duration=duration, round_page=round_page)


@bp.get("/healthz")
def health():
    """Readiness, for a load balancer: 200 when the database (and Redis, when configured)
    answers within HEALTH_TIMEOUT_S, else 503 (send no traffic here)."""
    body, ready = health_checks.readiness(current_app)
    return body, (200 if ready else 503), {"Cache-Control": "no-store"}


@bp.get("/healthz/live")
def liveness():
    """Liveness: the process answers (restart it if not); touches neither database nor Redis."""
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}
