"""Gift question files (being written)."""
from quiz.banks.formats import Parsed, register
from quiz.errors import InvalidFile, Problem


@register("gift")
def parse_gift(filename: str, data: bytes) -> Parsed:
    raise InvalidFile([Problem(None, "Định dạng Gift chưa được hỗ trợ.")])
