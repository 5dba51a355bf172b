"""The results pages: the organiser's lifecycle (preview, freeze, publish), the published page,
the member's place, certificates within scope, and the question statistics."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from conftest import post_form
from quiz.attempts.models import Answer, Attempt, AttemptQuestion
from quiz.banks.models import Question, QuestionOption
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db
from quiz.rankings import services as rankings
from quiz.rankings.models import QuestionStat


def text(response) -> str:
    return response.get_data(as_text=True)


def results_url(cid: int, rid: int) -> str:
    return f"/quan-tri/cuoc-thi/{cid}/dot/{rid}/ket-qua"


def act(client, cid: int, rid: int, action: str):
    """A lifecycle step as the organiser takes it: freezing and publishing from their
    confirmation page (the step's own address), computing again from the results page."""
    url = f"{results_url(cid, rid)}/{action}"
    return post_form(client, url, {}, token_from=url if action in ("chot", "cong-bo") else results_url(cid, rid))


def test_the_organiser_previews_freezes_and_publishes(app, client, closed_contest, login_as):
    cid, rid, users = closed_contest
    login_as("organiser")
    page = text(client.get(results_url(cid, rid)))
    assert "Tính và chốt kết quả" in page and "Xem trước bảng xếp hạng" in page and "Nguyễn Văn An" in page
    assert "Nhất" not in page.split("Xem trước bảng xếp hạng")[1]          # no prize before freezing
    done = act(client, cid, rid, "chot")                      # a background job (run at once in tests)
    assert done.status_code == 302 and done.headers["Location"].startswith("/viec-nen/")
    assert "Đã tính và chốt kết quả Tuần 1: 3 thí sinh được xếp hạng." in text(client.get(done.headers["Location"]))
    page = text(client.get(results_url(cid, rid)))
    assert "3 thí sinh được xếp hạng" in page and "Công bố kết quả" in page
    assert page.index("Nguyễn Văn An") < page.index("Trần Thị Bình") < page.index("Lê Văn Cường")
    link = re.search(r'Đơn vị TU:.*?href="(/bao-cao/[^"]+/ket-qua\.csv\?dot=\d+)"', page, re.S).group(1)
    download = client.get(link.replace("&amp;", "&"))
    assert download.status_code == 200 and "Nguyễn Văn An" in download.text
    slug = _slug(app, cid)
    preview = text(client.get(f"/ket-qua/{slug}/1"))
    assert "Xem trước: kết quả này chưa được công bố" in preview
    act(client, cid, rid, "cong-bo")
    page = text(client.get(results_url(cid, rid)))
    assert "đã công bố kết quả" in page


def _slug(app, cid: int) -> str:
    with app.app_context():
        return _db.session.get(Contest, cid).slug


def test_the_published_page_is_for_everyone_only_once_published(app, client, closed_contest):
    cid, rid, users = closed_contest
    slug = _slug(app, cid)
    assert client.get(f"/ket-qua/{slug}/1").status_code == 404
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        _db.session.commit()
    assert client.get(f"/ket-qua/{slug}/1").status_code == 404                # frozen, not published
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.publish(contest.rounds[0], now=utcnow())
        _db.session.commit()
    page = text(client.get(f"/ket-qua/{slug}/1"))
    assert "Giải Nhất" in page and "Nguyễn Văn An" in page and "Huyện Một" in page
    assert "Giải Nhì" in page and "Trần Thị Bình" in page and "Lê Văn Cường" not in page
    assert "Đơn vị nhiều người dự thi nhất" in page
    first, second = page.split("Đơn vị nhiều người dự thi nhất")[1].split("</ol>")[0].split("<li>")[1:3]
    assert "Huyện Một" in first and "<strong>2</strong>" in first and "Huyện Hai" in second
    assert client.get(f"/ket-qua/{slug}/9").status_code == 404


def test_a_member_sees_their_place_only_once_published(app, client, closed_contest, auth):
    cid, rid, users = closed_contest
    auth.login("0912000701")                                   # Trần Thị Bình
    with app.app_context():
        attempt_id = _db.session.scalar(select(Attempt.id).where(Attempt.user_id == users[1]))
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        _db.session.commit()
    assert "Hạng của bạn" not in text(client.get(f"/luot-thi/{attempt_id}/ket-qua"))
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.publish(contest.rounds[0], now=utcnow())
        _db.session.commit()
    page = text(client.get(f"/luot-thi/{attempt_id}/ket-qua"))
    assert "Hạng của bạn trong Tuần 1" in page and "<strong>2</strong>" in page and "giải Nhì" in page
    certificates = text(client.get(f"/ket-qua/{_slug(app, cid)}/1/giay-chung-nhan"))
    assert certificates.count('class="certificate"') == 1 and "Trần Thị Bình" in certificates
    assert "Tải tất cả về một tệp" not in certificates                   # a bundle is for units


def test_certificates_stay_inside_the_viewers_scope(app, client, closed_contest, make_user, auth):
    cid, rid, users = closed_contest
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        rankings.publish(contest.rounds[0], now=utcnow())
        _db.session.commit()
        from quiz.units.services import by_code

        h1, h2 = by_code("H1").id, by_code("H2").id
    make_user(phone="0913100001", role="unit_manager", managed="H1", unit="H1")
    auth.login("0913100001")
    url = f"/ket-qua/{_slug(app, cid)}/1/giay-chung-nhan"
    own = text(client.get(url))
    assert own.count('class="certificate"') == 1 and "Nguyễn Văn An" in own
    for raw in (str(h2), f"0{h2}", f" {h2}"):
        assert client.get(url, query_string={"don-vi": raw}).status_code in (403, 404), raw
    assert client.get(url, query_string={"don-vi": str(h1)}).status_code == 200


def test_the_routes_are_for_organisers(client, closed_contest, login_as):
    cid, rid, users = closed_contest
    login_as("unit_manager")
    assert client.get(results_url(cid, rid)).status_code == 403


def test_question_statistics_flag_a_probably_wrong_key(app, make_contest, make_user):
    """Twenty attempts over one question: the strong group (top 27 %: six attempts) all chose
    option B, everyone else the key, A."""
    now = utcnow()
    cid = make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(days=3)).isoformat(),
                               "closes": (now - timedelta(days=1)).isoformat()}])
    people = [make_user(phone=f"09120008{i:02d}").id for i in range(20)]
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        question = _db.session.scalars(select(Question).order_by(Question.id)).first()
        options = {o.position: o.id for o in _db.session.scalars(
            select(QuestionOption).where(QuestionOption.question_id == question.id))}
        for i, user_id in enumerate(people):
            start = now - timedelta(days=2)
            attempt = Attempt(contest_id=cid, round_id=contest.rounds[0].id, user_id=user_id, number=1, seed=1,
                              started_at=start, deadline_at=start + timedelta(minutes=10),
                              finished_at=start + timedelta(minutes=5), score=20 - i, time_used_ms=300_000)
            _db.session.add(attempt)
            _db.session.flush()
            _db.session.add(AttemptQuestion(attempt_id=attempt.id, position=0, question_id=question.id,
                                            option_order="0,1,2,3"))
            _db.session.flush()
            chosen = options[1] if i < 6 else options[0]        # strong: B (wrong); the rest: A (the key)
            _db.session.add(Answer(attempt_id=attempt.id, question_id=question.id, option_id=chosen, saved_at=start))
        _db.session.flush()
        rankings.freeze(contest.rounds[0], contest, now=now)
        stat = _db.session.scalars(select(QuestionStat).where(QuestionStat.question_id == question.id)).one()
        assert (stat.drawn, stat.correct, stat.facility) == (20, 14, 0.7)
        assert stat.key_suspect and stat.strong_choice_id == options[1]
        assert stat.discrimination < -0.7                       # the right answer goes with low scores


