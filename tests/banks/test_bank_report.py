"""The bank check report on a crafted bank: skewed answers, the longest option being the
key, near duplicates (accents only, and similar word sets), no source, too short or long."""
from __future__ import annotations

import itertools
import random

import pytest

from quiz.banks import services, validation
from quiz.banks.formats import Parsed, ParsedQuestion
from quiz.banks.report import ERROR, WARNING, check_bank, similar_pairs
from quiz.db import utcnow

NOUNS = ["đoàn kết", "tự lực", "tự cường", "khát vọng", "nêu gương", "kỷ luật", "trách nhiệm", "dân chủ",
         "liêm chính", "cần kiệm", "chí công", "vô tư", "thi đua", "yêu nước", "văn hóa", "bản sắc",
         "sáng tạo", "đổi mới", "kỷ cương", "hành động", "phục vụ", "tận tụy", "khiêm tốn", "giản dị"]
EVEN = ["Một", "Hai", "Bảy", "Tám"]                            # all as long: none is the longest
LONG_KEY = ["Phương án đúng và dài nhất", "Sai", "Không", "Có"]

ACCENTED = "Chủ tịch Hồ Chí Minh sinh năm nào?"
PLAIN = "Chu tich Ho Chi Minh sinh nam nao"
LIKE_1 = "Kế hoạch học tập và làm theo Bác của cá nhân là đảng viên phải được ai xác nhận?"
LIKE_2 = "Kế hoạch học tập và làm theo Bác của cá nhân chưa phải là đảng viên phải được ai xác nhận?"
SHORT = "Bác sinh?"
LONG = "Theo Kế hoạch, " + "các cấp ủy, tổ chức đảng phải gương mẫu thực hiện, " * 8 + "đúng hay sai?"


def question(text: str, options: list[str], correct: int, source: str = "Chỉ thị 05-CT/TW",
             difficulty: str = "trung bình") -> ParsedQuestion:
    return ParsedQuestion(text, list(options), correct, difficulty=difficulty, source=source)


def crafted() -> list[ParsedQuestion]:
    """30 questions: 20 keyed A, 15 with the key as the longest option, one pair differing
    only in accents, one pair of similar wording, two without source, one too short, one too long."""
    questions = [question(ACCENTED, EVEN, 0, difficulty="dễ"), question(PLAIN, EVEN, 1, difficulty="dễ"),
                 question(LIKE_1, EVEN, 2), question(LIKE_2, EVEN, 3),
                 question(SHORT, EVEN, 0, source="", difficulty="khó"), question(LONG, EVEN, 0, source="")]
    questions += [question(f"Ý nghĩa của {noun} là gì?", LONG_KEY if i < 15 else EVEN, 0 if i < 17 else 1 + i % 3)
                  for i, noun in enumerate(NOUNS)]
    return questions


def fill(bank, questions):
    report = validation.check(Parsed(questions=questions), bank.id)
    assert report.errors == []
    services.write(bank, report.questions, now=utcnow())


@pytest.fixture
def bank(db):
    bank = services.create_bank("Ngân hàng có vấn đề")
    fill(bank, crafted())
    retired = [question("Chủ tịch Hồ Chí Minh sinh năm nao?", EVEN, 0, source=""),   # would pair with both
               question("Câu đã ngừng?", LONG_KEY, 0)]
    fill(bank, retired)
    for q in services.questions_of(bank)[-2:]:
        services.retire(q, now=utcnow())
    db.session.commit()
    return bank


def ids(bank) -> dict[str, int]:
    return {q.text: q.id for q in services.questions_of(bank)}


def test_answer_spread(bank):
    report = check_bank(bank)
    assert report.total == 30
    assert [(s.letter, s.count) for s in report.answers] == [("A", 20), ("B", 3), ("C", 3), ("D", 4)]
    assert [round(s.share, 3) for s in report.answers] == [0.667, 0.1, 0.1, 0.133]
    assert all(s.expected_share == 0.25 for s in report.answers)
    assert [s.letter for s in report.answers if s.skewed] == ["A"]


def test_longest_option_is_the_key(bank):
    report = check_bank(bank)
    assert report.longest_correct == 15
    assert report.longest_correct_share == 0.5
    assert report.longest_flagged


