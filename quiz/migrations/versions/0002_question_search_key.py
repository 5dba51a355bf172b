"""question search key

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:52:20.163212

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.Text(), nullable=False, server_default='', comment='Nội dung không dấu, chữ thường, để tìm kiếm'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True, comment='Sửa lần cuối (UTC)'))

    


def downgrade():
    
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('search_key')

    
