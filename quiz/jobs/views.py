"""The page of a background job: its progress (a bar the page's script updates from the JSON
answer; without JavaScript the page refreshes itself), then its result or its error, and its
file when it made one. Only the person who started it, and those its kind allows (organisers
for results, the unit's managers for its exports), see it; anyone else gets 404."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from quiz.db import MAX_ID, utcnow
from quiz.extensions import db
from quiz.jobs import queue, services

bp = Blueprint("jobs", __name__, url_prefix="/viec-nen")

ID = f"int(max={MAX_ID})"
#: How often the page looks again while the job runs (seconds).
REFRESH_S = 2
#: A job queued for longer than this (seconds) says that the worker may not be running.
WAITING_S = 60


def started(start) -> Response:
    """The answer to an organiser's or a manager's press that starts a job: ``start(now)`` starts
    it (or finds the one already on it), the request commits, and the browser goes to its page."""
    now = utcnow()
    job = start(now)
    db.session.commit()
    if job.created_at < now:
        flash("Việc này đã được bắt đầu trước đó và đang chạy: dưới đây là tiến độ của nó.", "info")
    return redirect(url_for("jobs.show", job_id=job.id))


def _job(job_id: int):
    return services.visible(current_user, services.get(job_id))


def status(job) -> dict:
    """What the page shows, as JSON: state, progress (done of total, the current step) and, once
    finished, the result or error, the file's address and the page to go back to."""
    live = queue.live(job.id) if job.state == "running" else None
    done, total, label = (live["done"], live["total"], live["label"]) if live else (0, 0, "Đang chạy…")
    if job.state == "queued":
        label = "Đang chờ tiến trình nền nhận việc…"
        if utcnow() - job.enqueued_at > timedelta(seconds=WAITING_S):
            label += " (chờ đã lâu: hãy kiểm tra tiến trình nền quiz worker có đang chạy)"
    elif job.state == "done":
        done = total = 1
    back = services.KINDS[job.kind].back(job)
    return {"id": job.id, "title": job.title, "state": job.state, "done": done, "total": total, "label": label,
            "percent": round(100 * done / total) if total else 0, "result": job.result, "error": job.error,
            "file_url": url_for("jobs.download", job_id=job.id) if job.state == "done" and job.file else None,
            "back_url": back}


@bp.get(f"/<{ID}:job_id>")
@login_required
def show(job_id: int):
    job = _job(job_id)
    return render_template("jobs/show.html", job=job, status=status(job), refresh_s=REFRESH_S)


@bp.get(f"/<{ID}:job_id>.json")
@login_required
def show_json(job_id: int):
    response = jsonify(status(_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(f"/<{ID}:job_id>/tep")
@login_required
def download(job_id: int):
    job = _job(job_id)
    return send_file(services.file_path(job), as_attachment=True, download_name=job.file_name)
