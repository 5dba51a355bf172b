"""People's names keep their Vietnamese sort key (given name first, letters a ă â … đ …, tones
to break ties): ``users.name_sort_key`` and ``contest_roster.name_sort_key``, compared byte by
byte, so that the dashboard's lists and the account list are ordered by an index. The keys of
the rows already there are computed here, in batches, by ``quiz.text.name_sort_key``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from quiz.text import name_sort_key


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

COMMENT = 'Khóa sắp xếp họ tên theo thứ tự tiếng Việt (tên trước), so từng byte'
BATCH = 10_000


def _binary_string():
    return sa.String().with_variant(sa.String(collation='C'), 'postgresql')


def _backfill(table_name):
    """Khóa của mọi dòng, tính bằng quiz.text.name_sort_key (chính hàm mà mô hình dùng khi
    ghi tên), theo từng lô id tăng dần."""
    bind = op.get_bind()
    table = sa.table(table_name, sa.column('id', sa.Integer()), sa.column('full_name', sa.String()),
                     sa.column('name_sort_key', sa.String()))
    update = (table.update().where(table.c.id == sa.bindparam('row_id'))
              .values(name_sort_key=sa.bindparam('sort_key')))
    last = 0
    while True:
        rows = bind.execute(sa.select(table.c.id, table.c.full_name).where(table.c.id > last)
                            .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(update, [{'row_id': row_id, 'sort_key': name_sort_key(full_name)} for row_id, full_name in rows])
        last = rows[-1][0]


def upgrade():
    for table_name in ('users', 'contest_roster'):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('name_sort_key', _binary_string(), nullable=True, comment=COMMENT))
        _backfill(table_name)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column('name_sort_key', existing_type=_binary_string(), nullable=False,
                                  existing_comment=COMMENT)

    # Danh sách tài khoản theo tên.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_name_sort_key_id', ['name_sort_key', 'id'], unique=False)
    # Người trong danh sách dự thi của một đơn vị, theo tên (các trang của bảng theo dõi); chỉ
    # mục cũ (contest_id, unit_id) là phần đầu của chỉ mục mới, nên bỏ.
    with op.batch_alter_table('contest_roster', schema=None) as batch_op:
        batch_op.drop_index('ix_contest_roster_contest_id_unit_id')
        batch_op.create_index('ix_contest_roster_contest_id_unit_id_name_sort_key_id',
                              ['contest_id', 'unit_id', 'name_sort_key', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('contest_roster', schema=None) as batch_op:
        batch_op.drop_index('ix_contest_roster_contest_id_unit_id_name_sort_key_id')
        batch_op.create_index('ix_contest_roster_contest_id_unit_id', ['contest_id', 'unit_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_name_sort_key_id')
    for table_name in ('contest_roster', 'users'):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_column('name_sort_key')
