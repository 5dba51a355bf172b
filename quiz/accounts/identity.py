"""Identity numbers, normalised before they are stored or compared.

``0912 345 678``, ``0912.345.678``, ``+84 912 345 678`` and ``84912345678`` are one phone
number, stored as ``0912345678``. A CCCD is 12 digits (an old CMND, 9).
"""
from __future__ import annotations

import re

from quiz.errors import DomainError

_SEPARATORS = re.compile(r"[\s.\-()/]")
_PHONE = re.compile(r"0\d{9,10}")
_CCCD = re.compile(r"\d{12}|\d{9}")


def _compact(raw: str | None) -> str:
    return _SEPARATORS.sub("", raw or "")[:40]


def normalise_phone(raw: str | None) -> str:
    digits = _compact(raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
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
