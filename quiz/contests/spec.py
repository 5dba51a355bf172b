"""A contest's settings, declared once.

Every setting is a ``Field`` in ``SETTINGS``: its key in a TOML file, its label in
Vietnamese, its *kind* (how a value is read from a TOML file or from the form, checked,
shown back and written out), its default, its Contest column, and when it stops being
editable (``lock``). Rounds, divisions, the draw and the prize tiers are ``Table``s of such
fields. The form (``form_data``/``posted``/``raw_of``), the TOML import and export
(``check``/``to_toml``), the CLI (``quiz contests create --from``), the audit log's
"what changed" (``flat``) and ``docs/contest.example.toml`` all read this one table.

``check`` reads a specification (the dict a TOML file parses to, or the one ``raw_of``
makes from the form) against the declaration, then against the rules between fields
(``RULES``), and returns the values with every problem placed at its field: ``Issue.field``
is the form's input, ``str(issue)`` names the place in Vietnamese and the TOML key for a
file. Times are local (the configured time zone) and naive here; ``setup`` stores UTC.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field as dataclass_field
from datetime import datetime, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select

from quiz.accounts.models import CATEGORIES
from quiz.banks.models import DIFFICULTIES
from quiz.contests import schedule
from quiz.contests.models import DEFAULT_TIE_BREAK, Contest, DrawRule
from quiz.extensions import db
from quiz.rankings.collective import FORMULAS, TIES
from quiz.rankings.criteria import COUNTING, CRITERIA
from quiz.rankings.rules import ONE_PRIZE as ONE_PRIZE_RULES
from quiz.text import ascii_int, clean, fold

#: Locks: a field with one of these stops being editable when the reason applies.
ATTEMPTS = "attempts"   # once the contest has an attempt: the draw and what scores a running round
RESULTS = "results"     # once a round's results are frozen: prizes and how they are given
OPENED = "opened"       # (rounds) once attempts exist and the round has opened: its times

MAX_ROWS = 100


class Invalid(Exception):
    """A value that cannot be read: ``message`` for everyone, ``detail`` only for a file."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


# Kinds: how one value is read, checked, shown and written ------------------------------------

class Kind:
    widget = "text"

    def parse(self, raw, tz: ZoneInfo):
        """A value from a TOML file (native types) or from the form (strings) → the value."""
        return raw

    def dump(self, value):
        """The value as TOML writes it."""
        return value

    def show(self, raw):
        """Anything a file may hold → what the form's input shows (never fails)."""
        return "" if raw is None else str(raw)

    def post(self, form, name: str):
        """What the browser sent for the input ``name``."""
        return form.get(name, "")

    def read(self, shown):
        """What the form's input holds → the raw value ``parse`` reads."""
        return shown

    def text(self, value) -> str:
        """The value in words (settings pages, the audit log)."""
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Text(Kind):
    max_length: int = 200
    required: bool = False
    multiline: bool = False

    @property
    def widget(self):
        return "textarea" if self.multiline else "text"

    def parse(self, raw, tz):
        if raw is None:
            raw = ""
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise Invalid("Cần một đoạn chữ.")
        raw = str(raw).replace("\x00", "")  # PostgreSQL stores no NUL character
        if self.multiline:
            value = "\n".join(line.rstrip() for line in unicodedata.normalize("NFC", raw)
                              .replace("\r\n", "\n").split("\n")).strip()
        else:
            value = clean(raw)
        if self.required and not value:
            raise Invalid("Vui lòng nhập mục này.")
        if len(value) > self.max_length:
            raise Invalid(f"Dài tối đa {self.max_length:,} ký tự.".replace(",", "."))
        return value


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Slug(Text):
    max_length: int = 100

    def parse(self, raw, tz):
        value = super().parse(raw, tz)
        if value and not _SLUG.fullmatch(value):
            raise Invalid("Chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ tim-hieu-2026.")
        return value


