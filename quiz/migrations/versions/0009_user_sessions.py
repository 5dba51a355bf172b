"""Sessions known to the server: a login is a row that logout, a password change, a lock and
"đăng xuất mọi thiết bị" end, shared by every instance. They replace users.session_version
(a counter in the cookie that only a password change, reset or lock could move).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False, comment='SHA-256 (hex) của mã trong cookie phiên'),
    sa.Column('created_at', sa.DateTime(), nullable=False, comment='Lúc đăng nhập (UTC)'),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False, comment='Lần dùng gần nhất (UTC), ghi lại thưa'),
    sa.Column('ended_at', sa.DateTime(), nullable=True, comment='Lúc kết thúc (UTC); NULL: còn hiệu lực'),
    sa.Column('end_reason', sa.String(length=20), nullable=True, comment='logout, password, reset, locked, all_devices'),
    sa.Column('ip', sa.String(length=45), nullable=False, comment='Địa chỉ IP lúc đăng nhập'),
    sa.Column('user_agent', sa.String(length=200), nullable=False, comment='Trình duyệt lúc đăng nhập'),
    sa.CheckConstraint('ended_at IS NULL OR end_reason IS NOT NULL', name=op.f('ck_user_sessions_ended_has_reason')),
    sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('logout', 'password', 'reset', 'locked', 'all_devices')",
                       name=op.f('ck_user_sessions_end_reason_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)
    # Not a batch (which would copy the users table on SQLite): SQLite drops a column in place since 3.35.
    op.drop_column('users', 'session_version')


def downgrade():
    op.add_column('users', sa.Column('session_version', sa.Integer(), nullable=False, server_default='1',
                                     comment='Tăng khi đổi mật khẩu: đăng xuất mọi phiên cũ'))
    op.drop_table('user_sessions')
