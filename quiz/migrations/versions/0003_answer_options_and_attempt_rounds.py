"""Tie an answer's option to its question, and an attempt's contest to its round's.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:56:37.311176

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # The unique keys first: the foreign keys refer to them.
    with op.batch_alter_table('question_options', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_question_options_question_id_id'), ['question_id', 'id'])
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_rounds_id_contest_id'), ['id', 'contest_id'])
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_answers_option_of_question', 'question_options',
                                    ['question_id', 'option_id'], ['question_id', 'id'], ondelete='RESTRICT')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_attempts_round_contest', 'rounds',
                                    ['round_id', 'contest_id'], ['id', 'contest_id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_attempts_round_contest', type_='foreignkey')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_answers_option_of_question', type_='foreignkey')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_rounds_id_contest_id'), type_='unique')
    with op.batch_alter_table('question_options', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_question_options_question_id_id'), type_='unique')
