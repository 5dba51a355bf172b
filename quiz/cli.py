"""The ``quiz`` command: Flask's CLI with the platform's commands. Each wraps one service
and commits once; domain errors are printed in Vietnamese with a non-zero exit."""
from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from quiz.errors import DomainError, InvalidFile


def main() -> None:
    from quiz import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True,
                     help="Nền tảng thi trắc nghiệm trực tuyến (quiz).")
    cli.main(prog_name="quiz")


def unit_of_work(command):
    """Run a command in one transaction: commit at the end, roll back and exit 1 on an error."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        from quiz.extensions import db

        try:
            result = command(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            click.secho(f"Lỗi: {error.message}", fg="red", err=True)
            for problem in getattr(error, "problems", []) if isinstance(error, InvalidFile) else []:
                click.echo(f"  - {problem}", err=True)
            sys.exit(1)
        db.session.commit()
        return result

    return wrapped


@click.command("init")
@with_appcontext
def init_command():
    """Đưa cơ sở dữ liệu lên lược đồ mới nhất (chạy migrations)."""
    from flask_migrate import upgrade

    from quiz.db import unlimited_statements
    from quiz.extensions import db

    unlimited_statements(db.engine)  # a migration may rebuild an index over millions of rows
    upgrade()
    click.echo("Cơ sở dữ liệu đã ở lược đồ mới nhất.")


@click.command("demo")
@with_appcontext
@unit_of_work
def demo_command():
    """Nạp dữ liệu mẫu (tỉnh, đơn vị, tài khoản) và in thông tin đăng nhập."""
    from quiz import demo
    from quiz.db import utcnow

    logins = demo.load(utcnow())
    click.echo("Dữ liệu mẫu đã sẵn sàng. Tài khoản đăng nhập (số điện thoại / mật khẩu):")
    for login in logins[:4]:
        click.echo(f"  {login.role:<36} {login.phone} / {login.password}   ({login.name})")
    click.echo(f"  … và {len(logins) - 4} thí sinh khác: 0900000101 … 09000001{len(logins) - 4:02d}, "
               f"mật khẩu {logins[-1].password}")
    click.echo("Cuộc thi mẫu đang mở: /cuoc-thi (6 ngân hàng câu hỏi đã nạp).")
    click.echo("“Tuần thi thử” đã đóng, có bài của các thí sinh mẫu: Ban tổ chức tính, công bố và xuất kết quả "
               "ở /quan-tri/cuoc-thi; quản lý đơn vị xem /bao-cao-don-vi.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Sao lưu CSDL SQLite vào tệp FILE khi trang vẫn chạy (bản sao nhất quán, SQLite online backup).
    PostgreSQL: dùng pg_dump (xem README)."""
    from quiz.db import backup_sqlite
    from quiz.extensions import db

    if db.engine.dialect.name != "sqlite":
        raise click.ClickException("CSDL là PostgreSQL: sao lưu bằng pg_dump -Fc (xem mục sao lưu trong README).")
    if file.exists():
        raise click.ClickException(f"Tệp {file} đã có: chọn tên khác (không ghi đè bản sao lưu cũ).")
    pages = backup_sqlite(db.engine, file)
    click.echo(f"Đã sao lưu {pages} trang ({file.stat().st_size:,} byte) vào {file}; bản sao đã được kiểm tra "
               "(integrity_check: ok).".replace(",", "."))


@click.group("units")
def units_group():
    """Đơn vị: nhập cây đơn vị."""


@units_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra tệp, không ghi.")
@with_appcontext
@unit_of_work
def units_import(file: Path, dry_run: bool):
    """Nhập cây đơn vị từ tệp .xlsx hoặc .csv (mã, tên, mã cấp trên, loại, số người)."""
    from quiz.extensions import db
    from quiz.units import importer

    result = importer.import_file(file.name, file.read_bytes())
    for problem in result.warnings:
        click.echo(f"  lưu ý: {problem}")
    if dry_run:
        db.session.rollback()
        click.echo("Tệp hợp lệ (chạy thử, chưa ghi). " + result.summary())
    else:
        click.echo(result.summary())


@click.group("users")
def users_group():
    """Tài khoản: tạo tài khoản, đặt vai trò, đặt lại mật khẩu, dọn phiên đăng nhập cũ."""


