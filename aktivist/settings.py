"""Aktivist settings: one module, driven by the environment, with safe development defaults."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AKTIVIST_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def refuse_to_start(problem: str) -> None:
    """A production configuration that is not safe stops the process at start-up."""
    raise ImproperlyConfigured(f"Refusing to start in production (AKTIVIST_PRODUCTION): {problem}")


# PRODUCTION is the one switch that lets email and SMS leave this machine.
PRODUCTION = env_bool("AKTIVIST_PRODUCTION", False)
DEBUG = env_bool("DEBUG", not PRODUCTION)
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - refused in production
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY if not PRODUCTION else "")
# Signs sessions, password-reset links and every token in email links: in production a long
# random secret (Django's own check asks for 50 characters, 5 of them different).
SECRET_KEY_MIN_LENGTH = 50
if PRODUCTION and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY == DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or "change-me" in SECRET_KEY
):
    refuse_to_start(
        f"SECRET_KEY must be a random secret of at least {SECRET_KEY_MIN_LENGTH} characters, "
        "not a development default; make one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
# The key of the keyed hashes that outlive erasure (an erased person's address, so that an
# import cannot bring them back) and of search texts in the read audit. Its own key, never
# SECRET_KEY: rotating the session secret must not forget who asked to be forgotten.
PRIVACY_HASH_KEY = env_str(
    "PRIVACY_HASH_KEY", "dev-only-privacy-hash-key-change-me" if not PRODUCTION else ""
)
if PRODUCTION and not PRIVACY_HASH_KEY:
    refuse_to_start("PRIVACY_HASH_KEY must be set (see docs/privacy.md).")
# A list read of the same person by the same account within this many minutes is recorded
# once in the audit trail (aktivist/core/reads.py).
AUDIT_READ_DEDUPE_MINUTES = env_int("AUDIT_READ_DEDUPE_MINUTES", 10)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address in every link we send (reset links, email links, SMS links). In production it
# must be https:// with a host: a link over plain HTTP would carry its token in the clear.
SITE_URL = env_str("SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION and not re.fullmatch(r"https://[^/\s?#]+(/\S*)?", SITE_URL):
    refuse_to_start(
        "SITE_URL must be the https:// address people reach this installation at, "
        f"e.g. https://aktivist.example.org (it is {SITE_URL!r})."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # two-factor recovery codes
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_rq",  # the rqworker command for TASK_BACKEND=rq
    "aktivist.core",
    "aktivist.accounts",
    "aktivist.organisation",
    "aktivist.people",
    "aktivist.segments",
    "aktivist.imports",
    "aktivist.campaigns",
    "aktivist.programmes",
    "aktivist.engagement",
    "aktivist.mobilization",
    "aktivist.urgent",
    "aktivist.privacy",
    "aktivist.public",
    "aktivist.staff",
    "aktivist.demo",  # demo data and its commands; no domain app imports it
    "anymail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The database unreachable: 503 with Retry-After, never 500 (before the fast lane).
    "aktivist.core.outage.DatabaseOutageMiddleware",
    # Bearer-token JSON endpoints need no session, CSRF or login: they skip the rest.
    "aktivist.public.api.ApiFastLaneMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on whatever may hold personal data.
    "aktivist.core.middleware.PrivateCacheMiddleware",
    # Before the session timeout, which tells the logged-out account why.
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute lifetime of staff sessions, before two-factor is asked for.
    "aktivist.accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "aktivist.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aktivist.core.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aktivist.urls"
WSGI_APPLICATION = "aktivist.wsgi.application"
ASGI_APPLICATION = "aktivist.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "aktivist" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "aktivist.accounts.context_processors.access",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "aktivist.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        # A kept connection is checked before its first use in each request (one round trip
        # per request); off, a broken one is closed at the end of the request that found it.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", False),
    )
}
# While the database cannot be reached, requests get 503 with this Retry-After (seconds);
# see aktivist/core/outage.py.
DATABASE_OUTAGE_RETRY_AFTER = env_int("DATABASE_OUTAGE_RETRY_AFTER", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL, a busy timeout and IMMEDIATE transactions: writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA foreign_keys=ON;"
        ),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: it compiles the bigger segment counts to machine code for 80–400 ms, more
    # than it ever saves on queries that take a fraction of a second. Work memory enough
    # that a segment's sets (who consented, who signed) are hashed once, not searched for
    # every person.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit=off -c work_mem={env_str('DATABASE_WORK_MEM', '32MB')}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff:start"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # invitations and resets: three days
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
# An account is locked from one address only (the email and the client's address together):
# a stranger elsewhere never locks the owner out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_CALLABLE = "aktivist.accounts.axes.axes_username"  # lower-cased email, any form
# The client's address behind TRUSTED_PROXIES: the same helper the public rate limits use.
AXES_CLIENT_IP_CALLABLE = "aktivist.lib.client_address.client_address"
# axes' database handler plus a limit per address across accounts (password spraying).
AXES_HANDLER = "aktivist.accounts.axes.LoginThrottle"
# Failed logins from one address, all accounts together, within AXES_COOLOFF_TIME before
# that address is refused for the cool-off time.
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
AXES_VERBOSE = False
# Password reset requests, counted in the cache: per client address, and per typed email
# (over that, the page answers as always but sends nothing).
PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = env_int("PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", 10)
PASSWORD_RESETS_PER_EMAIL_PER_HOUR = env_int("PASSWORD_RESETS_PER_EMAIL_PER_HOUR", 3)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Aktivist")
# The Django admin never shows a TOTP key, its QR code or a recovery code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# Staff sessions end after this many minutes without a request, and this many hours after
# the login however active (aktivist/accounts/middleware.py); the cookie lives no longer.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
SESSION_ABSOLUTE_TIMEOUT_HOURS = env_int("SESSION_ABSOLUTE_TIMEOUT_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_HOURS * 60 * 60

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "aktivist" / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
PHONE_DEFAULT_REGION = "SE"
# "Young people" in every count and report: this age or younger.
YOUTH_MAX_AGE = env_int("YOUTH_MAX_AGE", 25)
# Messages an event's organisers may send its registrants in 24 hours (a guard against misuse).
EVENT_MESSAGES_PER_DAY = env_int("EVENT_MESSAGES_PER_DAY", 5)

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; collectstatic fills it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Uploaded files (import batches) are private: kept under var/, never served by URL.
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger uploads stream to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# An upload is streamed to disk and stops being written past this size; a task reads it.
IMPORT_MAX_FILE_BYTES = env_int("IMPORT_MAX_FILE_BYTES", 512 * 1024 * 1024)
# An XLSX is a ZIP: checked from its directory and one streamed pass before it is parsed
# (a 413 KB file once took 5.3 GB). Refused when all its parts unpack to more than this …
IMPORT_MAX_UNPACKED_MB = env_int("IMPORT_MAX_UNPACKED_MB", 500)
# … when a part over 1 MB is compressed more than this many times (a real sheet: 5–20) …
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100)
# … or when a sheet has more cells (as openpyxl lays them out) or shared strings than this.
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 5_000_000)
# An upload never started (read, mapped, dry-run, but no import) is discarded after this
# many days without a change: its files deleted (the daily job imports.discard_abandoned).
IMPORT_ABANDONED_DAYS = env_int("IMPORT_ABANDONED_DAYS", 7)

# --- Email and SMS --------------------------------------------------------------------
# Outside production mail goes to the console, or to an SMTP server on this machine only.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Aktivist <noreply@example.org>")
# SMS: the console (development), aktivist.core.sms.FortySixElksTransport or
# aktivist.core.sms.TwilioTransport. Outside production an HTTP transport only talks to a
# server on this machine.
SMS_BACKEND = env_str("SMS_BACKEND", "aktivist.core.sms.ConsoleSmsTransport")
# Outside production every email and SMS the transports "send" is also kept in the database
# for 7 days and shown to admins on the sent-messages page (core/sent_messages.py). Never in
# production; the benchmarks switch it off (KEEP_SENT_MESSAGES=false).
KEEP_SENT_MESSAGES = not PRODUCTION and env_bool("KEEP_SENT_MESSAGES", True)
SMS_SENDER_ID = env_str("SMS_SENDER_ID", "Aktivist")  # up to 11 letters, or a number
SMS_TIMEOUT = float(env_str("SMS_TIMEOUT", "10"))
SMS_46ELKS_API_URL = env_str("SMS_46ELKS_API_URL", "https://api.46elks.com/a1")
SMS_46ELKS_USERNAME = env_str("SMS_46ELKS_USERNAME", "")
SMS_46ELKS_PASSWORD = env_str("SMS_46ELKS_PASSWORD", "")
SMS_TWILIO_API_URL = env_str("SMS_TWILIO_API_URL", "https://api.twilio.com/2010-04-01")
SMS_TWILIO_ACCOUNT_SID = env_str("SMS_TWILIO_ACCOUNT_SID", "")
SMS_TWILIO_AUTH_TOKEN = env_str("SMS_TWILIO_AUTH_TOKEN", "")
# 46elks signs nothing: its webhooks carry this secret in their address. Without one set,
# it is derived from SECRET_KEY (every process must agree: a worker writes the address
# into each message, the web process checks it).
SMS_WEBHOOK_SECRET = (
    env_str("SMS_WEBHOOK_SECRET", "")
    or hmac.new(SECRET_KEY.encode(), b"aktivist.sms-webhook", hashlib.sha256).hexdigest()[:32]
)
# The price of one SMS segment, for the cost shown before sending.
SMS_PRICE_PER_SEGMENT = env_str("SMS_PRICE_PER_SEGMENT", "0.35")
SMS_PRICE_CURRENCY = env_str("SMS_PRICE_CURRENCY", "SEK")
# No SMS that is not urgent between these local hours (from, to); it waits until morning.
SMS_QUIET_HOURS = tuple(int(h) for h in env_list("SMS_QUIET_HOURS", ["21", "8"]))
if not PRODUCTION and EMAIL_HOST not in {"127.0.0.1", "localhost", "::1"}:
    raise RuntimeError("Outside production EMAIL_HOST must be on this machine (loopback).")

# How email leaves: "smtp" (our own SMTP client: one reused connection per worker, to
# EMAIL_HOST), "django" (whatever EMAIL_BACKEND names: an email service provider through
# django-anymail, or the console in development) or "auto": smtp when EMAIL_BACKEND is
# Django's SMTP backend, else django.
EMAIL_TRANSPORT = env_str("EMAIL_TRANSPORT", "auto")
# The envelope sender (Return-Path) of bulk email; bounces go there. Default: the From.
EMAIL_RETURN_PATH = env_str("EMAIL_RETURN_PATH", "")
# django-anymail: bounce and complaint webhooks authenticate with HTTP basic auth
# ("user:password"). Without one set, a random secret nobody knows keeps them closed.
ANYMAIL = {
    "WEBHOOK_SECRET": env_str("ANYMAIL_WEBHOOK_SECRET", "") or secrets.token_urlsafe(24),
}
for _name in env_list("ANYMAIL_SETTINGS", []):  # e.g. POSTMARK_SERVER_TOKEN
    ANYMAIL[_name] = env_str(f"ANYMAIL_{_name}", "")


def env_rates(name: str) -> dict[str, int]:
    """ "gmail.com=600,hotmail.com=300" → {"gmail.com": 600, "hotmail.com": 300}."""
    rates: dict[str, int] = {}
    for item in env_list(name, []):
        domain, _sep, count = item.partition("=")
        rates[domain.strip().lower()] = int(count)
    return rates


# --- Mobilization (the outbox) --------------------------------------------------------
# Sending to more people than this needs a second staff member's approval.
MOBILIZATION_APPROVAL_THRESHOLD = env_int("MOBILIZATION_APPROVAL_THRESHOLD", 1000)
MOBILIZATION_BATCH_SIZE = env_int("MOBILIZATION_BATCH_SIZE", 200)  # deliveries per claim
# A claimed batch whose worker stops renewing its lease goes back to the queue.
MOBILIZATION_LEASE_SECONDS = env_int("MOBILIZATION_LEASE_SECONDS", 120)
MOBILIZATION_MAX_ATTEMPTS = env_int("MOBILIZATION_MAX_ATTEMPTS", 5)
# Dispatch tasks enqueued when a mobilization starts (more workers share the batches).
MOBILIZATION_PARALLEL_TASKS = env_int("MOBILIZATION_PARALLEL_TASKS", 4)
# A dispatch task hands over to a fresh one after this long, so queues keep turning.
MOBILIZATION_TASK_SECONDS = env_int("MOBILIZATION_TASK_SECONDS", 60)
# The snapshot of a mobilization's recipients is cancelled after this long (PostgreSQL's
# statement_timeout) and tried again; the start's lease runs a minute longer, so the
# sweeper takes up a start whose worker died once the lease has run out.
MOBILIZATION_SNAPSHOT_TIMEOUT_SECONDS = env_int("MOBILIZATION_SNAPSHOT_TIMEOUT_SECONDS", 300)
# Attempts at a start (each one a snapshot) before it is left for staff to cancel.
MOBILIZATION_START_ATTEMPTS = env_int("MOBILIZATION_START_ATTEMPTS", 3)
# A start that failed, or is still running after this many minutes, is shown on the
# mobilization's and the urgent case's page, and the secretariat is alerted by email (to
# MOBILIZATION_ALERT_EMAILS or, if none are set, every active secretariat admin and staff).
MOBILIZATION_START_ALERT_MINUTES = env_int("MOBILIZATION_START_ALERT_MINUTES", 5)
MOBILIZATION_ALERT_EMAILS = env_list("MOBILIZATION_ALERT_EMAILS", [])
# Messages per minute to a receiving domain, for all workers together (counted in the
# cache: set CACHE_URL to Redis when several workers send). Unlisted domains: no limit.
EMAIL_DOMAIN_RATES = env_rates("EMAIL_DOMAIN_RATES")
# Links in bulk email (aktivist/mobilization/tokens.py, docs/email.md). A preference-centre
# link (/p/…) opens the person's choices for this many days after it was made (emails get
# forwarded); then the page asks for the address and sends a fresh link. Unsubscribe links
# never expire.
PREFERENCE_LINK_MAX_AGE_DAYS = env_int("PREFERENCE_LINK_MAX_AGE_DAYS", 30)
# Messages sent before issue 15 carry one delivery token for /r/, /u/ and the ?ref= that
# ended up in shared addresses: it still unsubscribes (the law's duty to a sent message)
# for this many days after the message was sent, then asks for the address instead.
LEGACY_UNSUBSCRIBE_LINK_DAYS = env_int("LEGACY_UNSUBSCRIBE_LINK_DAYS", 60)

# --- Work outside the request ---------------------------------------------------------
TASK_BACKEND = env_str("TASK_BACKEND", "db")
TASKS = {
    "default": {
        "BACKEND": {
            "db": "django_tasks_db.DatabaseBackend",
            "rq": "django_tasks_rq.RQBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[TASK_BACKEND],
        "QUEUES": ["default", "urgent"],
    }
}
RQ_QUEUES = {
    "default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")},
    "urgent": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")},
}

# --- Cache and rate limits -----------------------------------------------------------
# Rate limits (public forms, password reset, the channels' keys, email domain rates) count
# in the cache. CACHE_URL empty: in this process's memory (one web process only);
# redis://… (rediss://, unix://): Redis; db:// or db://TABLE: Django's database cache, shared
# by every process with no other service (`manage.py createcachetable` creates its table).
CACHE_URL = env_str("CACHE_URL", "")
LOCAL_MEMORY_CACHE = "django.core.cache.backends.locmem.LocMemCache"
if not CACHE_URL:
    _cache = {"BACKEND": LOCAL_MEMORY_CACHE}
elif CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
elif CACHE_URL.startswith("db://"):
    _cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_URL.removeprefix("db://").strip("/") or "aktivist_cache",
    }
else:
    raise ImproperlyConfigured(
        f"CACHE_URL must be empty or start with redis://, rediss://, unix:// or db:// "
        f"(it is {CACHE_URL!r})."
    )
CACHES = {"default": _cache}
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# The number of web processes this installation runs. gunicorn takes the same variable as
# its number of workers, so start it without -w (docs/operations.md). Several processes
# that each count rate limits in their own memory would each allow the whole limit.
WEB_PROCESSES = env_int("WEB_CONCURRENCY", 1)
if PRODUCTION and WEB_PROCESSES > 1 and _cache["BACKEND"] == LOCAL_MEMORY_CACHE:
    refuse_to_start(
        f"WEB_CONCURRENCY={WEB_PROCESSES} web processes would each count rate limits in "
        "their own memory. Set CACHE_URL to Redis (redis://…) or to Django's database cache "
        "(db://, then run manage.py createcachetable), or run one web process."
    )
# Checks deliberately silenced, each with its reason (manage.py check --deploy is otherwise
# clean in production: docs/operations.md).
SILENCED_SYSTEM_CHECKS = [
    # HSTS preloading is a request to the browsers' vendors that binds the organisation's
    # whole domain and is slow to undo: the domain owner's decision, not this application's.
    "security.W021",
]
# Public forms: a school class signs together from one address, so per-IP limits are wide.
PUBLIC_SIGNATURES_PER_IP_PER_MINUTE = env_int("PUBLIC_SIGNATURES_PER_IP_PER_MINUTE", 60)
PUBLIC_SIGNATURES_PER_ADDRESS_PER_HOUR = env_int("PUBLIC_SIGNATURES_PER_ADDRESS_PER_HOUR", 20)
# Public pages show the number of people who took an action as it stood at the start of
# the current interval of this many seconds (and rounded down), never right after a
# signature: signing with someone's email must not tell whether they had signed.
PUBLIC_COUNT_INTERVAL_SECONDS = env_int("PUBLIC_COUNT_INTERVAL_SECONDS", 300)
# Public event pages say "few places left" at this many free places or fewer (never the
# exact number: signing someone up must not tell whether they were signed up already).
PUBLIC_FEW_SEATS = env_int("PUBLIC_FEW_SEATS", 5)
# An account (not national) whose requests were held for review this many times within
# HOLD_ALERT_WINDOW_HOURS may be probing the register: the secretariat is alerted once per
# window, by email to HOLD_ALERT_EMAILS or, if none are set, to every active secretariat
# admin and staff account.
HOLD_ALERT_THRESHOLD = env_int("HOLD_ALERT_THRESHOLD", 25)
HOLD_ALERT_WINDOW_HOURS = env_int("HOLD_ALERT_WINDOW_HOURS", 24)
HOLD_ALERT_EMAILS = env_list("HOLD_ALERT_EMAILS", [])
# Data-subject requests due within a week or overdue are reminded to these addresses, or,
# if none are set, to every active data-protection officer and admin account.
PRIVACY_REQUEST_EMAILS = env_list("PRIVACY_REQUEST_EMAILS", [])
# The countries of email/SMS providers for the records of processing (transfers to third
# countries), as "provider=country" pairs: PRIVACY_PROVIDER_COUNTRIES="postmark=US,elks=SE".
# 46elks (SE) and Twilio (US) are known already.
PRIVACY_PROVIDER_COUNTRIES = {
    key.strip().lower(): value.strip().upper()
    for key, _sep, value in (
        pair.partition("=") for pair in env_list("PRIVACY_PROVIDER_COUNTRIES", [])
    )
    if key.strip() and value.strip()
}
# Behind a proxy the client's address is the last X-Forwarded-For hop the proxy added.
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)
# Our own proxies (addresses or networks, "10.0.0.5,10.1.0.0/16"): X-Forwarded-For is read
# from the right, skipping these, and the first other address is the client's
# (aktivist/lib/client_address.py). A request that does not come from one of them is the
# client's own, whatever it claims. Set this rather than USE_X_FORWARDED_FOR behind a proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network (10.0.0.5, 10.1.0.0/16)."
        ) from None
# Origins that may show the embeddable action pages in a frame, besides channels' own.
EMBED_ALLOWED_ORIGINS = env_list("EMBED_ALLOWED_ORIGINS", [])
# The organisation named as controller in public privacy notices.
ORGANISATION_NAME = env_str("ORGANISATION_NAME", "Människorättsorganisationen, svenska sektionen")
ORGANISATION_PRIVACY_EMAIL = env_str("ORGANISATION_PRIVACY_EMAIL", "dataskydd@example.org")

# --- Security headers -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    # Behind a TLS proxy that sets X-Forwarded-Proto (and strips it from what clients send).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A request that reached us over plain HTTP is sent to https:// first.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30
    # Covers only names under this installation's own host (e.g. *.aktivist.example.org).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)

# --- Logging: ids and verbs only, never personal data ---------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per SMS request otherwise (the provider's address, never a number).
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
