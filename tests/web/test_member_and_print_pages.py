"""Smaller things members and organisers noticed, through the test client: the attempt page
without JavaScript (a note, the deadline's clock time, no frozen countdown), answer letters
kept with their options, the result of an attempt that ran out of time, the published page's
answer key collapsed, and the certificate's official lines."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from conftest import post_form
from quiz.accounts.models import User
from quiz.attempts.models import Attempt, AttemptQuestion
from quiz.banks.models import Question
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db
from quiz.rankings import services as rankings

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def text(response) -> str:
    return response.get_data(as_text=True)


def local_hhmm(moment: datetime) -> str:
    return f"{moment.replace(tzinfo=timezone.utc).astimezone(VN):%H:%M}"


def open_contest(make_contest) -> int:
    now = utcnow()
    return make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(hours=1)).isoformat(),
                                "closes": (now + timedelta(days=1)).isoformat()}])


def slug_of(app, cid: int) -> str:
    with app.app_context():
        return _db.session.get(Contest, cid).slug


def start(client, slug: str) -> int:
    response = post_form(client, f"/cuoc-thi/{slug}/bat-dau", {})
    assert response.status_code == 302, text(response)
    return int(re.fullmatch(r"/luot-thi/(\d+)", response.headers["Location"]).group(1))


# --- The attempt page -----------------------------------------------------------------------------

def test_without_javascript_the_attempt_page_says_how_answers_are_saved_and_when_it_closes(
        app, client, make_contest, make_user, auth):
    slug = slug_of(app, open_contest(make_contest))
    make_user(phone="0912000950")
    auth.login("0912000950")
    attempt_id = start(client, slug)
    page = text(client.get(f"/luot-thi/{attempt_id}"))
    with app.app_context():
        deadline = _db.session.get(Attempt, attempt_id).deadline_at
    note = re.search(r"<noscript>(.*?)</noscript>", page, re.S).group(1)
    assert "câu trả lời" in note and "chỉ được lưu khi bạn bấm “Nộp bài”" in note
    assert f"Hãy nộp bài trước <strong>{local_hhmm(deadline)}</strong>" in note
    assert re.search(rf'Hạn nộp bài: <strong><time datetime="[0-9T:-]+Z">{local_hhmm(deadline)}</time></strong>', page)
    # the countdown is the script's: no frozen mm:ss in the page, the seconds still given to it
    assert re.search(r'<span class="timer" id="timer" data-seconds-left="\d+" role="timer"[^>]*></span>', page)
    assert re.search(r'src="/static/js/attempt\.[0-9a-f]{12}\.js"', page)


def test_answer_letters_stay_with_their_options(app, client, make_contest, make_user, auth):
    slug = slug_of(app, open_contest(make_contest))
    make_user(phone="0912000951")
    auth.login("0912000951")
    page = text(client.get(f"/luot-thi/{start(client, slug)}"))
    letters = re.findall(r'<span class="letter">([A-F])\.</span> <span class="option-text">', page)
    assert letters[:4] == ["A", "B", "C", "D"]
    with client.get("/static/css/site.css") as css:
        rules = css.get_data(as_text=True)
    assert re.search(r"\.options \.letter \{[^}]*white-space: nowrap[^}]*flex: none", rules)


# --- The result of an attempt finished by the deadline ------------------------------------------------

def test_an_attempt_finished_by_the_deadline_says_time_ran_out(app, client, make_contest, make_user, auth):
    cid = open_contest(make_contest)
    user = make_user(phone="0912000952")
    auth.login("0912000952")
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        started = utcnow() - timedelta(minutes=20)
        attempt = Attempt(contest_id=cid, round_id=contest.rounds[0].id, user_id=user.id, number=1, seed=1,
                          unit_id=_db.session.get(User, user.id).unit_id, started_at=started,
                          deadline_at=started + timedelta(minutes=10))
        _db.session.add(attempt)
        _db.session.commit()
        expired = attempt.id
    page = text(client.get(f"/luot-thi/{expired}/ket-qua"))           # finished now, with its saved answers
    assert "<h1>Hết giờ làm bài</h1>" in page
    assert "bài thi đã được nộp với các câu trả lời đã lưu" in page
    with app.app_context():
        finished = _db.session.get(Attempt, expired)
        assert finished.finished_at == finished.deadline_at

    submitted = start(client, slug_of(app, cid))
    post_form(client, f"/luot-thi/{submitted}/nop", {}, token_from=f"/luot-thi/{submitted}")
    page = text(client.get(f"/luot-thi/{submitted}/ket-qua"))
    assert "<h1>Đã nộp bài</h1>" in page and "Hết giờ" not in page


# --- The published page and the certificates ------------------------------------------------------------

def draw_two_questions(app, cid: int) -> None:
    """Give closed_contest's attempts two drawn questions each, so the round has an answer key."""
    with app.app_context():
        questions = _db.session.scalars(select(Question.id).order_by(Question.id).limit(2)).all()
        for attempt_id in _db.session.scalars(select(Attempt.id).where(Attempt.contest_id == cid)):
            for position, question_id in enumerate(questions):
                _db.session.add(AttemptQuestion(attempt_id=attempt_id, position=position, question_id=question_id,
                                                option_order="0,1,2,3"))
        _db.session.commit()


