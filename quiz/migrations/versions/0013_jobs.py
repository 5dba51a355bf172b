"""Background jobs: one row per job (freezing, exports, certificate bundles), at most one
unfinished job per key.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

UNFINISHED = "state IN ('queued', 'running')"


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False, comment='Loại việc: freeze_round, export …'),
    sa.Column('key', sa.String(length=200), nullable=False, comment='Việc làm trên cái gì, ví dụ round:12:results'),
    sa.Column('title', sa.String(length=300), nullable=False, comment='Tên việc bằng tiếng Việt, cho trang theo dõi'),
    sa.Column('params', sa.JSON(), nullable=False, comment='Tham số của việc (mã đợt, đơn vị …)'),
    sa.Column('state', sa.String(length=10), nullable=False, comment='queued, running, done, failed'),
    sa.Column('runs', sa.Integer(), nullable=False, comment='Số lần một tiến trình nền đã nhận việc'),
    sa.Column('result', sa.String(length=1000), nullable=True, comment='Kết quả bằng tiếng Việt'),
    sa.Column('error', sa.String(length=1000), nullable=True, comment='Lỗi bằng tiếng Việt'),
    sa.Column('file', sa.String(length=200), nullable=True, comment='Tệp kết quả trong instance/jobs/ (nếu có)'),
    sa.Column('file_name', sa.String(length=200), nullable=True, comment='Tên tệp khi tải về'),
    sa.Column('actor_id', sa.Integer(), nullable=True, comment='Người bấm; NULL: dòng lệnh'),
    sa.Column('created_at', sa.DateTime(), nullable=False, comment='Lúc bấm (UTC)'),
    sa.Column('enqueued_at', sa.DateTime(), nullable=False, comment='Lần đưa vào hàng đợi gần nhất (UTC)'),
    sa.Column('started_at', sa.DateTime(), nullable=True, comment='Lần chạy gần nhất bắt đầu (UTC)'),
    sa.Column('finished_at', sa.DateTime(), nullable=True, comment='Lúc xong hoặc lỗi (UTC)'),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_jobs_state')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_jobs_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_state', ['state'], unique=False)
        batch_op.create_index('uq_jobs_key_unfinished', ['key'], unique=True, sqlite_where=sa.text(UNFINISHED),
                              postgresql_where=sa.text(UNFINISHED))


def downgrade():
    op.drop_table('jobs')
