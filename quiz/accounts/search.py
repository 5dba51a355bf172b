"""Finding accounts: by part of a name, accents and case ignored ("binh" finds "Bình"), or by
the first digits of a phone or CCCD number ("0987" finds every phone starting so); listed in
Vietnamese name order (given name first), paged by the database.

A name matches when it holds every word of the query, as ``quiz.text.fold`` compares them
(no marks, no case, đ as d), anywhere in the name. PostgreSQL (without the ``unaccent``
extension, which is not installed by default) matches a regular expression in which each
letter stands for every Vietnamese letter that folds to it (``binh`` →
``[bB][iìíỉĩịIÌÍỈĨỊ][nN][hH]``) on the stored name (NFC, ``quiz.text.clean``): over 1,000,000
names that takes about 0.6 s here, against 7 s for folding every name in SQL (``normalize``
+ ``regexp_replace``) and 0.2 s for a plain ``LIKE``. SQLite calls ``quiz.text.fold`` itself,
registered on the connection. A part of a name can match anywhere, so no index helps: a
search reads every account in scope (a unit manager's: those of their subtree, one range of
the unit path index). The next step, if the country-wide search must be faster, is a
trigram index (``pg_trgm``, a schema change).

Digits are compared as a range on the unique indexes of ``phone`` and ``cccd``
(``phone >= '0987' AND phone < '0988'``), which every collation orders like this.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ColumnElement, String, and_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.functions import FunctionElement

from quiz.accounts.models import User
from quiz.extensions import db
from quiz.text import clean, fold
from quiz.units.models import Unit
from quiz.units.services import in_subtree

MAX_WORDS = 6
_SEPARATORS = re.compile(r"[\s.\-()/]")


class folded(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """A text column as ``quiz.text.fold`` gives it: no marks, no case, đ as d (SQLite only:
    ``vn_fold``, registered on every connection by ``quiz.db``)."""

    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _folded_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    return f"vn_fold({compiler.process(column, **kw)})"


_VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"


def _letter_classes() -> dict[str, str]:
    """Each folded letter and every letter, either case, that folds to it."""
    found: dict[str, list[str]] = {}
    for letter in "abcdefghijklmnopqrstuvwxyz" + _VIETNAMESE:
        for variant in (letter, letter.upper()):
            found.setdefault(fold(variant), []).append(variant)
    return {key: "[" + "".join(letters) + "]" for key, letters in found.items()}


_CLASSES = _letter_classes()


def accent_pattern(word: str) -> str:
    """A regular expression (PostgreSQL's) finding ``word`` (folded) in a name written with
    its accents: each letter a class of its accented forms, anything else literal."""
    return "".join(_CLASSES.get(ch) or (ch if ch.isalnum() else "\\" + ch) for ch in word)


def digit_prefixes(query: str) -> list[str]:
    """What a query made of digits could be the start of: itself, and for ``+84 98…``,
    ``0084 98…`` or ``84 98…`` also the phone ``098…``. Empty when it is not digits."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", query))
    international = compact.startswith("+")
    compact = compact.removeprefix("+")
    if not compact or not (compact.isascii() and compact.isdigit()):
        return []
    found = [] if international else [compact]
    for prefix in ("0084", "84"):
        if compact.startswith(prefix) and len(compact) > len(prefix):
            found.append("0" + compact[len(prefix):].removeprefix("0"))
            break
    return found or [compact]


def _next_prefix(digits: str) -> str | None:
    """The first string of digits past every string starting with ``digits`` (``0989`` →
    ``099``), or None when there is none (``999``)."""
    stripped = digits.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def starts_with(column, digits: str) -> ColumnElement[bool]:
    """``column`` starts with ``digits``, as a range an index can read."""
    upper = _next_prefix(digits)
    return column >= digits if upper is None else and_(column >= digits, column < upper)


def matching(query: str) -> ColumnElement[bool] | None:
    """The condition an account meets to match ``query`` (None: no condition)."""
    q = clean(query)
    if not q:
        return None
    prefixes = digit_prefixes(q)
    if prefixes:
        return or_(*[starts_with(column, prefix) for prefix in prefixes for column in (User.phone, User.cccd)])
    words = fold(q).split()[:MAX_WORDS]
    if db.session.get_bind().dialect.name == "postgresql":
        return and_(*[User.full_name.regexp_match(accent_pattern(word)) for word in words])
    return and_(*[folded(User.full_name).contains(word, autoescape=True) for word in words])


def search_users(query: str, limit: int = 50, *, within: Unit | None = None, offset: int = 0) -> list[User]:
    """Accounts matching ``query`` (all when it is empty) — of ``within``'s subtree when
    given — by name in Vietnamese order (given name first), then id: ``limit`` of them from
    ``offset``."""
    stmt = (select(User).options(selectinload(User.unit), selectinload(User.managed_unit))
            .order_by(User.name_sort_key, User.id).offset(offset).limit(limit))
    condition = matching(query)
    if condition is not None:
        stmt = stmt.where(condition)
    if within is not None:
        stmt = stmt.join(Unit, User.unit_id == Unit.id).where(in_subtree(within))
    return list(db.session.scalars(stmt))
