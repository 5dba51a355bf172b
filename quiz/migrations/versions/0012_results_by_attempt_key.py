"""Frozen results refer to their attempt by the attempts' key (member, round, number): one
foreign key checked per row instead of three (attempt, member, round), and two indexes fewer
(the unique attempt id and the member's id), which freezing a large round paid for row by row.
The published page's figures are stored with the frozen round (and the contest's results).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from quiz.text import text_key

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TOP_UNITS = 10  # as quiz.rankings.collective.TOP_UNITS when this was written


def upgrade():
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_number', sa.Integer(), nullable=True,
                                      comment='Lượt được tính: lượt thứ mấy của thí sinh trong đợt'))
    op.execute("UPDATE results SET attempt_number = (SELECT number FROM attempts WHERE attempts.id = results.attempt_id)")
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.alter_column('attempt_number', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('fk_results_attempt_id_attempts', type_='foreignkey')
        batch_op.drop_constraint('fk_results_user_id_users', type_='foreignkey')
        batch_op.drop_constraint('fk_results_round_id_rounds', type_='foreignkey')
        batch_op.drop_constraint('uq_results_attempt_id', type_='unique')
        batch_op.drop_index('ix_results_user_id')
        batch_op.drop_column('attempt_id')
        batch_op.create_foreign_key('fk_results_user_id_attempts', 'attempts', ['user_id', 'round_id', 'attempt_number'],
                                    ['user_id', 'round_id', 'number'], ondelete='RESTRICT')

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('figures', sa.JSON(), nullable=True,
                                      comment='Số liệu trang kết quả, tính khi chốt: người dự thi, lượt thi, '
                                              'các đơn vị dẫn đầu'))
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_figures', sa.JSON(), nullable=True,
                                      comment='Số liệu trang kết quả toàn cuộc thi, tính khi chốt: người dự thi, '
                                              'lượt thi, đơn vị dẫn đầu'))
    _store_figures_of_frozen_results()


def _store_figures_of_frozen_results():
    """Rounds (and contests' results) frozen before this revision: their figures from the
    frozen unit standings and the finished attempts (which no longer change once frozen)."""
    bind = op.get_bind()
    meta = sa.MetaData()
    rounds = sa.Table('rounds', meta, autoload_with=bind)
    contests = sa.Table('contests', meta, autoload_with=bind)
    attempts = sa.Table('attempts', meta, autoload_with=bind)
    units = sa.Table('unit_results', meta, autoload_with=bind)

    def figures(counts, of_units):
        rows = bind.execute(sa.select(units.c.name, units.c.participants, units.c.attempts).where(*of_units)).all()
        def top(key):
            ordered = sorted(rows, key=lambda r: (-getattr(r, key), text_key(r.name)))[:TOP_UNITS]
            return [{"name": r.name, key: getattr(r, key)} for r in ordered]
        participants, count = bind.execute(
            sa.select(sa.func.count(sa.distinct(attempts.c.user_id)), sa.func.count())
            .where(attempts.c.finished_at.is_not(None), *counts)).one()
        return {"participants": participants, "attempts": count,
                "by_participants": top("participants"), "by_attempts": top("attempts")}

    for round_id, contest_id in bind.execute(sa.select(rounds.c.id, rounds.c.contest_id)
                                              .where(rounds.c.frozen_at.is_not(None))).all():
        bind.execute(rounds.update().where(rounds.c.id == round_id).values(
            figures=figures([attempts.c.round_id == round_id], [units.c.round_id == round_id])))
    for (contest_id,) in bind.execute(sa.select(contests.c.id).where(contests.c.results_frozen_at.is_not(None))).all():
        bind.execute(contests.update().where(contests.c.id == contest_id).values(
            results_figures=figures([attempts.c.contest_id == contest_id],
                                    [units.c.contest_id == contest_id, units.c.round_id.is_(None)])))


def downgrade():
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_column('results_figures')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('figures')

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_id', sa.Integer(), nullable=True, comment='Lượt được tính'))
    op.execute("UPDATE results SET attempt_id = (SELECT id FROM attempts WHERE attempts.user_id = results.user_id "
               "AND attempts.round_id = results.round_id AND attempts.number = results.attempt_number)")
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.alter_column('attempt_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('fk_results_user_id_attempts', type_='foreignkey')
        batch_op.drop_column('attempt_number')
        batch_op.create_unique_constraint('uq_results_attempt_id', ['attempt_id'])
        batch_op.create_index('ix_results_user_id', ['user_id'], unique=False)
        batch_op.create_foreign_key('fk_results_attempt_id_attempts', 'attempts', ['attempt_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_foreign_key('fk_results_user_id_users', 'users', ['user_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key('fk_results_round_id_rounds', 'rounds', ['round_id'], ['id'], ondelete='CASCADE')
