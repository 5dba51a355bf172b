"""``quiz banks import | export | list | check``: one transaction each; a bad file prints
its problems in Vietnamese, exits 1 and writes nothing."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from quiz.banks import services
from quiz.banks.models import Question, QuestionBank, Topic
from quiz.extensions import db

HEADER = ["STT", "Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Đáp án", "Mức độ",
          "Chủ đề", "Nguồn", "Giải thích"]
GOOD = [[1, "Chỉ thị 05-CT/TW do cơ quan nào ban hành?", "Bộ Chính trị", "Ban Bí thư", "Quốc hội", "Chính phủ",
         "A", "dễ", "Chỉ thị 05", "Chỉ thị 05-CT/TW", ""],
        [2, "Kết luận 01-KL/TW được ban hành năm nào?", "2019", "2020", "2021", "2022", "C", "khó", "",
         "Kết luận 01-KL/TW", "Năm 2021."],
        [3, "Quy định 144-QĐ/TW quy định về nội dung gì?", "Chuẩn mực đạo đức", "Nêu gương", "", "", "A",
         "trung bình", "", "", ""]]
BAD = [GOOD[0], [2, "Câu hỏi có đáp án lạ?", "Có", "Không", "", "", "X", "dễ", "", "", ""],
       [3, "chỉ thị 05-CT/TW do cơ quan nào ban hành", "A", "B", "", "", "A", "dễ", "", "", ""]]


def write_csv(path, rows, sep=";"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows([HEADER, *rows])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode())
    return path


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(QuestionBank)),
                db.session.scalar(select(func.count()).select_from(Question)))


@pytest.fixture
def good(tmp_path):
    return write_csv(tmp_path / "cau_hoi.csv", GOOD)


@pytest.fixture
def bad(tmp_path):
    return write_csv(tmp_path / "cau_hoi_loi.csv", BAD)


def test_import_a_good_file_into_a_new_bank_on_a_topic(app, runner, good):
    result = runner.invoke(args=["banks", "import", str(good), "--bank", "Chuyên đề 2024", "--topic",
                                 "Học tập và làm theo Bác", "--year", "2024", "--issuer", "Tỉnh ủy"])
    assert result.exit_code == 0, result.output
    assert "Đang đọc và kiểm tra cau_hoi.csv" in result.output
    assert "lưu ý: dòng 4: Chưa ghi nguồn" in result.output
    assert result.output.strip().endswith("Đã nhập 3 câu hỏi. Ngân hàng “Chuyên đề 2024”.")
    assert counts(app) == (1, 3)
    with app.app_context():
        bank = services.bank_by_name("Chuyên đề 2024")
        assert (bank.topic.year, bank.topic.title, bank.topic.issuer) == (2024, "Học tập và làm theo Bác", "Tỉnh ủy")


def test_import_a_bad_file_prints_each_problem_and_writes_nothing(app, runner, bad):
    result = runner.invoke(args=["banks", "import", str(bad), "--bank", "Mới"])
    assert result.exit_code == 1
    assert "Lỗi: Tệp có 2 lỗi; chưa ghi gì vào hệ thống." in result.output
    assert "  - dòng 3: Đáp án “X” không hợp lệ: cần một chữ cái A–B." in result.output
    assert "  - dòng 4: Câu hỏi trùng với câu ở dòng 2." in result.output
    assert counts(app) == (0, 0)                          # not even the new bank


def test_import_into_an_existing_bank_refuses_what_it_holds(app, runner, good):
    assert runner.invoke(args=["banks", "import", str(good), "--bank", "B"]).exit_code == 0
    again = runner.invoke(args=["banks", "import", str(good), "--bank", "B"])
    assert again.exit_code == 1
    assert again.output.count("Câu hỏi đã có trong ngân hàng") == 3
    assert counts(app) == (1, 3)


@pytest.mark.parametrize("rows, code, message", [
    (GOOD, 0, "Tệp hợp lệ (chạy thử, chưa ghi): 3 câu hỏi, 1 lưu ý, 0 câu bỏ qua."),
    (BAD, 1, "Lỗi: Tệp có 2 lỗi"),
])
def test_dry_run_checks_and_writes_nothing(app, runner, tmp_path, rows, code, message):
    path = write_csv(tmp_path / "thu.csv", rows, sep=",")
    result = runner.invoke(args=["banks", "import", str(path), "--bank", "Chạy thử", "--dry-run"])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert counts(app) == (0, 0)


def test_a_topic_needs_a_year(app, runner, good):
    result = runner.invoke(args=["banks", "import", str(good), "--bank", "B", "--topic", "Chuyên đề"])
    assert result.exit_code == 1
    assert "Cần --year khi ghi --topic." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Topic)) == 0


def test_export_then_import_gives_the_same_bank(app, runner, good, tmp_path):
    assert runner.invoke(args=["banks", "import", str(good), "--bank", "Gốc"]).exit_code == 0
    out = tmp_path / "xuat.xlsx"
    result = runner.invoke(args=["banks", "export", "Gốc", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Đã xuất 3 câu hỏi ra {out}."
    assert runner.invoke(args=["banks", "import", str(out), "--bank", "Bản sao"]).exit_code == 0
    with app.app_context():
        def rows(name):
            return [(q.text, [(o.text, o.is_correct) for o in q.options], q.difficulty, q.tags, q.source,
                     q.explanation) for q in services.questions_of(services.bank_by_name(name))]

        assert rows("Bản sao") == rows("Gốc")


def test_export_of_an_unknown_bank(runner, tmp_path):
    result = runner.invoke(args=["banks", "export", "Không có", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1
    assert "Không có ngân hàng “Không có”." in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_list(app, runner, good):
    assert runner.invoke(args=["banks", "list"]).output == ""
    runner.invoke(args=["banks", "import", str(good), "--bank", "Ngân hàng A", "--topic", "Chuyên đề",
                        "--year", "2025", "--issuer", "LĐLĐ tỉnh"])
    with app.app_context():
        question = services.questions_of(services.bank_by_name("Ngân hàng A"))[0]
        services.retire(question, now=question.created_at)
        db.session.commit()
    result = runner.invoke(args=["banks", "list"])
    assert result.exit_code == 0
    assert result.output == "Ngân hàng A: 2 câu đang dùng, 1 đã ngừng — 2025: LĐLĐ tỉnh\n"


def test_check_prints_the_report_in_vietnamese(runner, good):
    runner.invoke(args=["banks", "import", str(good), "--bank", "Kiểm tra"])
    result = runner.invoke(args=["banks", "check", "Kiểm tra"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Kiểm tra ngân hàng “Kiểm tra”: 3 câu đang dùng.",
        "Đáp án đúng: A 2 (67%) · B 0 (0%) · C 1 (33%) · D 0 (0%)",
        "Phương án dài nhất là đáp án đúng: 2 câu (67%).",
        "Mức độ: Dễ 1 · Trung bình 1 · Khó 1",
        "0 lỗi, 1 lưu ý:",
        "[Lưu ý] 1 câu chưa ghi nguồn (văn bản trả lời câu hỏi).",
        f"  - #3 “{GOOD[2][1]}”",
    ]


def test_check_of_an_unknown_or_empty_bank(app, runner):
    unknown = runner.invoke(args=["banks", "check", "Không có"])
    assert unknown.exit_code == 1
    assert "Không có ngân hàng “Không có”." in unknown.output
    with app.app_context():
        services.create_bank("Trống")
        db.session.commit()
    empty = runner.invoke(args=["banks", "check", "Trống"])
    assert empty.exit_code == 0
    assert "[Lỗi] Ngân hàng chưa có câu hỏi nào đang dùng." in empty.output
