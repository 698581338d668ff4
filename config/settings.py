"""One settings module for every environment, driven by environment variables.

With no environment at all the site runs on embedded defaults (SQLite, in-memory
channel layer, a Celery broker that needs no server, localstripe, console email).
Setting DATABASE_URL, REDIS_URL and STRIPE_* switches to the real components; see
README.md for the full list.
"""

import base64
import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime files of the default run: database, broker, logs

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The embedded default key is only for development; production must set SECRET_KEY
# (check --deploy warns about an insecure key).
SECRET_KEY = env(
    "SECRET_KEY",
    default="django-insecure-development-only-key-do-not-use-in-production-0123456789",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",  # `runserver` serves ASGI (HTTP + WebSockets) in development
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "djstripe",
    # Project apps: see docs/architecture.md for what each one owns.
    "core",
    "accounts",
    "marketplace",
    "payments",
    "livestream",
    "qa",
    "discussions",
    "recommend",
    "assistant",
    "rewards",
    "library",
    "search",
    "community",
    "hooks",  # creators' outgoing webhooks (layer 5, beside community)
    "ads",
    "moderation",
    "content",
    "demo",  # seed_demo: at the top, beside config (it imports anything, nobody imports it)
    "django.contrib.sitemaps",
    "csp",  # Content-Security-Policy with per-request nonces
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.RequestLanguageMiddleware",  # the language lasts for the request only
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.HardeningMiddleware",  # control characters, Cache-Control, Permissions-Policy
    "accounts.middleware.PreferredLanguageMiddleware",
    "accounts.middleware.TimeZoneMiddleware",  # the viewer's zone for every date shown
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "moderation.middleware.BannedUserMiddleware",  # logs banned users out
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.notifications_unread",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------
# SQLite file by default; PostgreSQL via DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # DB_POOL=true turns on psycopg's connection pool: the right choice under an ASGI
    # server, where Django otherwise opens a connection per request. Under gunicorn's
    # sync workers persistent connections (CONN_MAX_AGE) do the same job; the pool and
    # CONN_MAX_AGE exclude each other. See README "Performance".
    if env.bool("DB_POOL", default=False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN", default=2),
            "max_size": env.int("DB_POOL_MAX", default=10),
            "timeout": 10,
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, Celery worker and beat share the file without
    # "database is locked" errors under light load.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker -------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Parallel test workers (pytest-xdist names them gw0, gw1, ...) flush their Redis
# database between tests, so each takes its own: the configured number, then the ones
# below it. Servers a test starts inherit the variable and land on the same one.
_test_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _test_worker.startswith("gw"):
    _url = urlsplit(REDIS_URL)
    _db = int(_url.path.strip("/") or 0) - int(_test_worker[2:])
    REDIS_URL = urlunsplit(_url._replace(path=f"/{_db % 16}"))

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="kl"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's asyncio pool stops at 100 connections by default and then
                # raises "Too many connections"; a busy process needs more.
                "hosts": [{"address": REDIS_URL, "max_connections": 1000}],
                "prefix": env("CHANNEL_LAYER_PREFIX", default="asgi"),
                # Live rooms receive one message per process, not per socket, but a
                # burst must not overflow the process's channel.
                "capacity": 5000,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery ------------------------------------------------------------------------
# Default: the filesystem transport, a broker that needs no server; the run command
# starts a real worker and beat on it. Production: Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A benchmark's worker and its sender share a queue of their own on a shared broker.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_REDIRECT_STDOUTS = False  # console emails print where the worker runs
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "payments-settle-stale": {
        "task": "payments.tasks.payments_settle_stale_task",
        "schedule": 600.0,  # seconds
    },
    # Every running balance against the sum of its entries (read-only; logs errors).
    "payments-ledger-reconcile": {
        "task": "payments.tasks.ledger_reconcile_task",
        "schedule": crontab(hour=3, minute=17),
    },
    # --- qa: refund declined-or-overdue paid questions (safe to run twice) ---
    "qa-refund-overdue": {
        "task": "qa.tasks.qa_refund_overdue_task",
        "schedule": 60.0,  # seconds
    },
}

# --- Stripe ------------------------------------------------------------------------
# Default: localstripe (a stateful fake Stripe server started by the run and test
# commands). Production: real keys and the real API base.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://127.0.0.1:8420")
# dj-stripe insists on key shapes (sk_test_ + 24 or more characters).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_localstripe000000000000000")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe000000000000000")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_localstripe")
# Stripe.js: localstripe serves a stand-in at the same base; production sets
# STRIPE_JS_URL=https://js.stripe.com/v3/ (Stripe requires loading it from there).
STRIPE_JS_URL = env("STRIPE_JS_URL", default=f"{STRIPE_API_BASE}/js.stripe.com/v3/")
STRIPE_USES_LOCALSTRIPE = "api.stripe.com" not in STRIPE_API_BASE

# dj-stripe mirrors Stripe's objects (customers, subscriptions, invoices, ...) from
# the same webhooks (payments.webhooks hands each verified event to it).
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
if STRIPE_LIVE_MODE:
    STRIPE_LIVE_SECRET_KEY = STRIPE_SECRET_KEY
    STRIPE_LIVE_PUBLIC_KEY = STRIPE_PUBLISHABLE_KEY
else:
    STRIPE_TEST_SECRET_KEY = STRIPE_SECRET_KEY
    STRIPE_TEST_PUBLIC_KEY = STRIPE_PUBLISHABLE_KEY
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
if STRIPE_USES_LOCALSTRIPE:
    # dj-stripe talks to stripe.api_base, which this points at localstripe; its
    # check W002 warns that the host is not Stripe's, which is the point here.
    STRIPE_API_HOST = STRIPE_API_BASE
    SILENCED_SYSTEM_CHECKS = ["djstripe.W002"]

# --- Auth and accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Verification is mandatory so that signing up with a taken address reveals nothing:
# allauth answers "verification sent" either way and mails the owner instead.
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Login throttling (allauth's rate limits, kept in the cache: Redis in production).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Zhiliao] "
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Zhiliao <noreply@localhost>")

# --- Email -------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve straight from the app folders when DEBUG is on, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.api_tokens.ApiTokenAuthentication",  # personal tokens: Bearer zl_...
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "core.api_parsers.JSONParser",  # every body field refuses control characters
        "core.api_parsers.FormParser",
        "core.api_parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.AutoSchema",  # public access, errors declared
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhiliao API",
    "DESCRIPTION": "Catalogue (read) and creator management (write).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.request_strings_without_control_characters",
    ],
    # Several models have a "status" field with their own choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "PublicationStatusEnum": "marketplace.models.PublicationStatus",
        "PurchaseStatusEnum": "payments.models.Purchase.Status",
        "TopUpStatusEnum": "payments.models.TopUp.Status",
        "PayoutStatusEnum": "payments.models.Payout.Status",
    },
}

