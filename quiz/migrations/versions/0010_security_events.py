"""Security events: failed logins, lockouts, refused requests, for an administrator to list.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:00:01.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('security_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False, comment='Lúc xảy ra (UTC)'),
    sa.Column('kind', sa.String(length=30), nullable=False, comment='login_failed, account_locked, ip_limited, forbidden …'),
    sa.Column('user_id', sa.Integer(), nullable=True, comment='Người đã đăng nhập gửi yêu cầu (nếu có)'),
    sa.Column('account', sa.String(length=20), nullable=True, comment='Tài khoản bị thử (SĐT/CCCD đã chuẩn hóa)'),
    sa.Column('ip', sa.String(length=45), nullable=False, comment='Địa chỉ IP'),
    sa.Column('path', sa.String(length=200), nullable=False, comment='Đường dẫn yêu cầu'),
    sa.Column('detail', sa.String(length=200), nullable=False, comment='Chi tiết ngắn'),
    sa.Column('count', sa.Integer(), nullable=False, comment='Số lần (lặp lại trong cùng phút được gộp)'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events'))
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_events_at'), ['at'], unique=False)
        batch_op.create_index('ix_security_events_account_at', ['account', 'at'], unique=False)
        batch_op.create_index('ix_security_events_ip_at', ['ip', 'at'], unique=False)


def downgrade():
    op.drop_table('security_events')