def slug_of(title: str) -> str:
    """``Hội thi tìm hiểu 2026`` → ``hoi-thi-tim-hieu-2026``."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(title)))[:80].strip("-")


def _number_text(value: float) -> str:
    """``1.5`` → ``1,5``; ``20.0`` → ``20``; what is not a plausible number (inf, nan, huge) as it is."""
    if not abs(value) < 10**15:
        return str(value)
    return (f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))).replace(".", ",")


@dataclass(frozen=True)
class Integer(Kind):
    minimum: int = 0
    maximum: int = 1_000_000
    scale: int = 1         # the form shows value / scale (seconds as minutes)
    unit: str = ""         # the form's unit ("phút", "giây")
    optional: bool = False
    widget = "number"

    def parse(self, raw, tz):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.optional:
                return None
            raise Invalid("Vui lòng nhập một số.")
        if isinstance(raw, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", raw):
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int) or not self.minimum <= raw <= self.maximum:
            low, high = _number_text(self.minimum / self.scale), _number_text(self.maximum / self.scale)
            if self.scale > 1:
                raise Invalid(f"Cần một số {self.unit} lớn hơn 0, tối đa {high}." if self.minimum
                              else f"Cần một số {self.unit} từ 0 đến {high}.")
            raise Invalid(f"Cần một số nguyên từ {low} đến {high}.")
        return raw

    def show(self, raw):
        if isinstance(raw, int) and not isinstance(raw, bool):  # a huge one (from a file) is shown as it is
            return _number_text(raw / self.scale) if self.scale > 1 and abs(raw) < 10**15 else str(raw)
        return "" if raw is None else str(raw)

    def read(self, shown):
        shown = str(shown or "").strip()
        if not shown:
            return None
        if self.scale > 1:
            try:
                return round(float(shown.replace(",", ".")) * self.scale)
            except (ValueError, OverflowError):
                return shown
        return shown

    def text(self, value):
        if value is None:
            return ""
        return f"{self.show(value)} {self.unit}".strip()


@dataclass(frozen=True)
class Flag(Kind):
    on: str = "có"
    widget = "checkbox"

    def parse(self, raw, tz):
        if not isinstance(raw, bool):
            raise Invalid("Cần có hoặc không.", "Viết true hoặc false.")
        return raw

    def show(self, raw):
        return raw is True

    def post(self, form, name):
        return name in form

    def text(self, value):
        return self.on if value else "không"


@dataclass(frozen=True)
class Choice(Kind):
    options: dict[str, str] = dataclass_field(default_factory=dict)
    optional: bool = False
    none_label: str = "không có"
    radio: bool = False

    @property
    def widget(self):
        return "radio" if self.radio else "select"

    def parse(self, raw, tz):
        if raw is None or raw == "":
            if self.optional:
                return None
            raise Invalid("Vui lòng chọn một mục trong danh sách.")
        if not isinstance(raw, str) or raw not in self.options:
            raise Invalid(f"“{raw}” không phải lựa chọn có sẵn; hãy chọn trong danh sách.",
                          f"Dùng một trong: {', '.join(self.options)}.")
        return raw

    def read(self, shown):
        return shown or None

    def text(self, value):
        return self.options.get(value, value) if value else self.none_label


YEARS = (2000, 2200)  # a contest's times (and nothing past what time zones can convert)
_MOMENT_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %Hh%M", "%d/%m/%Y")


@dataclass(frozen=True)
class Moment(Kind):
    """A local date and time, naive (in the contest's time zone)."""

    widget = "moment"

    def parse(self, raw, tz):
        value = raw
        if isinstance(raw, str):
            text = " ".join(raw.split())
            value = None
            for fmt in _MOMENT_FORMATS:
                try:
                    value = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if value is None:
                try:
                    value = datetime.fromisoformat(text)
                except ValueError:
                    value = None
        if not isinstance(value, datetime):
            if raw is None or raw == "":
                raise Invalid("Vui lòng nhập ngày giờ (dd/mm/yyyy HH:MM).")
            raise Invalid("Cần ngày giờ dạng dd/mm/yyyy HH:MM, ví dụ 01/12/2026 07:00.",
                          "Trong tệp cũng viết được YYYY-MM-DD HH:MM.")
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise Invalid(f"Năm cần từ {YEARS[0]} đến {YEARS[1]}.")
        if value.tzinfo is not None:
            value = value.astimezone(tz).replace(tzinfo=None)
        return value

    def dump(self, value):
        return f"{value:%Y-%m-%d %H:%M}" + (f":{value:%S}" if value.second else "")

    def show(self, raw, tz: ZoneInfo | None = None):
        try:
            value = self.parse(raw, tz or ZoneInfo("UTC")) if isinstance(raw, (str, datetime)) else raw
        except Invalid:
            value = raw
        if isinstance(value, datetime):
            return f"{value:%d/%m/%Y %H:%M}" + (f":{value:%S}" if value.second else "")
        return "" if raw is None else str(raw)

    def text(self, value):
        return f"{value:%d/%m/%Y %H:%M}" if isinstance(value, datetime) else ""


def days_text(digits: str) -> str:
    """ISO weekday digits as the file writes them: ``12345`` → ``T2-T6``, ``136`` → ``T2, T4, T7``."""
    days, runs = sorted(int(d) for d in digits), []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names = schedule.DAY_NAMES
    return ", ".join(f"{names[r[0] - 1]}-{names[r[-1] - 1]}" if len(r) > 2 else
                     ", ".join(names[d - 1] for d in r) for r in runs)


@dataclass(frozen=True)
class Days(Kind):
    """Days of the week of a daily window: ISO weekday digits, ``None`` when not limited."""

    widget = "days"

    def parse(self, raw, tz):
        if raw is None or raw == "" or raw == []:
            return None
        if not isinstance(raw, (str, list)) or (days := schedule.parse_days(raw)) is None:
            raise Invalid("Cần các thứ như T2-T6 hoặc T2, T4, CN (thứ đầu trước thứ sau).")
        return days

    def dump(self, value):
        return days_text(value)

    def show(self, raw):
        try:
            digits = self.parse(raw, None) or ""
        except Invalid:
            digits = ""
        return [schedule.DAY_NAMES[int(d) - 1] for d in digits]

    def post(self, form, name):
        return form.getlist(name)

    def text(self, value):
        return days_text(value) if value else "mọi ngày"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Hours(Kind):
    """The hours of a daily window: (opens, closes) in minutes after local midnight."""

    def parse(self, raw, tz):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if not isinstance(raw, str) or (hours := schedule.parse_hours(raw)) is None:
            raise Invalid("Cần khung giờ như 07:30-17:30 (giờ mở trước giờ đóng).")
        return hours

    def dump(self, value):
        return f"{_hhmm(value[0])}-{_hhmm(value[1])}"

    def show(self, raw):
        if isinstance(raw, tuple):
            return self.dump(raw)
        return "" if raw is None else str(raw)

    def text(self, value):
        return self.dump(value) if value else "cả ngày"


@dataclass(frozen=True)
class Order(Kind):
    """An ordered choice of some options (the tie-break criteria): a list in a file, a
    position per option in the form."""

    options: dict[str, str] = dataclass_field(default_factory=dict)
    widget = "order"

    def parse(self, raw, tz):
        if isinstance(raw, dict):  # the form: {criterion: "1", other: "", ...}
            positions = {}
            for key, position in raw.items():
                position = str(position or "").strip()
                if key in self.options and position:
                    if ascii_int(position, 3) is None:
                        raise Invalid("Thứ tự cần là một số.")
                    positions.setdefault(ascii_int(position, 3), []).append(key)
            for position, keys in sorted(positions.items()):
                if len(keys) > 1:
                    raise Invalid(f"Hai tiêu chí cùng đứng thứ {position} ({' và '.join(self.options[k] for k in keys)}): "
                                  "mỗi thứ tự chỉ dùng cho một tiêu chí.")
            raw = [keys[0] for _, keys in sorted(positions.items())]
        if not isinstance(raw, list) or not raw:
            raise Invalid("Chọn ít nhất một tiêu chí xếp hạng.", f"Dùng danh sách lấy từ: {', '.join(self.options)}.")
        unknown = [str(k) for k in raw if not isinstance(k, str) or k not in self.options]
        if unknown:
            raise Invalid(f"Không có tiêu chí: {', '.join(unknown)}.", f"Dùng các tiêu chí: {', '.join(self.options)}.")
        if len(set(raw)) != len(raw):
            raise Invalid("Mỗi tiêu chí chỉ dùng một lần.")
        return list(raw)

    def show(self, raw):
        if isinstance(raw, dict):
            return {key: str(raw.get(key) or "") for key in self.options}
        chosen = list(raw) if isinstance(raw, list) else []
        return {key: str(chosen.index(key) + 1) if key in chosen else "" for key in self.options}

    def post(self, form, name):
        return {key: form.get(f"{name}-{key}", "") for key in self.options}

    def text(self, value):
        return " → ".join(self.options.get(k, k) for k in value or [])


@dataclass(frozen=True)
class Many(Kind):
    """Some of the options (a division's đối tượng)."""

    options: dict[str, str] = dataclass_field(default_factory=dict)
    widget = "many"

    def parse(self, raw, tz):
        if raw is None or raw == "":
            return []
        if not isinstance(raw, list):
            raise Invalid("Cần một danh sách.", f"Ví dụ [\"{next(iter(self.options))}\"].")
        unknown = [str(k) for k in raw if not isinstance(k, str) or k not in self.options]
        if unknown:
            raise Invalid(f"Không có đối tượng: {', '.join(unknown)}.", f"Dùng các mã: {', '.join(self.options)}.")
        return [key for key in self.options if key in raw]

    def show(self, raw):
        return [str(k) for k in raw] if isinstance(raw, list) else []

    def post(self, form, name):
        return form.getlist(name)

    def text(self, value):
        return ", ".join(self.options.get(k, k) for k in value) or "—"


@dataclass(frozen=True)
class Codes(Kind):
    """Unit codes (chosen in the form from the unit tree's search)."""

    widget = "units"

    def parse(self, raw, tz):
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            raise Invalid("Cần danh sách mã đơn vị.", "Ví dụ [\"TU.H01\"].")
        codes = []
        for code in (clean(c.replace("\x00", "")) for c in raw):
            if code and code not in codes:
                codes.append(code)
        return codes

    def show(self, raw):
        return [clean(c) for c in raw if isinstance(c, str)] if isinstance(raw, list) else []

    def post(self, form, name):
        return form.getlist(name)

    def text(self, value):
        return ", ".join(value) or "—"


@dataclass(frozen=True)
class Points(Kind):
    """Points per individual prize (the weighted collective formula): {"Nhất": 5, …}."""

    widget = "points"

    def parse(self, raw, tz):
        if raw is None or raw == "":
            return {}
        if not isinstance(raw, dict):
            raise Invalid("Cần điểm cho từng giải.", "Ví dụ { \"Nhất\" = 5, \"Nhì\" = 3 }.")
        points = {}
        for name, value in raw.items():
            if isinstance(value, str):
                text = value.strip().replace(",", ".")
                if not text:
                    continue
                try:
                    value = float(text)
                except ValueError:
                    raise Invalid(f"Điểm của giải {name} cần là một số.") from None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10_000:
                raise Invalid(f"Điểm của giải {name} cần là một số từ 0 đến 10.000.",
                              "Ví dụ { \"Nhất\" = 5, \"Nhì\" = 3 }.")
            points[clean(str(name).replace("\x00", ""))] = int(value) if float(value).is_integer() else float(value)
        return points

    def show(self, raw):
        if not isinstance(raw, dict):
            return {}
        return {str(k): _number_text(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
                for k, v in raw.items()}

    def post(self, form, name):
        prefix = f"{name}:"
        return {key[len(prefix):]: form.get(key, "") for key in form if key.startswith(prefix)}

    def text(self, value):
        return "; ".join(f"{k}: {_number_text(v)}" for k, v in (value or {}).items()) or "—"


# The declaration -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    key: str                  # in a TOML file ("collective.metric": key metric of the table [collective])
    label: str                # in Vietnamese: the form's label and the place an error names
    kind: Kind
    default: object = None
    hint: str = ""            # under the form's input
    lock: str | None = None   # ATTEMPTS, RESULTS, OPENED or None (always editable)
    column: str | None = None  # the Contest column (the key with "_" for "."), "" for none
    store: Callable | None = None  # value → column value
    load: Callable | None = None   # column value → value

    @property
    def name(self) -> str:
        """The form's input name."""
        return self.key.replace(".", "_")

    @property
    def column_name(self) -> str:
        return self.name if self.column is None else self.column


@dataclass(frozen=True)
class Table:
    key: str
    label: str                # one row: "Đợt thi"
    fields: tuple[Field, ...]
    lock: str | None = None
    min_rows: int = 0
    hint: str = ""
    section: str = ""         # the whole table: "Rút đề"

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)


COUNTING_LABELS = {key: counting.label for key, counting in COUNTING.items()}
CRITERIA_LABELS = {key: criterion.label for key, criterion in CRITERIA.items()}
PREDICTION_LABELS = {"all_correct": "số người trả lời đúng tất cả các câu", "participants": "tổng số người dự thi",
                     "attempts": "tổng số lượt thi trong đợt"}
ANSWERS_LABELS = {"after_close": "sau khi đợt thi đóng", "never": "không bao giờ"}
ELIGIBILITY_LABELS = {"everyone": "mọi người đã đăng ký", "units": "thành viên các đơn vị được chọn",
                      "roster": "danh sách dự thi được nhập"}
ONE_PRIZE_LABELS = {"none": "Không giới hạn: một người có thể đoạt giải ở nhiều đợt.", **ONE_PRIZE_RULES}
FORMULA_LABELS = {key: formula.label for key, formula in FORMULAS.items()}
TIES_LABELS = {key: text[0].upper() + text[1:] for key, text in TIES.items()}

SETTINGS: tuple[Field, ...] = (
    Field("title", "Tên cuộc thi", Text(300, required=True)),
    Field("slug", "Tên ngắn trong địa chỉ trang", Slug(), "",
          "Chữ thường không dấu, số và dấu gạch ngang, ví dụ tim-hieu-2026. Để trống: tạo từ tên cuộc thi.",
          lock=ATTEMPTS),
    Field("rules", "Thể lệ", Text(50_000, multiline=True), "",
          "Thí sinh đọc thể lệ trước khi thi; xuống dòng được giữ nguyên.", column="rules_text"),
    Field("time_limit_s", "Thời gian làm bài", Integer(1, 86_400, scale=60, unit="phút"), 1200, lock=ATTEMPTS),
    Field("grace_s", "Nhận bài trễ sau hạn", Integer(0, 3600, unit="giây"), 15,
          "Bù trễ mạng: bài nộp trong số giây này được tính là nộp đúng lúc hết giờ.", lock=ATTEMPTS),
    Field("max_attempts", "Số lượt tối đa mỗi đợt", Integer(0, 1000, unit="lượt"), 1, "0: không giới hạn.",
          lock=ATTEMPTS, store=lambda v: v or None, load=lambda v: v or 0),
    Field("min_delay_s", "Cách nhau tối thiểu giữa hai lượt", Integer(0, 30 * 86_400, scale=60, unit="phút"), 0,
          "0: không yêu cầu.", lock=ATTEMPTS),
    Field("counting", "Lượt được tính", Choice(COUNTING_LABELS), "best",
          "Khi một người thi nhiều lượt trong một đợt.", lock=ATTEMPTS),
    Field("tie_break", "Thứ tự xếp hạng", Order(CRITERIA_LABELS), DEFAULT_TIE_BREAK.split(","),
          "Đánh số 1, 2, 3… cho các tiêu chí dùng để xếp hạng, theo thứ tự; để trống tiêu chí không dùng.",
          lock=ATTEMPTS, store=",".join, load=lambda v: v.split(",")),
    Field("shared_rank", "Đồng hạng", Flag("có"), False,
          "Bằng nhau ở mọi tiêu chí thì cùng hạng, cùng giải; hạng sau bỏ qua số người đồng hạng.", lock=RESULTS),
    Field("prediction.metric", "Câu hỏi dự đoán", Choice(PREDICTION_LABELS, optional=True,
                                                         none_label="không có câu hỏi dự đoán"), None,
          "Thí sinh đoán một con số; giá trị đúng tính khi đợt đóng.", lock=ATTEMPTS),
    Field("prediction.prompt", "Lời câu hỏi dự đoán", Text(1000), "", lock=ATTEMPTS),
    Field("eligibility", "Ai được dự thi", Choice(ELIGIBILITY_LABELS, radio=True), "everyone", lock=ATTEMPTS),
    Field("units", "Đơn vị được dự thi", Codes(), [],
          "Thành viên các đơn vị này và mọi đơn vị cấp dưới.", lock=ATTEMPTS, column=""),
    Field("one_prize", "Mỗi người một giải", Choice(ONE_PRIZE_LABELS, radio=True), "none", lock=RESULTS),
    Field("collective.metric", "Giải tập thể xếp đơn vị theo", Choice(FORMULA_LABELS, optional=True,
                                                                     none_label="không có giải tập thể"), None,
          lock=RESULTS),
    Field("collective.level", "Cấp đơn vị", Integer(0, 50), 1, "0: các đơn vị gốc; 1: cấp ngay dưới (huyện ủy, "
          "đảng ủy trực thuộc…).", lock=RESULTS),
    Field("collective.count", "Số giải tập thể", Integer(0, 10_000), 0, lock=RESULTS),
    Field("collective.ties", "Đơn vị bằng điểm", Choice(TIES_LABELS), "share", lock=RESULTS),
    Field("collective.points", "Điểm cộng mỗi giải cá nhân", Points(), {},
          "Với công thức tỷ lệ cộng điểm: điểm cho mỗi giải cá nhân của đơn vị.", lock=RESULTS),
    Field("show_answers", "Hiện đáp án cho thí sinh", Choice(ANSWERS_LABELS), "after_close", lock=RESULTS),
    Field("certificates_for_all", "Giấy chứng nhận cho mọi người dự thi", Flag("mọi người dự thi"), False,
          "Không chọn: chỉ người đoạt giải.", lock=RESULTS),
    Field("certificate_place", "Địa danh trên giấy chứng nhận", Text(100), "",
          "Dòng “…, ngày … tháng … năm …”, ví dụ Bắc Ninh."),
    Field("certificate_signer_title", "Chức danh người ký", Text(200), "",
          "Ví dụ TM. BAN TỔ CHỨC / TRƯỞNG BAN."),
    Field("certificate_signer_name", "Họ tên người ký", Text(200), ""),
)

ROUND = Table("round", "Đợt thi", (
    Field("name", "Tên đợt", Text(200), "", "Để trống: “Đợt 1”, “Đợt 2”…"),
    Field("opens", "Mở lúc", Moment(), None, lock=OPENED),
    Field("closes", "Đóng lúc", Moment(), None, lock=OPENED),
    Field("days", "Khung giờ: các thứ", Days(), None, lock=OPENED),
    Field("hours", "Khung giờ: giờ", Hours(), None, "Ví dụ 07:30-17:30; trống: cả ngày.", lock=OPENED),
), min_rows=1, section="Đợt thi", hint="Giờ địa phương, dạng dd/mm/yyyy HH:MM. Khung giờ hằng ngày không bắt buộc: chọn các thứ "
                    "và/hoặc giờ; lượt thi bắt đầu trong khung kết thúc khi khung đóng.")
DIVISION = Table("division", "Bảng", (
    Field("code", "Mã bảng", Text(20), "", "A, B, C…; để trống: tự đặt."),
    Field("name", "Tên bảng", Text(200, required=True)),
    Field("categories", "Đối tượng", Many(dict(CATEGORIES)), []),
), lock=ATTEMPTS, section="Bảng", hint="Mỗi bảng xếp hạng riêng những người thuộc các đối tượng của bảng. Không chia bảng: để trống.")
DRAW = Table("draw", "Dòng rút đề", (
    Field("bank", "Ngân hàng", Text(200, required=True)),
    Field("tag", "Chủ đề", Text(100), "", "Trống: mọi chủ đề."),
    Field("difficulty", "Mức độ", Choice(dict(DIFFICULTIES), optional=True, none_label="mọi mức"), None),
    Field("count", "Số câu", Integer(1, 1000, unit="câu")),
), lock=ATTEMPTS, min_rows=1, section="Rút đề", hint="Mỗi lượt thi rút đủ số câu của từng dòng, không câu nào hai lần; các lượt sau "
                                    "của một người tránh câu đã gặp khi ngân hàng còn câu.")
PRIZE = Table("prize", "Giải", (
    Field("name", "Tên giải", Text(50, required=True), "", "Nhất, Nhì, Ba, Khuyến khích…"),
    Field("count", "Số giải", Integer(1, 100_000)),
    Field("division", "Bảng", Text(20), None, "Trống: mọi bảng."),
    Field("round", "Đợt", Integer(1, MAX_ROWS, optional=True), None, "Trống: mọi đợt."),
), lock=RESULTS, section="Giải cá nhân", hint="Trao theo thứ tự hạng: các giải ở dòng trên trước, mỗi đợt và mỗi bảng.")
TABLES: tuple[Table, ...] = (ROUND, DIVISION, DRAW, PRIZE)

_BY_KEY = {f.key: f for f in SETTINGS}
_TABLES = {t.key: t for t in TABLES}
_SUBTABLES = {"prediction": "Câu hỏi dự đoán", "collective": "Giải tập thể"}
PLACES = {"first_opens": "Đợt 1 của bản sao mở lúc"}  # inputs of other forms (copying a contest)
LEGACY = {"one_prize_per_person"}


def setting(key: str) -> Field:
    return _BY_KEY[key]


def table(key: str) -> Table:
    return _TABLES[key]


def defaults() -> dict:
    """A new contest's specification: every default, one empty round and draw row."""
    raw: dict = {}
    for f in SETTINGS:
        if f.default not in (None, "", [], {}):
            _put(raw, f.key, f.default)
    raw["round"], raw["draw"] = [{}], [{}]
    return raw


# Problems, placed ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Issue:
    """A problem at ``path``: ``(key,)``, ``(table,)``, ``(table, row)`` or ``(table, row, key)``
    (rows from 0)."""

    path: tuple
    message: str
    detail: str = ""

    @property
    def field(self) -> str:
        """The form input (or section) it belongs beside."""
        if not self.path:
            return ""
        if self.path[0] in _TABLES:
            return "-".join(str(p) for p in self.path)
        return self.path[0].replace(".", "_")

    @property
    def place(self) -> str:
        """Where, in Vietnamese: ``Đợt thi 2 › Đóng lúc``."""
        if not self.path:
            return "Cuộc thi"
        head = self.path[0]
        if head in _TABLES:
            t = _TABLES[head]
            if len(self.path) == 1:
                return t.section
            where = f"{t.label} {self.path[1] + 1}"
            if len(self.path) > 2:
                where += f" › {t.field(self.path[2]).label}"
            return where
        if head in _BY_KEY:
            return _BY_KEY[head].label
        return _SUBTABLES.get(head) or PLACES.get(head, head)

    @property
    def key(self) -> str:
        """Where, in the TOML file: ``[[round]] 2 › closes``."""
        if not self.path:
            return ""
        if self.path[0] in _TABLES:
            parts = [f"[[{self.path[0]}]]"] + ([str(self.path[1] + 1)] if len(self.path) > 1 else [])
            return " ".join(parts) + (f" › {self.path[2]}" if len(self.path) > 2 else "")
        return self.path[0]

    def shown(self) -> str:
        """For a page: the place in Vietnamese and the message (no file key)."""
        return f"{self.place}: {self.message}"

    def __str__(self) -> str:
        where = f"{self.place} ({self.key})" if self.key else self.place
        return f"{where}: {self.message}" + (f" {self.detail}" if self.detail else "")


# Reading a specification ---------------------------------------------------------------------

def _get(raw: dict, key: str, default=None):
    if "." in key:
        outer, inner = key.split(".", 1)
        table_ = raw.get(outer)
        return table_.get(inner, default) if isinstance(table_, dict) else default
    return raw.get(key, default)


def _has(raw: dict, key: str) -> bool:
    if "." in key:
        outer, inner = key.split(".", 1)
        return isinstance(raw.get(outer), dict) and inner in raw[outer]
    return key in raw


def _put(raw: dict, key: str, value) -> None:
    if "." in key:
        outer, inner = key.split(".", 1)
        raw.setdefault(outer, {})[inner] = value
    else:
        raw[key] = value


def _rows(raw: dict, t: Table) -> list[dict]:
    value = raw.get(t.key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def normalise(raw: dict) -> dict:
    """The older spellings a file may use, as today's: ``one_prize_per_person = true`` is
    ``one_prize = "first_win"``; ``units`` alone means ``eligibility = "units"``."""
    raw = dict(raw)
    if raw.get("one_prize_per_person") is True and "one_prize" not in raw:
        raw["one_prize"] = "first_win"
    if "eligibility" not in raw and raw.get("units"):
        raw["eligibility"] = "units"
    return raw


@dataclass
class Checked:
    """The values of a specification (defaults where it was silent or wrong), its errors and
    warnings, and what the draw rows match."""

    values: dict
    errors: list[Issue] = dataclass_field(default_factory=list)
    warnings: list[Issue] = dataclass_field(default_factory=list)
    matches: list[int | None] = dataclass_field(default_factory=list)  # questions each draw row matches
    fresh: list[int | None] = dataclass_field(default_factory=list)    # ... not taken by the rows above
    banks: dict = dataclass_field(default_factory=dict)                # bank name → QuestionBank
    units: list = dataclass_field(default_factory=list)                # the eligible Units

    def error(self, path: tuple, message: str, detail: str = "") -> None:
        self.errors.append(Issue(path, message, detail))

    def warn(self, path: tuple, message: str) -> None:
        self.warnings.append(Issue(path, message))

    def by_field(self, which: str = "errors") -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for issue in getattr(self, which):
            found.setdefault(issue.field, []).append(issue.message)
        return found


def _shape(raw: dict, checked: Checked) -> bool:
    """Lists of tables where lists of tables belong (``round = "x"`` is valid TOML)."""
    ok = True
    for t in TABLES:
        value = raw.get(t.key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, dict) for v in value)):
            checked.error((t.key,), f"Cần các mục {t.label.lower()}, mỗi mục là một bảng [[{t.key}]] trong tệp.")
            ok = False
        elif isinstance(value, list) and len(value) > MAX_ROWS:
            checked.error((t.key,), f"Tối đa {MAX_ROWS} dòng.")
            ok = False
    for key, label in _SUBTABLES.items():
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            checked.error((f"{key}.metric",), f"Cần một bảng [{key}] ({label.lower()}).")
            ok = False
    return ok


