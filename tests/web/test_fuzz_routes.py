"""Random and hostile input to every route of ``quiz routes``, as every role: no answer is a 5xx.

The routes are enumerated from ``app.url_map`` (every rule, every method), so a new route is
fuzzed without editing this file. Path parameters get real ids from a small seeded dataset
or hostile values; each request carries a hostile query string and, for a POST, a form body,
a JSON body or a file. One pass sends fixed hostile values to every route as every role
(the classes of the issue: NUL bytes, non-ASCII digits, numbers of thousands of digits,
deep JSON, too many answers, a huge CSV field, broken .xlsx, hostile TOML); a Hypothesis
pass (derandomized, fixed count: ``QUIZ_FUZZ_EXAMPLES``, 200 unless set; set it higher for a deeper
run, e.g. before a release) sends random ones. CSRF is off so bodies reach the views.
"""
from __future__ import annotations

import io
import json
import os
import random
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FAST_HASH, csrf_token, post_form

ROLES = ["anonymous", "member", "unit_manager", "organiser", "admin"]
PHONES = {"member": "0913000003", "unit_manager": "0913000004", "organiser": "0913000001", "admin": "0913000002"}
EXAMPLES = int(os.environ.get("QUIZ_FUZZ_EXAMPLES", "200"))
SKIP = {"static", "accounts.logout"}  # logging out would make the rest of the run anonymous

