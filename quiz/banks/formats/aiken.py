"""Aiken question files: plain text, one multiple-choice question per block.

    Câu hỏi (một hoặc nhiều dòng)
    A) phương án          (also ``A. phương án`` and ``A)phương án``)
    B) phương án
    ANSWER: B

A question ends at its ``ANSWER:`` line. Blank lines may stand between a question's text
and its options, or between options; but a line of text after the options, or after a
blank line, starts the next question, and the unfinished one is reported (so that a stray
heading is never glued silently to the question below it). Every broken question is a problem placed at the line
where it starts (or, for a stray option or answer line, at that line); the good questions
are still returned so that the preview can show everything.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from quiz.banks.formats import Parsed, ParsedQuestion, decode_text, register
from quiz.errors import InvalidFile, Problem
from quiz.text import clean

# ``A)`` may be followed directly by the text; ``A.`` needs a space (or nothing) after it,
# so that a question line such as ``A.B.C là …`` is not taken for an option.
OPTION = re.compile(r"^([A-Z])(?:\)|\.(?=\s|$))\s*(.*)$")
ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)


def text_lines(data: bytes) -> list[str]:
    """The file's lines (UTF-8, with or without BOM; ``\\r\\n``, ``\\r`` or ``\\n``)."""
    text = decode_text(data)
    if "\x00" in text:
        raise InvalidFile([Problem(None, "Tệp văn bản không ở mã UTF-8 (có vẻ là UTF-16). "
                                         "Hãy lưu lại với mã UTF-8.")])
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@dataclass
class _Question:
    row: int
    lines: list[str]
    options: list[tuple[str, str, int]] = field(default_factory=list)  # letter, text, line


def _finish(question: _Question, written: str, parsed: Parsed) -> None:
    """Close a question at its ``ANSWER:`` line: a ParsedQuestion, or its problems."""
    errors = []
    options = question.options
    if not options:
        errors.append("Câu hỏi chưa có phương án nào; cần ít nhất 2.")
    elif len(options) == 1:
        errors.append("Câu hỏi chỉ có 1 phương án; cần ít nhất 2.")
    for (letter, _, line), expected in zip(options, string.ascii_uppercase):
        if letter != expected:
            errors.append(f"Phương án “{letter})” ở dòng {line} không đúng thứ tự: cần “{expected})”.")
            break
    letters = [letter for letter, _, _ in options]
    key = written.upper().rstrip(".)").strip()
    correct = letters.index(key) if key in letters else None
    if not written:
        errors.append("Dòng “ANSWER:” chưa ghi đáp án (một chữ cái, ví dụ “ANSWER: B”).")
    elif correct is None and len(options) >= 2:
        errors.append(f"Đáp án “{written}” không khớp phương án nào: cần một chữ cái "
                      f"{letters[0]}–{letters[-1]}.")
    if errors:
        parsed.problems += [Problem(question.row, message) for message in errors]
        return
    parsed.questions.append(ParsedQuestion(
        text=clean(" ".join(question.lines)), options=[clean(text) for _, text, _ in options],
        correct=correct, answer=written, row=question.row))


@register("aiken")
def parse_aiken(filename: str, data: bytes) -> Parsed:
    parsed = Parsed()
    question: _Question | None = None
    stray_options = False  # inside a run of option lines that belong to no question
    gap = False            # a blank line since the question's last line

    for number, raw in enumerate(text_lines(data), start=1):
        line = raw.strip()
        if not line:
            stray_options = False
            gap = True
            continue
        answer = ANSWER.match(line)
        option = OPTION.match(line)
        if answer:
            stray_options = False
            if question is None:
                parsed.problems.append(Problem(number, "Dòng “ANSWER:” không thuộc câu hỏi nào: "
                                                       "phía trên nó thiếu nội dung câu hỏi và các phương án."))
            else:
                _finish(question, clean(answer.group(1)), parsed)
                question = None
        elif option:
            if question is not None:
                question.options.append((option.group(1), option.group(2), number))
            elif not stray_options:
                stray_options = True
                parsed.problems.append(Problem(number, f"Phương án “{option.group(1)})” không thuộc câu hỏi "
                                                       "nào: phía trên nó thiếu nội dung câu hỏi."))
        else:
            stray_options = False
            if question is not None and (question.options or gap):
                parsed.problems.append(Problem(question.row, _unfinished(question, f"câu tiếp theo ở dòng {number}")))
                question = None
            if question is None:
                question = _Question(number, [line])
            else:
                question.lines.append(line)
        gap = False
    if question is not None:
        parsed.problems.append(Problem(question.row, _unfinished(question, "khi hết tệp")))
    return parsed


def _unfinished(question: _Question, until: str) -> str:
    missing = "dòng “ANSWER:” (đáp án)" if question.options else "phương án và dòng “ANSWER:” (đáp án)"
    return f"Câu hỏi chưa có {missing} trước {until}."