def _unknown_keys(raw: dict) -> list[str]:
    known = {f.key.split(".")[0] for f in SETTINGS} | set(_TABLES) | LEGACY
    unknown = [k for k in raw if k not in known]
    for key in _SUBTABLES:
        if isinstance(raw.get(key), dict):
            inner = {f.key.split(".", 1)[1] for f in SETTINGS if f.key.startswith(key + ".")}
            unknown += [f"{key}.{k}" for k in raw[key] if k not in inner]
    for t in TABLES:
        inner = {f.key for f in t.fields}
        for entry in _rows(raw, t):
            unknown += [f"[[{t.key}]] {k}" for k in entry if k not in inner]
    return list(dict.fromkeys(unknown))


def check(raw: dict, *, tz: ZoneInfo, contest_id: int | None = None) -> Checked:
    """Read ``raw`` whole against the declaration and the rules; nothing is written."""
    checked = Checked(values={})
    if not isinstance(raw, dict) or not _shape(raw, checked):
        return checked
    raw = normalise(raw)
    legacy = raw.get("one_prize_per_person")
    if legacy is not None and not isinstance(legacy, bool):
        checked.error(("one_prize",), "Cách ghi cũ one_prize_per_person cần true hoặc false (hoặc dùng one_prize).")
    for f in SETTINGS:
        value = _get(raw, f.key, f.default)
        try:
            checked.values[f.key] = f.kind.parse(value, tz)
        except Invalid as problem:
            checked.error((f.key,), problem.message, problem.detail)
            checked.values[f.key] = f.kind.parse(f.default, tz) if f.default is not None else None
    for t in TABLES:
        rows = []
        for i, entry in enumerate(_rows(raw, t)):
            row = {}
            for f in t.fields:
                try:
                    row[f.key] = f.kind.parse(entry.get(f.key, f.default), tz)
                except Invalid as problem:
                    checked.error((t.key, i, f.key), problem.message, problem.detail)
                    row[f.key] = None
            rows.append(row)
        checked.values[t.key] = rows
    context = _Context(raw, tz, contest_id)
    for rule in RULES:
        rule(checked, context)
    unknown = _unknown_keys(raw)
    if unknown:
        checked.warn((), f"Tệp có mục không dùng đến (có thể gõ sai tên): {', '.join(unknown)}.")
    return checked


