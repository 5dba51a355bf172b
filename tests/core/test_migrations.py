"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL,
and ``quiz init`` may be run any number of times."""
from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from quiz import MIGRATIONS, create_app
from quiz.extensions import db as _db

# Alembic's comparison does not look at check constraints, nor at the WHERE clause of a
# partial index, nor (reliably) at a column's collation: those are checked one by one below.
COMPARE_OPTIONS = {"compare_type": True, "compare_server_default": True}


def _default_text(default) -> str | None:
    if default is None:
        return None
    arg = default.arg
    return arg.text if hasattr(arg, "text") else str(arg)


def _spurious(change: tuple, dialect: str) -> bool:
    """A difference Alembic reports where there is none.

    Only one kind so far: on SQLite, Alembic unquotes a reflected default with the pattern
    ``'(.+)'``, which needs one character at least, so a column created with ``DEFAULT ''``
    (the model's ``server_default=""``) is reported as ``modify_default`` from ``('')`` to ``""``.
    """
    if dialect == "sqlite" and change[0] == "modify_default":
        reflected, model = _default_text(change[5]), _default_text(change[6])
        return reflected in ("''", "('')") and model == ""
    return False


def schema_differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
        differences = compare_metadata(context, _db.metadata)
    kept = []
    for difference in differences:  # column changes come grouped in a list per column
        if isinstance(difference, list):
            difference = [c for c in difference if not _spurious(c, engine.dialect.name)]
            if difference:
                kept.append(difference)
        else:
            kept.append(difference)
    return kept


def head() -> str:
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"the migrations must have a single head, not {heads}"
    return heads[0]


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@pytest.fixture
def fresh_url(database, tmp_path):
    """An empty database on the same backend as ``database``, not yet migrated."""
    if database.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = sa.make_url(database)
    admin = sa.create_engine(url.difference_update_query(["options"]), isolation_level="AUTOCOMMIT")
    schema = f"quiz_fresh_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def fresh_app(fresh_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": fresh_url, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "test"})
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


# -- the migrated schema is the models' schema -----------------------------------------------------

def test_migrated_schema_matches_the_models(db):
    assert schema_differences(db.engine) == []
    assert current_revision(db.engine) == head()


def test_every_table_is_created_by_the_migrations(db):
    assert table_names(db.engine) == set(_db.metadata.tables) | {"alembic_version"}


def test_check_constraints_match_the_models(db):
    inspector = sa.inspect(db.engine)
    checked = 0
    for table in _db.metadata.sorted_tables:
        expected = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert found == expected, table.name
        checked += len(expected)
    assert checked >= 30


def test_partial_indexes_keep_their_condition(db):
    inspector = sa.inspect(db.engine)
    dialect = db.engine.dialect.name
    expected = {("attempts", "uq_attempts_one_open"): (["user_id", "contest_id"], "finished_at IS NULL", True),
                ("question_options", "uq_question_options_one_correct"): (["question_id"], "is_correct", True),
                ("unit_results", "uq_unit_results_contest_id_unit_id_whole"): (["contest_id", "unit_id"],
                                                                              "round_id IS NULL", True),
                ("results", "ix_results_round_id_prized"): (["round_id"], "prize IS NOT NULL", False),
                ("jobs", "uq_jobs_key_unfinished"): (["key"], "'running'", True)}
    for (table, name), (columns, condition, unique) in expected.items():
        index = next(i for i in inspector.get_indexes(table) if i["name"] == name)
        assert bool(index["unique"]) == unique and index["column_names"] == columns
        where = index["dialect_options"].get(f"{dialect}_where")
        assert where is not None, f"{name} lost its WHERE clause"
        assert condition in str(where), (name, str(where))


def test_unit_path_is_compared_bytewise_on_postgresql(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("collations are a PostgreSQL matter (SQLite compares bytes already)")
    path = next(c for c in sa.inspect(db.engine).get_columns("units") if c["name"] == "path")
    assert path["type"].collation == "C"


def test_the_comparison_sees_a_difference(fresh_app):
    """The check above is not blind: a schema missing one index is reported."""
    with fresh_app.app_context():
        from flask_migrate import upgrade

        upgrade()
        with _db.engine.begin() as conn:
            conn.execute(sa.text("DROP INDEX ix_users_unit_id"))
        differences = schema_differences(_db.engine)
    assert [(d[0], d[1].name) for d in differences] == [("add_index", "ix_users_unit_id")]


# -- upgrade, downgrade, init ----------------------------------------------------------------------

def test_upgrade_downgrade_upgrade(fresh_app):
    from flask_migrate import downgrade, upgrade

    with fresh_app.app_context():
        engine = _db.engine
        assert table_names(engine) == set()
        upgrade()
        assert current_revision(engine) == head()
        assert schema_differences(engine) == []
        downgrade(revision="base")
        assert table_names(engine) <= {"alembic_version"}
        assert current_revision(engine) is None
        upgrade()
        assert schema_differences(engine) == []


def test_quiz_init_twice_is_idempotent_and_keeps_data(fresh_app):
    from quiz.units.models import Unit

    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "Cơ sở dữ liệu đã ở lược đồ mới nhất." in first.output
    with fresh_app.app_context():
        _db.session.add(Unit(code="TU", name="Tỉnh ủy", path="/1/", depth=0))
        _db.session.commit()
        before = table_names(_db.engine)

    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    assert "Cơ sở dữ liệu đã ở lược đồ mới nhất." in second.output
    with fresh_app.app_context():
        assert table_names(_db.engine) == before
        assert current_revision(_db.engine) == head()
        assert schema_differences(_db.engine) == []
        assert _db.session.scalars(sa.select(Unit.code)).all() == ["TU"]


def test_migrating_leaves_the_app_logger_enabled(fresh_app):
    """Alembic's logging set-up must not silence loggers that already exist (the app's own
    error log, when migrations run in the same process)."""
    from flask_migrate import upgrade

    assert not fresh_app.logger.disabled
    with fresh_app.app_context():
        upgrade()
    assert not fresh_app.logger.disabled
