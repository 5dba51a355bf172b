"""The draw rule: pure tests of ``pick``, and ``pools`` over a real bank."""
import pytest

from quiz.contests.draw import Pool, pick
from quiz.errors import DomainError

OPTIONS = {q: 4 for q in range(1, 201)}


def test_same_seed_same_draw_and_another_seed_another():
    pools = [Pool(tuple(range(1, 101)), 20)]
    first = pick(pools, OPTIONS, set(), seed=42)
    assert first == pick(pools, OPTIONS, set(), seed=42)
    assert first != pick(pools, OPTIONS, set(), seed=43)


def test_no_question_twice_even_when_pools_overlap():
    pools = [Pool(tuple(range(1, 31)), 10), Pool(tuple(range(21, 41)), 15)]
    drawn = [d.question_id for d in pick(pools, OPTIONS, set(), seed=1)]
    assert len(drawn) == 25 and len(set(drawn)) == 25


def test_options_are_a_shuffled_permutation():
    drawn = pick([Pool(tuple(range(1, 101)), 50)], OPTIONS, set(), seed=7)
    assert all(sorted(d.option_order) == [0, 1, 2, 3] for d in drawn)
    assert any(d.option_order != (0, 1, 2, 3) for d in drawn)


def test_three_attempts_over_a_large_enough_pool_share_no_question():
    pool = [Pool(tuple(range(1, 61)), 20)]
    seen: set[int] = set()
    for seed in (11, 12, 13):
        drawn = {d.question_id for d in pick(pool, OPTIONS, seen, seed)}
        assert not drawn & seen
        seen |= drawn
    assert len(seen) == 60


def test_seen_questions_fill_in_only_when_fresh_ones_run_out():
    seen = set(range(1, 26))
    drawn = {d.question_id for d in pick([Pool(tuple(range(1, 31)), 10)], OPTIONS, seen, seed=5)}
    assert set(range(26, 31)) <= drawn          # every fresh question is used first
    assert len(drawn) == 10


def test_a_pool_too_small_is_refused_in_vietnamese():
    with pytest.raises(DomainError, match="Không đủ câu hỏi.*cần 10, chỉ có 5"):
        pick([Pool(tuple(range(1, 6)), 10, "khó")], OPTIONS, set(), seed=1)


def test_pools_from_a_bank_filter_by_tag_and_difficulty_and_skip_retired(db):
    from quiz.banks import services
    from quiz.banks.formats import ParsedQuestion
    from quiz.banks.validation import Checked, dedup_key
    from quiz.contests.draw import pools
    from quiz.contests.models import DrawRule
    from quiz.db import utcnow

    bank = services.create_bank("Ngân hàng rút đề")
    rows = []
    for i in range(12):
        text = f"Câu hỏi số {i} về chuyên đề?"
        parsed = ParsedQuestion(text=text, options=["A", "B", "C"] if i % 2 else ["A", "B", "C", "D"], correct=0,
                                tags=["Bác Hồ"] if i < 6 else ["Cao Bằng"])
        rows.append(Checked(parsed, "kho" if i % 3 == 0 else "de", dedup_key(text)))
    services.write(bank, rows, now=utcnow())
    retired = services.search(bank, "so 0")[0][0]
    services.retire(retired, now=utcnow())
    db.session.flush()

    found, options = pools([DrawRule(bank_id=bank.id, tag="bác hồ", count=2),
                            DrawRule(bank_id=bank.id, difficulty="kho", count=1)])
    texts = {q.id: q.text for q in services.questions_of(bank, include_retired=True)}
    assert sorted(texts[q][11:13].strip() for q in found[0].question_ids) == ["1", "2", "3", "4", "5"]
    assert sorted(texts[q][11:13].strip() for q in found[1].question_ids) == ["3", "6", "9"]
    assert {options[q] for q in found[0].question_ids} == {3, 4}
