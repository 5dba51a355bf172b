"""Settings: defaults, then ``QUIZ_*`` environment variables, then the caller's override.

Deploy-time settings only. Contest rules (times, limits, tie-breaks) are rows in the
database, not configuration.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Every setting, its default and what it is for (the README's table is made from this).
SETTINGS: dict[str, tuple[object, str]] = {
    "DATABASE_URL": (None, "Địa chỉ cơ sở dữ liệu. Mặc định: SQLite tại instance/quiz.db; "
                           "PostgreSQL: postgresql+psycopg://user@host/dbname"),
    "SECRET_KEY": (None, "Khóa ký phiên đăng nhập; bắt buộc đặt và giống nhau trên mọi máy chủ "
                         "khi chạy thật. Mặc định: sinh ngẫu nhiên, lưu ở instance/secret_key"),
    "REDIS_URL": (None, "Redis dùng chung cho giới hạn tần suất (và bộ nhớ đệm) khi chạy nhiều tiến trình"),
    "INSTANCE_PATH": (None, "Thư mục dữ liệu cục bộ (SQLite, khóa bí mật). Mặc định: ./instance"),
    "SQLITE_BUSY_TIMEOUT_MS": (10000, "SQLite: chờ khóa ghi tối đa (ms) trước khi báo bận"),
    "DB_POOL_SIZE": (8, "PostgreSQL: số kết nối giữ sẵn mỗi tiến trình; gunicorn.conf.py đặt bằng số luồng "
                        "(QUIZ_THREADS): kết nối thêm bị đóng sau mỗi lần dùng, mở lại tốn cả hai phía"),
    "DB_MAX_OVERFLOW": (10, "PostgreSQL: số kết nối thêm khi đông"),
    "DB_POOL_TIMEOUT_S": (5, "PostgreSQL: chờ một kết nối rảnh trong pool tối đa (giây), quá thì báo bận (503)"),
    "DB_CONNECT_TIMEOUT_S": (5, "PostgreSQL: chờ kết nối mới, và kiểm tra kết nối cũ trong pool, tối đa (giây; ít nhất 2)"),
    "DB_STATEMENT_TIMEOUT_S": (10, "PostgreSQL: một câu lệnh chạy tối đa (giây, statement_timeout); máy chủ không "
                                   "trả lời thì ứng dụng thôi chờ sau thêm 2 giây, đóng kết nối và báo 503"),
    "DB_LONG_STATEMENT_TIMEOUT_S": (600, "PostgreSQL: như trên, cho việc dài (chốt kết quả, xuất tệp)"),
    "HEALTH_TIMEOUT_S": (2, "/healthz: chờ CSDL (và Redis) trả lời tối đa (giây) trước khi báo 503"),
    "PASSWORD_HASH_METHOD": ("scrypt", "Thuật toán băm mật khẩu (werkzeug): scrypt hoặc pbkdf2:sha256:600000"),
    "PASSWORD_HASH_PROCESSES": (1, "Số tiến trình phụ (ưu tiên CPU thấp) băm/kiểm tra mật khẩu cho mỗi tiến trình ứng dụng"),
    "PASSWORD_HASH_QUEUE": (2, "Số yêu cầu mỗi tiến trình được chờ/băm mật khẩu cùng lúc; quá thì báo bận (503) "
                               "để luôn còn luồng phục vụ lưu bài"),
    "PASSWORD_HASH_NICE": (10, "Độ ưu tiên CPU (nice, 0–19) của tiến trình băm mật khẩu: cao hơn thì lưu bài được ưu tiên hơn"),
    "LOGIN_ACCOUNT_FAILURES": (10, "Số lần sai mật khẩu cho một tài khoản (SĐT/CCCD) trước khi phải chờ"),
    "LOGIN_FAILURE_WINDOW_S": (900, "Cửa sổ đếm lần sai (giây); hết chừng ấy không sai nữa thì đếm lại từ đầu"),
    "LOGIN_LOCK_BASE_S": (60, "Thời gian chờ đầu tiên (giây) khi vượt số lần sai; gấp đôi mỗi lần sai tiếp"),
    "LOGIN_LOCK_MAX_S": (900, "Thời gian chờ dài nhất (giây) cho một tài khoản"),
    "LOGIN_IP_FAILURES": (300, "Số lần đăng nhập sai tối đa từ một địa chỉ IP (IPv6: theo /64) trong cửa sổ đếm; "
                               "đăng nhập đúng không tính"),
    "REGISTER_IP_LIMIT": (200, "Số lần gửi biểu mẫu đăng ký tối đa mỗi giờ từ một địa chỉ IP (đủ cho cả lớp)"),
    "LIMITS_REDIS_TIMEOUT_MS": (200, "Chờ Redis tối đa (ms) khi đếm giới hạn; quá thì mỗi tiến trình tạm đếm riêng"),
    "RATELIMIT_ENABLED": (True, "Bật giới hạn tần suất"),
    "TRUSTED_PROXIES": (0, "Số proxy ngược (nginx...) đứng trước ứng dụng, để lấy đúng IP người dùng; "
                           "0 mà yêu cầu có X-Forwarded-For thì nhật ký cảnh báo một lần"),
    "SESSION_COOKIE_SECURE": (False, "Chỉ gửi cookie phiên qua HTTPS (bật khi chạy thật sau HTTPS)"),
    "SESSION_IDLE_HOURS": (24, "Phiên đăng nhập không dùng quá số giờ này thì hết hạn (phải đăng nhập lại); "
                               "đang làm bài thì việc tự lưu giữ phiên. Ít nhất 1"),
    "TIMEZONE": ("Asia/Ho_Chi_Minh", "Múi giờ hiển thị"),
    "MAX_UPLOAD_MB": (20, "Dung lượng tối đa một tệp tải lên (MB)"),
    "XLSX_MAX_UNCOMPRESSED_MB": (100, "Tệp Excel tải lên: dung lượng tối đa khi giải nén (MB), kiểm tra "
                                      "trước khi mở tệp (chống bom giải nén)"),
    "XLSX_MAX_RATIO": (100, "Tệp Excel tải lên: tỷ lệ nén tối đa của một phần trong tệp (phần trên 1 MB khi "
                            "giải nén); tệp vượt bị từ chối trước khi mở"),
    "TASK_QUEUE": ("", "Hàng đợi việc nền: sqlite (tệp instance/tasks.db, một máy), redis (QUIZ_REDIS_URL, "
                       "tiến trình nền trên nhiều máy) hoặc immediate (chạy ngay trong yêu cầu, không tiến trình nền). "
                       "Mặc định: redis khi có QUIZ_REDIS_URL, không thì sqlite (kiểm thử: immediate)"),
    "TASK_QUEUE_NAME": ("quiz", "Tên hàng đợi; hai cài đặt dùng chung một Redis thì đặt tên khác nhau"),
    "JOB_STALE_S": (60, "Việc nền không báo còn chạy (nhịp 5 giây) quá chừng này giây thì coi như tiến trình "
                        "nền đã chết: việc được chạy lại từ đầu (tối đa 3 lần)"),
    "JOB_FILE_KEEP_HOURS": (24, "Tệp làm trong nền (xuất kết quả, giấy chứng nhận) được giữ chừng này giờ rồi xoá"),
    "EXPORT_DIRECT_ROWS": (20000, "Tệp xuất của đơn vị có tới chừng này lượt thi thì tải thẳng; nhiều hơn thì "
                                  "làm trong nền, có thanh tiến độ, rồi tải về"),
    "SITE_NAME": ("Thi trực tuyến Học tập và làm theo Bác", "Tên trang hiển thị ở đầu trang"),
}

_TRUE = {"1", "true", "yes", "on", "có", "bật"}
_FALSE = {"0", "false", "no", "off", "không", "tắt"}


def _coerce(raw: str, default: object) -> object:
    if isinstance(default, bool):
        word = raw.strip().lower()
        if word not in _TRUE | _FALSE:  # a typo must not silently turn a safety setting off
            raise ValueError("cần 1 hoặc 0 (true/false)")
        return word in _TRUE
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError("cần một số nguyên") from None
    return raw


def load(override: dict | None = None, environ: os._Environ | dict | None = None) -> dict:
    """Return the settings: defaults < QUIZ_* environment < override."""
    environ = os.environ if environ is None else environ
    conf = {key: default for key, (default, _) in SETTINGS.items()}
    for key, default in list(conf.items()):
        raw = environ.get(f"QUIZ_{key}")
        if raw is not None and raw != "":
            try:
                conf[key] = _coerce(raw, default)
            except ValueError as error:
                raise ValueError(f"Biến môi trường QUIZ_{key}={raw!r} không hợp lệ: {error}.") from None
    conf.update(override or {})
    return conf


def resolve(conf: dict) -> dict:
    """Fill the settings that depend on others and map them to Flask's own keys."""
    # Flask needs an absolute instance path; QUIZ_INSTANCE_PATH=instance means ./instance.
    instance = Path(conf["INSTANCE_PATH"] or ROOT / "instance").expanduser().absolute()
    instance.mkdir(parents=True, exist_ok=True)
    conf["INSTANCE_PATH"] = str(instance)
    if not conf["DATABASE_URL"]:
        conf["DATABASE_URL"] = f"sqlite:///{instance / 'quiz.db'}"
    if not conf["SECRET_KEY"]:
        conf["SECRET_KEY"] = _local_secret(instance / "secret_key")
    if conf["SESSION_IDLE_HOURS"] < 1:
        raise ValueError(f"QUIZ_SESSION_IDLE_HOURS={conf['SESSION_IDLE_HOURS']} không hợp lệ: cần ít nhất 1 (giờ).")
    if not conf["TASK_QUEUE"]:
        conf["TASK_QUEUE"] = "immediate" if conf.get("TESTING") else "redis" if conf["REDIS_URL"] else "sqlite"
    conf["SQLALCHEMY_DATABASE_URI"] = _driver_url(conf["DATABASE_URL"])
    conf["MAX_CONTENT_LENGTH"] = conf["MAX_UPLOAD_MB"] * 1024 * 1024
    conf["SESSION_COOKIE_HTTPONLY"] = True
    conf["SESSION_COOKIE_SAMESITE"] = "Lax"
    conf["REMEMBER_COOKIE_SECURE"] = conf["SESSION_COOKIE_SECURE"]
    conf["REMEMBER_COOKIE_HTTPONLY"] = True
    conf["WTF_CSRF_TIME_LIMIT"] = None  # a member may keep a form open through a long exam
    return conf


def _driver_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _local_secret(path: Path) -> str:
    """The instance's own key, made on first use. Workers starting together on a fresh
    instance must agree on one key: it is written to a private temporary file and linked
    into place, which fails if another process got there first (then theirs is used)."""
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another worker's key won
            except OSError:  # a file system without hard links: last writer wins, whole files only
                os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"Tệp khóa bí mật {path} trống: hãy xóa tệp này hoặc đặt QUIZ_SECRET_KEY.")
    return key