@dataclass
class _Context:
    raw: dict
    tz: ZoneInfo
    contest_id: int | None


# The rules between fields (each adds to ``checked``) ----------------------------------------

def _slug_rule(checked: Checked, ctx: _Context) -> None:
    values = checked.values

    def taken(slug: str) -> bool:
        query = select(Contest.id).where(Contest.slug == slug)
        if ctx.contest_id is not None:
            query = query.where(Contest.id != ctx.contest_id)
        return db.session.scalar(query) is not None

    if any(i.path == ("slug",) for i in checked.errors):
        return
    if values["slug"]:
        if taken(values["slug"]):
            checked.error(("slug",), f"Đã có cuộc thi dùng tên ngắn “{values['slug']}”; hãy chọn tên khác.")
        return
    base = slug_of(values.get("title") or "") or "cuoc-thi"
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    values["slug"] = slug


def _round_rule(checked: Checked, ctx: _Context) -> None:
    rows = checked.values["round"]
    if not rows:
        checked.error(("round",), "Cần ít nhất một đợt thi.")
    for i, row in enumerate(rows):
        row["name"] = row["name"] or f"Đợt {i + 1}"
        if row["opens"] and row["closes"] and row["closes"] <= row["opens"]:
            checked.error(("round", i, "closes"), "Giờ đóng phải sau giờ mở.")


