"""Identity numbers, normalised before they are stored or compared.

``0912 345 678``, ``0912.345.678``, ``+84 912 345 678`` and ``84912345678`` are one phone
number, stored as ``0912345678``; so is ``+84 (0) 912 345 678``, with the trunk 0 kept
after the country code. A CCCD is 12 digits (an old CMND, 9). Digits are ASCII after
NFKC (full-width ``０９１２…`` becomes ``0912…``); any other digit is refused, so one
number cannot be stored in two spellings.
"""
from __future__ import annotations

import re
import unicodedata

from quiz.errors import DomainError

_SEPARATORS = re.compile(r"[\s.\-()/]")
_PHONE = re.compile(r"0[1-9][0-9]{8,9}")
_CCCD = re.compile(r"[0-9]{12}|[0-9]{9}")


def _compact(raw: str | None) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", (raw or "")[:80]))[:40]


def normalise_phone(raw: str | None) -> str:
    digits = _compact(raw)
    for prefix in ("+84", "0084", "84"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and (prefix != "84" or len(rest.lstrip("0")) in (9, 10)):
            digits = "0" + rest.removeprefix("0")
            break
    if not _PHONE.fullmatch(digits):
        raise DomainError("Số điện thoại không hợp lệ: cần 10 chữ số, bắt đầu bằng 0 "
                          "(ví dụ 0912 345 678).", field="phone")
    return digits


def normalise_cccd(raw: str | None) -> str:
    digits = _compact(raw)
    if not _CCCD.fullmatch(digits):
        raise DomainError("Số CCCD không hợp lệ: cần đủ 12 chữ số (CMND cũ: 9 chữ số).", field="cccd")
    return digits


def lookup_keys(identifier: str | None) -> tuple[str | None, str | None]:
    """What a login identifier could be: (phone, cccd), each None if it cannot be that."""
    keys = []
    for normalise in (normalise_phone, normalise_cccd):
        try:
            keys.append(normalise(identifier))
        except DomainError:
            keys.append(None)
    return keys[0], keys[1]
