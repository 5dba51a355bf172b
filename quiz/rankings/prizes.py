"""Individual prizes, settled over every frozen round of a contest at once (DESIGN.md §4).

Each (round, division) has *slots*: its prize tiers in order, one slot per prize (1 Nhất,
2 Nhì … gives Nhất, Nhì, Nhì …), given to its ranked members in order. A contest's one-prize
policy decides who is passed over:

- ``none``: every round on its own;
- ``first_win`` (first win stands): rounds in order; a member who holds a prize of an
  earlier round is passed over, the next in rank takes the slot;
- ``higher_kept`` (the higher is kept, Quảng Nam 2022): prizes are given from the highest
  tier down, and inside a tier round by round; a member already holding a prize (so an equal
  or higher one) is passed over. A member who wins Ba in week 1 and Nhất in week 2 thus
  keeps Nhất, and week 1's Ba goes to the next member of week 1, as if they had been passed
  over there; of two equal prizes the earlier round's stands.

With shared ranks (đồng hạng) the members of one rank all take the prize of the slot where
their rank starts, and use up as many slots as they are.

``award`` is the rule, pure and over plain lists. ``settle`` applies it to the database: it
reads the top of every frozen round's ranking, awards in round order whatever order the
rounds were frozen in, writes the prizes that changed and records each change to a published
round (a ``PrizeChange`` per member, and one "prizes.adjust" entry in the audit log). It runs
inside the transaction that freezes or reopens a round, which holds the contest's row lock
(``rankings.services``), so two settlements never interleave.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from quiz.accounts.models import User
from quiz.audit import services as audit
from quiz.contests.models import Contest, Round
from quiz.extensions import db
from quiz.rankings.models import PrizeChange, Result


@dataclass
class Ranked:
    result_id: int
    user_id: int
    rank: int


@dataclass
class Board:
    """One round's ranking in one division, best first, with its slots (tier level, name)."""

    round_number: int
    slots: list[tuple[int, str]]
    rows: list[Ranked]


def award(boards: list[Board], policy: str, shared: bool) -> dict[int, str]:
    """Result id → prize name, for boards given in round order."""
    prizes: dict[int, str] = {}
    holders: set[int] = set()
    skip = policy != "none"

    def passed_over(row: Ranked) -> bool:
        return skip and row.user_id in holders

    next_slot = [0] * len(boards)
    next_row = [0] * len(boards)

    def fill(i: int, up_to_level: int) -> None:
        """Give board ``i``'s slots up to ``up_to_level``, from where it stopped."""
        board_slots, rows = boards[i].slots, boards[i].rows
        while next_slot[i] < len(board_slots) and board_slots[next_slot[i]][0] <= up_to_level:
            while next_row[i] < len(rows) and passed_over(rows[next_row[i]]):
                next_row[i] += 1
            if next_row[i] == len(rows):
                return
            group = [rows[next_row[i]]]     # the member at the cursor and, shared, the rest of the rank
            next_row[i] += 1
            while shared and next_row[i] < len(rows) and rows[next_row[i]].rank == group[0].rank:
                if not passed_over(rows[next_row[i]]):
                    group.append(rows[next_row[i]])
                next_row[i] += 1
            name = board_slots[next_slot[i]][1]
            for row in group:
                prizes[row.result_id] = name
                holders.add(row.user_id)
            next_slot[i] += len(group)

    if policy == "higher_kept":
        for level in sorted({level for board in boards for level, _ in board.slots}):
            for i in range(len(boards)):
                fill(i, level)
    else:
        for i, board in enumerate(boards):
            fill(i, max((level for level, _ in board.slots), default=0))
    return prizes


def tier_order(contest: Contest) -> dict[str, int]:
    """Each prize name's place in the contest's prize structure (0: the highest)."""
    order: dict[str, int] = {}
    for position, tier in enumerate(contest.prize_tiers):
        order.setdefault(tier.name, position)
    return order


def slots(contest: Contest, round_number: int, division_code: str | None) -> list[tuple[int, str]]:
    order = tier_order(contest)
    tiers = [t for t in contest.prize_tiers
             if t.round_number in (None, round_number) and t.division_code in (None, division_code)]
    return sorted(((order[t.name], t.name) for t in tiers for _ in range(t.count)), key=lambda slot: slot[0])


