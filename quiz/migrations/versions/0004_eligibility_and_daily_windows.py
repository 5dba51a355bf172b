"""Who may take a contest (chosen units, an imported roster) and rounds' daily windows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contest_units',
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_units_contest_id_contests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_contest_units_unit_id_units'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('contest_id', 'unit_id', name=op.f('pk_contest_units')),
    )
    op.create_table(
        'contest_roster',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=False),
        sa.Column('full_name', sa.String(length=200), nullable=False, comment='Họ và tên như trong danh sách'),
        sa.Column('phone', sa.String(length=20), nullable=True, comment='Số điện thoại đã chuẩn hoá'),
        sa.Column('cccd', sa.String(length=20), nullable=True, comment='Số CCCD đã chuẩn hoá'),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('phone IS NOT NULL OR cccd IS NOT NULL', name=op.f('ck_contest_roster_has_identity')),
        sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_contest_roster_contest_id_contests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_contest_roster_unit_id_units'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_roster')),
        sa.UniqueConstraint('contest_id', 'cccd', name=op.f('uq_contest_roster_contest_id_cccd')),
        sa.UniqueConstraint('contest_id', 'phone', name=op.f('uq_contest_roster_contest_id_phone')),
    )
    op.create_index('ix_contest_roster_contest_id_unit_id', 'contest_roster', ['contest_id', 'unit_id'])
    op.create_index(op.f('ix_contest_roster_unit_id'), 'contest_roster', ['unit_id'])
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default='Asia/Ho_Chi_Minh',
                                      comment='Múi giờ của khung giờ thi hằng ngày'))
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.alter_column('time_zone', server_default=None)
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_days', sa.String(length=7), nullable=True,
                                      comment='Khung giờ hằng ngày: các thứ (1 = thứ Hai … 7 = Chủ nhật); '
                                              'NULL: không giới hạn'))
        batch_op.add_column(sa.Column('window_opens_min', sa.Integer(), nullable=True,
                                      comment='Khung giờ: mở, phút sau 0 giờ (giờ địa phương)'))
        batch_op.add_column(sa.Column('window_closes_min', sa.Integer(), nullable=True,
                                      comment='Khung giờ: đóng, phút sau 0 giờ (giờ địa phương)'))
        batch_op.create_check_constraint(
            'daily_window_valid',
            '(window_days IS NULL AND window_opens_min IS NULL AND window_closes_min IS NULL) OR '
            '(window_days IS NOT NULL AND 0 <= window_opens_min '
            'AND window_opens_min < window_closes_min AND window_closes_min <= 1440)')


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rounds_daily_window_valid'), type_='check')
        batch_op.drop_column('window_closes_min')
        batch_op.drop_column('window_opens_min')
        batch_op.drop_column('window_days')
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
    op.drop_index(op.f('ix_contest_roster_unit_id'), table_name='contest_roster')
    op.drop_index('ix_contest_roster_contest_id_unit_id', table_name='contest_roster')
    op.drop_table('contest_roster')
    op.drop_table('contest_units')
