"""The organiser's console: the audit log; accounts that must change a temporary password;
a contest's announcement and certificate signature; rounds paused, and publications withdrawn
with a reason.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False, comment='Lúc thực hiện (UTC)'),
    sa.Column('actor_id', sa.Integer(), nullable=True, comment='Người thực hiện; NULL: dòng lệnh trên máy chủ'),
    sa.Column('action', sa.String(length=40), nullable=False,
              comment='Việc: contest.create, round.freeze, user.reset_password …'),
    sa.Column('contest_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('target_user_id', sa.Integer(), nullable=True, comment='Tài khoản bị tác động'),
    sa.Column('summary', sa.String(length=500), nullable=False, comment='Mô tả ngắn bằng tiếng Việt'),
    sa.Column('changes', sa.JSON(), nullable=False, comment='Thay đổi: {trường: [trước, sau]} hoặc chi tiết'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_audit_entries_contest_id_contests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_audit_entries_round_id_rounds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_audit_entries_target_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_entries_contest_id_at', ['contest_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_target_user_id_at', ['target_user_id', 'at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false(),
                                      comment='Mật khẩu tạm (đặt lại): phải đổi khi đăng nhập'))
        batch_op.alter_column('active', existing_type=sa.Boolean(), existing_nullable=False,
                              comment='Tài khoản còn hoạt động (False: bị khoá)')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('must_change_password', server_default=None)

    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcement', sa.Text(), nullable=False, server_default='',
                                      comment='Thông báo cho thí sinh (trang cuộc thi, thể lệ)'))
        batch_op.add_column(sa.Column('certificate_place', sa.String(length=100), nullable=False, server_default='',
                                      comment='Giấy chứng nhận: địa danh (…, ngày … tháng … năm …)'))
        batch_op.add_column(sa.Column('certificate_signer_title', sa.String(length=200), nullable=False,
                                      server_default='', comment='Giấy chứng nhận: chức danh người ký'))
        batch_op.add_column(sa.Column('certificate_signer_name', sa.String(length=200), nullable=False,
                                      server_default='', comment='Giấy chứng nhận: họ tên người ký'))
    with op.batch_alter_table('contests', schema=None) as batch_op:
        for column in ('announcement', 'certificate_place', 'certificate_signer_title', 'certificate_signer_name'):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(), nullable=True,
                                      comment='Tạm dừng từ (UTC): không lượt mới nào bắt đầu'))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True,
                                      comment='Lần rút lại công bố gần nhất (UTC)'))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True, comment='Lý do rút lại công bố'))


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        for column in ('withdrawal_reason', 'withdrawn_at', 'paused_at'):
            batch_op.drop_column(column)
    with op.batch_alter_table('contests', schema=None) as batch_op:
        for column in ('certificate_signer_name', 'certificate_signer_title', 'certificate_place', 'announcement'):
            batch_op.drop_column(column)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.alter_column('active', existing_type=sa.Boolean(), existing_nullable=False,
                              comment='Tài khoản còn hoạt động')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_target_user_id_at')
        batch_op.drop_index('ix_audit_entries_contest_id_at')
        batch_op.drop_index(batch_op.f('ix_audit_entries_at'))
    op.drop_table('audit_entries')
