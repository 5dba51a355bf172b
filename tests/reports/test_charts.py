"""Server-drawn SVG charts: well-formed, accessible, escaped, no inline style."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from markupsafe import Markup

from quiz.reports.charts import daily_bars, number, percent, unit_bars

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_numbers_and_rates_in_vietnamese():
    assert number(1234567) == "1.234.567"
    assert percent(0.4567) == "45,7 %"
    assert percent(1) == "100,0 %"
    assert percent(None) == "—"


def test_a_bar_per_day_with_its_date_and_count():
    days = [(date(2026, 12, 1) + timedelta(days=i), count) for i, count in enumerate([5, 0, 1200])]
    chart = daily_bars(days, "Số lượt thi theo ngày")
    assert isinstance(chart, Markup)
    svg = parse(chart)
    assert svg.get("role") == "img" and svg.get("aria-label") == "Số lượt thi theo ngày"
    assert svg.find(f"{SVG}title").text == "Số lượt thi theo ngày"
    assert "1.200 lượt thi ngày 03/12/2026" in svg.find(f"{SVG}desc").text
    bars = svg.findall(f"{SVG}rect")
    assert [bar.find(f"{SVG}title").text for bar in bars] == [
        "01/12/2026: 5 lượt thi", "02/12/2026: 0 lượt thi", "03/12/2026: 1.200 lượt thi"]
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == 0 and 0 < heights[0] < heights[2]
    assert "style=" not in chart and "<script" not in chart


def test_many_days_keep_their_labels_apart():
    days = [(date(2026, 1, 1) + timedelta(days=i), i) for i in range(120)]
    svg = parse(daily_bars(days, "Theo ngày"))
    labels = [t for t in svg.findall(f"{SVG}text") if t.text and "/" in t.text]
    assert 5 <= len(labels) <= 15
    assert len(svg.findall(f"{SVG}rect")) == 120


def test_no_days_says_so():
    svg = parse(daily_bars([], "Theo ngày"))
    assert svg.findall(f"{SVG}rect") == [] and "Chưa có lượt thi nào." in svg.find(f"{SVG}text").text


def test_child_units_as_horizontal_bars_with_their_rates():
    chart = unit_bars([("Đảng ủy xã Một", 30, 0.75), ("Đảng ủy xã Hai", 10, None)], "Đơn vị trực thuộc")
    svg = parse(chart)
    assert svg.get("role") == "img" and svg.get("aria-label") == "Đơn vị trực thuộc"
    groups = svg.findall(f"{SVG}g")
    assert [g.find(f"{SVG}title").text for g in groups] == [
        "Đảng ủy xã Một: 30 người · 75,0 %", "Đảng ủy xã Hai: 10 người · —"]
    widths = [float(g.find(f"{SVG}rect").get("width")) for g in groups]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)
    assert "style=" not in chart


def test_labels_and_titles_are_escaped():
    hostile = '<script>alert("x")</script>'
    chart = unit_bars([(hostile, 3, 0.5), ("A & B", 1, 0.1)], f"Biểu đồ {hostile}")
    assert "<script>" not in chart
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in chart
    svg = parse(chart)                     # still well-formed: the text came through as text
    assert svg.get("aria-label") == f"Biểu đồ {hostile}"
    assert svg.findall(f"{SVG}g")[0].find(f"{SVG}text").text == hostile
    assert svg.findall(f"{SVG}g")[1].find(f"{SVG}text").text == "A & B"
    assert "<script>" not in daily_bars([(date(2026, 12, 1), 1)], hostile, noun=hostile)


def test_long_unit_names_are_shortened_beside_the_bar_but_whole_in_its_title():
    name = "Đảng bộ Khối các cơ quan và doanh nghiệp tỉnh " * 3
    group = parse(unit_bars([(name, 1, None)], "Đơn vị")).find(f"{SVG}g")
    assert group.find(f"{SVG}text").text.endswith("…") and len(group.find(f"{SVG}text").text) <= 60
    assert group.find(f"{SVG}title").text.startswith(name)
