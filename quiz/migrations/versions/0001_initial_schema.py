"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 05:41:38.678695

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False, comment='Năm của chuyên đề'),
    sa.Column('title', sa.Text(), nullable=False, comment='Tên chuyên đề'),
    sa.Column('issuer', sa.String(length=255), nullable=False, comment='Cơ quan ban hành kế hoạch'),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_topics_year_plausible')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topics')),
    sa.UniqueConstraint('issuer', 'year', 'title', name=op.f('uq_topics_issuer_year_title'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False, comment='Mã đơn vị, duy nhất'),
    sa.Column('name', sa.String(length=255), nullable=False, comment='Tên đơn vị'),
    sa.Column('kind', sa.String(length=100), nullable=False, comment='Loại/cấp: chi bộ, công đoàn cơ sở ...'),
    sa.Column('parent_id', sa.Integer(), nullable=True, comment='Đơn vị cấp trên; NULL ở gốc'),
    sa.Column('path', sa.String().with_variant(sa.String(collation='C'), 'postgresql'), nullable=False, comment="Id từ gốc xuống, mỗi id theo sau '/'"),
    sa.Column('depth', sa.Integer(), nullable=False, comment='0 ở gốc'),
    sa.Column('headcount', sa.Integer(), nullable=False, comment='Số người dự kiến tham gia'),
    sa.Column('search_key', sa.String(length=400), nullable=False, comment='Tên và mã không dấu, chữ thường'),
    sa.CheckConstraint('depth >= 0', name=op.f('ck_units_depth_not_negative')),
    sa.CheckConstraint('headcount >= 0', name=op.f('ck_units_headcount_not_negative')),
    sa.CheckConstraint('length(code) > 0 AND length(name) > 0', name=op.f('ck_units_code_and_name_present')),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code')),
    sa.UniqueConstraint('path', name=op.f('uq_units_path'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index('ix_units_parent_id_name', ['parent_id', 'name'], unique=False)

    op.create_table('contests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False, comment='Tên ngắn dùng trong địa chỉ trang'),
    sa.Column('title', sa.String(length=300), nullable=False, comment='Tên cuộc thi'),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('rules_text', sa.Text(), nullable=False, comment='Thể lệ hiển thị cho thí sinh'),
    sa.Column('time_limit_s', sa.Integer(), nullable=False, comment='Thời gian làm bài (giây)'),
    sa.Column('grace_s', sa.Integer(), nullable=False, comment='Giây nhận bài sau hạn (trễ mạng)'),
    sa.Column('max_attempts', sa.Integer(), nullable=True, comment='Số lượt tối đa mỗi đợt; NULL: không giới hạn'),
    sa.Column('min_delay_s', sa.Integer(), nullable=False, comment='Giây tối thiểu giữa hai lượt'),
    sa.Column('counting', sa.String(length=10), nullable=False, comment='Lượt được tính: best, first, last'),
    sa.Column('prediction_metric', sa.String(length=20), nullable=True, comment='Câu hỏi dự đoán đoán gì; NULL: không có'),
    sa.Column('prediction_prompt', sa.Text(), nullable=False, comment='Lời câu hỏi dự đoán'),
    sa.Column('tie_break', sa.String(length=200), nullable=False, comment='Thứ tự tiêu chí xếp hạng, ngăn bởi dấu phẩy'),
    sa.Column('show_answers', sa.String(length=20), nullable=False, comment='Khi nào hiện đáp án'),
    sa.Column('eligibility', sa.String(length=20), nullable=False, comment='Ai được dự thi'),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("counting IN ('best', 'first', 'last')", name=op.f('ck_contests_counting_known')),
    sa.CheckConstraint("eligibility IN ('everyone', 'units', 'roster')", name=op.f('ck_contests_eligibility_known')),
    sa.CheckConstraint("prediction_metric IS NULL OR prediction_metric IN ('all_correct', 'participants', 'attempts')", name=op.f('ck_contests_prediction_metric_known')),
    sa.CheckConstraint("show_answers IN ('never', 'after_close')", name=op.f('ck_contests_show_answers_known')),
    sa.CheckConstraint('grace_s >= 0', name=op.f('ck_contests_grace_not_negative')),
    sa.CheckConstraint('max_attempts IS NULL OR max_attempts >= 1', name=op.f('ck_contests_max_attempts_positive')),
    sa.CheckConstraint('min_delay_s >= 0', name=op.f('ck_contests_min_delay_not_negative')),
    sa.CheckConstraint('time_limit_s > 0', name=op.f('ck_contests_time_limit_positive')),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_contests_topic_id_topics'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contests')),
    sa.UniqueConstraint('slug', name=op.f('uq_contests_slug'))
    )
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contests_topic_id'), ['topic_id'], unique=False)

    op.create_table('question_banks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False, comment='Tên ngân hàng, duy nhất'),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_question_banks_topic_id_topics'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_banks')),
    sa.UniqueConstraint('name', name=op.f('uq_question_banks_name'))
    )
    with op.batch_alter_table('question_banks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_banks_topic_id'), ['topic_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False, comment='Họ và tên'),
    sa.Column('birth_date', sa.Date(), nullable=True, comment='Ngày sinh'),
    sa.Column('gender', sa.String(length=10), nullable=False, comment='nam, nu, khac'),
    sa.Column('phone', sa.String(length=15), nullable=False, comment='Số điện thoại đã chuẩn hóa: 0xxxxxxxxx'),
    sa.Column('cccd', sa.String(length=12), nullable=True, comment='Số CCCD/CMND đã chuẩn hóa'),
    sa.Column('email', sa.String(length=254), nullable=True, comment='Thư điện tử (không bắt buộc)'),
    sa.Column('unit_id', sa.Integer(), nullable=True, comment='Đơn vị sinh hoạt'),
    sa.Column('category', sa.String(length=20), nullable=False, comment='Đối tượng'),
    sa.Column('role', sa.String(length=20), nullable=False, comment='Vai trò'),
    sa.Column('managed_unit_id', sa.Integer(), nullable=True, comment='Đơn vị được quản lý (vai trò quản lý đơn vị): cả cây con của nó'),
    sa.Column('password_hash', sa.String(length=255), nullable=False, comment='Mật khẩu đã băm (scrypt)'),
    sa.Column('session_version', sa.Integer(), nullable=False, comment='Tăng khi đổi mật khẩu: đăng xuất mọi phiên cũ'),
    sa.Column('active', sa.Boolean(), nullable=False, comment='Tài khoản còn hoạt động'),
    sa.Column('created_at', sa.DateTime(), nullable=False, comment='Thời điểm đăng ký (UTC)'),
    sa.CheckConstraint("category IN ('dang_vien', 'doan_vien', 'hoi_vien', 'cnvcld', 'cong_chuc', 'hoc_sinh', 'nhan_dan')", name=op.f('ck_users_category_known')),
    sa.CheckConstraint("gender IN ('nam', 'nu', 'khac')", name=op.f('ck_users_gender_known')),
    sa.CheckConstraint("role <> 'unit_manager' OR managed_unit_id IS NOT NULL", name=op.f('ck_users_unit_manager_has_unit')),
    sa.CheckConstraint("role IN ('member', 'unit_manager', 'organiser', 'admin')", name=op.f('ck_users_role_known')),
    sa.CheckConstraint('length(full_name) > 0', name=op.f('ck_users_full_name_present')),
    sa.ForeignKeyConstraint(['managed_unit_id'], ['units.id'], name=op.f('fk_users_managed_unit_id_units'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_users_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('cccd', name=op.f('uq_users_cccd')),
    sa.UniqueConstraint('phone', name=op.f('uq_users_phone'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_managed_unit_id'), ['managed_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_unit_id'), ['unit_id'], unique=False)

    op.create_table('divisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False, comment='A, B, C ...'),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('categories', sa.String(length=200), nullable=False, comment='Đối tượng thuộc bảng, ngăn bởi dấu phẩy'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_divisions_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_divisions')),
    sa.UniqueConstraint('contest_id', 'code', name=op.f('uq_divisions_contest_id_code'))
    )
    op.create_table('draw_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=True, comment='Chỉ các câu có chủ đề này; NULL: mọi câu'),
    sa.Column('difficulty', sa.String(length=12), nullable=True, comment='Chỉ các câu mức độ này; NULL: mọi mức'),
    sa.Column('count', sa.Integer(), nullable=False, comment='Số câu rút'),
    sa.CheckConstraint("difficulty IS NULL OR difficulty IN ('de', 'trung_binh', 'kho')", name=op.f('ck_draw_rules_difficulty_known')),
    sa.CheckConstraint('count > 0', name=op.f('ck_draw_rules_count_positive')),
    sa.ForeignKeyConstraint(['bank_id'], ['question_banks.id'], name=op.f('fk_draw_rules_bank_id_question_banks'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_draw_rules_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draw_rules')),
    sa.UniqueConstraint('contest_id', 'position', name=op.f('uq_draw_rules_contest_id_position'))
    )
    with op.batch_alter_table('draw_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draw_rules_bank_id'), ['bank_id'], unique=False)

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False, comment='Nội dung câu hỏi (NFC, hiển thị như văn bản thuần)'),
    sa.Column('dedup_key', sa.String(length=64), nullable=False, comment='Băm của nội dung đã chuẩn hóa, để phát hiện trùng'),
    sa.Column('difficulty', sa.String(length=12), nullable=False, comment='de, trung_binh, kho'),
    sa.Column('tags', sa.Text(), nullable=False, comment="Chủ đề, ngăn bởi '; '"),
    sa.Column('source', sa.Text(), nullable=False, comment='Nguồn: văn bản và đoạn trích trả lời câu hỏi'),
    sa.Column('explanation', sa.Text(), nullable=False, comment='Giải thích đáp án'),
    sa.Column('retired_at', sa.DateTime(), nullable=True, comment='Ngừng dùng từ (UTC); NULL: đang dùng'),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("difficulty IN ('de', 'trung_binh', 'kho')", name=op.f('ck_questions_difficulty_known')),
    sa.CheckConstraint('length(text) > 0', name=op.f('ck_questions_text_present')),
    sa.ForeignKeyConstraint(['bank_id'], ['question_banks.id'], name=op.f('fk_questions_bank_id_question_banks'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('bank_id', 'dedup_key', name=op.f('uq_questions_bank_id_dedup_key'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_bank_id'), ['bank_id'], unique=False)

    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False, comment='Số thứ tự đợt trong cuộc thi'),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False, comment='Mở (UTC)'),
    sa.Column('closes_at', sa.DateTime(), nullable=False, comment='Đóng (UTC)'),
    sa.Column('frozen_at', sa.DateTime(), nullable=True, comment='Kết quả đã tính và chốt (UTC)'),
    sa.Column('published_at', sa.DateTime(), nullable=True, comment='Kết quả đã công bố (UTC)'),
    sa.Column('prediction_truth', sa.Integer(), nullable=True, comment='Giá trị đúng của câu hỏi dự đoán, tính khi đóng'),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_rounds_closes_after_opening')),
    sa.CheckConstraint('published_at IS NULL OR frozen_at IS NOT NULL', name=op.f('ck_rounds_published_only_when_frozen')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_rounds_contest_id_contests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
    sa.UniqueConstraint('contest_id', 'number', name=op.f('uq_rounds_contest_id_number'))
    )
    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('division_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False, comment='Lượt thứ mấy của thí sinh trong đợt'),
    sa.Column('seed', sa.BigInteger(), nullable=False, comment='Hạt giống bốc đề: tái tạo được đề'),
    sa.Column('started_at', sa.DateTime(), nullable=False, comment='Bắt đầu (UTC, giờ máy chủ)'),
    sa.Column('deadline_at', sa.DateTime(), nullable=False, comment='Hạn: sớm hơn của bắt đầu + thời gian và giờ đóng đợt'),
    sa.Column('finished_at', sa.DateTime(), nullable=True, comment='Nộp/kết thúc (UTC); NULL: đang làm'),
    sa.Column('score', sa.Integer(), nullable=True, comment='Số câu đúng, tính một lần khi kết thúc'),
    sa.Column('time_used_ms', sa.Integer(), nullable=True, comment='Thời gian làm bài (ms), tối đa bằng giới hạn'),
    sa.Column('prediction', sa.BigInteger(), nullable=True, comment='Số dự đoán của thí sinh'),
    sa.CheckConstraint('deadline_at > started_at', name=op.f('ck_attempts_deadline_after_start')),
    sa.CheckConstraint('finished_at IS NULL OR finished_at >= started_at', name=op.f('ck_attempts_finished_after_start')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_attempts_number_positive')),
    sa.CheckConstraint('score IS NULL OR score >= 0', name=op.f('ck_attempts_score_not_negative')),
    sa.CheckConstraint('time_used_ms IS NULL OR time_used_ms >= 0', name=op.f('ck_attempts_time_used_not_negative')),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_attempts_contest_id_contests'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['division_id'], ['divisions.id'], name=op.f('fk_attempts_division_id_divisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_attempts_round_id_rounds'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attempts_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts')),
    sa.UniqueConstraint('user_id', 'round_id', 'number', name=op.f('uq_attempts_user_id_round_id_number'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_round_id_user_id', ['round_id', 'user_id'], unique=False)
        batch_op.create_index('uq_attempts_one_open', ['user_id', 'contest_id'], unique=True, sqlite_where=sa.text('finished_at IS NULL'), postgresql_where=sa.text('finished_at IS NULL'))

    op.create_table('question_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False, comment='0 = A ... 5 = F'),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False, comment='Đáp án đúng (đúng một phương án mỗi câu)'),
    sa.CheckConstraint('length(text) > 0', name=op.f('ck_question_options_text_present')),
    sa.CheckConstraint('position BETWEEN 0 AND 5', name=op.f('ck_question_options_position_a_to_f')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_options_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_options')),
    sa.UniqueConstraint('question_id', 'position', name=op.f('uq_question_options_question_id_position'))
    )
    with op.batch_alter_table('question_options', schema=None) as batch_op:
        batch_op.create_index('uq_question_options_one_correct', ['question_id'], unique=True, sqlite_where=sa.text('is_correct'), postgresql_where=sa.text('is_correct'))

    op.create_table('attempt_questions',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False, comment='Thứ tự câu trong đề'),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_order', sa.String(length=20), nullable=False, comment='Thứ tự hiện các phương án: vị trí, ngăn bởi dấu phẩy'),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_questions_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_attempt_questions_question_id_questions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('attempt_id', 'position', name=op.f('pk_attempt_questions')),
    sa.UniqueConstraint('attempt_id', 'question_id', name=op.f('uq_attempt_questions_attempt_id_question_id'))
    )
    with op.batch_alter_table('attempt_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_questions_question_id'), ['question_id'], unique=False)

    op.create_table('answers',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False, comment='Lúc máy chủ nhận (UTC)'),
    sa.ForeignKeyConstraint(['attempt_id', 'question_id'], ['attempt_questions.attempt_id', 'attempt_questions.question_id'], name=op.f('fk_answers_attempt_id_attempt_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_id'], ['question_options.id'], name=op.f('fk_answers_option_id_question_options'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('attempt_id', 'question_id', name=op.f('pk_answers'))
    )
    


def downgrade():
    
    op.drop_table('answers')
    with op.batch_alter_table('attempt_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_questions_question_id'))

    op.drop_table('attempt_questions')
    with op.batch_alter_table('question_options', schema=None) as batch_op:
        batch_op.drop_index('uq_question_options_one_correct', sqlite_where=sa.text('is_correct'), postgresql_where=sa.text('is_correct'))

    op.drop_table('question_options')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('uq_attempts_one_open', sqlite_where=sa.text('finished_at IS NULL'), postgresql_where=sa.text('finished_at IS NULL'))
        batch_op.drop_index('ix_attempts_round_id_user_id')

    op.drop_table('attempts')
    op.drop_table('rounds')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_bank_id'))

    op.drop_table('questions')
    with op.batch_alter_table('draw_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draw_rules_bank_id'))

    op.drop_table('draw_rules')
    op.drop_table('divisions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_unit_id'))
        batch_op.drop_index(batch_op.f('ix_users_managed_unit_id'))

    op.drop_table('users')
    with op.batch_alter_table('question_banks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_banks_topic_id'))

    op.drop_table('question_banks')
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contests_topic_id'))

    op.drop_table('contests')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index('ix_units_parent_id_name')

    op.drop_table('units')
    op.drop_table('topics')
    
