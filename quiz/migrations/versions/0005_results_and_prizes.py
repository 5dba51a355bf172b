"""Frozen results, question statistics, prize tiers, collective prizes and certificates;
attempts remember the member's unit.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:04:37.324260

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('prize_tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False, comment='Thứ tự giải, cao trước'),
    sa.Column('name', sa.String(length=50), nullable=False, comment='Tên giải: Nhất, Nhì, Ba, Khuyến khích …'),
    sa.Column('count', sa.Integer(), nullable=False, comment='Số giải'),
    sa.Column('round_number', sa.Integer(), nullable=True, comment='Chỉ đợt này; NULL: mọi đợt'),
    sa.Column('division_code', sa.String(length=20), nullable=True, comment='Chỉ bảng này; NULL: mọi bảng'),
    sa.CheckConstraint('count > 0', name=op.f('ck_prize_tiers_count_positive')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_prize_tiers_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prize_tiers')),
    sa.UniqueConstraint('contest_id', 'position', name=op.f('uq_prize_tiers_contest_id_position'))
    )
    op.create_table('question_stats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('drawn', sa.Integer(), nullable=False, comment='Số lượt thi có câu này'),
    sa.Column('correct', sa.Integer(), nullable=False, comment='Số lượt trả lời đúng'),
    sa.Column('facility', sa.Float(), nullable=False, comment='Tỷ lệ trả lời đúng'),
    sa.Column('discrimination', sa.Float(), nullable=True, comment='Độ phân biệt (point-biserial)'),
    sa.Column('strong_choice_id', sa.Integer(), nullable=True, comment='Phương án nhóm giỏi chọn nhiều nhất'),
    sa.Column('key_suspect', sa.Boolean(), nullable=False, comment='Nhóm giỏi phần lớn chọn phương án khác đáp án'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_stats_question_id_questions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_question_stats_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['strong_choice_id'], ['question_options.id'], name=op.f('fk_question_stats_strong_choice_id_question_options'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_stats')),
    sa.UniqueConstraint('round_id', 'question_id', name=op.f('uq_question_stats_round_id_question_id'))
    )
    with op.batch_alter_table('question_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_stats_question_id'), ['question_id'], unique=False)

    op.create_table('results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('division_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True, comment='Đơn vị của thí sinh lúc chốt kết quả'),
    sa.Column('attempt_id', sa.Integer(), nullable=False, comment='Lượt được tính'),
    sa.Column('attempts', sa.Integer(), nullable=False, comment='Số lượt thí sinh đã thi trong đợt'),
    sa.Column('score', sa.Integer(), nullable=False, comment='Số câu đúng'),
    sa.Column('time_used_ms', sa.Integer(), nullable=False, comment='Thời gian làm bài (ms)'),
    sa.Column('prediction', sa.BigInteger(), nullable=True, comment='Số dự đoán'),
    sa.Column('prediction_error', sa.BigInteger(), nullable=True, comment='|dự đoán − giá trị đúng|'),
    sa.Column('started_at', sa.DateTime(), nullable=False, comment='Lượt được tính: bắt đầu (UTC)'),
    sa.Column('submitted_at', sa.DateTime(), nullable=False, comment='Lượt được tính: nộp (UTC)'),
    sa.Column('rank', sa.Integer(), nullable=False, comment='Hạng trong đợt (và bảng)'),
    sa.Column('prize', sa.String(length=50), nullable=True, comment='Giải (Nhất, Nhì …); NULL: không có'),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_results_rank_positive')),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_results_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['division_id'], ['divisions.id'], name=op.f('fk_results_division_id_divisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_results_round_id_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_results_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_results_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results')),
    sa.UniqueConstraint('attempt_id', name=op.f('uq_results_attempt_id')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_results_round_id_user_id'))
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index('ix_results_round_id_division_id_rank', ['round_id', 'division_id', 'rank'], unique=False)
        batch_op.create_index('ix_results_round_id_unit_id', ['round_id', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_results_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True, comment='Đơn vị của thí sinh lúc bắt đầu (báo cáo theo đơn vị)'))
        batch_op.create_index('ix_attempts_contest_id_unit_id_user_id', ['contest_id', 'unit_id', 'user_id'], unique=False,
                              postgresql_include=['round_id', 'score', 'finished_at'])
        batch_op.create_foreign_key(batch_op.f('fk_attempts_unit_id_units'), 'units', ['unit_id'], ['id'], ondelete='RESTRICT')
    op.execute("UPDATE attempts SET unit_id = (SELECT users.unit_id FROM users WHERE users.id = attempts.user_id)")
    if op.get_bind().dialect.name == "postgresql":
        # A contest inserts attempts all day: keep the visibility map fresh for index-only scans.
        op.execute("ALTER TABLE attempts SET (autovacuum_vacuum_insert_scale_factor = 0.02, "
                   "autovacuum_analyze_scale_factor = 0.02)")

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('one_prize_per_person', sa.Boolean(), nullable=False, server_default=sa.false(),
                                      comment='Mỗi người tối đa một giải trong cả cuộc thi'))
        batch_op.add_column(sa.Column('certificates_for_all', sa.Boolean(), nullable=False, server_default=sa.false(),
                                      comment='Cấp giấy chứng nhận cho mọi người dự thi'))
        batch_op.add_column(sa.Column('collective_metric', sa.String(length=20), nullable=True,
                                      comment='Giải tập thể xếp đơn vị theo; NULL: không có'))
        batch_op.add_column(sa.Column('collective_level', sa.Integer(), nullable=False, server_default='1',
                                      comment='Cấp đơn vị xếp hạng tập thể (0: gốc)'))
        batch_op.add_column(sa.Column('collective_count', sa.Integer(), nullable=False, server_default='0',
                                      comment='Số giải tập thể'))
        batch_op.add_column(sa.Column('collective_points', sa.JSON(), nullable=False, server_default='{}',
                                      comment='Điểm cộng mỗi giải cá nhân (công thức weighted)'))
        batch_op.create_check_constraint(
            'collective_metric_known',
            "collective_metric IS NULL OR collective_metric IN ('participants', 'rate', 'weighted')")
        batch_op.create_check_constraint('collective_counts_valid', 'collective_level >= 0 AND collective_count >= 0')
    with op.batch_alter_table('contests', schema=None) as batch_op:
        for column in ('one_prize_per_person', 'certificates_for_all', 'collective_level', 'collective_count',
                       'collective_points'):
            batch_op.alter_column(column, server_default=None)



def downgrade():
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contests_collective_counts_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_contests_collective_metric_known'), type_='check')
        for column in ('collective_points', 'collective_count', 'collective_level', 'collective_metric',
                       'certificates_for_all', 'one_prize_per_person'):
            batch_op.drop_column(column)

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attempts_unit_id_units'), type_='foreignkey')
        batch_op.drop_index('ix_attempts_contest_id_unit_id_user_id')
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_results_user_id'))
        batch_op.drop_index('ix_results_round_id_unit_id')
        batch_op.drop_index('ix_results_round_id_division_id_rank')

    op.drop_table('results')
    with op.batch_alter_table('question_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_stats_question_id'))

    op.drop_table('question_stats')
    op.drop_table('prize_tiers')