@users_group.command("create")
@click.option("--name", required=True, help="Họ và tên")
@click.option("--phone", required=True, help="Số điện thoại")
@click.option("--cccd", required=True, help="Số CCCD")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị sinh hoạt")
@click.option("--role", type=click.Choice(["member", "unit_manager", "organiser", "admin"]), default="member")
@click.option("--manages", "managed_code", help="Mã đơn vị được quản lý (với unit_manager)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
@unit_of_work
def users_create(name, phone, cccd, unit_code, role, managed_code, password):
    """Tạo một tài khoản (ví dụ quản trị viên đầu tiên khi chạy thật)."""
    from quiz.accounts import services
    from quiz.db import utcnow
    from quiz.units.services import by_code

    unit = _unit(by_code, unit_code)
    user = services.register(services.Registration(
        full_name=name, birth_date=None, gender="khac", phone=phone, cccd=cccd, email=None, unit=unit,
        category="nhan_dan", password=password), now=utcnow())
    services.set_role(user, role, _unit(by_code, managed_code) if managed_code else None)
    click.echo(f"Đã tạo tài khoản {user.full_name} ({user.phone}), vai trò {user.role_label}.")


@users_group.command("set-role")
@click.argument("phone")
@click.argument("role", type=click.Choice(["member", "unit_manager", "organiser", "admin"]))
@click.option("--manages", "managed_code", help="Mã đơn vị được quản lý (với unit_manager)")
@with_appcontext
@unit_of_work
def users_set_role(phone, role, managed_code):
    """Đặt vai trò cho tài khoản có số điện thoại PHONE (ghi vào nhật ký)."""
    from quiz.accounts import management
    from quiz.db import utcnow
    from quiz.units.services import by_code

    user = _user_by_phone(phone)
    management.change_role(None, user, role, _unit(by_code, managed_code) if managed_code else None, now=utcnow())
    click.echo(f"{user.full_name}: {user.role_label}.")


@users_group.command("reset-password")
@click.argument("phone")
@with_appcontext
def users_reset_password(phone):
    """Đặt lại mật khẩu của tài khoản có số điện thoại PHONE: in mật khẩu tạm thời một lần;
    người dùng phải đổi mật khẩu khi đăng nhập. Các phiên đăng nhập cũ bị đăng xuất."""
    from quiz.accounts import management
    from quiz.db import utcnow

    @unit_of_work
    def reset():
        user = _user_by_phone(phone)
        return user.full_name, user.phone, management.reset_password(None, user, now=utcnow())

    name, number, password = reset()  # printed once it is committed, so it is the one that works
    click.echo(f"Đã đặt lại mật khẩu của {name} ({number}).")
    click.echo(f"Mật khẩu tạm thời (chỉ hiện một lần): {password}")
    click.echo("Khi đăng nhập bằng mật khẩu này, người dùng phải đặt mật khẩu mới.")


@users_group.command("prune-sessions")
@with_appcontext
@unit_of_work
def users_prune_sessions():
    """Xoá các phiên đăng nhập đã kết thúc hoặc hết hạn (chạy từ cron mỗi ngày)."""
    from quiz.accounts import sessions
    from quiz.db import utcnow

    click.echo(f"Đã xoá {sessions.prune(now=utcnow())} phiên đăng nhập đã kết thúc hoặc hết hạn.")


def _user_by_phone(phone):
    from quiz.accounts import services
    from quiz.accounts.identity import normalise_phone

    user = services.find_by_identity(phone=normalise_phone(phone))
    if user is None:
        raise DomainError("Không tìm thấy tài khoản có số điện thoại này.")
    return user


def _unit(by_code, code):
    unit = by_code(code)
    if unit is None:
        raise DomainError(f"Không có đơn vị mã “{code}”.")
    return unit


def register_commands(app: Flask) -> None:
    from quiz.attempts.cli import attempts_group
    from quiz.banks.cli import banks_group
    from quiz.contests.cli import contests_group
    from quiz.jobs.cli import worker_command
    from quiz.rankings.cli import results_group
    from quiz.reports.cli import export_command

    for command in (init_command, demo_command, backup_command, units_group, users_group, banks_group, contests_group,
                    attempts_group, results_group, export_command, worker_command):
        app.cli.add_command(command)