def freeze_and_publish(app, cid: int, published: datetime | None = None) -> None:
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        if published is not None:
            rankings.publish(contest.rounds[0], now=published)
        _db.session.commit()


def test_the_answer_key_is_collapsed(app, client, closed_contest):
    cid, _, _ = closed_contest
    draw_two_questions(app, cid)
    freeze_and_publish(app, cid, utcnow())
    page = text(client.get(f"/ket-qua/{slug_of(app, cid)}/1"))
    details = re.search(r'<details class="answer-key" id="dap-an">(.*?)</details>', page, re.S)
    assert details, "the answer key is not in a <details>"
    assert re.match(r"\s*<summary><h2>Đáp án</h2> \(2 câu, bấm để xem\)</summary>", details.group(1))
    assert "Câu hỏi thứ 0 về chuyên đề năm?" in details.group(1) and "(đáp án)" in details.group(1)
    assert "<details class=\"answer-key\" id=\"dap-an\" open" not in page
    assert page.count("Câu hỏi thứ 0 về chuyên đề năm?") == 1                 # nowhere else


def test_the_certificate_has_the_lines_of_an_official_document(app, client, closed_contest, login_as):
    cid, _, users = closed_contest
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        contest.certificate_place = "Sóc Trăng"
        contest.certificate_signer_title = "Trưởng ban"
        contest.certificate_signer_name = "Lâm Văn Mẫn"
        _db.session.commit()
        slug = contest.slug
    freeze_and_publish(app, cid, datetime(2026, 2, 4, 18, 0))          # 01:00 on 05/02 in Hà Nội
    login_as("organiser")
    page = text(client.get(f"/ket-qua/{slug}/1/giay-chung-nhan"))
    assert page.count('class="certificate"') == 2
    assert page.count('<p class="place-date">Sóc Trăng, ngày 05 tháng 02 năm 2026</p>') == 2
    assert f"Số: 01-{users[0]:06d}/GCN-{slug}" in page and f"Số: 01-{users[1]:06d}/GCN-{slug}" in page
    signature = page.split('<div class="signature">')[1].split("</div>")[0]
    assert signature.index("TM. BAN TỔ CHỨC") < signature.index("Trưởng ban") < signature.index("Lâm Văn Mẫn")
    with client.get("/static/css/certificate.css") as css:
        assert "@page { size: A4 landscape;" in css.get_data(as_text=True)


def test_a_certificate_before_publication_is_dated_today_and_a_missing_place_is_left_out(app, client,
                                                                                          closed_contest, login_as):
    cid, _, users = closed_contest
    freeze_and_publish(app, cid)                                         # frozen only: the organiser's preview
    login_as("organiser")
    page = text(client.get(f"/ket-qua/{slug_of(app, cid)}/1/giay-chung-nhan"))
    today = utcnow().replace(tzinfo=timezone.utc).astimezone(VN).date()
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)
    assert f'<p class="place-date">Ngày {today.day:02d} tháng {month} năm {today.year}</p>' in page
    assert "signer-name" not in page and "TM. BAN TỔ CHỨC" in page