def test_near_duplicates(bank):
    known = ids(bank)
    pairs = check_bank(bank).near_duplicates
    assert [(p.first.id, p.second.id, p.accents_only) for p in pairs] == [
        (known[ACCENTED], known[PLAIN], True), (known[LIKE_1], known[LIKE_2], False)]
    assert pairs[0].similarity == 1.0
    assert pairs[1].similarity == pytest.approx(18 / 19)   # LIKE_2 adds one word: “chưa”
    assert pairs[0].first.text == ACCENTED


def test_source_length_and_difficulty(bank):
    known = ids(bank)
    report = check_bank(bank)
    assert [r.id for r in report.no_source] == [known[SHORT], known[LONG]]
    assert [r.id for r in report.too_short] == [known[SHORT]]
    assert [r.id for r in report.too_long] == [known[LONG]]
    assert report.too_long[0].text == LONG[:79].rstrip() + "…"
    assert report.difficulty == {"de": 2, "trung_binh": 27, "kho": 1}


def test_findings_say_what_to_fix_in_vietnamese(bank):
    report = check_bank(bank)
    assert not report.ok
    assert [(f.severity, f.message) for f in report.findings] == [
        (WARNING, "Đáp án đúng dồn vào phương án A: 20 câu (67%), trong khi chia đều chỉ khoảng 25%. "
                  "Hãy đổi chỗ các phương án."),
        (WARNING, "Phương án dài nhất là đáp án đúng ở 15 câu (50%, trên 40%): người thi có thể đoán theo "
                  "độ dài. Hãy viết các phương án sai dài tương đương."),
        (ERROR, "1 cặp câu chỉ khác nhau ở dấu (gần như trùng nhau): hãy giữ một câu, ngừng dùng câu kia."),
        (WARNING, "1 cặp câu giống nhau từ 80% số từ trở lên: kiểm tra xem có hỏi cùng một điều không."),
        (WARNING, "2 câu chưa ghi nguồn (văn bản trả lời câu hỏi)."),
        (WARNING, "1 câu quá ngắn (dưới 15 ký tự)."),
        (WARNING, "1 câu quá dài (trên 400 ký tự), khó đọc trên điện thoại."),
    ]
    assert [len(f.pairs) + len(f.questions) for f in report.findings] == [0, 0, 1, 1, 2, 1, 1]


def test_a_clean_bank_has_no_findings(db):
    bank = services.create_bank("Sạch")
    fill(bank, [question(f"Ý nghĩa của {noun} là gì?", EVEN, i % 4) for i, noun in enumerate(NOUNS)])
    report = check_bank(bank)
    assert report.ok and report.findings == []
    assert not any(s.skewed for s in report.answers)


def test_small_banks_are_not_flagged_for_spreads(db):
    bank = services.create_bank("Nhỏ")
    fill(bank, [question(f"Ý nghĩa của {noun} là gì?", LONG_KEY, 0) for noun in NOUNS[:19]])
    report = check_bank(bank)
    assert report.longest_correct == 19 and not report.longest_flagged
    assert not any(s.skewed for s in report.answers)


def test_expected_shares_follow_each_questions_number_of_options(db):
    bank = services.create_bank("Hai và bốn phương án")
    fill(bank, [question(f"Ý nghĩa của {noun} là gì?", EVEN if i % 2 else ["Đúng", "Sai"], i % 2)
                for i, noun in enumerate(NOUNS[:20])])
    report = check_bank(bank)
    # 10 two-option questions spread over A, B; 10 four-option ones over A–D.
    assert [s.expected_share for s in report.answers] == [0.375, 0.375, 0.125, 0.125]
    assert [(s.count, s.skewed) for s in report.answers] == [(10, False), (10, False), (0, False), (0, False)]


def test_similar_pairs_finds_exactly_what_comparing_every_pair_finds():
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(40)]
    base = [frozenset(rng.sample(vocabulary, rng.randint(1, 14))) for _ in range(60)]
    # near copies: one word dropped, added or swapped
    variants = [frozenset(set(s) - {rng.choice(sorted(s))} | {rng.choice(vocabulary)}) for s in base]
    sets = dict(enumerate(base + variants + [frozenset()]))
    for threshold in (0.5, 0.8, 1.0):
        expected = {(a, b) for a, b in itertools.combinations(sorted(sets), 2)
                    if sets[a] and len(sets[a] & sets[b]) / len(sets[a] | sets[b]) >= threshold}
        found = list(similar_pairs(sets, threshold))
        assert {(a, b) for a, b, _ in found} == expected
        assert len(found) == len(expected)                                 # each pair once
        assert all(s == len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b, s in found)
