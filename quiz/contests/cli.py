"""``quiz contests …``: set up a contest from a TOML file, so it can be scripted and tested."""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from quiz.cli import unit_of_work
from quiz.errors import DomainError, InvalidFile


@click.group("contests")
def contests_group():
    """Cuộc thi: thiết lập từ tệp TOML, xuất cấu hình, danh sách dự thi."""


@contests_group.command("create")
@click.option("--from", "source", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tệp TOML mô tả cuộc thi (các mục như docs/contest.example.toml)")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi")
@with_appcontext
@unit_of_work
def contests_create(source: Path, dry_run: bool):
    """Tạo cuộc thi từ tệp TOML (đợt thi, bảng, rút đề, luật tính lượt, xếp hạng, giải)."""
    from quiz.contests import setup, spec
    from quiz.db import utcnow

    try:
        raw = setup.read_toml(source.read_bytes())
    except spec.Invalid as problem:
        raise DomainError(problem.message) from None
    result = setup.create_contest(raw, tz=ZoneInfo(current_app.config["TIMEZONE"]), now=utcnow(), actor_id=None,
                                  dry_run=dry_run)
    if result.errors:
        raise InvalidFile(result.errors, f"Thiết lập cuộc thi có {len(result.errors)} lỗi; chưa ghi gì.")
    for problem in result.warnings:
        click.echo(f"  lưu ý: {problem}")
    if dry_run:
        click.echo("Thiết lập hợp lệ (chạy thử, chưa ghi).")
    else:
        contest = result.contest
        click.echo(f"Đã tạo cuộc thi “{contest.title}” ({contest.slug}): {len(contest.rounds)} đợt, "
                   f"{sum(rule.count for rule in contest.draw_rules)} câu mỗi lượt.")


@contests_group.command("export")
@click.argument("slug")
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), help="Ghi ra tệp (mặc định: in ra)")
@with_appcontext
def contests_export(slug: str, target: Path | None):
    """Xuất cấu hình một cuộc thi ra TOML (nhập lại được bằng create --from)."""
    from quiz.contests import setup
    from quiz.contests.services import contest_by_slug

    try:
        text = setup.to_toml(contest_by_slug(slug))
    except DomainError as error:
        click.secho(f"Lỗi: {error.message}", fg="red", err=True)
        raise SystemExit(1) from None
    if target:
        target.write_text(text, encoding="utf-8")
        click.echo(f"Đã ghi {target}.")
    else:
        click.echo(text, nl=False)


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