# --- Marketplace ---------------------------------------------------------------------
# Currencies a creator may price in (ISO 4217) and the number of minor units of each.
MARKETPLACE_CURRENCIES = {"CNY": 2, "USD": 2, "EUR": 2}
MARKETPLACE_DEFAULT_CURRENCY = env("MARKETPLACE_DEFAULT_CURRENCY", default="CNY")
# Upper bound on any one price, in minor units: a typo guard, not a business rule.
MARKETPLACE_MAX_PRICE_MINOR = env.int("MARKETPLACE_MAX_PRICE_MINOR", default=10_000_000)
CATALOGUE_PAGE_SIZE = 24
# Site-wide search (search/): results per page of one kind, and per kind on "All".
SEARCH_PAGE_SIZE = env.int("SEARCH_PAGE_SIZE", default=20)
SEARCH_ALL_PER_KIND = env.int("SEARCH_ALL_PER_KIND", default=5)
# Rendered catalogue results are cached per query and language; every change to
# catalogue content moves a version key, so this is only a safety net.
CATALOGUE_CACHE_SECONDS = env.int("CATALOGUE_CACHE_SECONDS", default=600)

# --- Payments ----------------------------------------------------------------------
# Platform fee per kind of income, in basis points (1000 = 10%). The fee is rounded
# down, in the creator's favour.
PAYMENTS_FEE_BPS = {
    "tip": env.int("PAYMENTS_FEE_BPS_TIP", default=1000),
    "purchase": env.int("PAYMENTS_FEE_BPS_PURCHASE", default=2000),
    "subscription": env.int("PAYMENTS_FEE_BPS_SUBSCRIPTION", default=1500),
    "priority_question": env.int("PAYMENTS_FEE_BPS_PRIORITY_QUESTION", default=1000),
}
# Smallest tip and top-up, in minor units of any currency.
PAYMENTS_MIN_TIP = env.int("PAYMENTS_MIN_TIP", default=100)
PAYMENTS_MIN_TOP_UP = env.int("PAYMENTS_MIN_TOP_UP", default=500)
PAYMENTS_MAX_TOP_UP = env.int("PAYMENTS_MAX_TOP_UP", default=500_000)
PAYMENTS_MIN_PAYOUT = env.int("PAYMENTS_MIN_PAYOUT", default=10_000)
# A renewal that fails (a declined card, a bank asking for 3-D Secure) leaves the
# subscriber their tier this many days past the paid period while they fix it, as
# Patreon does; Stripe retries meanwhile and ends the subscription if it stays unpaid.
PAYMENTS_RENEWAL_GRACE_DAYS = env.int("PAYMENTS_RENEWAL_GRACE_DAYS", default=7)
# "manual": staff pay outside the site and record it (development, small teams);
# "stripe_connect": approval makes a Stripe Connect transfer to the creator's account.
PAYMENTS_PAYOUT_METHOD = env("PAYMENTS_PAYOUT_METHOD", default="manual")

