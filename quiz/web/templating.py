"""Jinja helpers: Vietnamese dates in the configured time zone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask

from quiz.db import utcnow


def local(value: datetime, tz: ZoneInfo) -> datetime:
    """A stored naive-UTC timestamp in the display time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz)


def span(seconds: int) -> str:
    days, rest = divmod(max(0, int(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} ngày {hours} giờ"
    if hours:
        return f"{hours} giờ {minutes:02d} phút"
    return f"{minutes:02d}:{secs:02d}"


def register(app: Flask) -> None:
    tz = ZoneInfo(app.config["TIMEZONE"])

    @app.template_filter("ngay")
    def date_vn(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = local(value, tz)
        return value.strftime("%d/%m/%Y")

    @app.template_filter("ngay_gio")
    def datetime_vn(value: datetime | None) -> str:
        return "" if value is None else local(value, tz).strftime("%H:%M %d/%m/%Y")

    @app.template_filter("so")
    def number_vn(value: int | None) -> str:
        return "" if value is None else f"{value:,}".replace(",", ".")

    @app.template_filter("khoang")
    def span_vn(seconds: int) -> str:
        """``93784`` → ``1 ngày 2 giờ``; ``7500`` → ``2 giờ 05 phút``; ``75`` → ``01:15``
        (the same words ``static/js/countdown.js`` ticks with)."""
        return span(seconds)

    @app.template_global()
    def seconds_until(moment: datetime) -> int:
        return max(0, int((moment - utcnow()).total_seconds()))

    @app.context_processor
    def site():
        return {"site_name": app.config["SITE_NAME"]}
