"""Question file formats: a registry of parsers (one small module per format).

Each parser takes the file's name and bytes and returns a ``Parsed``: the questions it
read (not yet checked, see ``quiz.banks.validation``), the problems that stop the file,
the questions it skipped because the platform has no such type (reported, not errors), and
warnings about how a cell was read (a formula read as the text typed, see ``quiz.tables``).
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Callable

from quiz.errors import InvalidFile, Problem

LETTERS = "ABCDEF"


@dataclass
class ParsedQuestion:
    """One question as read from a file, with where it came from."""

    text: str
    options: list[str]
    correct: int | None            # index into options; None when the file gave no usable answer
    answer: str = ""               # the answer as written in the file, for messages
    difficulty: str = ""           # as written ("dễ", "trung bình", "khó", ...); "" = default
    tags: list[str] = field(default_factory=list)
    source: str = ""
    explanation: str = ""
    row: int | None = None         # spreadsheet row or text line
    sheet: str | None = None


@dataclass
class Parsed:
    questions: list[ParsedQuestion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def dump(parsed: Parsed) -> str:
    """``parsed`` as JSON, to keep between a preview and its confirm (``load`` reads it back)."""
    return json.dumps(asdict(parsed), ensure_ascii=False)


def load(text: str) -> Parsed:
    data = json.loads(text)
    return Parsed(questions=[ParsedQuestion(**q) for q in data["questions"]],
                  **{key: [Problem(**p) for p in data[key]] for key in ("problems", "skipped", "warnings")})


Parser = Callable[[str, bytes], Parsed]
FORMATS: dict[str, Parser] = {}
LABELS = {"template": "Mẫu Excel/CSV", "aiken": "Aiken", "gift": "GIFT (Moodle)"}


def register(name: str):
    def decorator(parser: Parser) -> Parser:
        FORMATS[name] = parser
        return parser

    return decorator


_AIKEN_ANSWER = re.compile(r"(?:^|[\r\n])[ \t]*ANSWER[ \t]*:", re.IGNORECASE)
_GIFT_BRACE = re.compile(r"(?<!\\)\{")


def detect(filename: str, data: bytes) -> str:
    """Which format a file is in: by extension, and for text files by their content."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return "template"
    if suffix == ".gift":
        return "gift"
    if suffix == ".aiken":
        return "aiken"
    if suffix in (".txt", ""):
        text = data[:200_000].decode("utf-8", errors="replace")
        # Aiken: one “ANSWER:” line per question. GIFT: one “{ … }” per question. An Aiken
        # file may hold braces in its texts (“tập hợp {1; 2}”), so count rather than look.
        answers = len(_AIKEN_ANSWER.findall(text))
        braces = len(_GIFT_BRACE.findall(text))
        if answers and answers >= braces:
            return "aiken"
        if braces and "}" in text:
            return "gift"
    raise InvalidFile([Problem(None, "Không nhận ra định dạng tệp. Hãy dùng mẫu Excel (.xlsx), CSV, "
                                     "hoặc tệp văn bản Aiken/GIFT (.txt).")])


def parse(filename: str, data: bytes, fmt: str | None = None) -> Parsed:
    fmt = fmt or detect(filename, data)
    if fmt not in FORMATS:
        raise InvalidFile([Problem(None, f"Định dạng “{fmt}” không được hỗ trợ.")])
    return FORMATS[fmt](filename, data)


def decode_text(data: bytes) -> str:
    """A text file's content: UTF-8 (with or without BOM), else a clear refusal."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFile([Problem(None, "Tệp văn bản không ở mã UTF-8. Hãy lưu lại với mã UTF-8.")]) from None
    if "\x00" in text:  # PostgreSQL stores no NUL; a UTF-16 file decodes to one in every other character
        raise InvalidFile([Problem(None, "Tệp văn bản chứa ký tự NUL (thường do tệp ở mã UTF-16). "
                                         "Hãy lưu lại với mã UTF-8.")])
    return text


# The formats register themselves on import.
from quiz.banks.formats import aiken, gift, template  # noqa: E402,F401
