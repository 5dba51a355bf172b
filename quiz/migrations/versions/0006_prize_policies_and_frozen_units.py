"""Prize policies (one prize per person: first win stands / the higher is kept), shared ranks,
counting "most correct then earliest"; results keep each member's place, đối tượng and
collective-level unit; frozen unit standings per round and for the whole contest; changes
to published prizes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('one_prize', sa.String(length=12), nullable=False, server_default='none',
                                      comment='Mỗi người một giải trong cả cuộc thi: none, first_win, higher_kept'))
        batch_op.add_column(sa.Column('shared_rank', sa.Boolean(), nullable=False, server_default=sa.false(),
                                      comment='Bằng nhau mọi tiêu chí thì đồng hạng, cùng giải'))
        batch_op.add_column(sa.Column('collective_ties', sa.String(length=12), nullable=False, server_default='share',
                                      comment='Đơn vị bằng điểm: share (đồng hạng, cùng giải), participants '
                                              '(đông người dự thi hơn xếp trên)'))
        batch_op.add_column(sa.Column('results_frozen_at', sa.DateTime(), nullable=True,
                                      comment='Kết quả toàn cuộc thi đã chốt (UTC)'))
        batch_op.add_column(sa.Column('results_published_at', sa.DateTime(), nullable=True,
                                      comment='Kết quả toàn cuộc thi đã công bố (UTC)'))
        batch_op.alter_column('counting', type_=sa.String(length=12), existing_nullable=False,
                              comment='Lượt được tính: best, most_correct, first, last')
    op.execute("UPDATE contests SET one_prize = 'first_win' WHERE one_prize_per_person")
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_column('one_prize_per_person')
        batch_op.drop_constraint('counting_known', type_='check')
        batch_op.create_check_constraint('counting_known', "counting IN ('best', 'most_correct', 'first', 'last')")
        batch_op.create_check_constraint('one_prize_known', "one_prize IN ('none', 'first_win', 'higher_kept')")
        batch_op.create_check_constraint('collective_ties_known', "collective_ties IN ('share', 'participants')")
        batch_op.create_check_constraint('results_published_only_when_frozen',
                                         'results_published_at IS NULL OR results_frozen_at IS NOT NULL')
        for column in ('one_prize', 'shared_rank', 'collective_ties'):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('all_correct', sa.Integer(), nullable=True,
                                      comment='Số người có ít nhất một lượt đúng tất cả các câu, tính khi chốt'))

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level_unit_id', sa.Integer(), nullable=True,
                                      comment='Đơn vị cấp xét giải tập thể chứa đơn vị của thí sinh, lúc chốt'))
        batch_op.add_column(sa.Column('category', sa.String(length=20), nullable=True,
                                      comment='Đối tượng của thí sinh lúc chốt kết quả'))
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True,
                                      comment='Thứ tự trong đợt (và bảng): 1…n, không trùng'))
    op.execute("UPDATE results SET position = rank")
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.alter_column('position', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('rank', existing_type=sa.Integer(), existing_nullable=False,
                              comment='Hạng trong đợt (và bảng); đồng hạng: người bằng nhau cùng hạng')
        batch_op.alter_column('submitted_at', existing_type=sa.DateTime(), existing_nullable=False,
                              comment='Lượt được tính: nộp (UTC); nộp trong giây nhận trễ tính là nộp lúc hết hạn')
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), existing_nullable=True,
                              comment='Đơn vị của thí sinh lúc chốt kết quả')
        batch_op.drop_index('ix_results_round_id_division_id_rank')
        batch_op.drop_constraint('rank_positive', type_='check')
        batch_op.create_check_constraint('rank_valid', 'rank >= 1 AND rank <= position')
        batch_op.create_unique_constraint(batch_op.f('uq_results_round_id_division_id_position'),
                                          ['round_id', 'division_id', 'position'])
        batch_op.create_foreign_key(batch_op.f('fk_results_level_unit_id_units'), 'units', ['level_unit_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_index('ix_results_round_id_prized', ['round_id'], unique=False,
                              sqlite_where=sa.text('prize IS NOT NULL'), postgresql_where=sa.text('prize IS NOT NULL'))

    op.create_table('unit_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True, comment='Đợt; NULL: cả cuộc thi'),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False, comment='Mã đơn vị lúc chốt'),
    sa.Column('name', sa.String(length=300), nullable=False, comment='Tên đơn vị lúc chốt'),
    sa.Column('participants', sa.Integer(), nullable=False, comment='Số người dự thi (cả cấp dưới)'),
    sa.Column('attempts', sa.Integer(), nullable=False, comment='Số lượt thi (cả cấp dưới)'),
    sa.Column('expected', sa.Integer(), nullable=False, comment='Số người cần dự thi: số người hoặc danh sách dự thi'),
    sa.Column('prizes', sa.JSON(), nullable=False, comment='Số giải cá nhân theo tên giải'),
    sa.Column('value_num', sa.BigInteger(), nullable=False, comment='Điểm xếp hạng tập thể: tử số (phân số đúng)'),
    sa.Column('value_den', sa.BigInteger(), nullable=False, comment='Điểm xếp hạng tập thể: mẫu số'),
    sa.Column('rank', sa.Integer(), nullable=True, comment='Hạng tập thể; NULL: cuộc thi không có giải tập thể'),
    sa.Column('awarded', sa.Boolean(), nullable=False, comment='Được giải tập thể'),
    sa.CheckConstraint('value_den > 0', name=op.f('ck_unit_results_value_den_positive')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_unit_results_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_unit_results_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_results_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_results')),
    sa.UniqueConstraint('round_id', 'unit_id', name=op.f('uq_unit_results_round_id_unit_id'))
    )
    with op.batch_alter_table('unit_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_results_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_results_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_unit_results_contest_id_unit_id_whole', ['contest_id', 'unit_id'], unique=True,
                              sqlite_where=sa.text('round_id IS NULL'), postgresql_where=sa.text('round_id IS NULL'))

    op.create_table('prize_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.String(length=50), nullable=True, comment='Giải trước khi điều chỉnh'),
    sa.Column('after', sa.String(length=50), nullable=True, comment='Giải sau khi điều chỉnh'),
    sa.Column('reason', sa.Text(), nullable=False, comment='Vì sao'),
    sa.Column('changed_at', sa.DateTime(), nullable=False, comment='Lúc điều chỉnh (UTC)'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_prize_changes_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_prize_changes_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prize_changes'))
    )
    with op.batch_alter_table('prize_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prize_changes_round_id'), ['round_id'], unique=False)


def downgrade():
    op.drop_table('prize_changes')
    op.drop_table('unit_results')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index('ix_results_round_id_prized')
        batch_op.drop_constraint(batch_op.f('fk_results_level_unit_id_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_results_round_id_division_id_position'), type_='unique')
        batch_op.drop_constraint('rank_valid', type_='check')
        batch_op.create_check_constraint('rank_positive', 'rank >= 1')
        batch_op.create_index('ix_results_round_id_division_id_rank', ['round_id', 'division_id', 'rank'], unique=False)
        for column in ('position', 'category', 'level_unit_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('all_correct')
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('one_prize_per_person', sa.Boolean(), nullable=False, server_default=sa.false(),
                                      comment='Mỗi người tối đa một giải trong cả cuộc thi'))
    op.execute("UPDATE contests SET one_prize_per_person = (one_prize <> 'none')")
    op.execute("UPDATE contests SET counting = 'best' WHERE counting = 'most_correct'")
    with op.batch_alter_table('contests', schema=None) as batch_op:
        for name in ('results_published_only_when_frozen', 'collective_ties_known', 'one_prize_known',
                     'counting_known'):
            batch_op.drop_constraint(name, type_='check')
        batch_op.create_check_constraint('counting_known', "counting IN ('best', 'first', 'last')")
        for column in ('results_published_at', 'results_frozen_at', 'collective_ties', 'shared_rank', 'one_prize'):
            batch_op.drop_column(column)
        batch_op.alter_column('counting', type_=sa.String(length=10), existing_nullable=False,
                              comment='Lượt được tính: best, first, last')
        batch_op.alter_column('one_prize_per_person', server_default=None)