# --- Points, coupons, referrals (issue 27) ---------------------------------------
# Points expire this many days after they were earned, oldest first (a beat job).
POINTS_EXPIRY_DAYS = env.int("POINTS_EXPIRY_DAYS", default=365)
# Receipts (payments/receipt_pdf.py): who issues them, and a font with Chinese glyphs
# (Debian's fonts-wqy-zenhei; a .ttf or .ttc) embedded in each PDF.
RECEIPT_ISSUER = env("RECEIPT_ISSUER", default="Zhiliao 知了")
RECEIPT_FONT_PATH = env("RECEIPT_FONT_PATH", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CELERY_BEAT_SCHEDULE["points-expire-due"] = {
    "task": "payments.tasks.points_expire_due_task",
    "schedule": 3600.0,  # seconds
}
# Sponsored listings: one viewer sees one campaign at most this many times a day; a
# purchase within this many days of a click is the campaign's conversion.
ADS_FREQUENCY_CAP = env.int("ADS_FREQUENCY_CAP", default=3)
ADS_CONVERSION_DAYS = env.int("ADS_CONVERSION_DAYS", default=7)
# The list of running campaigns is cached this long (and dropped on every change).
ADS_RUNNING_CACHE_SECONDS = 30
CELERY_BEAT_SCHEDULE["ads-charge"] = {
    "task": "ads.tasks.ads_charge_task",
    "schedule": 300.0,  # seconds: charges follow delivery within five minutes
}

# --- Live rooms (docs/live-room-protocol.md) --------------------------------------
LIVESTREAM_MAX_FRAME_BYTES = env.int("LIVESTREAM_MAX_FRAME_BYTES", default=4096)
LIVESTREAM_MAX_CHAT_CHARS = env.int("LIVESTREAM_MAX_CHAT_CHARS", default=500)
LIVESTREAM_MAX_QUESTION_CHARS = 300  # the Question.text column's length
LIVESTREAM_MAX_OPEN_QUESTIONS = env.int("LIVESTREAM_MAX_OPEN_QUESTIONS", default=3)
# Paid priority questions (Super Chat-like): the smallest price, in minor units of the
# session's currency. Unanswered when the session ends: refunded to the wallet.
LIVESTREAM_PRIORITY_QUESTION_MIN = env.int("LIVESTREAM_PRIORITY_QUESTION_MIN", default=500)
# Per-user token bucket for everything a viewer sends: `burst` at once, refilled
# at `rate` per second.
LIVESTREAM_RATE_BURST = env.int("LIVESTREAM_RATE_BURST", default=5)
LIVESTREAM_RATE_PER_SECOND = env.float("LIVESTREAM_RATE_PER_SECOND", default=2.0)
# Until the moderation app supplies its rules: comma-separated, Chinese or English.
LIVESTREAM_BLOCKED_WORDS = env.list("LIVESTREAM_BLOCKED_WORDS", default=[])
# How often each server process reports and receives viewer counts, and checks the
# database for room events it may have missed (a Redis restart, a dropped message).
LIVESTREAM_TICK_SECONDS = env.float("LIVESTREAM_TICK_SECONDS", default=2.0)
# A viewer whose socket cannot keep up is disconnected past this many queued
# frames; the page reconnects and catches up from the database.
LIVESTREAM_MAX_QUEUED_FRAMES = env.int("LIVESTREAM_MAX_QUEUED_FRAMES", default=1000)
# A busy room's chat is saved in batches (livestream.chat_writer): at most this many
# messages per transaction.
LIVESTREAM_CHAT_BATCH = env.int("LIVESTREAM_CHAT_BATCH", default=100)
# --- Video ingest (nginx-rtmp; deploy/nginx-rtmp.conf.template) --------------------
# What creators paste into OBS as the server; the stream key is "<session id>?key=...".
VIDEO_RTMP_URL = env("VIDEO_RTMP_URL", default="rtmp://127.0.0.1:1935/live")
# Where viewers fetch live HLS and replays: nginx (or an edge cache, a CDN in front of
# it) checking a signed token (livestream/playback.py); the token follows in the path.
VIDEO_HLS_URL = env("VIDEO_HLS_URL", default="http://127.0.0.1:8935/hls")
VIDEO_VOD_URL = env("VIDEO_VOD_URL", default="http://127.0.0.1:8935/vod")
# nginx's folder (`manage.py video_ingest` --prefix): live HLS in hls/, recordings in
# rec/, replays in vod/. Django reads recordings and writes replays here.
VIDEO_ROOT = env("VIDEO_ROOT", default=str(VAR_DIR / "nginx"))
# nginx calls back with this token in the URL; derived from SECRET_KEY unless set.
VIDEO_CALLBACK_TOKEN = env("VIDEO_CALLBACK_TOKEN", default="")
# How long a stopped encoder may take to come back before the session ends.
VIDEO_RECONNECT_GRACE_SECONDS = env.int("VIDEO_RECONNECT_GRACE_SECONDS", default=60)
# Signed playback: "<id>:<secret>" pairs, the first signs, all verify (rotation: put
# the new key first, keep the old one a token lifetime, then drop it and run
# `manage.py video_ingest reload`). Empty: one key derived from SECRET_KEY.
VIDEO_SIGNING_KEYS = env.list("VIDEO_SIGNING_KEYS", default=[])
# A token's life (revocation takes at most this long) and how often the player asks
# Django for a new one while it plays (Django requests per viewer per minute =
# 60 / this).
VIDEO_TOKEN_TTL_SECONDS = env.int("VIDEO_TOKEN_TTL_SECONDS", default=60)
VIDEO_TOKEN_REFRESH_SECONDS = env.int("VIDEO_TOKEN_REFRESH_SECONDS", default=40)
# How often nginx re-checks a running stream's key (a rotated key stops it).
VIDEO_UPDATE_SECONDS = env.int("VIDEO_UPDATE_SECONDS", default=10)
# Adaptive bitrate (livestream/ladder.py): off by default. On, nginx starts ffmpeg for
# every publish, which encodes each rung of the ladder lower than the source
# ("<name>:<height>:<video kbit/s>") next to the source's own HLS, and writes a master
# playlist; replays keep the ladder. A 720p source gets 480p and 360p.
VIDEO_ABR = env.bool("VIDEO_ABR", default=False)
VIDEO_ABR_LADDER = env.list("VIDEO_ABR_LADDER", default=["720p:720:2800", "480p:480:1400",
                                                         "360p:360:800"])  # fmt: skip
# x264's speed for the ladder (ultrafast costs least CPU, veryfast looks better).
VIDEO_ABR_PRESET = env("VIDEO_ABR_PRESET", default="veryfast")
# Files to the bucket above this size go in parts of this size (S3 takes at most 5 GB in
# one PUT and 10,000 parts; 64 MiB parts reach 640 GB). A retry keeps the parts already
# stored and verified (livestream/replay_storage.py).
VIDEO_UPLOAD_PART_BYTES = env.int("VIDEO_UPLOAD_PART_BYTES", default=64 * 1024 * 1024)
# Sockets of paid rooms re-check access this often (refunds and bans act at once).
LIVESTREAM_ACCESS_RECHECK_SECONDS = env.float("LIVESTREAM_ACCESS_RECHECK_SECONDS", default=60.0)

# --- Security ----------------------------------------------------------------------
# Secure by default: with DEBUG off, HTTPS redirect, secure cookies and HSTS are on.
# A deployment served over plain HTTP (a laptop, the test suite, loopback benchmarks)
# says so with one switch, PLAIN_HTTP=true; DEBUG implies it. Each setting can still
# be overridden by its own variable.
PLAIN_HTTP = env.bool("PLAIN_HTTP", default=DEBUG)
_HTTPS = not PLAIN_HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_HTTPS)
# nginx calls these over loopback (RTMP callbacks, auth_request), load balancers
# probe health over HTTP: a redirect would read as a refusal or an outage.
SECURE_REDIRECT_EXEMPT = [r"^video/", r"^healthz/$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Browser features the site never uses are switched off for every page (core.middleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(self), usb=(), interest-cohort=()"
)