def test_participation_certificates_when_the_contest_gives_them(app, client, closed_contest, login_as):
    cid, rid, users = closed_contest
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        contest.certificates_for_all = True
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        rankings.publish(contest.rounds[0], now=utcnow())
        _db.session.commit()
    login_as("organiser")
    page = text(client.get(f"/ket-qua/{_slug(app, cid)}/1/giay-chung-nhan"))
    assert page.count('class="certificate"') == 3
    assert "Đạt giải Nhất" in page and "Đạt giải Nhì" in page and page.count("Đã tham gia") == 1


def test_freezing_from_the_page_runs_in_the_background_and_no_page_names_a_shell_command(client, closed_contest,
                                                                                         login_as):
    cid, rid, users = closed_contest
    login_as("organiser")
    page = text(client.get(results_url(cid, rid)))
    assert "quiz results" not in page and "Tính và chốt kết quả…</button>" in page
    confirm = text(client.get(f"{results_url(cid, rid)}/chot"))
    assert "quiz results" not in confirm and "Việc tính chạy trong nền, có thanh tiến độ" in confirm
    job = act(client, cid, rid, "chot").headers["Location"]
    assert "quiz results" not in text(client.get(job))
    again = act(client, cid, rid, "tinh-lai")                 # computing again: reopen and freeze, one job
    assert "Đã tính lại và chốt kết quả Tuần 1: 3 thí sinh được xếp hạng." in text(client.get(again.headers["Location"]))
    assert "3 thí sinh được xếp hạng" in text(client.get(results_url(cid, rid)))


def test_the_whole_contests_results_from_the_contest_page(app, client, closed_contest, login_as):
    cid, rid, users = closed_contest
    slug = _slug(app, cid)
    login_as("organiser")
    contest_url = f"/quan-tri/cuoc-thi/{cid}"
    assert "Còn 1 đợt chưa chốt kết quả" in text(client.get(contest_url))
    act(client, cid, rid, "chot")
    page = text(client.get(contest_url))
    assert "Chốt kết quả toàn cuộc thi" in page
    assert "Bằng nhau ở mọi tiêu chí: xếp trên là lượt thi được tạo trước" in page      # the rules say the last tie
    confirm = text(client.get(f"{contest_url}/ket-qua/chot"))
    assert "Chốt kết quả toàn cuộc thi?" in confirm and f"/ket-qua/{slug}" in confirm
    done = post_form(client, f"{contest_url}/ket-qua/chot", {})             # the confirmation page's form
    assert done.status_code == 302
    assert "Đã chốt kết quả toàn cuộc thi" in text(client.get(done.headers["Location"]))     # the job's page
    assert "Xem trước: kết quả này chưa được công bố" in text(client.get(f"/ket-qua/{slug}"))
    refused = act(client, cid, rid, "tinh-lai")                 # a round cannot be computed again now
    assert "hãy huỷ kết quả toàn cuộc thi trước" in text(client.get(refused.headers["Location"]))  # the job failed
    with app.test_client() as anonymous:
        assert anonymous.get(f"/ket-qua/{slug}").status_code == 404
    assert f"{contest_url}/ket-qua/cong-bo" in text(client.get(contest_url))
    post_form(client, f"{contest_url}/ket-qua/cong-bo", {})
    act(client, cid, rid, "cong-bo")
    with app.test_client() as anonymous:
        page = text(anonymous.get(f"/ket-qua/{slug}"))
        assert "Kết quả toàn cuộc thi" in page and f"/ket-qua/{slug}/1" in page
        assert "Đơn vị nhiều người dự thi nhất" in page and "Huyện Một: <strong>2</strong> người" in page
