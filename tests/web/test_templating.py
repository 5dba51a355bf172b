"""Template filters: Vietnamese dates (dd/mm/yyyy) in Asia/Ho_Chi_Minh, Vietnamese numbers."""
from datetime import date, datetime, timezone, timedelta

import pytest
from flask import render_template_string


def render(app, source: str, **values) -> str:
    with app.test_request_context():
        return render_template_string(source, **values)


@pytest.mark.parametrize("value, expected", [
    (date(2026, 1, 2), "02/01/2026"),
    (date(1995, 3, 4), "04/03/1995"),
    (datetime(2026, 1, 1, 16, 59), "01/01/2026"),   # 23:59 in Hà Nội
    (datetime(2026, 1, 1, 17, 0), "02/01/2026"),    # midnight in Hà Nội: the next day
    (None, ""),
])
def test_ngay(app, value, expected):
    assert render(app, "{{ v | ngay }}", v=value) == expected


@pytest.mark.parametrize("value, expected", [
    (datetime(2026, 1, 1, 20, 0), "03:00 02/01/2026"),                        # naive UTC, as stored
    (datetime(2026, 1, 1, 20, 0, tzinfo=timezone.utc), "03:00 02/01/2026"),
    (datetime(2026, 1, 2, 3, 0, tzinfo=timezone(timedelta(hours=7))), "03:00 02/01/2026"),
    (datetime(2025, 12, 31, 17, 5), "00:05 01/01/2026"),
    (datetime(2026, 6, 30, 9, 30), "16:30 30/06/2026"),                       # no summer time
    (None, ""),
])
def test_ngay_gio_shows_utc_in_ho_chi_minh_time(app, value, expected):
    assert render(app, "{{ v | ngay_gio }}", v=value) == expected


@pytest.mark.parametrize("value, expected", [
    (0, "0"), (999, "999"), (1234, "1.234"), (1_060_438, "1.060.438"), (-2500, "-2.500"), (None, "")])
def test_so_groups_thousands_with_dots(app, value, expected):
    assert render(app, "{{ v | so }}", v=value) == expected


@pytest.fixture
def utc_config(config):
    config["TIMEZONE"] = "UTC"
    return config


def test_the_time_zone_is_a_setting(utc_config, app):
    assert render(app, "{{ v | ngay_gio }}", v=datetime(2026, 1, 1, 20, 0)) == "20:00 01/01/2026"


def test_site_name_is_in_every_page(app, client):
    assert render(app, "{{ site_name }}") == app.config["SITE_NAME"]
    assert f"<title>{app.config['SITE_NAME']}</title>" in client.get("/").get_data(as_text=True)