def _origin(url: str) -> str:
    """ "https://js.stripe.com" of "https://js.stripe.com/v3/"."""
    parts = url.split("/")
    return "/".join(parts[:3]) if "://" in url else url


# Content-Security-Policy (django-csp) on every page: scripts only from the site, its
# nonce'd inline scripts and Stripe.js; no plugins; never framed. Inline styles stay
# allowed (style attributes in a few templates, the admin and API docs use them).
_STRIPE_ORIGINS = sorted(
    {_origin(STRIPE_JS_URL), _origin(STRIPE_API_BASE)}
    | ({"https://js.stripe.com", "https://hooks.stripe.com"} if STRIPE_LIVE_MODE else set())
)
_VIDEO_ORIGINS = sorted({_origin(VIDEO_HLS_URL), _origin(VIDEO_VOD_URL)} - {""})
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE, *_STRIPE_ORIGINS],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *_STRIPE_ORIGINS, *_VIDEO_ORIGINS],
        "media-src": ["'self'", "blob:", *_VIDEO_ORIGINS],
        "frame-src": ["'self'", *_STRIPE_ORIGINS],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Origins a browser may open the room socket from (scheme, host and port, exact).
# Default: SITE_URL's origin and CSRF_TRUSTED_ORIGINS.
WEBSOCKET_ALLOWED_ORIGINS = env.list("WEBSOCKET_ALLOWED_ORIGINS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Paid questions (qa) -------------------------------------------------------------
# The whole price formula lives in qa/pricing.py; these are its factors. Factors are
# basis points (10_000 = x1.00) so the arithmetic stays in integers.
QA_MIN_BASE_PRICE = env.int("QA_MIN_BASE_PRICE", default=100)
QA_MAX_BASE_PRICE = env.int("QA_MAX_BASE_PRICE", default=1_000_000)
QA_DEFAULT_ANSWER_HOURS = env.int("QA_DEFAULT_ANSWER_HOURS", default=48)
QA_MAX_ANSWER_HOURS = env.int("QA_MAX_ANSWER_HOURS", default=72)
QA_QUOTE_TTL_SECONDS = env.int("QA_QUOTE_TTL_SECONDS", default=15 * 60)
QA_DUPLICATE_WINDOW_SECONDS = env.int("QA_DUPLICATE_WINDOW_SECONDS", default=10 * 60)
QA_QUESTION_MIN_CHARS = env.int("QA_QUESTION_MIN_CHARS", default=5)
QA_QUESTION_MAX_CHARS = env.int("QA_QUESTION_MAX_CHARS", default=3000)
QA_ANSWER_MAX_CHARS = env.int("QA_ANSWER_MAX_CHARS", default=20_000)
QA_ATTACHMENT_MAX_BYTES = env.int("QA_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
QA_AUDIO_MAX_BYTES = env.int("QA_AUDIO_MAX_BYTES", default=20 * 1024 * 1024)
QA_ATTACHMENT_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "txt", "md", "zip"]
QA_AUDIO_EXTENSIONS = ["mp3", "m4a", "ogg", "wav", "webm"]
# Seniority: x1.00, plus a bonus for a verified expert, for answer count tiers, and
# for ratings above 3 stars (minus below), clamped to [MIN, MAX].
QA_SENIORITY_VERIFIED_BPS = env.int("QA_SENIORITY_VERIFIED_BPS", default=2000)
QA_SENIORITY_ANSWER_TIERS = [(10, 1000), (50, 2000), (200, 3000)]  # (answers, bonus bps)
QA_SENIORITY_MIN_RATINGS = env.int("QA_SENIORITY_MIN_RATINGS", default=3)
QA_SENIORITY_BPS_PER_STAR = env.int("QA_SENIORITY_BPS_PER_STAR", default=1000)
QA_SENIORITY_MIN_BPS = env.int("QA_SENIORITY_MIN_BPS", default=8000)
QA_SENIORITY_MAX_BPS = env.int("QA_SENIORITY_MAX_BPS", default=20_000)
# Difficulty: the learner's pick, raised by long or technical text.
QA_DIFFICULTY_BPS = {"quick": 8000, "standard": 10_000, "in_depth": 15_000}
QA_LENGTH_FREE_CHARS = env.int("QA_LENGTH_FREE_CHARS", default=500)
QA_LENGTH_STEP_CHARS = env.int("QA_LENGTH_STEP_CHARS", default=500)
QA_LENGTH_STEP_BPS = env.int("QA_LENGTH_STEP_BPS", default=1000)
QA_LENGTH_MAX_BPS = env.int("QA_LENGTH_MAX_BPS", default=3000)
QA_TECHNICAL_MIN_MARKERS = env.int("QA_TECHNICAL_MIN_MARKERS", default=3)
QA_TECHNICAL_BPS = env.int("QA_TECHNICAL_BPS", default=1000)
# Reading someone else's public answer: a small fixed fee per currency, split between
# the expert (EXPERT_SHARE of what is left after the platform fee) and the asker.
QA_UNLOCK_PRICE = env.int("QA_UNLOCK_PRICE", default=100)
QA_UNLOCK_EXPERT_SHARE_BPS = env.int("QA_UNLOCK_EXPERT_SHARE_BPS", default=5000)
PAYMENTS_FEE_BPS.setdefault("question", env.int("PAYMENTS_FEE_BPS_QUESTION", default=2000))
PAYMENTS_FEE_BPS.setdefault(
    "question_unlock", env.int("PAYMENTS_FEE_BPS_QUESTION_UNLOCK", default=2000)
)
# Expert matching and similar questions: in-process TF-IDF indexes, rebuilt when older
# than this or when an answer or an expert's settings change (a version in the cache).
QA_INDEX_TTL_SECONDS = env.int("QA_INDEX_TTL_SECONDS", default=600)
# A change makes the index stale, but it is rebuilt at most this often under load.
QA_INDEX_MIN_REBUILD_SECONDS = env.int("QA_INDEX_MIN_REBUILD_SECONDS", default=30)
# A stale index keeps answering while one background thread rebuilds it.
QA_INDEX_REBUILD_IN_BACKGROUND = env.bool("QA_INDEX_REBUILD_IN_BACKGROUND", default=True)
QA_MATCH_LIMIT = env.int("QA_MATCH_LIMIT", default=5)
QA_SIMILAR_LIMIT = env.int("QA_SIMILAR_LIMIT", default=5)
QA_SIMILAR_MIN_SCORE = env.float("QA_SIMILAR_MIN_SCORE", default=0.2)

# --- discussions (threads, replies, likes) ---
# How long after posting an author may still edit a thread or reply.
DISCUSSIONS_EDIT_WINDOW_MINUTES = env.int("DISCUSSIONS_EDIT_WINDOW_MINUTES", default=15)
DISCUSSIONS_MAX_TITLE_CHARS = 200
DISCUSSIONS_MAX_BODY_CHARS = env.int("DISCUSSIONS_MAX_BODY_CHARS", default=10_000)
DISCUSSIONS_PAGE_SIZE = 20
# The unread-notifications badge is cached this long (invalidated on send and read).
NOTIFICATIONS_UNREAD_CACHE_SECONDS = 60
# The header asks for the unread count this often (one cache read per ask; the cache is
# dropped when a notification arrives, so a new one shows within this many seconds).
NOTIFICATIONS_POLL_SECONDS = env.int("NOTIFICATIONS_POLL_SECONDS", default=30)
# The share posters' CJK-capable font (Debian's fonts-wqy-zenhei, scripts/install.sh).
SHARE_POSTER_FONT = env("SHARE_POSTER_FONT", default="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
# A go-live notice reaches a channel's followers in Celery batches of this many.
COMMUNITY_FANOUT_BATCH = env.int("COMMUNITY_FANOUT_BATCH", default=1000)

# --- hooks (creators' outgoing webhooks) ---
# Registered URLs must be https:// and outside the site's network; local development and
# the tests deliver to a plain-HTTP server on loopback with both switched on.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=False)
WEBHOOKS_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOKS_ALLOW_PRIVATE_HOSTS", default=False)
WEBHOOKS_MAX_ENDPOINTS = env.int("WEBHOOKS_MAX_ENDPOINTS", default=10)
WEBHOOKS_CONNECT_TIMEOUT = env.float("WEBHOOKS_CONNECT_TIMEOUT", default=5.0)  # seconds
WEBHOOKS_READ_TIMEOUT = env.float("WEBHOOKS_READ_TIMEOUT", default=10.0)  # seconds
# Retries after a failure: RETRY_BASE x 4^(n-1) seconds, at most RETRY_CAP, for RETRY_FOR
# seconds after the event (a day: about nine attempts).
WEBHOOKS_RETRY_BASE = env.int("WEBHOOKS_RETRY_BASE", default=60)
WEBHOOKS_RETRY_CAP = env.int("WEBHOOKS_RETRY_CAP", default=6 * 3600)
WEBHOOKS_RETRY_FOR = env.int("WEBHOOKS_RETRY_FOR", default=86400)
# An endpoint is turned off (and its creator told) after this many failed attempts in
# a row spread over at least this many seconds.
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=10)
WEBHOOKS_DISABLE_AFTER_SECONDS = env.int("WEBHOOKS_DISABLE_AFTER_SECONDS", default=86400)
# After a secret rotation the old secret signs beside the new one this long (seconds).
WEBHOOKS_ROTATION_GRACE = env.int("WEBHOOKS_ROTATION_GRACE", default=86400)
CELERY_BEAT_SCHEDULE["payments-subscription-prices"] = {
    "task": "payments.tasks.subscription_prices_apply_task",
    "schedule": 3600.0,  # seconds
}
# A tier's new price reaches current subscribers at the first renewal at least this many
# days after they are told (new subscribers pay it at once).
SUBSCRIPTION_PRICE_NOTICE_DAYS = env.int("SUBSCRIPTION_PRICE_NOTICE_DAYS", default=30)
CELERY_BEAT_SCHEDULE["hooks-deliveries-due"] = {
    "task": "hooks.tasks.deliveries_due_task",
    "schedule": 60.0,  # seconds
}

# --- recommend (behaviour events, stored lists, A/B variants) ---
# Variant name -> share of signed-in users (deterministic hash of the user id).
# Names are model names: popularity, itemknn, ease, als, rp3beta, content, blend, stacked
# (the shipped model).
RECOMMEND_VARIANTS = {"stacked": 50, "popularity": 50}
# The bandit (recommend.traffic, recommend.bandit): with it on, the split above is only the
# start; every hour Thompson sampling on each variant's click-through over the window
# moves the shares (each variant keeps the floor; no share moves more than the step per
# update) and a variant whose purchases per impression are, with 95% posterior
# probability, below GUARD_RATIO of the best variant's (after GUARD_MIN_IMPRESSIONS) is
# stopped. Every change is logged (VariantShareChange) and drawn on /staff/recommendations/.
# Live-aware ranking (recommend.live): sessions live now or starting within the horizon on
# a learner's followed or strong topics rise on "For you" by BOOST x relevance x a time
# weight that halves every LIVE_HALF_LIFE minutes live and every SOON_HALF_LIFE minutes
# before the start. (A list item's base score is 1 / (1 + rank / 10): 1.0 at the top.)
RECOMMEND_LIVE_BOOST = env.float("RECOMMEND_LIVE_BOOST", default=1.5)
RECOMMEND_LIVE_HALF_LIFE_MINUTES = env.float("RECOMMEND_LIVE_HALF_LIFE_MINUTES", default=120.0)
RECOMMEND_SOON_HALF_LIFE_MINUTES = env.float("RECOMMEND_SOON_HALF_LIFE_MINUTES", default=120.0)
RECOMMEND_SOON_HORIZON_HOURS = env.float("RECOMMEND_SOON_HORIZON_HOURS", default=24.0)
RECOMMEND_BANDIT = env.bool("RECOMMEND_BANDIT", default=True)
RECOMMEND_BANDIT_WINDOW_DAYS = env.int("RECOMMEND_BANDIT_WINDOW_DAYS", default=14)
RECOMMEND_BANDIT_FLOOR = env.float("RECOMMEND_BANDIT_FLOOR", default=0.05)
RECOMMEND_BANDIT_MAX_STEP = env.float("RECOMMEND_BANDIT_MAX_STEP", default=0.1)
RECOMMEND_BANDIT_GUARD_RATIO = env.float("RECOMMEND_BANDIT_GUARD_RATIO", default=0.7)
RECOMMEND_BANDIT_GUARD_MIN_IMPRESSIONS = env.int(
    "RECOMMEND_BANDIT_GUARD_MIN_IMPRESSIONS", default=2000
)
# the shipped model re-tunes its blend weights on a slice of the events this often
RECOMMEND_TUNE_MAX_AGE_SECONDS = env.int("RECOMMEND_TUNE_MAX_AGE_SECONDS", default=86400)
# How much one event of each kind says about a user's taste; watch counts per minute.
RECOMMEND_EVENT_WEIGHTS = {
    "view": 1.0,
    "watch": 0.2,
    "like": 2.0,
    "comment": 3.0,
    "question": 3.0,
    "tip": 4.0,
    "purchase": 5.0,
    "subscribe": 5.0,
    "follow": 3.0,  # a free follow of a channel (community)
    "click": 1.0,
}
RECOMMEND_HALF_LIFE_DAYS = env.float("RECOMMEND_HALF_LIFE_DAYS", default=30.0)
RECOMMEND_LIST_LENGTH = 20
RECOMMEND_ROW_LENGTH = 6  # items shown in a row on a page
# Diversity: at most this many items of one creator, and of one category, in a stored list.
RECOMMEND_MAX_PER_CREATOR = 3
RECOMMEND_MAX_PER_CATEGORY = 12
RECOMMEND_MAX_EVENTS_PER_USER_PER_DAY = env.int("RECOMMEND_MAX_EVENTS_PER_USER_PER_DAY", 500)
# The staff click-through chart is differentially private (recommend/staff_stats.py):
# one visitor adds at most this many items shown and clicks per day to the counters
# (the rest are not counted), and each complete day is released once with Laplace
# noise costing this much epsilon (half on items shown, half on clicks).
RECOMMEND_STATS_MAX_IMPRESSIONS_PER_VISITOR_DAY = env.int(
    "RECOMMEND_STATS_MAX_IMPRESSIONS_PER_VISITOR_DAY", 200
)
RECOMMEND_STATS_MAX_CLICKS_PER_VISITOR_DAY = env.int(
    "RECOMMEND_STATS_MAX_CLICKS_PER_VISITOR_DAY", 20
)
RECOMMEND_STATS_EPSILON_PER_DAY = env.float("RECOMMEND_STATS_EPSILON_PER_DAY", 1.0)
RECOMMEND_VIEW_DEDUPE_SECONDS = 600  # repeated views of one item in this window count once
RECOMMEND_WATCH_MAX_REPORT_SECONDS = 90  # the player reports every ~30 s
RECOMMEND_EVENT_RETENTION_DAYS = env.int("RECOMMEND_EVENT_RETENTION_DAYS", default=180)
# Neighbours kept per item in the stored model's items x items matrices (sparse).
# MovieLens 100K: 400 keeps NDCG@10 within 0.1% of the dense model, 200 within 0.3%.
RECOMMEND_MODEL_NEIGHBOURS = env.int("RECOMMEND_MODEL_NEIGHBOURS", default=400)
RECOMMEND_MODEL_MAX_AGE_SECONDS = env.int("RECOMMEND_MODEL_MAX_AGE_SECONDS", default=6 * 3600)
RECOMMEND_REFRESH_BATCH = 1000  # users scored per product (scores: 20 MB at 5,000 items)
RECOMMEND_POPULAR_CACHE_SECONDS = 600
CELERY_BEAT_SCHEDULE.update(
    {
        "recommend-refresh": {
            "task": "recommend.tasks.recommendations_refresh_task",
            "schedule": 600.0,  # seconds; incremental, safe to run twice
        },
        "recommend-prune-events": {
            "task": "recommend.tasks.events_prune_task",
            "schedule": 86400.0,
        },
        "recommend-session-stats": {
            "task": "recommend.tasks.session_stats_aggregate_task",
            "schedule": 3600.0,  # seconds; rewrites today's and yesterday's rows
        },
        "recommend-variant-shares": {
            "task": "recommend.tasks.variant_shares_update_task",
            "schedule": 3600.0,  # the bandit's next split (logged only when it moves)
        },
    }
)

# --- assistant (instant answers from the site's knowledge, support hand-off) ---
# Below this confidence (the blended score of the best passage, 0..1) the assistant
# says it has no good answer and offers the next step. Tuned on stackfaq's null
# queries (README: "The assistant").
ASSISTANT_MIN_CONFIDENCE = env.float("ASSISTANT_MIN_CONFIDENCE", default=0.45)
ASSISTANT_MAX_QUESTION_CHARS = 500
ASSISTANT_RATE_LIMIT = env.int("ASSISTANT_RATE_LIMIT", default=20)  # questions per user per minute
ASSISTANT_PASSAGES = 3  # passages quoted in one answer
# The in-process index is rebuilt from PostgreSQL when the stored version moves,
# at most this often (seconds); until then the previous one answers.
ASSISTANT_INDEX_MIN_REBUILD_SECONDS = env.float("ASSISTANT_INDEX_MIN_REBUILD_SECONDS", default=5.0)
# False: the first question waits for the build (tests); True: it is told to come back.
ASSISTANT_INDEX_BUILD_IN_BACKGROUND = env.bool("ASSISTANT_INDEX_BUILD_IN_BACKGROUND", default=True)

# --- Content authoring: lessons and articles (content app) --------------------------
# Media go through Django's storage API. Default: local files; public images under
# MEDIA_ROOT (random names), paid attachments in a private folder outside MEDIA_URL,
# served only by content.views.asset_download after an access check.
# MEDIA_S3_BUCKET switches both to S3-compatible object storage (django-storages):
# images public-read, attachments private with short-lived presigned URLs.
CONTENT_PRIVATE_STORAGE = "content_private"
CONTENT_PRIVATE_ROOT = env("CONTENT_PRIVATE_ROOT", default=str(VAR_DIR / "private-media"))
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")
# Replays (HLS VOD) and processed recordings: under VIDEO_ROOT, or in the bucket
# under video/ (private; nginx serves them through the signed path, docs/scaling.md).
VIDEO_STORAGE = "video"


def s3_storages(options: dict[str, Any], presign_seconds: int = 60) -> dict[str, dict[str, Any]]:
    """STORAGES entries on one S3-compatible bucket (django-storages): images
    public-read, attachments and documents private with short-lived presigned URLs,
    video private. `options`: bucket_name, endpoint_url, region_name, keys."""
    backend = "storages.backends.s3.S3Storage"
    private = {**options, "custom_domain": None, "default_acl": "private",
               "querystring_auth": True, "querystring_expire": presign_seconds}  # fmt: skip
    return {
        "default": {
            "BACKEND": backend,
            "OPTIONS": {**options, "default_acl": "public-read", "querystring_auth": False},
        },
        CONTENT_PRIVATE_STORAGE: {
            "BACKEND": backend,
            "OPTIONS": {**private, "location": "private"},
        },  # fmt: skip
        VIDEO_STORAGE: {"BACKEND": backend, "OPTIONS": {**private, "location": "video"}},
    }


if MEDIA_S3_BUCKET:
    STORAGES.update(
        s3_storages(
            {
                "bucket_name": MEDIA_S3_BUCKET,
                "endpoint_url": env("MEDIA_S3_ENDPOINT_URL", default="") or None,
                "region_name": env("MEDIA_S3_REGION", default="") or None,
                "access_key": env("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
                "secret_key": env("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
                "custom_domain": env("MEDIA_S3_CUSTOM_DOMAIN", default="") or None,
                "file_overwrite": False,
            },
            presign_seconds=env.int("MEDIA_S3_PRESIGN_SECONDS", default=60),
        )
    )
else:
    STORAGES[CONTENT_PRIVATE_STORAGE] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": CONTENT_PRIVATE_ROOT, "base_url": None},
    }
    STORAGES[VIDEO_STORAGE] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VIDEO_ROOT, "base_url": None},
    }