def _division_rule(checked: Checked, ctx: _Context) -> None:
    seen: set[str] = set()
    for i, row in enumerate(checked.values["division"]):
        if row["code"] == "":
            checked.error(("division", i, "code"), "Vui lòng nhập mã bảng (A, B…).")
        elif row["code"] in seen:
            checked.error(("division", i, "code"), f"Mã bảng “{row['code']}” đã dùng cho bảng khác.")
        seen.add(row["code"] or "")


def _eligibility_rule(checked: Checked, ctx: _Context) -> None:
    from quiz.units.models import Unit

    values = checked.values
    codes, eligibility = values["units"], values["eligibility"]
    for code in codes:
        unit = db.session.scalars(select(Unit).where(Unit.code == code)).first()
        if unit is None:
            checked.error(("units",), f"Không có đơn vị mã “{code}”.")
        else:
            checked.units.append(unit)
    if eligibility == "units" and not codes:
        checked.error(("units",), "Cần chọn ít nhất một đơn vị (chỉ thành viên các đơn vị được chọn được dự thi).")
    elif eligibility in ("everyone", "roster") and codes:
        checked.error(("units",), "Chỉ chọn đơn vị khi “Ai được dự thi” là “thành viên các đơn vị được chọn”.",
                      "Dùng cùng eligibility = \"units\".")
    if eligibility == "roster":
        checked.warn(("eligibility",), "Chỉ những người trong danh sách dự thi được thi: nhớ nhập danh sách "
                                       "(trang cuộc thi hoặc quiz contests roster) trước khi mở.")


