"""GIFT question files (Moodle): one question per blank-line-separated block.

    // chú thích
    $CATEGORY: $course$/Lịch sử/Chương 1
    ::Tiêu đề:: [html]Nội dung câu hỏi { =đúng #nhận xét ~sai ~sai ####giải thích chung }
    ::Tiêu đề:: Một câu đúng/sai. {T}

The platform has single-answer multiple choice and true/false (two options, “Đúng” and
“Sai”). Every other GIFT type (essay, matching, numeric, short answer, multiple answers
with weights, description) is skipped and reported by line, not an error. Malformed
blocks are problems at the line where the block starts. Text is kept as written: format
markers are dropped, escapes undone, HTML left as text (it is escaped at display).
"""
from __future__ import annotations

import re

from quiz.banks.formats import Parsed, ParsedQuestion, register
from quiz.banks.formats.aiken import text_lines
from quiz.errors import Problem
from quiz.text import clean

TRUE_FALSE = ["Đúng", "Sai"]
TRUE_WORDS = {"T", "TRUE"}
FALSE_WORDS = {"F", "FALSE"}

# Escaped characters stand in as private-use characters while the structure is read,
# and are put back, unescaped, in the texts.
_ESCAPES = {"\\": "\ue000", ":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004",
            "}": "\ue005", "~": "\ue006", "n": "\ue007"}
_RESTORE = {v: k for k, v in _ESCAPES.items()} | {"\ue007": "\n"}
_ESCAPE = re.compile(r"\\(.)")
FORMAT_MARKER = re.compile(r"^\s*\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^\s*%\s*(-?\d+(?:[.,]\d+)?)\s*%")
CATEGORY = re.compile(r"^\s*\$CATEGORY\s*:(.*)$", re.IGNORECASE)

ONLY = "nền tảng chỉ nhận câu trắc nghiệm một đáp án đúng và câu đúng/sai"