CONTENT_IMAGE_MAX_BYTES = env.int("CONTENT_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
CONTENT_ATTACHMENT_MAX_BYTES = env.int("CONTENT_ATTACHMENT_MAX_BYTES", default=50 * 1024 * 1024)
CONTENT_IMAGE_MAX_PIXELS = env.int("CONTENT_IMAGE_MAX_PIXELS", default=40_000_000)
# Without a paywall marker (<!-- more --> or ---paywall--- on its own line), the free
# preview is this many top-level blocks of the body.
CONTENT_PREVIEW_BLOCKS = env.int("CONTENT_PREVIEW_BLOCKS", default=3)
CONTENT_RENDER_CACHE_SECONDS = env.int("CONTENT_RENDER_CACHE_SECONDS", default=7 * 24 * 3600)
# Publishes scheduled lessons and articles whose time has come (safe to run twice).
CELERY_BEAT_SCHEDULE["content-publish-due"] = {
    "task": "content.tasks.content_publish_due_task",
    "schedule": 60.0,  # seconds
}

# --- Moderation (moderation app) ----------------------------------------------------
# Reports hide content once the open reports' trust weights add up to this (one
# established reporter with a verified email weighs 1.0; see reporter_trust).
MODERATION_REPORT_THRESHOLD = env.float("MODERATION_REPORT_THRESHOLD", default=3.0)
# New channels, courses and live sessions of creators who are not verified experts
# wait for a moderator before they are public. (The test suite turns it off for its
# unverified creator fixtures, tests/conftest.py; tests/moderation turns it back on.)
MODERATION_REVIEW_UNVERIFIED_CREATORS = env.bool(
    "MODERATION_REVIEW_UNVERIFIED_CREATORS", default=True
)
MODERATION_REPEAT_LIMIT = 3  # same text on more objects than this, within the window: refused
MODERATION_REPEAT_WINDOW = 600  # seconds
MODERATION_VERIFICATION_MAX_BYTES = 5 * 1024 * 1024  # per document
MODERATION_VERIFICATION_MAX_FILES = 5
# The screening classifier (moderation.classifier; `manage.py screening_train`): above
# its kind's hold threshold (a 0-1 calibrated score) content waits for a moderator and
# live chat is held from viewers; the score never refuses on its own. Keys are the
# kinds content registers with moderation (model names, "chat" for live chat);
# "default" covers the rest. Shown on the admin's screening models page.
MODERATION_CLASSIFIER_HOLD: dict[str, float] = {
    "default": env.float("MODERATION_CLASSIFIER_HOLD_DEFAULT", default=0.7),
    "chat": env.float("MODERATION_CLASSIFIER_HOLD_CHAT", default=0.8),
    "lesson": 0.85,  # long written material: a quoted slur is more often discussion
    "article": 0.85,
}
# Weekly retraining (moderation.tasks.screening_retrain_task) runs only once this many
# moderators' decisions were made since the active model was trained, and promotes
# the new model only if no held-out measure drops by more than the tolerance.
MODERATION_CLASSIFIER_RETRAIN_MIN_DECISIONS = env.int(
    "MODERATION_CLASSIFIER_RETRAIN_MIN_DECISIONS", default=50
)
MODERATION_CLASSIFIER_PROMOTE_TOLERANCE = 0.002
# A moderator's decision weighs this many public examples in training: it is the
# site's own traffic, judged by its own rules.
MODERATION_CLASSIFIER_DECISION_WEIGHT = 3.0
# Where the public training data lives (empty: ../shared/data/moderation).
MODERATION_DATA_DIR = env.str("MODERATION_DATA_DIR", default="")
CELERY_BEAT_SCHEDULE["moderation-screening-retrain"] = {
    "task": "moderation.tasks.screening_retrain_task",
    "schedule": 7 * 86400.0,  # weekly
}

# --- Privacy and data rights (accounts.privacy; docs/privacy.md) ---------------------
# Encryption at rest (core.crypto): comma-separated Fernet keys, newest first; the
# first encrypts, all decrypt. After adding a key run `manage.py encryption_rotate`,
# then drop the old one. Without the variable a key is derived from SECRET_KEY, which
# is fine for development only (check --deploy warns about the same default key).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
]
PRIVACY_DELETION_GRACE_DAYS = env.int("PRIVACY_DELETION_GRACE_DAYS", default=14)
PRIVACY_EXPORT_VALID_DAYS = env.int("PRIVACY_EXPORT_VALID_DAYS", default=7)
# A running export whose worker has not reported for this long is taken as dead.
PRIVACY_EXPORT_STALE_SECONDS = env.int("PRIVACY_EXPORT_STALE_SECONDS", default=900)
PRIVACY_IP_RETENTION_DAYS = env.int("PRIVACY_IP_RETENTION_DAYS", default=90)
PRIVACY_NOTIFICATION_RETENTION_DAYS = env.int("PRIVACY_NOTIFICATION_RETENTION_DAYS", default=365)
# Differential privacy of audience figures (core.privacy): each creator may spend
# this much epsilon per day on noisy breakdowns; counts below the threshold are hidden.
PRIVACY_EPSILON_PER_CREATOR_DAY = env.float("PRIVACY_EPSILON_PER_CREATOR_DAY", default=1.0)
PRIVACY_MIN_COUNT = env.int("PRIVACY_MIN_COUNT", default=5)
# Breakdowns whose groups come from the data (cities) are (epsilon, delta)-private: a
# group that exists only because of one person shows with probability at most this.
PRIVACY_DELTA = env.float("PRIVACY_DELTA", default=1e-6)
# A MaxMind-format city database for viewers' coarse city (core/visit.py); unset: the
# GeoLite2 City file the maxminddb-geolite2 package ships; "": no city lookups at all.
PRIVACY_GEOIP_CITY_DB = env.str("PRIVACY_GEOIP_CITY_DB", default=None)
CELERY_BEAT_SCHEDULE.update(
    {
        # Deletions past their grace period, dead exports, and the retention windows.
        "privacy-deletions-due": {
            "task": "accounts.tasks.account_deletions_run_task",
            "schedule": 3600.0,  # seconds; safe to run twice
        },
        "privacy-exports-resume": {
            "task": "accounts.tasks.data_exports_resume_task",
            "schedule": 600.0,
        },
        "privacy-retention": {
            "task": "accounts.tasks.retention_run_task",
            "schedule": 86400.0,
        },
        "privacy-chat-ips": {
            "task": "livestream.tasks.chat_ips_clear_task",
            "schedule": 86400.0,
        },
    }
)
