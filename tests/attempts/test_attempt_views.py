"""Taking a contest through the test client: list → rules → confirm → start → the attempt
page → JSON save → submit → result, and what each page must never show."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from quiz.attempts import services as attempts
from quiz.attempts.models import Answer, Attempt, AttemptQuestion
from quiz.banks.models import QuestionOption
from quiz.contests import setup
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db
from conftest import csrf_token

UTC = ZoneInfo("UTC")
OPTIONS = ["Phương án thứ nhất", "Phương án thứ hai", "Phương án thứ ba", "Phương án thứ tư"]


@pytest.fixture
def make_contest(app):
    """A bank of 30 questions whose right option varies (no text gives it away), and a factory
    of contests drawing 10 of them, rounds relative to the real clock."""
    from quiz.banks import services as banks
    from quiz.banks.formats import ParsedQuestion
    from quiz.banks.validation import Checked, dedup_key

    with app.app_context():
        bank = banks.create_bank("Ngân hàng dự thi")
        rows = [Checked(ParsedQuestion(text=f"Câu hỏi số {i} về chuyên đề?", options=OPTIONS, correct=i % 4),
                        "de", dedup_key(f"Câu hỏi số {i} về chuyên đề?")) for i in range(30)]
        banks.write(bank, rows, now=utcnow())
        _db.session.commit()
    counter = iter(range(100))

    def make(opens=timedelta(hours=-1), closes=timedelta(days=1), **changes) -> str:
        now = utcnow()
        slug = f"du-thi-{next(counter)}"
        spec = {"slug": slug, "title": "Hội thi tìm hiểu chuyên đề", "time_limit_s": 600, "grace_s": 10,
                "max_attempts": 2, "min_delay_s": 0, "rules": "Điều 1. Mỗi người thi tối đa 2 lượt.\nĐiều 2. Trung thực.",
                "round": [{"name": "Tuần 1", "opens": (now + opens).replace(tzinfo=UTC).isoformat(),
                           "closes": (now + closes).replace(tzinfo=UTC).isoformat()}],
                "draw": [{"bank": "Ngân hàng dự thi", "count": 10}], **changes}
        with app.app_context():
            result = setup.create(spec, tz=UTC)
            assert result.errors == [], result.errors
            _db.session.commit()
        return slug

    return make


@pytest.fixture
def member(make_user, auth):
    user = make_user(phone="0912000222")
    auth.login("0912000222")
    return user


def text(response) -> str:
    return response.get_data(as_text=True)


def start(client, slug: str) -> int:
    token = csrf_token(client, f"/cuoc-thi/{slug}/bat-dau")
    response = client.post(f"/cuoc-thi/{slug}/bat-dau", data={"csrf_token": token})
    assert response.status_code == 302, text(response)
    match = re.fullmatch(r"/luot-thi/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def drawn(app, attempt_id: int) -> list[tuple[int, list[int], int]]:
    """(question id, option ids, the right option id) per drawn question, in drawn order."""
    with app.app_context():
        rows = _db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
                                   .order_by(AttemptQuestion.position)).all()
        out = []
        for row in rows:
            options = _db.session.scalars(select(QuestionOption).where(QuestionOption.question_id == row.question_id)).all()
            out.append((row.question_id, [o.id for o in options], next(o.id for o in options if o.is_correct)))
        return out


def save(client, attempt_id: int, answers: dict, prediction=None, token: str | None = None, raw: str | None = None):
    token = token or csrf_token(client, f"/luot-thi/{attempt_id}")
    body = raw if raw is not None else json.dumps({"answers": {str(q): o for q, o in answers.items()},
                                                    "prediction": prediction})
    return client.post(f"/api/luot-thi/{attempt_id}/luu", data=body, content_type="application/json",
                       headers={"X-CSRFToken": token})


def saved_answers(app, attempt_id: int) -> dict[int, int]:
    with app.app_context():
        return dict(_db.session.execute(select(Answer.question_id, Answer.option_id)
                                        .where(Answer.attempt_id == attempt_id)).all())


def assert_no_key(body: str, questions) -> None:
    """Nothing in ``body`` tells the right option from the others."""
    assert "is_correct" not in body and "correct" not in body.lower() and "đáp án" not in body.lower()
    for question_id, option_ids, right in questions:
        items = re.findall(rf'<li>(<label><input type="radio" name="q{question_id}" value="(\d+)"[^<]*>.*?)</li>', body)
        assert sorted(int(v) for _, v in items) == sorted(option_ids)
        shapes = {re.sub(r'value="\d+"|(?<=</span> ).*?(?=</label>)|<span class="letter">[A-H]\.</span>| checked', "",
                         markup) for markup, _ in items}
        assert len(shapes) == 1, shapes  # the right option's markup is the same as every other's


# --- The full flow --------------------------------------------------------------------------

def test_full_flow_list_rules_confirm_start_page_save_submit_result(app, client, make_contest, member):
    slug = make_contest(prediction={"metric": "participants", "prompt": "Bao nhiêu người dự thi tuần này?"})
    make_contest(opens=timedelta(days=2), closes=timedelta(days=3), title="Cuộc thi sắp tới")
    make_contest(opens=timedelta(days=-3), closes=timedelta(days=-2), title="Cuộc thi đã qua")

    listing = text(client.get("/cuoc-thi"))
    assert listing.index("Đang mở") < listing.index(f"/cuoc-thi/{slug}") < listing.index("Sắp mở")
    assert listing.index("Sắp mở") < listing.index("Cuộc thi sắp tới") < listing.index("Đã đóng") < listing.index("Cuộc thi đã qua")
    assert "Còn 2 lượt" in listing
    assert 'href="/cuoc-thi"' in text(client.get("/"))            # the nav link

    rules = text(client.get(f"/cuoc-thi/{slug}"))
    assert "Điều 1. Mỗi người thi tối đa 2 lượt.\nĐiều 2. Trung thực." in rules and "rules-text" in rules
    assert "10 phút" in rules and f'href="/cuoc-thi/{slug}/bat-dau"' in rules and "Bắt đầu làm bài" in rules
    assert "Bạn có chắc" in text(client.get(f"/cuoc-thi/{slug}/bat-dau"))

    attempt_id = start(client, slug)
    page = client.get(f"/luot-thi/{attempt_id}")
    body = text(page)
    assert page.status_code == 200
    questions = drawn(app, attempt_id)
    assert len(questions) == 10
    positions = [body.index(f'name="q{q}"') for q, _, _ in questions]
    assert positions == sorted(positions)                          # drawn order
    assert "Bao nhiêu người dự thi tuần này?" in body and 'name="prediction"' in body
    left = int(re.search(r'data-seconds-left="(\d+)"', body).group(1))
    assert 590 <= left <= 600
    assert f'<form method="post" id="attempt-form" class="attempt" action="/luot-thi/{attempt_id}/nop"' in body
    assert '<span id="answered">0</span>/<span id="total">10</span>' in body
    assert re.search(r'src="/static/js/attempt\.[0-9a-f]{12}\.js"', body)
    assert_no_key(body, questions)

    # save: two right, one wrong
    (q1, o1, r1), (q2, o2, r2), (q3, o3, r3) = questions[:3]
    wrong = next(o for o in o3 if o != r3)
    response = save(client, attempt_id, {q1: r1, q2: r2, q3: wrong}, prediction=1234)
    assert response.status_code == 200, text(response)
    data = response.get_json()
    assert set(data) == {"saved", "server_time", "seconds_left"} and data["saved"] == 3
    assert 0 < data["seconds_left"] <= 600
    assert saved_answers(app, attempt_id) == {q1: r1, q2: r2, q3: wrong}
    # clearing one answer, then putting it back
    assert save(client, attempt_id, {q3: None}).get_json()["saved"] == 2
    assert save(client, attempt_id, {q3: wrong}).get_json()["saved"] == 3

    again = text(client.get(f"/luot-thi/{attempt_id}"))
    assert f'name="q{q1}" value="{r1}" checked' in again and f'name="q{q3}" value="{wrong}" checked' in again
    assert 'value="1234"' in again and '<span id="answered">3</span>' in again
    assert_no_key(again, questions)

    token = csrf_token(client, f"/luot-thi/{attempt_id}")
    done = client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"] == f"/luot-thi/{attempt_id}/ket-qua"
    result = text(client.get(f"/luot-thi/{attempt_id}/ket-qua"))
    assert "2/10" in result and re.search(r"<dd>00:\d\d</dd>", result)
    assert "Số lượt còn lại</dt><dd>1<" in result
    assert "sau khi Tuần 1 đóng" in result
    assert "Bài làm và đáp án được hiện sau khi" in result and "correct" not in result
    assert "1.234" in result
    # the attempt page now leads to the result
    assert client.get(f"/luot-thi/{attempt_id}").headers["Location"] == f"/luot-thi/{attempt_id}/ket-qua"


def test_starting_again_resumes_the_same_attempt(app, client, make_contest, member):
    slug = make_contest()
    first = start(client, slug)
    assert "Tiếp tục làm bài" in text(client.get(f"/cuoc-thi/{slug}"))
    assert start(client, slug) == first
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_refusals_are_shown_on_the_rules_page(app, client, make_contest, member):
    slug = make_contest(max_attempts=1)
    attempt_id = start(client, slug)
    client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": csrf_token(client, f"/luot-thi/{attempt_id}")})
    token = csrf_token(client, f"/cuoc-thi/{slug}/bat-dau")
    response = client.post(f"/cuoc-thi/{slug}/bat-dau", data={"csrf_token": token}, follow_redirects=True)
    assert "Bạn đã dùng hết 1 lượt thi của Tuần 1." in text(response)

    later = make_contest(opens=timedelta(days=1), closes=timedelta(days=2))
    response = client.post(f"/cuoc-thi/{later}/bat-dau", data={"csrf_token": token}, follow_redirects=True)
    assert "Hiện không có đợt thi nào đang mở." in text(response)


def test_another_member_gets_404(app, client, make_contest, member, make_user, auth):
    slug = make_contest()
    attempt_id = start(client, slug)
    make_user(phone="0912000333")
    auth.logout()
    auth.login("0912000333")
    token = csrf_token(client, "/tai-khoan")
    assert client.get(f"/luot-thi/{attempt_id}").status_code == 404
    assert client.get(f"/luot-thi/{attempt_id}/ket-qua").status_code == 404
    assert save(client, attempt_id, {}, token=token).status_code == 404
    assert client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": token}).status_code == 404


def test_pages_need_login(client, make_contest):
    slug = make_contest()
    for url in ("/cuoc-thi", f"/cuoc-thi/{slug}", f"/cuoc-thi/{slug}/bat-dau", "/luot-thi/1", "/luot-thi/1/ket-qua"):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"], url


def test_save_after_submit_is_409_and_changes_nothing(app, client, make_contest, member):
    slug = make_contest()
    attempt_id = start(client, slug)
    (q1, _, r1), (q2, o2, _) = drawn(app, attempt_id)[:2]
    token = csrf_token(client, f"/luot-thi/{attempt_id}")
    assert save(client, attempt_id, {q1: r1}, token=token).status_code == 200
    submitted = client.post(f"/luot-thi/{attempt_id}/nop", json={"answers": {}}, headers={"X-CSRFToken": token})
    assert submitted.get_json() == {"result_url": f"/luot-thi/{attempt_id}/ket-qua"}
    late = save(client, attempt_id, {q1: None, q2: o2[0]}, token=token)
    assert late.status_code == 409 and late.is_json
    assert "kết thúc" in late.get_json()["error"]
    assert saved_answers(app, attempt_id) == {q1: r1}
    with app.app_context():
        assert _db.session.get(Attempt, attempt_id).score == 1
    # submitting again is harmless and gives the same result
    again = client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": token})
    assert again.status_code == 302
    with app.app_context():
        assert _db.session.get(Attempt, attempt_id).score == 1


@pytest.mark.parametrize("raw", ["not json", "[]", '{"answers": []}', '{"answers": {"abc": 1}}',
                                 '{"answers": {"1": "x"}}', '{"answers": {"1": true}}',
                                 '{"answers": {"99999999999": 1}}', '{"answers": {}, "prediction": "nhiều"}',
                                 '{"answers": {}, "prediction": -5}'])
def test_bad_json_is_400_json(app, client, make_contest, member, raw):
    slug = make_contest()
    attempt_id = start(client, slug)
    response = save(client, attempt_id, {}, raw=raw)
    assert response.status_code == 400 and response.is_json, text(response)
    assert response.get_json()["error"]


def test_ids_from_outside_the_attempt_are_400(app, client, make_contest, member):
    slug = make_contest()
    attempt_id = start(client, slug)
    (q1, o1, _), (q2, o2, _) = drawn(app, attempt_id)[:2]
    token = csrf_token(client, f"/luot-thi/{attempt_id}")
    for answers in ({q1: o2[0]}, {123456: o1[0]}):
        response = save(client, attempt_id, answers, token=token)
        assert response.status_code == 400 and response.is_json
    assert saved_answers(app, attempt_id) == {}


def test_save_needs_the_csrf_token(app, client, make_contest, member):
    slug = make_contest()
    attempt_id = start(client, slug)
    response = client.post(f"/api/luot-thi/{attempt_id}/luu", json={"answers": {}})
    assert response.status_code == 400 and response.is_json


def test_the_plain_form_submits_without_javascript(app, client, make_contest, member):
    slug = make_contest(prediction={"metric": "attempts", "prompt": "Bao nhiêu lượt thi?"})
    attempt_id = start(client, slug)
    questions = drawn(app, attempt_id)
    body = text(client.get(f"/luot-thi/{attempt_id}"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    form = {"csrf_token": token, "prediction": "250", "q": "ignored", "other": "1"}
    for question_id, _, right in questions[:4]:
        form[f"q{question_id}"] = str(right)
    response = client.post(f"/luot-thi/{attempt_id}/nop", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "4/10" in text(response)
    with app.app_context():
        attempt = _db.session.get(Attempt, attempt_id)
        assert attempt.finished_at is not None and attempt.score == 4 and attempt.prediction == 250


def _past_attempt(app, member, slug, answer_right: int):
    """An attempt taken inside a round that (by the real clock) has closed or not."""
    from quiz.accounts.models import User

    with app.app_context():
        contest = _db.session.scalars(select(Contest).where(Contest.slug == slug)).one()
        user = _db.session.get(User, member.id)
        at = contest.rounds[0].opens_at + timedelta(minutes=1)
        attempt = attempts.start(user, contest, now=at)
        rows = _db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                                   .order_by(AttemptQuestion.position)).all()[:answer_right]
        right = dict(_db.session.execute(select(QuestionOption.question_id, QuestionOption.id).where(
            QuestionOption.question_id.in_([r.question_id for r in rows]), QuestionOption.is_correct)).all())
        attempts.submit(attempt, contest, now=at + timedelta(minutes=3), answers=right)
        _db.session.commit()
        return attempt.id


def test_the_result_shows_answers_only_after_the_round_closes(app, client, make_contest, member):
    closed = make_contest(opens=timedelta(days=-3), closes=timedelta(days=-2))
    attempt_id = _past_attempt(app, member, closed, 3)
    body = text(client.get(f"/luot-thi/{attempt_id}/ket-qua"))
    assert "3/10" in body and "03:00" in body
    assert "Bài làm và đáp án" in body and body.count('class="correct"') == 10 and body.count("← bạn chọn") == 3

    running = make_contest()
    attempt_id = _past_attempt(app, member, running, 3)
    body = text(client.get(f"/luot-thi/{attempt_id}/ket-qua"))
    assert "3/10" in body and "correct" not in body and "← bạn chọn" not in body

    never = make_contest(opens=timedelta(days=-3), closes=timedelta(days=-2), show_answers="never")
    attempt_id = _past_attempt(app, member, never, 3)
    body = text(client.get(f"/luot-thi/{attempt_id}/ket-qua"))
    assert "không công bố đáp án" in body and "correct" not in body


def test_an_attempt_past_its_grace_is_finished_on_the_next_visit(app, client, make_contest, member):
    slug = make_contest(opens=timedelta(hours=-2))
    from quiz.accounts.models import User

    with app.app_context():
        contest = _db.session.scalars(select(Contest).where(Contest.slug == slug)).one()
        attempt = attempts.start(_db.session.get(User, member.id), contest, now=utcnow() - timedelta(hours=1))
        _db.session.commit()
        attempt_id = attempt.id
    response = client.get(f"/luot-thi/{attempt_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ket-qua")
    with app.app_context():
        attempt = _db.session.get(Attempt, attempt_id)
        assert attempt.finished_at is not None and attempt.time_used_ms == 600_000


def test_the_attempt_page_with_its_assets_weighs_under_100_kb(app, client, make_contest, member):
    slug = make_contest(draw=[{"bank": "Ngân hàng dự thi", "count": 30}], max_attempts=1)
    attempt_id = start(client, slug)
    page = client.get(f"/luot-thi/{attempt_id}")
    body = text(page)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', body)
    assert any(a.endswith(".css") for a in assets) and any("/attempt." in a and a.endswith(".js") for a in assets)
    total = len(page.data)
    for asset in assets:
        response = client.get(asset)
        total += len(response.data)
        response.close()
    print(f"attempt page with assets: {total} bytes")
    assert total < 100_000, total


def test_a_mistyped_prediction_does_not_lose_the_final_submit(app, client, make_contest, member):
    slug = make_contest(prediction={"metric": "attempts", "prompt": "Bao nhiêu lượt thi?"})
    attempt_id = start(client, slug)
    token = csrf_token(client, f"/luot-thi/{attempt_id}")
    response = client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": token, "prediction": "khoảng 100"})
    assert response.status_code == 302
    with app.app_context():
        attempt = _db.session.get(Attempt, attempt_id)
        assert attempt.finished_at is not None and attempt.prediction is None


# --- Eligibility, daily windows and the countdown on the pages ------------------------------------

def test_an_upcoming_contest_counts_down_to_its_opening(client, make_contest, member):
    make_contest(opens=timedelta(days=2, hours=3), closes=timedelta(days=9))
    body = text(client.get("/cuoc-thi"))
    match = re.search(r'<span class="countdown" data-countdown="(\d+)">\(còn (2 ngày [23] giờ)\)</span>', body)
    assert match and 2 * 86400 + 3 * 3600 - 60 <= int(match.group(1)) <= 2 * 86400 + 3 * 3600
    assert re.search(r"js/countdown\.[0-9a-f]{12}\.js", body)


def test_outside_the_daily_window_the_round_shows_when_it_reopens_and_no_start(client, make_contest, member):
    from quiz.contests.schedule import DAY_NAMES

    other_day = DAY_NAMES[(utcnow() + timedelta(days=2)).isoweekday() - 1]   # the contest's clock is UTC
    slug = make_contest(round=[{"name": "Tuần 1", "opens": (utcnow() - timedelta(days=1)).isoformat(),
                                "closes": (utcnow() + timedelta(days=6)).isoformat(), "days": other_day,
                                "hours": "08:00-17:00"}])
    rules = text(client.get(f"/cuoc-thi/{slug}"))
    assert f"{other_day}, 08:00–17:00" in rules and "Ngoài khung giờ thi" in rules
    assert "Bắt đầu làm bài" not in rules
    listed = text(client.get("/cuoc-thi"))
    assert "Ngoài khung giờ thi: mở lại lúc" in listed and "countdown" in listed


def test_a_member_outside_the_chosen_units_is_told_so_and_cannot_start(client, make_contest, member, make_unit):
    make_unit("KHAC")
    slug = make_contest(units=["KHAC"])
    rules = text(client.get(f"/cuoc-thi/{slug}"))
    assert "Bạn không thuộc đối tượng dự thi" in rules and "Bắt đầu làm bài" not in rules
    assert slug not in text(client.get("/cuoc-thi"))
    token = csrf_token(client, f"/cuoc-thi/{slug}/bat-dau")
    refused = client.post(f"/cuoc-thi/{slug}/bat-dau", data={"csrf_token": token}, follow_redirects=True)
    assert "Bạn không thuộc đối tượng dự thi" in text(refused)


# --- Hostile values in a save or submit (issue 11): a 400 JSON error, nothing written ------------

@pytest.mark.parametrize("raw", [
    '{"answers": {"\u00b2": 1}}', '{"answers": {"1": "\u00b2"}}', '{"answers": {"\uff11\uff12": 1}}',
    '{"answers": {"1": "' + "9" * 5000 + '"}}', '{"answers": {"' + "9" * 5000 + '": 1}}',
    '{"answers": {}, "prediction": "\u00b2"}', '{"answers": {}, "prediction": "\uff11\uff12"}',
    '{"answers": {}, "prediction": "' + "9" * 5000 + '"}', '{"answers": {}, "prediction": ' + "9" * 5000 + '}',
    '{"answers": {}, "prediction": ' + "9" * 30 + '}', '{"answers": {}, "prediction": 1e999}',
    "[" * 100_000 + "]" * 100_000, '{"answers": {"1": "\\u0000"}}', '{"answers": {"\\ud800": 1}}', '"\\u0000"'])
def test_non_ascii_digits_huge_numbers_and_deep_json_are_400_json(app, client, make_contest, member, raw):
    slug = make_contest(prediction={"metric": "attempts", "prompt": "Bao nhiêu lượt thi?"})
    attempt_id = start(client, slug)
    (q1, o1, _), = drawn(app, attempt_id)[:1]
    assert save(client, attempt_id, {q1: o1[0]}).status_code == 200
    response = save(client, attempt_id, {}, raw=raw)
    assert response.status_code == 400 and response.is_json, text(response)[:300]
    assert response.get_json()["error"]
    assert saved_answers(app, attempt_id) == {q1: o1[0]}
    with app.app_context():
        assert _db.session.get(Attempt, attempt_id).prediction is None


def test_tens_of_thousands_of_answers_in_one_save_are_refused_before_any_sql(app, client, make_contest, member):
    slug = make_contest()
    attempt_id = start(client, slug)
    with app.app_context():
        attempt = _db.session.get(Attempt, attempt_id)
        with pytest.raises(attempts.DomainError, match="nhiều hơn số câu của đề"):
            attempts.save(attempt, {q: q for q in range(1, 40_001)}, now=utcnow())
        _db.session.rollback()
    big = json.dumps({"answers": {str(q): q for q in range(1, 40_001)}})
    response = save(client, attempt_id, {}, raw=big)
    assert response.status_code == 400 and response.is_json
    assert saved_answers(app, attempt_id) == {}


@pytest.mark.parametrize("value", ["\u00b2", "\uff11\uff12", "9" * 5000])
def test_the_plain_form_submit_with_hostile_numbers_finishes_or_refuses_cleanly(app, client, make_contest, member,
                                                                                value):
    slug = make_contest(prediction={"metric": "attempts", "prompt": "Bao nhiêu lượt thi?"})
    attempt_id = start(client, slug)
    (q1, o1, _), = drawn(app, attempt_id)[:1]
    token = csrf_token(client, f"/luot-thi/{attempt_id}")
    response = client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": token, f"q{q1}": value,
                                                               "prediction": value})
    assert response.status_code == 400, text(response)[:300]
    response = client.post(f"/luot-thi/{attempt_id}/nop", data={"csrf_token": token, f"q{q1}": o1[0],
                                                               "prediction": value})
    assert response.status_code == 302  # a mistyped prediction does not lose the submit
    with app.app_context():
        attempt = _db.session.get(Attempt, attempt_id)
        assert attempt.finished_at is not None and attempt.prediction is None and attempt.score is not None