HOSTILE = ["\x00", "a\x00b", "%00", "²", "１２３", "٣", "9" * 5000, "-1", "0", "", " ", "1e309", "NaN",
           "\x1f\x7f", "'; DROP TABLE users; --", "<script>x</script>", "../../etc/passwd", "9" * 20,
           "2147483648", "true", "null", "[]", "{}", "Nguyễn\u0301", "x" * 3000, "\ufeff", "\u202e"]


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def _xlsx(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _broken_xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c r='A1'"  # cut short
    return _xlsx(parts)


FILES = [
    ("a.csv", b"ma,ten\n" + b'"' + b"x" * 140_000 + b'",y\n'),
    ("a.csv", b"\x00\x00\xff\xfe"),
    ("a.xlsx", b"PK\x03\x04 not a zip"),
    ("a.xlsx", _broken_xlsx()),
    ("a.xlsx", _xlsx({"[Content_Types].xml": b"<"})),
    ("a.toml", b"a = " + b"[" * 5000 + b"]" * 5000),
    ("a.toml", b"a = " + b"{b = " * 2000 + b"1" + b"}" * 2000),
    ("a.toml", b"time_limit_s = " + b"9" * 4000),
    ("a.toml", b'title = "x"\n[[round]]\nname = "a"\nopens = 0001-01-01T00:00:00\ncloses = 0001-01-02T00:00:00\n'),
    ("a.toml", b"title = \"\x00\""),
    ("a.txt", "Câu hỏi?\nA. \x00\nB. b\nANSWER: A\n".encode()),
    ("a.gift", b"::" * 10000),
]


def _answers(n: int) -> dict:
    return {"answers": {str(i): i for i in range(1, n + 1)}, "prediction": 1}


JSONS = [
    _deep(100_000), _deep(5000), b"{" * 50_000, b'"\\u0000"', b"1e999999", b"-" + b"9" * 10_000,
    json.dumps(_answers(40_000)).encode(), json.dumps({"answers": {"²": "１"}, "prediction": "²"}).encode(),
    json.dumps({"answers": {"1": 1}, "prediction": "9" * 5000}).encode(),
    json.dumps({"answers": {"1": 1}, "prediction": 10 ** 30}).encode(),
    json.dumps({"answers": {"\u0000": None}, "prediction": "\u0000"}).encode(),
    json.dumps({"answers": [], "prediction": []}).encode(), b"\xff\xfe", b"null",
]


@pytest.fixture
def config():
    return {"PASSWORD_HASH_METHOD": FAST_HASH, "RATELIMIT_ENABLED": False}


@pytest.fixture
def world(app, make_user, make_unit, make_contest):
    """A small dataset: the four roles, a contest with an open attempt, a bank, a topic; and a
    logged-in client per role. Returns (clients by role, ids by kind)."""
    from quiz.attempts import services as attempts
    from quiz.banks.models import Question, QuestionBank, Topic
    from quiz.contests.models import Contest
    from quiz.db import utcnow
    from quiz.extensions import db
    from quiz.units.services import by_code

    make_unit("ROOT")
    make_unit("HU0", parent="ROOT")
    users = {role: make_user(phone=phone, role=role, managed="HU0" if role == "unit_manager" else None,
                             unit="HU0").id for role, phone in PHONES.items()}
    cid = make_contest(slug="cuoc-thi-mo", prediction={"metric": "all_correct", "prompt": "Bao nhiêu?"})
    with app.app_context():
        contest = db.session.get(Contest, cid)
        attempt = attempts.start(_member(users["member"]), contest, now=utcnow())
        ids = {"user": list(users.values()), "contest": [cid], "round": [r.id for r in contest.rounds],
               "attempt": [attempt.id], "bank": list(db.session.scalars(db.select(QuestionBank.id))),
               "question": list(db.session.scalars(db.select(Question.id).limit(3))),
               "topic": list(db.session.scalars(db.select(Topic.id))), "unit": [by_code("HU0").id],
               "slug": ["cuoc-thi-mo"]}
        db.session.commit()
    clients = {"anonymous": app.test_client()}
    clients["anonymous"].token = csrf_token(clients["anonymous"], "/dang-nhap")
    for role, phone in PHONES.items():
        client = app.test_client()
        response = post_form(client, "/dang-nhap", {"identifier": phone, "password": "matkhau123"})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        client.token = csrf_token(client, "/tai-khoan/doi-mat-khau")
        clients[role] = client
    return clients, ids


def _member(user_id):
    from quiz.accounts.models import User
    from quiz.extensions import db

    return db.session.get(User, user_id)


def _routes(app):
    """(rule, method) for every rule of the app, but static files and logging out."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule, method))
    return found


def _id_kind(name: str) -> str:
    return {"user_id": "user", "contest_id": "contest", "round_id": "round", "attempt_id": "attempt",
            "bank_id": "bank", "question_id": "question", "topic_id": "topic", "unit_id": "unit",
            "slug": "slug"}.get(name, "")


def _path(rule, ids: dict, pick) -> str:
    """The rule with each parameter filled by ``pick(name, converter, real ids)``."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = pick(name, converter, ids.get(_id_kind(name), []))
    url = rule.rule
    for name, value in values.items():
        url = _replace(url, name, value)
    return url


def _replace(url: str, name: str, value) -> str:
    import re
    from urllib.parse import quote

    return re.sub(r"<(?:[^<>]*:)?" + name + r">", quote(str(value), safe=""), url, count=1)


def _refused(response) -> bool:
    return response.status_code in (401, 403) or "/dang-nhap" in response.headers.get("Location", "")


class Tally:
    def __init__(self):
        self.sent = 0
        self.errors: list[str] = []

    def send(self, client, method: str, url: str, **kwargs):
        """One request, with the client's CSRF token (in the form, or the header for JSON)."""
        self.sent += 1
        if method != "GET":
            kwargs["headers"] = {"X-CSRFToken": client.token}
            if isinstance(kwargs.get("data"), dict):
                kwargs["data"] = {"csrf_token": client.token, **kwargs["data"]}
        response = client.open(url, method=method, **kwargs)
        response.close()  # a download streams from a temporary file
        if response.status_code >= 500:
            body = kwargs.get("data") or kwargs.get("query_string")
            self.errors.append(f"{response.status_code} {method} {url} {str(body)[:160]!r}")
        return response


def _fixed_pick(index: int):
    def pick(name, converter, real):
        options = getattr(converter, "items", None)  # any(...)
        if options:
            return sorted(options)[index % len(options)]
        if real and index % 3 != 2:
            return real[index % len(real)]
        return ["0", "2147483647", "\x00", "²", "9" * 40][index % 5] if type(converter).__name__ != "IntegerConverter" \
            else [0, 2147483647][index % 2]
    return pick


UPLOADS = {"banks.preview", "units.import_units", "contests.import_new", "contests.import_edit",
           "contests.import_roster"}
FORM_FIELDS = ("q", "identifier", "password", "full_name", "phone", "cccd", "unit", "unit_query", "prediction", "q1",
               "name", "title", "year", "token", "text", "role", "reason", "message", "action", "time_limit_s")


def _bodies(rule, method: str):
    """The fixed hostile bodies for one route: forms and JSON; every hostile file to the uploads."""
    if method == "GET":
        return [{}]
    bodies = [{"data": {key: value for key in FORM_FIELDS}} for value in ("\x00", "²", "9" * 5000, "9" * 20, "１２３")]
    bodies += [{"data": body, "content_type": "application/json"} for body in JSONS[:4] + JSONS[6:10]]
    files = FILES if rule.endpoint in UPLOADS else FILES[:1]
    bodies += [{"data": {"file": (io.BytesIO(data), name), "save": "1", "format": "gift"},
                "content_type": "multipart/form-data"} for name, data in files]
    return bodies


def test_no_server_error_from_hostile_input(app, world, capsys):
    clients, ids = world
    tally = Tally()
    routes = _routes(app)
    for role in ROLES:
        client = clients[role]
        for n, (rule, method) in enumerate(routes):
            for k, body in enumerate(_bodies(rule, method)):
                url = _path(rule, ids, _fixed_pick(n + k))
                query = {"q": HOSTILE[(n + k) % len(HOSTILE)], "trang": HOSTILE[(k + 3) % len(HOSTILE)],
                         "don_vi": HOSTILE[(k + 6) % len(HOSTILE)], "bang": HOSTILE[(k + 9) % len(HOSTILE)]}
                response = tally.send(client, method, url, query_string=query, **body)
                if _refused(response):  # the role may not use this route: the rest would be refused too
                    break
    with capsys.disabled():
        print(f"\nfuzz (fixed values): {tally.sent} requests, {len(tally.errors)} server errors")
    assert tally.errors == [], "\n".join(tally.errors[:50])


text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers(-10 ** 20, 10 ** 20).map(str))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                           max_leaves=12)


