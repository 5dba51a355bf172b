"""``quiz contests …``: set up a contest from a TOML file, so it can be scripted and tested."""
from __future__ import annotations

import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from quiz.cli import unit_of_work
from quiz.errors import DomainError


@click.group("contests")
def contests_group():
    """Cuộc thi: thiết lập từ tệp TOML."""


@contests_group.command("create")
@click.option("--from", "source", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tệp TOML mô tả cuộc thi")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi")
@with_appcontext
@unit_of_work
def contests_create(source: Path, dry_run: bool):
    """Tạo cuộc thi từ tệp TOML (đợt thi, bảng, rút đề, luật tính lượt, xếp hạng)."""
    from quiz.contests import setup

    try:
        spec = tomllib.loads(source.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DomainError(f"Tệp TOML không đọc được: {error}") from None
    result = setup.create_or_raise(spec, tz=ZoneInfo(current_app.config["TIMEZONE"]), dry_run=dry_run)
    for problem in result.warnings:
        click.echo(f"  lưu ý: {problem}")
    if dry_run:
        click.echo("Thiết lập hợp lệ (chạy thử, chưa ghi).")
    else:
        contest = result.contest
        click.echo(f"Đã tạo cuộc thi “{contest.title}” ({contest.slug}): {len(contest.rounds)} đợt, "
                   f"{sum(rule.count for rule in contest.draw_rules)} câu mỗi lượt.")


@contests_group.command("roster")
@click.argument("slug")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi")
@with_appcontext
@unit_of_work
def contests_roster(slug: str, source: Path, dry_run: bool):
    """Nhập danh sách dự thi (.xlsx/.csv: họ và tên, số điện thoại hoặc CCCD, mã đơn vị); thay danh sách cũ."""
    from quiz.contests import roster
    from quiz.contests.services import contest_by_slug

    result = roster.import_file(contest_by_slug(slug), source.name, source.read_bytes(), dry_run=dry_run)
    for problem in result.warnings:
        click.echo(f"  lưu ý: {problem}")
    click.echo(result.summary() + (" (chạy thử, chưa ghi)" if dry_run else ""))
