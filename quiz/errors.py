"""Domain errors. Services raise them; ``quiz.web.errors`` maps them to HTTP answers
and the CLI prints them. Every message is in Vietnamese, for the person who will fix it."""
from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A rule was broken; ``message`` says which, in Vietnamese."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field at fault, when there is one


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


@dataclass(frozen=True)
class Problem:
    """One problem in an imported file, placed by sheet and row (or line)."""

    row: int | None
    message: str
    sheet: str | None = None

    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"Trang tính “{self.sheet}”")
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class InvalidFile(DomainError):
    """A file that cannot be imported; nothing was written. ``problems`` lists every one."""

    status = 422

    def __init__(self, problems: list[Problem], message: str | None = None):
        count = len(problems)
        super().__init__(message or f"Tệp có {count} lỗi; chưa ghi gì vào hệ thống. Hãy sửa rồi tải lại.")
        self.problems = problems
