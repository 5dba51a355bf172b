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


#: Vietnamese tone marks (huyền, sắc, ngã, hỏi, nặng) as combining characters.
_TONES = {"\u0300": "1", "\u0301": "2", "\u0303": "3", "\u0309": "4", "\u0323": "5"}


def _syllable(word: str) -> str:
    """A syllable with its tone mark taken out and written at the end, so that the old and
    new placements (``hòa``/``hoà``, ``thúy``/``thuý``) give the same key."""
    tones = [_TONES[ch] for ch in word if ch in _TONES]
    base = unicodedata.normalize("NFC", "".join(ch for ch in word if ch not in _TONES))
    return base + "".join(tones)


def match_key(value: object) -> str:
    """The text as compared for duplicates: NFC, case, spacing, punctuation and tone-mark
    placement ignored; letters, their other marks and the tones themselves kept."""
    text = unicodedata.normalize("NFD", clean(value).lower())
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in text)
    return " ".join(_syllable(word) for word in text.split())
