"""A version stamp on each contest: bumped when its draw, divisions or a bank it draws from
changes, so that every app process reloads its cached copy before its next start.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contests') as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False,
                                      comment='Tăng mỗi khi đề (rút đề, bảng, ngân hàng câu hỏi) đổi: bản lưu tạm theo nó'))


def downgrade():
    with op.batch_alter_table('contests') as batch_op:
        batch_op.drop_column('version')