def _draw_rule(checked: Checked, ctx: _Context) -> None:
    from quiz.banks import services as banks
    from quiz.contests import draw

    values = checked.values
    rows = values["draw"]
    if not rows:
        checked.error(("draw",), "Cần ít nhất một dòng rút đề.")
    usable = []
    for i, row in enumerate(rows):
        bank = banks.bank_by_name(row["bank"]) if row["bank"] else None
        if row["bank"] and bank is None:
            checked.error(("draw", i, "bank"), f"Không có ngân hàng “{row['bank']}”.")
        if bank is not None:
            checked.banks[row["bank"]] = bank
            usable.append((i, DrawRule(position=i + 1, bank_id=bank.id, tag=row["tag"] or None,
                                       difficulty=row["difficulty"], count=row["count"] or 0)))
    checked.matches = [None] * len(rows)
    checked.fresh = [None] * len(rows)
    if not usable:
        return
    pools, _ = draw.pools([rule for _, rule in usable])
    rounds = max(1, len(values["round"]))
    per_round = values["max_attempts"] or 1
    attempts = per_round * rounds
    used: set[int] = set()
    for (i, rule), pool in zip(usable, pools):
        questions = set(pool.question_ids)
        free = len(questions - used)
        used |= questions
        checked.matches[i], checked.fresh[i] = len(questions), free
        if not rule.count:
            continue
        if free < rule.count:
            checked.error(("draw", i, "count"), f"Cần {rule.count} câu nhưng ngân hàng chỉ có {free} câu phù hợp"
                          + (" (chưa dùng ở các dòng trên)." if free < len(questions) else "."))
        elif free < rule.count * attempts:
            checked.warn(("draw", i), f"{attempts} lượt thi ({per_round} lượt × {rounds} đợt) × {rule.count} câu = "
                                      f"{rule.count * attempts} câu, nhưng chỉ có {free} câu: các lượt sau sẽ gặp "
                                      "lại câu đã làm.")


