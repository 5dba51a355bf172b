"""Publishing with care: every lifecycle step is in the audit log with its actor; freezing and
publishing go through a confirmation page saying what becomes public; a publication can be
withdrawn with a reason (back to frozen: members lose their place and prize, the published
page says the results are under review, why) and published again; a settlement that changes a
published round's prizes is logged once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import T0, post_form
from quiz.attempts.models import Attempt
from quiz.audit import services as audit
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.errors import Conflict, DomainError
from quiz.extensions import db as _db
from quiz.rankings import services as rankings

from test_prizes import WEEK, people, take, three_weeks  # noqa: F401  (people: a fixture)


def text(response) -> str:
    return response.get_data(as_text=True)


def results_url(cid: int, rid: int) -> str:
    return f"/quan-tri/cuoc-thi/{cid}/dot/{rid}/ket-qua"


@pytest.fixture
def organiser(make_user):
    return make_user(phone="0918000001", role="organiser", full_name="Đỗ Thị Tổ Chức")


def actions(contest_id: int) -> list[tuple[str, int | None]]:
    return [(entry.action, entry.actor_id) for entry, _ in reversed(audit.entries(contest_id=contest_id))]


# The services, with now and the actor --------------------------------------------------------------

def test_each_lifecycle_step_is_logged_with_its_actor(app, closed_contest, organiser):
    cid, rid, users = closed_contest
    now = utcnow()
    me = organiser.id
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        round_ = contest.rounds[0]
        rankings.freeze(round_, contest, now=now, actor_id=me)
        rankings.reopen(round_, contest, now=now, actor_id=None)             # the command line
        rankings.freeze(round_, contest, now=now, actor_id=me)
        assert rankings.publish(round_, now=now, actor_id=me)
        assert not rankings.publish(round_, now=now, actor_id=me)            # already: nothing logged
        rankings.freeze_contest(contest, now=now, actor_id=me)
        rankings.reopen_contest(contest, now=now, actor_id=me)
        rankings.freeze_contest(contest, now=now, actor_id=me)
        rankings.publish_contest(contest, now=now, actor_id=me)
        _db.session.commit()
        assert actions(cid) == [("round.freeze", me), ("round.reopen", None), ("round.freeze", me),
                                ("round.publish", me), ("contest.freeze_results", me),
                                ("contest.reopen_results", me), ("contest.freeze_results", me),
                                ("contest.publish_results", me)]
        freeze = next(e for e, _ in audit.entries(contest_id=cid) if e.action == "round.freeze")
        assert freeze.round_id == rid and freeze.changes["ranked"] == 3 and freeze.changes["winners"] == 2
        assert "3 thí sinh được xếp hạng, 2 người đoạt giải" in freeze.summary


def test_withdraw_returns_a_round_to_frozen_with_its_reason(app, closed_contest, organiser):
    cid, rid, users = closed_contest
    now = utcnow()
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        round_ = contest.rounds[0]
        rankings.freeze(round_, contest, now=now, actor_id=organiser.id)
        with pytest.raises(Conflict, match="chưa được công bố"):
            rankings.withdraw(round_, "Kiểm tra lại đáp án câu 5", now=now, actor_id=organiser.id)
        rankings.publish(round_, now=now, actor_id=organiser.id)
        for reason in ("", "  ngắn ", "x" * 1001):
            with pytest.raises(DomainError) as refused:
                rankings.withdraw(round_, reason, now=now, actor_id=organiser.id)
            assert refused.value.field == "reason"
        later = now + timedelta(minutes=5)
        rankings.withdraw(round_, "  Kiểm tra lại   đáp án câu 5 ", now=later, actor_id=organiser.id)
        _db.session.commit()
        assert round_.published_at is None and round_.frozen_at is not None
        assert (round_.withdrawn_at, round_.withdrawal_reason) == (later, "Kiểm tra lại đáp án câu 5")
        assert rankings.state(round_, later) == "frozen"
        [(entry, actor)] = [(e, n) for e, n in audit.entries(contest_id=cid) if e.action == "round.withdraw"]
        assert actor == "Đỗ Thị Tổ Chức" and entry.changes["reason"] == "Kiểm tra lại đáp án câu 5"
        rankings.reopen(round_, contest, now=later, actor_id=organiser.id)      # under review: may compute again
        rankings.freeze(round_, contest, now=later, actor_id=organiser.id)
        assert rankings.publish(round_, now=later + timedelta(minutes=1), actor_id=organiser.id)
        _db.session.commit()
        again = next(e for e, _ in audit.entries(contest_id=cid) if e.action == "round.publish")
        assert "công bố lại sau khi rút lại: Kiểm tra lại đáp án câu 5" in again.summary


def test_a_settlement_that_changes_a_published_rounds_prizes_is_logged_once(app, make_contest, people,  # noqa: F811
                                                                            organiser):
    cid = three_weeks(make_contest, one_prize="higher_kept")
    take(app, cid, people)
    after = T0 + 4 * WEEK
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        first, second = contest.rounds[:2]
        rankings.freeze(first, contest, now=after, actor_id=organiser.id)
        rankings.publish(first, now=after, actor_id=organiser.id)
        rankings.freeze(second, contest, now=after, actor_id=organiser.id)      # M's Ba in week 1 moves to Q
        _db.session.commit()
        [(entry, actor)] = [(e, n) for e, n in audit.entries(contest_id=cid) if e.action == "prizes.adjust"]
        assert actor == "Đỗ Thị Tổ Chức" and entry.round_id == first.id and entry.changes["count"] == 2
        assert {(p["user_id"], p["before"], p["after"]) for p in entry.changes["prizes"]} == {
            (people["M"], "Ba", None), (people["Q"], None, "Ba")}
        assert "Điều chỉnh 2 giải đã công bố (Tuần 1): Chốt kết quả Tuần 2." == entry.summary
        rankings.freeze(contest.rounds[2], contest, now=after, actor_id=None)
        _db.session.commit()
        assert len([e for e, _ in audit.entries(contest_id=cid) if e.action == "prizes.adjust"]) == 2


def test_the_cli_steps_are_logged_without_an_actor(app, runner, closed_contest):
    cid, rid, users = closed_contest
    with app.app_context():
        slug = _db.session.get(Contest, cid).slug
    assert runner.invoke(args=["results", "freeze", slug, "1"]).exit_code == 0
    assert runner.invoke(args=["results", "publish", slug, "1"]).exit_code == 0
    with app.app_context():
        assert actions(cid) == [("round.freeze", None), ("round.publish", None)]


# The pages ------------------------------------------------------------------------------------------

def test_freeze_and_publish_ask_first_saying_what_becomes_public(app, client, closed_contest, login_as):
    cid, rid, users = closed_contest
    login_as("organiser")
    with app.app_context():
        slug = _db.session.get(Contest, cid).slug
    page = text(client.get(results_url(cid, rid)))
    assert f'action="{results_url(cid, rid)}/chot"' in page and 'method="get"' in page
    confirm = text(client.get(f"{results_url(cid, rid)}/chot"))
    assert "Tính và chốt kết quả Tuần 1?" in confirm
    assert "xếp hạng <strong>3</strong> thí sinh" in confirm and "1 giải Nhất, 1 giải Nhì" in confirm
    assert "Chưa có gì được công bố." in confirm and f"http://localhost/ket-qua/{slug}/1" in confirm
    with app.app_context():
        assert _db.session.get(Contest, cid).rounds[0].frozen_at is None          # asking changes nothing
    post_form(client, f"{results_url(cid, rid)}/chot", {})
    confirm = text(client.get(f"{results_url(cid, rid)}/cong-bo"))
    assert "Công bố kết quả Tuần 1?" in confirm and f"http://localhost/ket-qua/{slug}/1" in confirm
    assert "danh sách <strong>2</strong> người đoạt giải" in confirm and "1 giải Nhất, 1 giải Nhì" in confirm
    assert "<strong>đáp án</strong> của" in confirm                        # the contest shows the key after the close
    assert "trong số 3 người được xếp hạng thấy hạng và giải" in confirm
    done = post_form(client, f"{results_url(cid, rid)}/cong-bo", {})
    assert "Đã công bố kết quả Tuần 1." in text(client.get(done.headers["Location"]))


def test_a_withdrawn_publication_is_under_review_for_everyone(app, client, closed_contest, login_as, auth, make_user):
    cid, rid, users = closed_contest
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        rankings.publish(contest.rounds[0], now=utcnow())
        slug = contest.slug
        attempt_id = _db.session.scalar(select(Attempt.id).where(Attempt.user_id == users[0]))
        _db.session.commit()
    login_as("organiser")
    page = text(client.get(results_url(cid, rid)))
    assert "Rút lại công bố…" in page
    url = f"{results_url(cid, rid)}/rut-lai"
    confirm = text(client.get(url))
    assert "Rút lại công bố kết quả Tuần 1?" in confirm and "kết quả đang được xem xét lại" in confirm
    assert "3 thí sinh không còn thấy hạng và giải của mình (2 người đang có giải)" in confirm
    missing = post_form(client, url, {"reason": ""})
    assert missing.status_code == 422 and "Vui lòng ghi lý do" in text(missing)
    short = post_form(client, url, {"reason": "  ok  "})                  # refused by the service, beside the field
    assert short.status_code == 400 and 'class="error" role="alert">Vui lòng ghi lý do' in text(short)
    done = post_form(client, url, {"reason": "Kiểm tra lại đáp án câu 5 <script>"})
    assert done.status_code == 302
    page = text(client.get(done.headers["Location"]))
    assert "Đã rút lại công bố kết quả Tuần 1" in page and "Công bố lại kết quả…" in page
    assert "đang được xem xét lại" in page
    preview = text(client.get(f"/ket-qua/{slug}/1"))                 # organisers: the notice above the preview
    assert "đang được xem xét lại" in preview and "Xem trước" in preview and "Giải Nhất" in preview

    anonymous = app.test_client()
    public = anonymous.get(f"/ket-qua/{slug}/1")
    assert public.status_code == 200
    body = text(public)
    assert "Kết quả Tuần 1 đang được xem xét lại." in body
    assert "Lý do: Kiểm tra lại đáp án câu 5 &lt;script&gt;" in body and "Nguyễn Văn An" not in body
    assert anonymous.get(f"/ket-qua/{slug}/1/giay-chung-nhan").status_code == 302    # log in first…
    member = app.test_client()
    Auth = type(auth)
    Auth(member).login("0912000700")                                       # Nguyễn Văn An, who won Nhất
    result = text(member.get(f"/luot-thi/{attempt_id}/ket-qua"))
    assert "Hạng của bạn" not in result and "giải Nhất" not in result
    assert "đang được xem xét lại" in result and "Kiểm tra lại đáp án câu 5" in result
    assert member.get(f"/ket-qua/{slug}/1/giay-chung-nhan").status_code == 404      # … and there is none

    post_form(client, f"{results_url(cid, rid)}/cong-bo", {})
    again = text(anonymous.get(f"/ket-qua/{slug}/1"))
    assert "Giải Nhất" in again and "Nguyễn Văn An" in again and "công bố lại lúc" in again
    assert "Hạng của bạn" in text(member.get(f"/luot-thi/{attempt_id}/ket-qua"))


def test_the_publishing_pages_are_for_organisers(app, client, closed_contest, login_as):
    cid, rid, users = closed_contest
    login_as("unit_manager")
    for url in (f"{results_url(cid, rid)}/chot", f"{results_url(cid, rid)}/cong-bo", f"{results_url(cid, rid)}/rut-lai",
                f"/quan-tri/cuoc-thi/{cid}/ket-qua/chot", f"/quan-tri/cuoc-thi/{cid}/ket-qua/cong-bo"):
        assert client.get(url).status_code == 403, url


def test_a_withdrawn_round_being_computed_again_stays_under_review(app, client, closed_contest, login_as):
    cid, rid, users = closed_contest
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        round_ = contest.rounds[0]
        rankings.freeze(round_, contest, now=utcnow())
        rankings.publish(round_, now=utcnow())
        rankings.withdraw(round_, "Sai đáp án câu 2", now=utcnow())
        rankings.reopen(round_, contest, now=utcnow())
        slug = contest.slug
        _db.session.commit()
    assert "Lý do: Sai đáp án câu 2" in text(app.test_client().get(f"/ket-qua/{slug}/1"))
    login_as("organiser")                                  # nothing frozen to preview: the notice too
    page = client.get(f"/ket-qua/{slug}/1")
    assert page.status_code == 200 and "đang được xem xét lại" in text(page)
    assert "đang được xem xét lại" in text(client.get(results_url(cid, rid)))