def _protect(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def _text(protected: str) -> str:
    """A piece of the file as the text it stands for: no format marker, escapes undone, clean."""
    text = FORMAT_MARKER.sub("", protected, count=1)
    return clean("".join(_RESTORE.get(ch, ch) for ch in text))


def _category_tag(path: str) -> str:
    """A ``$CATEGORY:`` path as a tag: ``$course$/top/Lịch sử/Chương 1`` → ``Lịch sử / Chương 1``.
    The parts Moodle makes up by itself (``$course$``, ``top``, ``Default for …``) are left out."""
    parts = [clean(part).replace(";", ",") for part in path.split("/")]
    return " / ".join(p for p in parts if p and not (p.startswith("$") and p.endswith("$"))
                      and p.lower() != "top" and not p.lower().startswith(("default for ", "mặc định cho ")))


def _blocks(lines: list[str]):
    """(line numbers, lines) of each block: comment lines dropped, blank lines between blocks."""
    numbers: list[int] = []
    block: list[str] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if block:
                yield numbers, block
            numbers, block = [], []
            continue
        numbers.append(number)
        block.append(line)
    if block:
        yield numbers, block


class _Skip(Exception):
    def __init__(self, kind: str, note: str = ""):
        self.kind, self.note = kind, note


class _Bad(Exception):
    def __init__(self, message: str):
        self.message = message


@register("gift")
def parse_gift(filename: str, data: bytes) -> Parsed:
    parsed = Parsed()
    category = ""
    for numbers, lines in _blocks(text_lines(data)):
        while lines and (match := CATEGORY.match(lines[0])):
            category = _category_tag(match.group(1))
            numbers, lines = numbers[1:], lines[1:]
        if not lines:
            continue
        row = numbers[0]
        try:
            question = _question(numbers, lines)
        except _Skip as skip:
            shown = f" “{label[:60]}”" if (label := _label(lines)) else ""
            parsed.skipped.append(Problem(row, f"{skip.kind}{shown}{skip.note}: bỏ qua, vì {ONLY}."))
            continue
        except _Bad as bad:
            parsed.problems.append(Problem(row, bad.message))
            continue
        question.row = row
        question.tags = [category] if category else []
        parsed.questions.append(question)
    return parsed


def _label(lines: list[str]) -> str:
    """The start of a block's question text (or its title), for messages."""
    body = _protect("\n".join(lines))
    before = body.split("{", 1)[0].strip()
    title = ""
    if before.startswith("::") and (end := before.find("::", 2)) >= 0:
        title, before = before[2:end], before[end + 2:]
    return _text(before) or _text(title)


def _question(numbers: list[int], lines: list[str]) -> ParsedQuestion:
    body = _protect("\n".join(lines))

    def line_at(pos: int) -> int:
        return numbers[body.count("\n", 0, pos)]

    opens = [i for i, ch in enumerate(body) if ch == "{"]
    closes = [i for i, ch in enumerate(body) if ch == "}"]
    escape_hint = "Nếu “{” hay “}” là chữ trong câu, hãy viết “\\{”, “\\}”."
    if not opens and not closes:
        raise _Skip("Đoạn mô tả", " (không có phần đáp án { … })")
    if opens and not closes:
        raise _Bad(f"Dấu “{{” ở dòng {line_at(opens[0])} chưa có dấu “}}” đóng phần đáp án "
                   f"(không để dòng trống giữa các phương án). {escape_hint}")
    if closes and not opens:
        raise _Bad(f"Dấu “}}” ở dòng {line_at(closes[0])} không có dấu “{{” mở phần đáp án "
                   f"(không để dòng trống giữa các phương án). {escape_hint}")
    if len(opens) > 1 or len(closes) > 1:
        raise _Bad(f"Câu hỏi có {len(opens)} dấu “{{” và {len(closes)} dấu “}}”; mỗi câu cần đúng một "
                   f"phần đáp án {{ … }}. {escape_hint}")
    start, end = opens[0], closes[0]
    if end < start:
        raise _Bad(f"Dấu “}}” ở dòng {line_at(end)} đứng trước dấu “{{” ở dòng {line_at(start)}.")

    before, inner, after = body[:start], body[start + 1:end], body[end + 1:]
    before = before.strip()
    if before.startswith("::"):
        title_end = before.find("::", 2)
        if title_end < 0:
            raise _Bad("Tiêu đề câu hỏi mở bằng “::” nhưng chưa có “::” đóng.")
        before = before[title_end + 2:]
    text = _text(before)
    if re.search(r"\w", after):
        # A “missing word” question: the answers stand for a blank in the middle of the text.
        text = clean(f"{text} _____ {_text(after)}")
    # Anything else after the answers (such as a stray `";`) is not part of the question.

    explanation = ""
    if (general := inner.find("####")) >= 0:
        inner, explanation = inner[:general], _text(inner[general + 4:])
    inner = inner.strip()
    if not inner:
        raise _Skip("Câu tự luận")
    if inner.startswith("#"):
        raise _Skip("Câu trả lời số")

    head = inner.split("#", 1)[0].strip()
    if head.upper() in TRUE_WORDS | FALSE_WORDS:
        return ParsedQuestion(text=text, options=list(TRUE_FALSE),
                              correct=0 if head.upper() in TRUE_WORDS else 1,
                              answer=head, explanation=explanation)

    marks = [m.start() for m in re.finditer(r"[=~]", inner)]
    if not marks:
        raise _Bad("Phần đáp án không có phương án nào: mỗi phương án bắt đầu bằng “=” (đúng) "
                   "hoặc “~” (sai).")
    if prefix := _text(inner[:marks[0]]):
        raise _Bad(f"Có chữ “{prefix[:40]}” trước phương án đầu tiên: mỗi phương án bắt đầu bằng "
                   "“=” (đúng) hoặc “~” (sai).")
    answers = [inner[a:b] for a, b in zip(marks, marks[1:] + [len(inner)])]
    if all(a.startswith("=") for a in answers):
        raise _Skip("Câu ghép đôi" if "->" in inner else "Câu trả lời ngắn")

    weights, options = [], []
    for answer in answers:
        rest = answer[1:]
        weight = 100.0 if answer.startswith("=") else 0.0
        if match := WEIGHT.match(rest):
            weight = float(match.group(1).replace(",", "."))
            rest = rest[match.end():]
        weights.append(weight)
        options.append(_text(rest.split("#", 1)[0]))
    right = [i for i, weight in enumerate(weights) if weight > 0]
    if len(right) > 1:
        raise _Skip("Câu nhiều đáp án đúng")
    if not right:
        raise _Bad("Câu nhiều lựa chọn chưa có phương án đúng: đánh dấu phương án đúng bằng “=”.")
    if weights[right[0]] < 100:
        raise _Bad(f"Phương án đúng duy nhất chỉ được {weights[right[0]]:g}%; cần một phương án "
                   "đúng trọn vẹn, đánh dấu bằng “=”.")
    correct = right[0]
    written = _text(answers[correct].split("#", 1)[0])
    return ParsedQuestion(text=text, options=options, correct=correct, answer=written,
                          explanation=explanation)