def _prize_rule(checked: Checked, ctx: _Context) -> None:
    values = checked.values
    codes = {row["code"] for row in values["division"]}
    for i, row in enumerate(values["prize"]):
        row["division"] = row["division"] or None
        if row["division"] is not None and row["division"] not in codes:
            checked.error(("prize", i, "division"), f"Không có bảng “{row['division']}”.")
        if row["round"] is not None and row["round"] > len(values["round"]):
            checked.error(("prize", i, "round"), f"Không có đợt thi số {row['round']} "
                                                 f"(cuộc thi có {len(values['round'])} đợt).")


def _table_given(raw: dict, key: str) -> bool:
    """A [prediction] or [collective] table written in a file without its metric."""
    value = raw.get(key)
    return isinstance(value, dict) and bool(value) and "metric" not in value


def _collective_rule(checked: Checked, ctx: _Context) -> None:
    values = checked.values
    if _table_given(ctx.raw, "collective"):
        checked.error(("collective.metric",), "Chọn cách xếp hạng đơn vị cho giải tập thể.",
                      f"Dùng một trong: {', '.join(FORMULAS)}.")
    names = {row["name"] for row in values["prize"]}
    unknown = set(values["collective.points"]) - names
    if unknown:
        checked.error(("collective.points",), f"Có điểm cho giải mà danh sách không có giải cá nhân: "
                                              f"{', '.join(sorted(unknown))}.")
    if values["collective.metric"] is None:
        values.update({"collective.level": 1, "collective.count": 0, "collective.points": {},
                       "collective.ties": "share"})


def _prediction_rule(checked: Checked, ctx: _Context) -> None:
    values = checked.values
    if _table_given(ctx.raw, "prediction"):
        checked.error(("prediction.metric",), "Chọn điều thí sinh dự đoán.",
                      f"Dùng một trong: {', '.join(PREDICTION_LABELS)}.")
    if values["prediction.metric"] is None:
        values["prediction.prompt"] = ""
    elif not values["prediction.prompt"]:
        checked.warn(("prediction.prompt",), "Chưa có lời câu hỏi dự đoán: thí sinh sẽ chỉ thấy ô nhập số.")


RULES: tuple[Callable[[Checked, _Context], None], ...] = (
    _slug_rule, _round_rule, _division_rule, _eligibility_rule, _draw_rule, _prize_rule, _collective_rule,
    _prediction_rule,
)


# Writing a specification out ------------------------------------------------------------------

def dump(values: dict) -> dict:
    """Checked values as the TOML-shaped dict a file holds (the inverse of ``check``)."""
    raw: dict = {}
    for f in SETTINGS:
        value = values.get(f.key)
        if f.key.startswith(("prediction.", "collective.")) and values.get(f.key.split(".")[0] + ".metric") is None:
            continue
        if value is None or (f.key == "units" and not value):
            continue
        _put(raw, f.key, f.kind.dump(value))
    for t in TABLES:
        raw[t.key] = [{f.key: f.kind.dump(row[f.key]) for f in t.fields if row.get(f.key) not in (None, "", [])}
                      for row in values.get(t.key, [])]
    return raw


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if "\n" in value:
            return '"""\n' + value.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '\n"""'
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def to_toml(raw: dict, title: str = "") -> str:
    """A TOML file of the specification ``raw`` (as ``dump`` makes it), with a comment per key."""
    lines = [f"# Cấu hình cuộc thi{f' “{title}”' if title else ''}: nhập lại ở trang Tạo cuộc thi (“Nhập từ tệp”)",
             "# hoặc bằng quiz contests create --from TỆP. Giờ là giờ địa phương. Xem docs/contest.example.toml.", ""]
    for f in SETTINGS:
        if "." not in f.key and f.key in raw:
            lines.append(f"{f.key} = {_toml(raw[f.key])}  # {f.label}")
    for key, label in _SUBTABLES.items():
        if isinstance(raw.get(key), dict):
            lines += ["", f"[{key}]  # {label}"]
            lines += [f"{inner} = {_toml(value)}" for inner, value in raw[key].items()]
    for t in TABLES:
        for entry in raw.get(t.key, []):
            lines += ["", f"[[{t.key}]]  # {t.label}"]
            lines += [f"{inner} = {_toml(value)}" for inner, value in entry.items()]
    return "\n".join(lines) + "\n"


def flat(values: dict) -> dict[str, str]:
    """Every value in words under its Vietnamese place (the audit log's before and after)."""
    out = {}
    for f in SETTINGS:
        out[f.label] = f.kind.text(values.get(f.key))
    for t in TABLES:
        rows = values.get(t.key, [])
        out[f"{t.label}: số dòng"] = str(len(rows))
        for i, row in enumerate(rows):
            for f in t.fields:
                out[f"{t.label} {i + 1} › {f.label}"] = f.kind.text(row.get(f.key))
    return out


# The form ------------------------------------------------------------------------------------

ROW = re.compile(r"(round|division|draw|prize)-(\d{1,3})-(\w+)")


def form_data(raw: dict, tz: ZoneInfo) -> dict:
    """What the form's inputs show for the specification ``raw`` (from a file, the defaults or
    a contest): never fails, a value it cannot read is shown as it is."""
    raw = normalise(raw if isinstance(raw, dict) else {})
    data: dict = {}
    for f in SETTINGS:
        data[f.name] = f.kind.show(_get(raw, f.key, f.default))

    def shown(f: Field, value):
        return f.kind.show(value, tz) if isinstance(f.kind, Moment) else f.kind.show(value)

    for t in TABLES:
        data[t.key] = [{f.key: shown(f, entry.get(f.key, f.default)) for f in t.fields} | {"base": str(i + 1)}
                       for i, entry in enumerate(_rows(raw, t)[:MAX_ROWS])]
    data["unit_search"] = ""
    return data


