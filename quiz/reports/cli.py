"""``quiz export``: a unit's results and summary to .xlsx or .csv, as the download pages give them."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from quiz.cli import unit_of_work
from quiz.db import utcnow
from quiz.errors import DomainError


@click.command("export")
@click.option("--contest", "slug", required=True, help="Mã cuộc thi (slug)")
@click.option("--unit", "code", required=True, help="Mã đơn vị: xuất đơn vị này và mọi đơn vị cấp dưới")
@click.option("--round", "number", type=int, help="Số thứ tự đợt thi; bỏ trống: cả cuộc thi")
@click.option("--summary", is_flag=True, help="Với .csv: xuất bảng tổng hợp theo đơn vị thay cho kết quả cá nhân")
@click.argument("target", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
@unit_of_work
def export_command(slug: str, code: str, number: int | None, summary: bool, target: Path):
    """Xuất kết quả cá nhân và tổng hợp theo đơn vị (.xlsx: cả hai trang; .csv: một bảng)."""
    from quiz.contests.services import contest_by_slug, round_by_number
    from quiz.reports import exports
    from quiz.units.services import by_code

    contest = contest_by_slug(slug)
    unit = by_code(code)
    if unit is None:
        raise DomainError(f"Không có đơn vị mã “{code}”.")
    round_ = round_by_number(contest, number) if number is not None else None
    suffix = target.suffix.lower()
    if suffix == ".xlsx":
        exports.xlsx(str(target), contest, unit, round_, utcnow())
    elif suffix == ".csv":
        with target.open("wb") as out:
            for chunk in exports.csv(contest, unit, round_, utcnow(), kind="tong-hop" if summary else "ket-qua"):
                out.write(chunk)
    else:
        raise DomainError("Tệp xuất cần đuôi .xlsx hoặc .csv.")
    click.echo(f"Đã xuất {target} ({target.stat().st_size:,} byte).".replace(",", "."))
