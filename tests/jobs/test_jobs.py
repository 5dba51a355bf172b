"""Background jobs in the app: two organisers pressing "freeze" at once make one job and one
freeze; the job's page (progress, JSON, refresh without JavaScript) for its viewers only; large
exports and the certificate bundle as files kept for a while, within the viewer's scope."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from sqlalchemy import func, select

from conftest import Auth, post_form
from quiz.audit.models import AuditEntry
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db
from quiz.jobs import queue, services as jobs
from quiz.jobs.models import Job
from quiz.rankings import services as rankings
from quiz.units.services import by_code


@pytest.fixture
def sqlite_queue(config):
    """Jobs stay queued (no worker runs here): the test takes the task from the queue itself."""
    config["TASK_QUEUE"] = "sqlite"


@pytest.fixture
def small_direct_exports(config):
    config["EXPORT_DIRECT_ROWS"] = 1                       # H1's two attempts are "large"; H2's one is not


def freeze_url(cid: int, rid: int) -> str:
    return f"/quan-tri/cuoc-thi/{cid}/dot/{rid}/ket-qua/chot"


def test_two_organisers_pressing_freeze_at_once_make_one_job_that_freezes_once(sqlite_queue, app, closed_contest,
                                                                               make_user):
    cid, rid, users = closed_contest
    clients = []
    for phone in ("0913000011", "0913000012"):
        make_user(phone=phone, role="organiser")
        client = app.test_client()
        assert Auth(client).login(phone).status_code == 302
        clients.append(client)
    tokens = [re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', c.get(freeze_url(cid, rid)).text).group(1)
              for c in clients]
    ready, answers = threading.Barrier(2), [None, None]

    def press(i):
        ready.wait()
        answers[i] = clients[i].post(freeze_url(cid, rid), data={"csrf_token": tokens[i]})

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Job)) == 1
        _db.session.rollback()                             # no lock held here while the task runs
        huey = queue.queue().huey
        (task,) = huey.pending()                           # enqueued once
        huey.execute(task)
        job = _db.session.scalars(select(Job)).one()
        assert job.state == "done" and job.runs == 1
        assert _db.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "round.freeze")) == 1
        _db.session.rollback()
        huey.execute(task)                                  # the same task delivered twice does nothing
        assert _db.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "round.freeze")) == 1
    page = clients[1].get(answers[1].headers["Location"]).text
    assert "3 thí sinh được xếp hạng" in page


def test_the_jobs_page_shows_its_progress_to_its_viewers_only(sqlite_queue, app, client, closed_contest, login_as,
                                                             auth):
    cid, rid, users = closed_contest
    login_as("organiser")
    where = post_form(client, freeze_url(cid, rid), {}).headers["Location"]
    page = client.get(where).text
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert re.search(r'<script src="/static/js/job\.[0-9a-f]{12}\.js" defer>', page)
    assert client.get(f"{where}.json").json["label"] == "Đang chờ tiến trình nền nhận việc…"
    with app.app_context():
        job = _db.session.scalars(select(Job)).one()
        job.state, job.runs = "running", 1
        _db.session.commit()
        progress = queue.Progress(job.id, 1)
        progress(2, 6, "Xếp hạng thí sinh")
    status = client.get(f"{where}.json").json
    assert (status["state"], status["done"], status["total"], status["percent"], status["label"]) == \
        ("running", 2, 6, 33, "Xếp hạng thí sinh")
    assert 'value="33"' in client.get(where).text
    with app.app_context():
        progress.stop()
    auth.logout()
    login_as("unit_manager")
    assert client.get(where).status_code == 404 and client.get(f"{where}.json").status_code == 404


def test_a_job_whose_worker_keeps_dying_is_given_up(sqlite_queue, app, closed_contest):
    cid, rid, users = closed_contest
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        from quiz.rankings.tasks import start_freeze

        job = start_freeze(contest.rounds[0], contest, None, utcnow())
        _db.session.commit()
        queue.queue().huey.flush()                          # the queue lost it (a worker took it and died)
        later = utcnow() + timedelta(minutes=2)
        assert jobs.check(now=later, stale_s=60) == 1       # queued but in no queue: enqueued again
        _db.session.commit()
        assert len(queue.queue().huey.pending()) == 1
        job = _db.session.get(Job, job.id, populate_existing=True)
        job.state, job.runs, job.started_at = "running", jobs.MAX_RUNS, later
        _db.session.commit()
        assert jobs.check(now=later + timedelta(minutes=2), stale_s=60) == 0
        _db.session.commit()
        job = _db.session.get(Job, job.id, populate_existing=True)
        assert job.state == "failed" and "dừng đột ngột 3 lần" in job.error


def test_a_large_export_is_a_file_made_in_the_background_for_the_units_managers(small_direct_exports, app, client,
                                                                              closed_contest, make_user, auth):
    cid, rid, users = closed_contest
    with app.app_context():
        h1, h2 = by_code("H1").id, by_code("H2").id
    make_user(phone="0913100001", role="unit_manager", managed="H1", unit="H1")
    make_user(phone="0913100002", role="unit_manager", managed="H2", unit="H2")
    auth.login("0913100001")
    started = client.get(f"/bao-cao/{cid}/don-vi/{h1}/ket-qua.xlsx", query_string={"dot": rid})
    assert started.status_code == 302 and started.headers["Location"].startswith("/viec-nen/")
    page = client.get(started.headers["Location"]).text
    assert "đã sẵn sàng" in page
    link = re.search(r'href="(/viec-nen/\d+/tep)"', page).group(1)
    file = client.get(link)
    data = file.get_data()
    file.close()
    assert file.status_code == 200 and data[:2] == b"PK"
    assert re.search(r'filename=ket-qua-cuoc-thi-\d+-H1-dot-1\.xlsx', file.headers["Content-Disposition"])
    csv = client.get(f"/bao-cao/{cid}/don-vi/{h1}/ket-qua.csv")
    csv_page = client.get(csv.headers["Location"]).text
    csv_file = client.get(re.search(r'href="(/viec-nen/\d+/tep)"', csv_page).group(1))
    rows = csv_file.get_data().decode("utf-8-sig")
    csv_file.close()
    assert "Nguyễn Văn An" in rows and "Lê Văn Cường" in rows
    auth.logout()
    auth.login("0913100002")                                # another unit's manager: not theirs
    assert client.get(link).status_code == 404
    small = client.get(f"/bao-cao/{cid}/don-vi/{h2}/ket-qua.csv")
    assert small.status_code == 200 and "Trần Thị Bình" in small.text     # small: a direct download
    with app.app_context():
        assert jobs.expire_files(now=utcnow() + timedelta(hours=25), keep_hours=24) == 2
        _db.session.commit()
    auth.logout()
    auth.login("0913100001")
    assert client.get(link).status_code == 404
    assert "Tệp đã hết hạn" in client.get(started.headers["Location"]).text


def test_the_certificate_bundle_is_one_file_of_the_units_winners(app, client, closed_contest, make_user, auth):
    cid, rid, users = closed_contest
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        rankings.publish(contest.rounds[0], now=utcnow())
        _db.session.commit()
        slug, h2 = contest.slug, by_code("H2").id
    make_user(phone="0913100001", role="unit_manager", managed="H1", unit="H1")
    auth.login("0913100001")
    url = f"/ket-qua/{slug}/1/giay-chung-nhan"
    assert "Tải tất cả về một tệp" in client.get(url).text
    started = post_form(client, f"{url}/tai-ve", {}, token_from=url)
    page = client.get(started.headers["Location"]).text
    assert "1 giấy chứng nhận trong một tệp" in page
    bundle = client.get(re.search(r'href="(/viec-nen/\d+/tep)"', page).group(1))
    html = bundle.get_data().decode()
    bundle.close()
    assert html.count('class="certificate"') == 1 and "Nguyễn Văn An" in html and "Trần Thị Bình" not in html
    assert "<style>" in html and "<link" not in html and "/static/" not in html       # self-contained
    refused = post_form(client, f"{url}/tai-ve?don-vi={h2}", {}, token_from=url)
    assert refused.status_code == 403


def test_the_workers_sweep_expired_attempts_and_check_jobs_every_minute(app):
    from datetime import datetime

    with app.app_context():
        huey = queue.queue().huey
        for minute in (datetime(2026, 12, 2, 8, 0), datetime(2026, 12, 2, 8, 1)):
            assert {task.name for task in huey.read_periodic(minute)} == {"quiz.attempts.finish_expired",
                                                                          "quiz.jobs.check"}


def test_a_press_while_the_queue_is_unreachable_keeps_the_job_for_the_check(sqlite_queue, app, client, closed_contest,
                                                                           login_as, monkeypatch):
    cid, rid, users = closed_contest
    login_as("organiser")
    target = app.extensions["quiz.jobs"]

    def unreachable(job_id):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(target, "run_job", unreachable)
    pressed = post_form(client, freeze_url(cid, rid), {})
    assert pressed.status_code == 302 and client.get(pressed.headers["Location"]).status_code == 200
    monkeypatch.undo()
    with app.app_context():
        assert target.huey.pending() == []
        assert jobs.check(now=utcnow() + timedelta(minutes=2), stale_s=60) == 1
        _db.session.commit()
        assert len(target.huey.pending()) == 1