class _Sent:
    """The browser's form without NUL characters (PostgreSQL stores none, and a search with
    one would fail)."""

    def __init__(self, form):
        self.form = form

    def get(self, name: str, default: str = "") -> str:
        return str(self.form.get(name, default)).replace("\x00", "")

    def getlist(self, name: str) -> list[str]:
        return [str(v).replace("\x00", "") for v in self.form.getlist(name)]

    def __contains__(self, name) -> bool:
        return name in self.form

    def __iter__(self):
        return iter(self.form)


def posted(form) -> dict:
    """What the browser sent, as ``form_data`` lays it out (so a page shows it back)."""
    form = _Sent(form)
    data: dict = {f.name: f.kind.post(form, f.name) for f in SETTINGS}
    rows: dict[str, dict[int, None]] = {t.key: {} for t in TABLES}
    for key in form:
        match = ROW.fullmatch(key)
        if match and int(match.group(2)) < MAX_ROWS:
            rows[match.group(1)][int(match.group(2))] = None
    for t in TABLES:
        data[t.key] = [{f.key: f.kind.post(form, f"{t.key}-{i}-{f.key}") for f in t.fields}
                       | {"base": form.get(f"{t.key}-{i}-base", "")} for i in sorted(rows[t.key])]
    data["unit_search"] = form.get("unit_search", "")[:100]
    return data


def _blank(row: dict) -> bool:
    return not any(v for k, v in row.items() if k != "base")


def apply_action(data: dict, action: str) -> None:
    """The form's row buttons: ``add:round`` adds an empty row, ``remove:round-2`` removes one."""
    verb, _, target = action.partition(":")
    if verb == "add" and target in _TABLES and len(data[target]) < MAX_ROWS:
        data[target].append({f.key: f.kind.show(None) for f in _TABLES[target].fields})
    elif verb == "remove":
        name, _, index = target.rpartition("-")
        index = ascii_int(index, 4)
        if name in _TABLES and index is not None and index < len(data[name]):
            del data[name][index]


def fill_codes(data: dict) -> None:
    """Divisions without a code get the next free letter (A, B, C…)."""
    used = {row["code"].strip() for row in data["division"] if row["code"].strip()}
    letters = (chr(c) for c in range(ord("A"), ord("Z") + 1))
    for row in data["division"]:
        if not row["code"].strip() and not _blank(row):
            row["code"] = next((x for x in letters if x not in used), "")
            used.add(row["code"])


def keep_locked(data: dict, base: dict, locks: "Locks") -> None:
    """Inputs a page showed locked (disabled, so not sent) keep the contest's values."""
    for f in SETTINGS:
        if locks.reason(f.lock):
            data[f.name] = base[f.name]
    for t in TABLES:
        if locks.reason(t.lock):
            data[t.key] = [dict(row) for row in base[t.key]]
    for row in data["round"]:
        number = ascii_int(row.get("base", ""), 4)
        if number is not None and number - 1 in locks.opened and number <= len(base["round"]):
            name = row["name"]
            row.update(base["round"][number - 1])
            row["name"] = name


def raw_of(data: dict) -> dict:
    """The specification the form's inputs say (blank rows left out), for ``check``."""
    raw: dict = {}
    for f in SETTINGS:
        _put(raw, f.key, f.kind.read(data[f.name]))
    for t in TABLES:
        raw[t.key] = [{f.key: f.kind.read(row[f.key]) for f in t.fields} for row in data[t.key] if not _blank(row)]
    if raw["eligibility"] != "units":
        raw["units"] = []
    names = {row["name"] for row in raw["prize"] if isinstance(row["name"], str)}
    raw["collective"]["points"] = {k: v for k, v in raw["collective"]["points"].items() if k in names}
    for key in _SUBTABLES:
        if raw[key]["metric"] is None:
            del raw[key]
    return raw


# What can still change -----------------------------------------------------------------------

@dataclass
class Locks:
    """Why some settings can no longer change: ``reasons`` by lock, ``opened`` by round row."""

    reasons: dict[str, str] = dataclass_field(default_factory=dict)
    opened: dict[int, str] = dataclass_field(default_factory=dict)

    SHORT = {ATTEMPTS: "cuộc thi đã có lượt thi", RESULTS: "kết quả đã chốt"}

    def reason(self, lock: str | None) -> str | None:
        return self.reasons.get(lock) if lock else None

    def note(self, lock: str) -> str | None:
        """The short form shown on each locked part of the form (the reason is at the top)."""
        return f"Không sửa được nữa: {self.SHORT[lock]} (xem lý do ở đầu trang)." if lock in self.reasons else None

    def __bool__(self) -> bool:
        return bool(self.reasons or self.opened)


def changed_locked(before: dict, after: dict, locks: Locks) -> list[Issue]:
    """A change to something locked, placed at it, with the reason."""
    issues = []
    for f in SETTINGS:
        reason = locks.reason(f.lock)
        if reason and before.get(f.key) != after.get(f.key):
            issues.append(Issue((f.key,), f"Không sửa được nữa. {reason}"))
    for t in TABLES:
        reason = locks.reason(t.lock)
        if reason and before.get(t.key) != after.get(t.key):
            issues.append(Issue((t.key,), f"Không sửa được nữa. {reason}"))
    rounds_before, rounds_after = before["round"], after["round"]
    times = [f.key for f in ROUND.fields if f.lock == OPENED]
    shown = [tuple(row[k] for k in times) for row in rounds_after]
    for i, reason in sorted(locks.opened.items()):
        mine, name = tuple(rounds_before[i][k] for k in times), rounds_before[i]["name"]
        if i < len(shown) and shown[i] == mine:
            continue
        if mine in shown:
            issues.append(Issue(("round", shown.index(mine)), f"Đợt “{name}” đã mở: giữ nguyên là đợt thứ {i + 1} "
                                                              "(thêm đợt mới ở cuối danh sách)."))
        elif len(rounds_after) < len(rounds_before):
            issues.append(Issue(("round",), f"Đợt “{name}” đã mở: không xoá được."))
        else:
            issues.append(Issue(("round", i), f"Không sửa được giờ của đợt này nữa. {reason}"))
    return issues


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A stored naive-UTC moment as naive local time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)