def _boards(contest: Contest, rounds: list[Round]) -> list[Board]:
    """The top of each frozen round's ranking in each division: as many rows as it has slots,
    plus everyone who could be passed over (at most one per prize of the other rounds), plus
    the rest of the last rank when ranks are shared."""
    codes = {d.id: d.code for d in contest.divisions}
    plan = [(round_, division_id, slots(contest, round_.number, codes.get(division_id)))
            for round_ in rounds
            for division_id in db.session.scalars(select(Result.division_id).where(Result.round_id == round_.id)
                                                  .distinct()).all()]
    total = sum(len(board_slots) for _, _, board_slots in plan)
    boards = []
    for round_, division_id, board_slots in plan:
        if not board_slots:
            continue
        same = (Result.round_id == round_.id,
                Result.division_id.is_(None) if division_id is None else Result.division_id == division_id)
        depth = len(board_slots) + (total - len(board_slots) if contest.one_prize != "none" else 0)
        rows = db.session.execute(select(Result.id, Result.user_id, Result.rank, Result.position)
                                  .where(*same, Result.position <= depth).order_by(Result.position)).all()
        if contest.shared_rank and len(rows) == depth:     # the rest of the last rank: places up to the next rank
            after = db.session.scalar(select(func.min(Result.position)).where(
                *same, Result.position > depth, Result.rank > rows[-1].rank))
            rows += db.session.execute(select(Result.id, Result.user_id, Result.rank, Result.position).where(
                *same, Result.position > depth, *(() if after is None else (Result.position < after,)))
                .order_by(Result.position)).all()
        boards.append(Board(round_.number, board_slots, [Ranked(*row[:3]) for row in rows]))
    return boards


def settle(contest: Contest, *, now: datetime, cause: str, actor_id: int | None = None) -> int:
    """Award the prizes of every frozen round of ``contest`` again, in round order; returns how
    many results changed. Changes to a published round are recorded with ``cause``, as done
    by ``actor_id`` (None: the server's command line)."""
    rounds = db.session.scalars(select(Round).where(Round.contest_id == contest.id, Round.frozen_at.is_not(None))
                                .order_by(Round.number)).all()
    awarded = award(_boards(contest, rounds), contest.one_prize, contest.shared_rank)
    current = dict(db.session.execute(select(Result.id, Result.prize).where(
        Result.round_id.in_([r.id for r in rounds]), Result.prize.is_not(None))).all())
    changed = {rid: awarded.get(rid) for rid in set(current) | set(awarded) if current.get(rid) != awarded.get(rid)}
    if not changed:
        return 0
    table = Result.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("rid")).values(prize=bindparam("new_prize")),
                       [{"rid": rid, "new_prize": prize} for rid, prize in changed.items()])
    published = {r.id: r.name for r in rounds if r.published_at is not None}
    if published:
        _record(contest, rounds, awarded, changed, current, published, now=now, cause=cause, actor_id=actor_id)
    return len(changed)


#: How many of the changes one audit entry lists (the ``PrizeChange`` rows hold them all).
AUDIT_LISTED = 100


def _record(contest: Contest, rounds: list[Round], awarded: dict[int, str], changed: dict[int, str | None],
            current: dict[int, str], published: dict[int, str], *, now: datetime, cause: str,
            actor_id: int | None) -> None:
    """One ``PrizeChange`` per member whose prize changed in a published round (a member who
    lost one is told which prize of which round they keep), and one audit entry for them all."""
    names = {r.id: r.name for r in rounds}
    where = dict((rid, (round_id, user_id)) for rid, round_id, user_id in db.session.execute(
        select(Result.id, Result.round_id, Result.user_id).where(Result.id.in_(list(set(changed) | set(awarded))))))
    holding = {where[rid][1]: (where[rid][0], prize) for rid, prize in awarded.items()}
    listed: list[dict] = []
    for rid, after in changed.items():
        round_id, user_id = where[rid]
        if round_id not in published:
            continue
        reason = cause
        if after is None and user_id in holding and holding[user_id][0] != round_id:
            kept_round, kept = holding[user_id]
            reason = f"{cause}; người này nhận giải {kept} ở {names[kept_round]} (mỗi người một giải)"
        db.session.add(PrizeChange(round_id=round_id, user_id=user_id, before=current.get(rid), after=after,
                                   reason=reason, changed_at=now))
        listed.append({"round": names[round_id], "user_id": user_id, "before": current.get(rid), "after": after})
    db.session.flush()
    if listed:
        touched = sorted({item["round"] for item in listed})
        round_ids = {where[rid][0] for rid in changed if where[rid][0] in published}
        audit.record("prizes.adjust", f"Điều chỉnh {len(listed)} giải đã công bố ({', '.join(touched)}): {cause}.",
                     actor_id=actor_id, now=now, contest_id=contest.id,
                     round_id=next(iter(round_ids)) if len(round_ids) == 1 else None,
                     changes={"cause": cause, "count": len(listed), "prizes": listed[:AUDIT_LISTED]})


def changes(round_: Round) -> list:
    """The recorded changes to a published round's prizes, newest first, with names."""
    return db.session.execute(select(PrizeChange, User.full_name).join(User, User.id == PrizeChange.user_id)
                              .where(PrizeChange.round_id == round_.id)
                              .order_by(PrizeChange.changed_at.desc(), PrizeChange.id)).all()
