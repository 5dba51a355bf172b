"""Who sees which unit's figures: organisers and admins every unit; a unit manager the unit
they manage and everything below it; nobody else. Every page, export and API route of the
reports asks here, whichever way the unit was named in the request."""
from __future__ import annotations

from quiz.accounts.models import Role, User
from quiz.errors import Forbidden
from quiz.units.models import Unit

SEES_ALL = (Role.ADMIN, Role.ORGANISER)


def sees_all(user: User) -> bool:
    return user.has_role(*SEES_ALL)


def check(user: User, unit: Unit) -> Unit:
    """``unit`` if ``user`` may see it; Forbidden otherwise."""
    if sees_all(user):
        return unit
    managed = user.managed_unit if user.has_role(Role.UNIT_MANAGER) else None
    if managed is None or not unit.path.startswith(managed.path):
        raise Forbidden("Bạn chỉ xem được số liệu của đơn vị mình quản lý và các đơn vị cấp dưới.")
    return unit


def home(user: User) -> Unit | None:
    """The unit a manager's reports open on (None: an organiser starts from the whole tree)."""
    return None if sees_all(user) else user.managed_unit