def test_no_server_error_from_random_input(app, world, capsys):
    clients, ids = world
    tally = Tally()
    routes = _routes(app)

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(role=st.sampled_from(ROLES), route=st.sampled_from(routes), data=st.data())
    def one(role, route, data):
        rule, method = route

        def pick(name, converter, real):
            options = getattr(converter, "items", None)
            if options:
                return data.draw(st.sampled_from(sorted(options)))
            if type(converter).__name__ == "IntegerConverter":
                return data.draw(st.sampled_from(real) | st.integers(0, 2147483647)) if real else \
                    data.draw(st.integers(0, 1000))
            return data.draw(st.sampled_from(real) | text.filter(lambda s: s and "/" not in s)) if real else \
                data.draw(text.filter(lambda s: s and "/" not in s))

        url = _path(rule, ids, pick)
        query = data.draw(st.dictionaries(st.sampled_from(["q", "trang", "don_vi", "bang", "du", "da_ngung", "next"]),
                                          text, max_size=3))
        kwargs = {"query_string": query}
        if method == "POST":
            kind = data.draw(st.sampled_from(["form", "json", "raw_json", "file"]))
            if kind == "form":
                kwargs["data"] = data.draw(st.dictionaries(text, text, max_size=6))
            elif kind == "json":
                kwargs.update(data=json.dumps(data.draw(json_values)), content_type="application/json")
            elif kind == "raw_json":
                kwargs.update(data=data.draw(st.binary(max_size=200)), content_type="application/json")
            else:
                name = data.draw(st.sampled_from(["a.csv", "a.xlsx", "a.toml", "a.txt", "a.gift", "a"]))
                kwargs.update(data={"file": (io.BytesIO(data.draw(st.binary(max_size=300))), name)},
                              content_type="multipart/form-data")
        tally.send(clients[role], method, url, **kwargs)

    random.seed(0)
    one()
    with capsys.disabled():
        print(f"\nfuzz (random values): {tally.sent} requests, {len(tally.errors)} server errors")
    assert tally.errors == [], "\n".join(tally.errors[:50])
