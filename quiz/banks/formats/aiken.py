"""Aiken question files (being written)."""
from quiz.banks.formats import Parsed, register
from quiz.errors import InvalidFile, Problem


@register("aiken")
def parse_aiken(filename: str, data: bytes) -> Parsed:
    raise InvalidFile([Problem(None, "Định dạng Aiken chưa được hỗ trợ.")])
