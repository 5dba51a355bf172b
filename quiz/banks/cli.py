"""``quiz banks …``: import, export, list and check question banks."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from quiz.cli import unit_of_work
from quiz.errors import DomainError, InvalidFile


@click.group("banks")
def banks_group():
    """Ngân hàng câu hỏi: nhập, xuất, kiểm tra."""


@banks_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="Tên ngân hàng (tạo mới nếu chưa có)")
@click.option("--topic", help="Tên chuyên đề (khi tạo ngân hàng mới)")
@click.option("--year", type=int, help="Năm của chuyên đề")
@click.option("--issuer", default="", help="Cơ quan ban hành chuyên đề")
@click.option("--format", "fmt", type=click.Choice(["template", "aiken", "gift"]),
              help="Định dạng tệp (mặc định: đoán theo tên và nội dung)")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi")
@with_appcontext
@unit_of_work
def banks_import(file: Path, bank_name, topic, year, issuer, fmt, dry_run):
    """Nhập câu hỏi từ tệp mẫu .xlsx/.csv, Aiken hoặc GIFT. Tệp có lỗi không ghi gì."""
    from quiz.banks import services
    from quiz.db import utcnow
    from quiz.extensions import db

    bank = services.bank_by_name(bank_name)
    if bank is None:
        if topic and not year:
            raise DomainError("Cần --year khi ghi --topic.")
        bank = services.create_bank(bank_name, services.topic(year, topic, issuer) if topic else None)
    data = file.read_bytes()
    click.echo(f"Đang đọc và kiểm tra {file.name} …")
    report = services.preview(bank, file.name, data, fmt)
    for problem in report.skipped:
        click.echo(f"  bỏ qua: {problem}")
    for problem in report.warnings:
        click.echo(f"  lưu ý: {problem}")
    if dry_run:
        db.session.rollback()
        if report.errors:
            raise InvalidFile(report.errors)
        click.echo(f"Tệp hợp lệ (chạy thử, chưa ghi): {len(report.questions)} câu hỏi, "
                   f"{len(report.warnings)} lưu ý, {len(report.skipped)} câu bỏ qua.")
        return
    with click.progressbar(length=max(len(report.questions), 1), label="Ghi câu hỏi") as bar:
        summary = services.import_checked(bank, report, now=utcnow(),
                                          progress=lambda done, total: bar.update(done - bar.pos))
    click.echo(f"{summary.message()} Ngân hàng “{bank.name}”.")


@banks_group.command("export")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--retired", is_flag=True, help="Kèm cả câu đã ngừng dùng")
@with_appcontext
@unit_of_work
def banks_export(name, file: Path, retired):
    """Xuất ngân hàng NAME ra tệp .xlsx theo mẫu nhập (nhập lại được)."""
    from quiz.banks import services
    from quiz.banks.formats.template import write_xlsx

    bank = services.bank_by_name(name)
    if bank is None:
        raise DomainError(f"Không có ngân hàng “{name}”.")
    questions = services.questions_of(bank, include_retired=retired)
    file.write_bytes(write_xlsx(questions))
    click.echo(f"Đã xuất {len(questions)} câu hỏi ra {file}.")


@banks_group.command("list")
@with_appcontext
def banks_list():
    """Liệt kê các ngân hàng và số câu hỏi."""
    from quiz.banks import services

    for bank, active, retired in services.banks_with_counts():
        topic = f" — {bank.topic.year}: {bank.topic.issuer}" if bank.topic else ""
        click.echo(f"{bank.name}: {active} câu đang dùng, {retired} đã ngừng{topic}")


@banks_group.command("check")
@click.argument("name")
@with_appcontext
@unit_of_work
def banks_check(name):
    """Kiểm tra ngân hàng NAME: đáp án, phương án dài nhất, câu gần trùng, nguồn, độ dài."""
    from quiz.banks import services
    from quiz.banks.report import check_bank

    bank = services.bank_by_name(name)
    if bank is None:
        raise DomainError(f"Không có ngân hàng “{name}”.")
    for line in report_lines(check_bank(bank)):
        click.echo(line)


SHOWN = 20  # questions or pairs listed per finding on the terminal


def report_lines(report) -> list[str]:
    """The check report as the terminal shows it, in Vietnamese."""
    from quiz.banks.models import DIFFICULTIES
    from quiz.banks.report import ERROR, percent

    lines = [f"Kiểm tra ngân hàng “{report.bank_name}”: {report.total} câu đang dùng."]
    if report.total:
        lines.append("Đáp án đúng: " + " · ".join(f"{s.letter} {s.count} ({percent(s.share)})"
                                                   for s in report.answers))
        lines.append(f"Phương án dài nhất là đáp án đúng: {report.longest_correct} câu "
                     f"({percent(report.longest_correct_share)}).")
        lines.append("Mức độ: " + " · ".join(f"{DIFFICULTIES[code]} {count}"
                                              for code, count in report.difficulty.items()))
    findings = report.findings
    if not findings:
        lines.append("Không có gì cần sửa.")
    else:
        lines.append(f"{len(report.errors)} lỗi, {len(report.warnings)} lưu ý:")
    for finding in findings:
        lines.append(f"[{'Lỗi' if finding.severity == ERROR else 'Lưu ý'}] {finding.message}")
        items = [f"{p.first} ↔ {p.second} (giống {percent(p.similarity)})" for p in finding.pairs]
        items += [str(ref) for ref in finding.questions]
        lines += [f"  - {item}" for item in items[:SHOWN]]
        if len(items) > SHOWN:
            lines.append(f"  … và {len(items) - SHOWN} mục khác.")
    return lines
