"""Yimen settings: every knob is an environment variable read through the small typed helpers below."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _env(name: str) -> str | None:
    """The variable's value, or None when it is unset or empty (both mean: use the default)."""
    value = os.environ.get(name, "").strip()
    return value or None


def env_str(name: str, default: str = "") -> str:
    value = _env(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    """1/0, true/false, yes/no, on/off in any case; anything else is refused, so a typo never means False."""
    value = _env(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"环境变量 {name}={value!r} 无法识别：请用 1/0、true/false、yes/no 或 on/off（不区分大小写），留空则取默认值"
    )


def env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"环境变量 {name}={value!r} 不是整数：请填写如 {default} 这样的整数，留空则取默认值"
        ) from None


def env_list(name: str, default: str = "") -> list[str]:
    """Comma-separated words; empty items are dropped."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_int_list(name: str, default: str) -> list[int]:
    """Comma-separated integers, e.g. 30,7,0."""
    words = env_list(name, default)
    try:
        return [int(word) for word in words]
    except ValueError:
        raise ImproperlyConfigured(
            f"环境变量 {name}={','.join(words)!r} 不是逗号分隔的整数：请填写如 {default} 的形式，留空则取默认值"
        ) from None


def env_networks(name: str) -> list[str]:
    """Comma-separated addresses or networks (10.0.0.5, 10.0.0.0/24), each checked."""
    words = env_list(name)
    for word in words:
        try:
            ipaddress.ip_network(word, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"环境变量 {name} 中的 {word!r} 不是 IP 地址或网段：请填写如 127.0.0.1,10.0.0.0/24 的形式"
            ) from None
    return words


def env_period(name: str, default: str) -> tuple[int, str]:
    """A period as a number of years or days: 30y (30 years) or 365d (365 days), read as (30, "years") or
    (365, "days"); anything else is refused."""
    value = (_env(name) or default).lower()
    units = {"y": "years", "d": "days"}
    if len(value) < 2 or value[-1] not in units or not value[:-1].isdigit() or int(value[:-1]) < 1:
        raise ImproperlyConfigured(
            f"环境变量 {name}={value!r} 不是期限：请填写如 30y（30 年）或 365d（365 天）的正整数加单位，留空则取默认值 {default}"
        )
    return int(value[:-1]), units[value[-1]]


VAR_DIR = Path(env_str("YIMEN_VAR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/ and kept."""
    if key := env_str("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def database_from_url(url: str) -> dict[str, object]:
    """`sqlite:///path` or `postgres://user:pass@host:port/name?opt=v` as a Django DATABASES entry."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        name = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path) or str(
            VAR_DIR / "yimen.sqlite3"
        )
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                # WAL lets the worker and the web server read while one writes; IMMEDIATE makes
                # writers queue for the lock at BEGIN instead of failing on upgrade.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            # A new connection costs ~3 ms with its PRAGMAs, as much as a cached page: keep it.
            "CONN_MAX_AGE": 600,
            "TEST": {"NAME": options.get("test_name") or None},
        }
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "OPTIONS": options,
        }
    raise ValueError(f"DATABASE_URL 的协议 {parts.scheme!r} 不受支持（可用 sqlite 或 postgres）")


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DATABASES = {"default": database_from_url(env_str("DATABASE_URL", "sqlite:///"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "yimen.core",
    "yimen.org",
    "yimen.catalog",
    "yimen.cases",
    "yimen.certificates",
    "yimen.publishing",
    "yimen.disclosure",
    "yimen.reports",
    "yimen.privacy",
    "yimen.exchange",
    "yimen.opendata",
    "yimen.portal",
    "yimen.office",
    "yimen.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yimen.core.upload_limits.RequestSizeMiddleware",  # 413 before the body is read
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yimen.office.signin.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yimen.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "yimen.urls"
WSGI_APPLICATION = "yimen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yimen.portal.context.portal",
            ],
        },
    },
]

AUTH_USER_MODEL = "org.Staff"
LOGIN_URL = "office:login"
LOGIN_REDIRECT_URL = "office:home"
LOGOUT_REDIRECT_URL = "office:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# GB/T 22239-2019 8.1.4.1 a: 鉴别信息具有复杂度要求 — at least 12 characters (OWASP ASVS 2.1.1), not a
# common password, and at least 3 of the 4 character classes.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "yimen.org.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "yimen.org.passwords.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "yimen.org.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]
# Sessions (GB/T 22239-2019 8.1.4.1 b, OWASP ASVS 3.3.2 / 3.4): kept server-side in the database; the
# office ends one after YIMEN["SESSION_IDLE_MINUTES"] without a request and YIMEN["SESSION_ABSOLUTE_HOURS"]
# after sign-in (yimen/office/signin.py). With SECURE_COOKIES=1 (production, HTTPS) the cookies are
# Secure and carry the __Host- prefix: sent only over HTTPS, only to this host, for every path.
SECURE_COOKIES = env_bool("SECURE_COOKIES")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("YIMEN_SESSION_ABSOLUTE_HOURS", 12) * 3600
SESSION_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS (GB/T 22239-2019 8.1.4.1 c): behind nginx the request reaches gunicorn over plain HTTP, so the
# proxy's X-Forwarded-Proto says whether the browser used HTTPS (only set this when the proxy overwrites
# that header). HSTS tells browsers to use HTTPS only; SSL redirect sends plain HTTP to HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL") else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
# TOTP second factor (django-otp): the issuer an authenticator app shows next to the account.
OTP_TOTP_ISSUER = "一门政务服务"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Uploads (core.upload_limits): the form's fields in memory at most 2.5 MB; a file over 1 MB waits in a
# private folder, not /tmp, and is deleted when the response is closed; stored files are the server's only.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "uploading")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(exist_ok=True, mode=0o700)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_HANDLERS = [
    "yimen.core.upload_limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "files"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Without collectstatic (the demo, the tests) WhiteNoise serves straight from the apps' static folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Shared by the web workers of one machine: rendered guides, the centre's details.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Yimen's own settings -------------------------------------------------------------------------
# Each default is written here once; the code reads settings.YIMEN["KEY"] without a fallback.
# 网络安全法第二十一条(三): network logs are kept no less than six months; no setting goes below this.
AUDIT_MIN_RETENTION_DAYS = 180
_YELLOW_DAYS_LEFT = env_int("YIMEN_YELLOW_DAYS_LEFT", 1)
YIMEN: dict[str, Any] = {
    # Office sign-in (GB/T 22239-2019 8.1.4.1 b): this many failures in a row for one account from one client
    # address lock that pair for LOCKOUT_MINUTES, doubled at each further lock of the pair up to the maximum.
    # BURST_LOCKS locks within BURST_MINUTES raise an alert for the security administrator.
    "LOGIN_MAX_FAILURES": env_int("YIMEN_LOGIN_MAX_FAILURES", 5),
    "LOGIN_LOCKOUT_MINUTES": env_int("YIMEN_LOGIN_LOCKOUT_MINUTES", 30),
    "LOGIN_LOCKOUT_MAX_MINUTES": env_int("YIMEN_LOGIN_LOCKOUT_MAX_MINUTES", 24 * 60),
    "LOGIN_BURST_LOCKS": env_int("YIMEN_LOGIN_BURST_LOCKS", 10),
    "LOGIN_BURST_MINUTES": env_int("YIMEN_LOGIN_BURST_MINUTES", 10),
    # Staff sessions (8.1.4.1 b; OWASP ASVS 3.3.2): ended after this long without a request, and this long
    # after sign-in whatever happens.
    "SESSION_IDLE_MINUTES": env_int("YIMEN_SESSION_IDLE_MINUTES", 30),
    "SESSION_ABSOLUTE_HOURS": SESSION_COOKIE_AGE // 3600,
    # 8.1.4.1 a 定期更换: a password older than this many days must be changed before anything else.
    "PASSWORD_MAX_AGE_DAYS": env_int("YIMEN_PASSWORD_MAX_AGE_DAYS", 90),
    # Outbox worker: attempts before a message goes to the dead-letter state, backoff and claim lease.
    "OUTBOX_MAX_ATTEMPTS": env_int("YIMEN_OUTBOX_MAX_ATTEMPTS", 8),
    "OUTBOX_BACKOFF_SECONDS": env_int("YIMEN_OUTBOX_BACKOFF_SECONDS", 5),
    "OUTBOX_BACKOFF_MAX_SECONDS": env_int("YIMEN_OUTBOX_BACKOFF_MAX_SECONDS", 3600),
    "OUTBOX_LEASE_SECONDS": env_int("YIMEN_OUTBOX_LEASE_SECONDS", 300),
    # Data exchange: seconds to wait before each retry of a failed push (Standard Webhooks' schedule, about
    # three days; the last failure is a dead letter) and the lease a worker holds on a batch it sends.
    "EXCHANGE_RETRY_SECONDS": env_int_list(
        "YIMEN_EXCHANGE_RETRY_SECONDS", "0,5,300,1800,7200,18000,36000,50400,72000,86400"
    ),
    "EXCHANGE_LEASE_SECONDS": env_int("YIMEN_EXCHANGE_LEASE_SECONDS", 120),
    # HTTP pushes: seconds to wait for a target to connect and to answer each row (Standard Webhooks: 15–30).
    "EXCHANGE_HTTP_TIMEOUT_SECONDS": env_int("YIMEN_EXCHANGE_HTTP_TIMEOUT_SECONDS", 15),
    # Extra modules whose @handles functions the worker should load (integrations, site plugins).
    "EVENT_HANDLER_MODULES": env_list("YIMEN_EVENT_HANDLER_MODULES"),
    # 实施编码 of a new item (the national layout is not confirmed): credit code, type, 5-digit serial, sub-item.
    "IMPL_CODE_LAYOUT": env_str("YIMEN_IMPL_CODE_LAYOUT", "{uscc}{type}{serial:05d}{sub:03d}000"),
    # 办件编号 (the national rule is not confirmed): 实施编码 + yyyyMMdd + 4-digit serial, as Guangdong does.
    "CASE_NUMBER_LAYOUT": env_str("YIMEN_CASE_NUMBER_LAYOUT", "{impl_code}{date:%Y%m%d}{serial:04d}"),
    # 电子监察 (thresholds are not set by any national rule): yellow when an open case has at most this
    # many working days left, or has used at least this share of its time; red when overdue.
    "YELLOW_DAYS_LEFT": _YELLOW_DAYS_LEFT,
    "YELLOW_PERCENT_USED": env_int("YIMEN_YELLOW_PERCENT_USED", 80),
    # 好差评: a 差评 opens a rectification work order due in this many working days.
    "WORK_ORDER_DAYS": env_int("YIMEN_WORK_ORDER_DAYS", 15),
    # Uploads (core.files, core.upload_limits): one file at most UPLOAD_MAX_BYTES; one application's
    # materials, or one publication's attachments, at most UPLOAD_MAX_FILES files and UPLOAD_MAX_TOTAL_BYTES.
    "UPLOAD_MAX_BYTES": env_int("YIMEN_UPLOAD_MAX_BYTES", 20 * 1024 * 1024),
    "UPLOAD_MAX_FILES": env_int("YIMEN_UPLOAD_MAX_FILES", 30),
    "UPLOAD_MAX_TOTAL_BYTES": env_int("YIMEN_UPLOAD_MAX_TOTAL_BYTES", 100 * 1024 * 1024),
    # SMS: channel (console | file | http), per-phone monthly quota, the file channel's path, the HTTP gateway.
    "SMS_TRANSPORT": env_str("YIMEN_SMS_TRANSPORT", "console"),
    "SMS_MONTHLY_QUOTA": env_int("YIMEN_SMS_MONTHLY_QUOTA", 50),
    "SMS_FILE_PATH": env_str("YIMEN_SMS_FILE", str(VAR_DIR / "sms.log")),
    "SMS_GATEWAY_URL": env_str("YIMEN_SMS_GATEWAY_URL"),
    "SMS_GATEWAY_SECRET": env_str("YIMEN_SMS_GATEWAY_SECRET"),
    "SMS_GATEWAY_TIMEOUT_SECONDS": env_int("YIMEN_SMS_GATEWAY_TIMEOUT_SECONDS", 5),
    # Where the public reaches this site: links in SMS and QR codes on printed notices.
    "PUBLIC_BASE_URL": env_str("YIMEN_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
    # 补齐补正: the applicant is asked to bring the missing materials within this many working days.
    "SUPPLEMENT_WORKDAYS": env_int("YIMEN_SUPPLEMENT_WORKDAYS", 10),
    # 网上申办: cases one client address may file an hour, and how long a shown form stays valid.
    "APPLY_SUBMISSIONS_PER_HOUR": env_int("YIMEN_APPLY_SUBMISSIONS_PER_HOUR", 10),
    # The reverse proxies in front of the web processes (nginx): only a request from one of them has its
    # client's address taken from X-Forwarded-For; any other request's is its own connection's.
    "TRUSTED_PROXIES": env_networks("YIMEN_TRUSTED_PROXIES"),
    "APPLY_FORM_MAX_AGE_SECONDS": env_int("YIMEN_APPLY_FORM_MAX_AGE_SECONDS", 12 * 3600),
    # 索引号 (no national standard): organisation code / year - 5-digit serial, as the State Council does.
    "INDEX_NUMBER_LAYOUT": env_str("YIMEN_INDEX_NUMBER_LAYOUT", "{code}/{year}-{serial:05d}"),
    # 上级动态: minutes between fetches of the higher-level portals' feeds.
    "FEED_FETCH_MINUTES": env_int("YIMEN_FEED_FETCH_MINUTES", 60),
    # 依申请公开 (rules the sources leave open, ogi-law.md §7): whether the days from a fee notice to
    # payment are left out of the answer period; the request number's layout; yellow card when an open request has at most this many days left
    # (unset: the cases' YELLOW_DAYS_LEFT).
    "DISCLOSURE_FEE_PAUSES_CLOCK": env_bool("YIMEN_DISCLOSURE_FEE_PAUSES_CLOCK", True),
    "DISCLOSURE_NUMBER_LAYOUT": env_str("YIMEN_DISCLOSURE_NUMBER_LAYOUT", "{code}-YSQ-{year}-{serial:05d}"),
    "DISCLOSURE_YELLOW_DAYS_LEFT": env_int("YIMEN_DISCLOSURE_YELLOW_DAYS_LEFT", _YELLOW_DAYS_LEFT),
    # 个人信息权利申请 (个人信息保护法 第四十五条—第四十七条、第五十条): working days to answer. The centre's rule,
    # not the statute's: the law asks for a mechanism and sets no period.
    "PRIVACY_RESPONSE_WORKDAYS": env_int("YIMEN_PRIVACY_RESPONSE_WORKDAYS", 15),
    # 电子证照标识 (GB/T 36904-2018) check character: "mod37_36" (ISO 7064 MOD 37,36, as published
    # implementations compute it) or "none"; configuration until the standard's text is confirmed.
    "CERTIFICATE_CHECK": env_str("YIMEN_CERTIFICATE_CHECK", "mod37_36"),
    # Retention of personal data (个人信息保护法 第十九条: 保存期限应当为实现处理目的所必要的最短时间; 第四十七条:
    # deleted once it has passed), per kind of record, counted from the record's end. These are the
    # centre's configuration, not law: set them to the archive rules the centre follows (档案法 and the
    # archive administration's 保管期限表 for its records). `yimen retention purge` (and the worker, daily)
    # anonymises cases and requests past them and deletes SMS; records under a legal hold are kept.
    # Cases, from 办结 (or 不予受理 / 撤件): 30 years, as 行政许可 case files are commonly kept.
    "RETENTION_CASES": env_period("YIMEN_RETENTION_CASES", "30y"),
    # 政府信息公开申请, from 办结: 10 years, a common 保管期限 for 依申请公开 files.
    "RETENTION_DISCLOSURE_REQUESTS": env_period("YIMEN_RETENTION_DISCLOSURE_REQUESTS", "10y"),
    # 个人信息权利申请, from the answer: 3 years, the centre's choice, leaving time for a complaint or a suit
    # over the answer (行政诉讼法 第四十六条: six months from knowing of it).
    "RETENTION_RIGHTS_REQUESTS": env_period("YIMEN_RETENTION_RIGHTS_REQUESTS", "3y"),
    # 有条件开放 data applications' contact person, phone and e-mail, from the decision (or the approved key's
    # end): 3 years, the centre's choice, as for rights requests.
    "RETENTION_OPENDATA_APPLICATIONS": env_period("YIMEN_RETENTION_OPENDATA_APPLICATIONS", "3y"),
    # SMS sent to applicants (phone and text), from sending: 1 year; the case keeps its own timeline.
    "RETENTION_SMS": env_period("YIMEN_RETENTION_SMS", "1y"),
    # 年度报告 (条例第四十九条): remind this many days before 31 January / 31 March.
    "REPORT_REMINDER_DAYS": env_int_list("YIMEN_REPORT_REMINDER_DAYS", "30,7,0"),
    # Personal data at rest (core/crypto.py, docs/deployment.md): the data keys, inline ("2:hex,1:hex") or
    # in a file kept apart from the database; with neither, development uses var/data_keys, made on first use.
    "DATA_KEY": env_str("YIMEN_DATA_KEY"),
    "DATA_KEY_FILE": env_str("YIMEN_DATA_KEY_FILE"),
    # 电子证照 系统数字签名 (certificates/signing.py, docs/deployment.md): the SM2 private key's file (mode 0600),
    # the retired public keys beside it (.ring); unset, development uses var/signing.key, made on first use.
    "SIGNING_KEY_FILE": env_str("YIMEN_SIGNING_KEY_FILE"),
    # 电子印章 (GB/T 38540-2020, certificates/sealing.py): "none" (the system signature only), "http" (a CA-backed
    # seal service at SEALER_URL, key SEALER_API_KEY), or the dotted path of a Sealer class.
    "SEALER": env_str("YIMEN_SEALER", "none"),
    "SEALER_URL": env_str("YIMEN_SEALER_URL"),
    "SEALER_API_KEY": env_str("YIMEN_SEALER_API_KEY"),
    "SEALER_TIMEOUT_SECONDS": env_int("YIMEN_SEALER_TIMEOUT_SECONDS", 30),
    # Working-day calendar: the span of the in-memory index (years outside it are refused).
    "CALENDAR_FIRST_YEAR": 1990,
    "CALENDAR_LAST_YEAR": 2100,
    # Audit trail (core/audit_anchor.py): the HMAC-SM3 key that signs each sealed batch's chain head, kept
    # outside the database (the variable itself, or a file; a missing file is generated with mode 0600);
    # the append-only anchor file; how long an entry may wait for its seal; how long entries stay in the
    # database (网络安全法第二十一条: at least 180 days); where the retention command writes its archives.
    "AUDIT_KEY": env_str("YIMEN_AUDIT_KEY"),
    "AUDIT_KEY_FILE": env_str("YIMEN_AUDIT_KEY_FILE", str(VAR_DIR / "audit.key")),
    "AUDIT_ANCHOR_FILE": env_str("YIMEN_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.jsonl")),
    "AUDIT_SEAL_WINDOW_SECONDS": env_int("YIMEN_AUDIT_SEAL_WINDOW_SECONDS", 300),
    "AUDIT_RETENTION_DAYS": env_int("YIMEN_AUDIT_RETENTION_DAYS", AUDIT_MIN_RETENTION_DAYS),
    "AUDIT_ARCHIVE_DIR": env_str("YIMEN_AUDIT_ARCHIVE_DIR", str(VAR_DIR / "audit-archive")),
}
if YIMEN["AUDIT_RETENTION_DAYS"] < AUDIT_MIN_RETENTION_DAYS:
    raise ImproperlyConfigured(
        f"环境变量 YIMEN_AUDIT_RETENTION_DAYS={YIMEN['AUDIT_RETENTION_DAYS']} 过短：审计日志至少留存"
        f" {AUDIT_MIN_RETENTION_DAYS} 天（网络安全法第二十一条：不少于六个月），请填写不小于该值的整数"
    )

# Files in one request: a few more than the quota, so the quota's Chinese message answers first and
# Django's 400 only a request no form of ours sends.
DATA_UPLOAD_MAX_NUMBER_FILES = YIMEN["UPLOAD_MAX_FILES"] + 20
