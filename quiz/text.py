"""Text normalisation shared by every import and search.

Vietnamese text arrives in NFC and NFD and with old- and new-style tone marks; it is
stored in NFC and compared through ``fold`` (no marks, no case, single spaces).

Lists are sorted the Vietnamese way: ``name_key`` for a person (given name first),
``text_key`` for anything else (a unit's name, from its first word). ``name_sort_key`` and
``text_sort_key`` give the same orders as plain strings, compared code point by code point
or, the same, byte by byte in UTF-8: a person's is stored beside the name in a byte-compared
column (``quiz.db.PersonName``), a unit's is computed by SQLite (``quiz.db.vietnamese_key``).
"""
from __future__ import annotations

import functools
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


def ascii_int(value: object, max_digits: int = 18) -> int | None:
    """``value`` as a whole number when it is plain ASCII digits (spaces around allowed), at
    most ``max_digits`` long; else None. ``str.isdigit`` also accepts "²" and full-width
    digits, and ``int()`` of thousands of digits is slow and then refused by Python: both
    stop here."""
    text = value.strip() if isinstance(value, str) else ""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


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


# Vietnamese order ---------------------------------------------------------------------------

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
# Tone marks as combining characters, ranked ngang (none) < huyền < hỏi < ngã < sắc < nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def name_key(full_name: str) -> tuple:
    """Sort key for a Vietnamese person's name: the given name (last word) first, then the
    family and middle names in order. Each word compares its base letters in Vietnamese
    order (a ă â b c d đ e ê … with f j w z where the Latin alphabet has them), then its tone
    marks to break ties (a à ả ã á ạ). Case, NFC/NFD and old/new tone placement
    (hoà/hòa) do not matter."""
    words = full_name.split()
    return tuple(_word_key(word) for word in words[-1:] + words[:-1])


def text_key(text: str) -> tuple:
    """Sort key for any other text (a unit's name): word by word from the first, each word
    compared as in ``name_key``. ``An Khánh`` < ``Ân Thi`` < ``ấp Bắc`` < ``Đông Sơn``."""
    return tuple(_word_key(word) for word in text.split())


def _word_key(word: str) -> tuple[tuple, tuple[int, ...]]:
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = tuple(_TONE_RANK[ch] for ch in decomposed if ch in _TONE_RANK)
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_RANK))
    return tuple(_letter_key(ch) for ch in base), tones


def _letter_key(ch: str) -> tuple[int, int, int]:
    """Vietnamese letters by rank; other letters (ü, ç) right after their base letter;
    anything else (hyphen, apostrophe, digits) before all letters, by code point."""
    if ch in _LETTER_RANK:
        return 1, _LETTER_RANK[ch], 0
    first = unicodedata.normalize("NFD", ch)[0]
    if first in _LETTER_RANK:
        return 1, _LETTER_RANK[first], ord(ch)
    return 0, ord(ch), 0


def name_sort_key(full_name: str) -> str:
    """``name_key`` as a string: two names compare as their ``name_key``s do, code point by
    code point (Python) or byte by byte in UTF-8, which orders alike (SQLite's BINARY,
    PostgreSQL's "C": the stored ``name_sort_key`` columns). The string holds no NUL unless
    the name does (PostgreSQL refuses both)."""
    words = full_name.split()
    return "".join(map(_word_code, words[-1:] + words[:-1]))


def text_sort_key(text: str) -> str:
    """``text_key`` as a string, as ``name_sort_key``."""
    return "".join(map(_word_code, text.split()))


@functools.lru_cache(maxsize=1 << 16)  # family, middle and given names repeat all the time
def _word_code(word: str) -> str:
    """A word's key as a string: each letter in a fixed width per class (a non-letter
    ``\\x02`` + itself, a letter ``\\x03`` + rank + variant), ``\\x01`` to end the letters,
    the tones as digits, ``\\x01`` to end the word. The ends sort before anything else, so a
    shorter word (or fewer tones, or fewer words) comes first, as in a tuple."""
    letters, tones = _word_key(word)
    out = []
    for kind, rank, variant in letters:
        out.append("\x02" + chr(rank) if kind == 0 else "\x03" + chr(0x40 + rank) + (chr(variant) if variant else "\x01"))
    return "".join(out) + "\x01" + "".join(chr(0x30 + tone) for tone in tones) + "\x01"
