"""Jinja helpers: Vietnamese dates in the configured time zone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask


def local(value: datetime, tz: ZoneInfo) -> datetime:
    """A stored naive-UTC timestamp in the display time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz)


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

    @app.context_processor
    def site():
        return {"site_name": app.config["SITE_NAME"]}
