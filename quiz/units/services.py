"""Named queries and changes on the unit tree. No HTTP; the caller commits.

Subtree queries use the materialised path (see ``Unit``): one range scan of an index.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, and_, bindparam, func, select, update
from sqlalchemy.orm import aliased

from quiz.db import MAX_ID, vietnamese_key
from quiz.errors import NotFound
from quiz.extensions import db
from quiz.text import ascii_int, clean, fold, text_key
from quiz.units.models import Unit


def in_subtree(unit: Unit) -> ColumnElement[bool]:
    """SQL condition: a unit row is ``unit`` itself or below it. The range's ends are written
    into the statement as constants (``literal_execute``; a path is digits and slashes), so
    PostgreSQL plans it for this range: a plan made for any range (a prepared statement's
    generic plan) cannot tell a cell (a few rows) from the whole province (all of them) and
    picks a nested loop 10× slower on the large case. Every other statement keeps the
    plan cache's default."""
    return and_(Unit.path >= _constant(unit.path), Unit.path < _constant(unit.subtree_upper))


def _constant(path: str):
    return bindparam(None, path, type_=Unit.path.type, literal_execute=True)


def as_id(raw: object) -> int | None:
    """A row id from user input, or None: ``²`` or a 10,000-digit number would otherwise
    fail in ``int()`` or in the database."""
    value = ascii_int(str(raw if raw is not None else ""), 10)
    return value if value is not None and value <= MAX_ID else None


def get(unit_id: object) -> Unit:
    unit_id = as_id(unit_id)
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return unit


def by_code(code: str) -> Unit | None:
    return db.session.scalars(select(Unit).where(Unit.code == clean(code))).first()


def resolve_choice(unit_id: str | None, query: str | None) -> Unit | None:
    """The unit a form chose: its id (from the search box) or, typed by hand, its code."""
    row_id = as_id(unit_id)
    if row_id:
        unit = db.session.get(Unit, row_id)
        if unit is not None:
            return unit
    if query:
        return by_code(query)
    return None


def search(query: str, limit: int = 20) -> list[Unit]:
    """Units whose name or code holds every word of ``query`` (accents and case ignored), the
    higher levels first, each level by name (Vietnamese order)."""
    words = fold(query).split()[:6]
    if not words:
        return []
    stmt = select(Unit).order_by(Unit.depth, vietnamese_key(Unit.name), Unit.id).limit(limit)
    for word in words:
        stmt = stmt.where(Unit.search_key.contains(word, autoescape=True))
    return list(db.session.scalars(stmt))


def ancestry(unit: Unit) -> list[Unit]:
    """The unit and its ancestors, root first, in one query."""
    ids = [int(part) for part in unit.path.strip("/").split("/")]
    found = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def labels(units: list[Unit]) -> dict[int, str]:
    """A readable place for each unit: its name, then its ancestors' names upwards."""
    ids = {int(p) for u in units for p in u.path.strip("/").split("/")}
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
    return {u.id: " › ".join(names[int(p)] for p in reversed(u.path.strip("/").split("/"))) for u in units}


def by_name(unit: Unit) -> tuple:
    """Units by name in Vietnamese order (``quiz.text.text_key``), then by id."""
    return text_key(unit.name), unit.id


def children(parent: Unit | None) -> list[tuple[Unit, int]]:
    """The units right below ``parent`` (the roots when None), each with its number of
    children, by name (Vietnamese order)."""
    child = aliased(Unit)
    count = select(func.count()).where(child.parent_id == Unit.id).correlate(Unit).scalar_subquery()
    condition = Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id
    rows = db.session.execute(select(Unit, count).where(condition))
    return sorted(((unit, below) for unit, below in rows), key=lambda row: by_name(row[0]))


def roots() -> list[Unit]:
    """The units at the top of the tree, by name (Vietnamese order)."""
    return sorted(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None))), key=by_name)


def subtree_size(unit: Unit) -> int:
    return db.session.scalar(select(func.count()).select_from(Unit).where(in_subtree(unit)))


def subtree_members(unit: Unit) -> int:
    """Registered accounts in ``unit`` and everything below it: one indexed query."""
    from quiz.accounts.models import User

    return db.session.scalar(
        select(func.count(User.id)).join(Unit, User.unit_id == Unit.id).where(in_subtree(unit)))


def subtree_headcount(unit: Unit) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Unit.headcount), 0)).where(in_subtree(unit)))


def rebuild_paths() -> int:
    """Recompute every unit's path and depth from the parent links; write those that changed.

    Paths end with the unit's own id, so no two can collide while they are rewritten.
    Returns the number of units whose path changed.
    """
    rows = db.session.execute(select(Unit.id, Unit.parent_id, Unit.path, Unit.depth)).all()
    below: dict[int | None, list[int]] = defaultdict(list)
    for row in rows:
        below[row.parent_id].append(row.id)
    current = {row.id: (row.path, row.depth) for row in rows}
    changes = []
    stack = [(unit_id, "/", 0) for unit_id in below[None]]
    while stack:
        unit_id, prefix, depth = stack.pop()
        path = f"{prefix}{unit_id}/"
        if current[unit_id] != (path, depth):
            changes.append({"id": unit_id, "path": path, "depth": depth})
        stack.extend((child, path, depth + 1) for child in below[unit_id])
    if changes:
        db.session.execute(update(Unit), changes)
    return len(changes)
