"""Text normalisation shared by every import and search.

Vietnamese text arrives in NFC and NFD and with old- and new-style tone marks; it is
stored in NFC and compared through ``fold`` (no marks, no case, single spaces).
"""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean(value: object) -> str:
    """A cell or form value as NFC text with its spaces collapsed; None becomes ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def fold(value: object) -> str:
    """Accent- and case-insensitive key: ``Hồ Chí Minh`` and ``ho chi minh`` fold alike."""
    text = unicodedata.normalize("NFD", clean(value).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("đ", "d")
