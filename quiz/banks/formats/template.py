"""The platform's own template (.xlsx or .csv): one row per question.

STT | Câu hỏi | Phương án A … Phương án F (2–6 used) | Đáp án (a letter) | Mức độ | Chủ đề | Nguồn | Giải thích
"""
from __future__ import annotations

import io
from datetime import date, datetime

from quiz.banks.formats import LETTERS, Parsed, ParsedQuestion, register
from quiz.tables import cell, clean, map_columns, read_tables

HEADERS = ["STT", "Câu hỏi", *[f"Phương án {letter}" for letter in LETTERS], "Đáp án", "Mức độ",
           "Chủ đề", "Nguồn", "Giải thích"]

COLUMNS = {
    "number": ["STT", "so thu tu", "tt", "no"],
    "text": ["Câu hỏi", "noi dung cau hoi", "noi dung", "question"],
    **{f"option{i}": [f"Phương án {letter}", f"phuong an {letter}", f"dap an {letter}", letter, f"option {letter}"]
       for i, letter in enumerate(LETTERS)},
    "answer": ["Đáp án", "dap an dung", "answer", "correct"],
    "difficulty": ["Mức độ", "do kho", "difficulty", "level"],
    "tags": ["Chủ đề", "the", "tags", "tag"],
    "source": ["Nguồn", "trich dan", "source"],
    "explanation": ["Giải thích", "explanation"],
}


def cell_text(value: object) -> str:
    """A cell as text. A cell Excel turned into a date (an option typed ``12/4/2022``)
    reads back as dd/mm/yyyy, not as ``2022-04-12 00:00:00``."""
    if isinstance(value, datetime) and (value.hour, value.minute, value.second) != (0, 0, 0):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return clean(value)


def split_tags(raw: str) -> list[str]:
    return [tag for tag in (clean(part) for part in raw.replace(",", ";").split(";")) if tag]


@register("template")
def parse_template(filename: str, data: bytes) -> Parsed:
    parsed = Parsed()
    for table in read_tables(filename, data):
        columns = map_columns(table, COLUMNS, required={"text", "option0", "option1", "answer"})
        parsed.problems += table.errors      # a cell holding an Excel error value (#NAME? …)
        parsed.warnings += table.warnings    # a formula cell, read as the text typed
        for number, values in table.rows:
            def get(name):
                return cell_text(cell(values, columns.get(name)))

            options = [get(f"option{i}") for i in range(len(LETTERS))]
            while options and not options[-1]:
                options.pop()
            answer = get("answer").upper().rstrip(".)")
            correct = LETTERS.index(answer) if len(answer) == 1 and answer in LETTERS else None
            parsed.questions.append(ParsedQuestion(
                text=get("text"), options=options, correct=correct, answer=get("answer"),
                difficulty=get("difficulty"), tags=split_tags(get("tags")), source=get("source"),
                explanation=get("explanation"), row=number, sheet=table.sheet))
    return parsed


def rows_for(questions) -> list[list[object]]:
    """Template rows for questions (models with ``options`` in position order)."""
    from quiz.banks.models import DIFFICULTIES

    rows = []
    for number, question in enumerate(questions, start=1):
        options = [option.text for option in question.options]
        correct = next(LETTERS[o.position] for o in question.options if o.is_correct)
        rows.append([number, question.text, *options, *[""] * (len(LETTERS) - len(options)), correct,
                     DIFFICULTIES[question.difficulty], question.tags, question.source, question.explanation])
    return rows


def write_xlsx(questions, title: str = "Câu hỏi") -> bytes:
    """The questions in the template, as an .xlsx an organiser can edit and import again.
    Every text is a string cell, never a formula (``strings_to_formulas`` off: an option
    ``=1+1`` or ``+84…`` stays that text), and the text columns are formatted as Text, so
    what the organiser types or edits there Excel keeps as typed."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True, "bg_color": "#F3E5E5", "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "num_format": "@"})  # "@": Text
    sheet.write_row(0, 0, HEADERS, bold)
    sheet.freeze_panes(1, 0)
    widths = [5, 60, 28, 28, 28, 28, 20, 20, 7, 11, 24, 40, 40]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width, wrap if width > 12 else None)
    for r, row in enumerate(rows_for(questions), start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


#: Two filled-in rows for the downloadable template (sourced from the shipped seeds).
EXAMPLES = [
    {"text": "Chỉ thị số 05-CT/TW của Bộ Chính trị về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, "
             "phong cách Hồ Chí Minh được ban hành ngày nào?",
     "options": ["19/5/2016", "15/10/2016", "18/5/2021", "15/5/2016"], "correct": 3, "difficulty": "de",
     "tags": "Chỉ thị 05-CT/TW", "source": "Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị",
     "explanation": "Chỉ thị số 05-CT/TW được Bộ Chính trị ban hành ngày 15/5/2016."},
    {"text": "Kết luận số 01-KL/TW ngày 18/5/2021 của Bộ Chính trị là về việc gì?",
     "options": ["Tiếp tục thực hiện Chỉ thị số 05-CT/TW", "Tổng kết Nghị quyết Trung ương 4 khóa XII",
                 "Ban hành Quy định về nêu gương"], "correct": 0, "difficulty": "trung_binh",
     "tags": "Kết luận 01-KL/TW; Chỉ thị 05-CT/TW",
     "source": "Kết luận số 01-KL/TW, ngày 18/5/2021 của Bộ Chính trị về tiếp tục thực hiện Chỉ thị số 05-CT/TW",
     "explanation": "Có thể dùng từ 2 đến 6 phương án (A–F); cột Đáp án ghi một chữ cái."},
]


def example_xlsx() -> bytes:
    """The empty template with the two example rows, for organisers to fill in."""
    from types import SimpleNamespace

    questions = [SimpleNamespace(**{k: v for k, v in example.items() if k not in ("options", "correct")},
                                 options=[SimpleNamespace(position=i, text=text, is_correct=i == example["correct"])
                                          for i, text in enumerate(example["options"])])
                 for example in EXAMPLES]
    return write_xlsx(questions, title="Mẫu câu hỏi")
