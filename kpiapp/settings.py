"""Kennzahl settings: one module, configured from the environment (12-factor).

With nothing set it runs on SQLite with Celery tasks executed eagerly (the embedded default).
`DATABASE_URL` switches to PostgreSQL and `REDIS_URL` to a real Redis broker and cache.
Bad values fail loudly at start-up instead of being guessed.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

import dj_database_url

from kpiapp.schedules import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# A workspace scope found at a request's start or end raises (DEBUG, tests) or is logged and
# cleared (production): accounts.middleware.UnscopedRequestMiddleware.
TENANCY_STRICT = env_bool("TENANCY_STRICT", DEBUG)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "accounts",
    "kpiapp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
]

MIDDLEWARE = [
    # Request id and the one JSON line per request; the latency histogram for /metrics.
    "kpiapp.ops.logs.RequestContextMiddleware",
    "kpiapp.ops.metrics.RequestMetricsMiddleware",
    # Before the others, so it sees each request begin and end outside every workspace scope.
    "accounts.middleware.UnscopedRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.otp_device / is_verified() from the session (two-factor login).
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kpiapp.urls"
WSGI_APPLICATION = "kpiapp.wsgi.application"
ASGI_APPLICATION = "kpiapp.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Writers queue for the lock (up to 20 s) from the start of their transaction
            # instead of failing with "database is locked" when a read turns into a write.
            # WAL: pages keep reading while the background recompute writes its snapshots,
            # and a writer does not wait for readers.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ---------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            # Django's, reusing its client, and answering a miss while Redis is down.
            "BACKEND": "kpiapp.ops.tolerant_cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kennzahl",
        }
    }
else:
    # The embedded default: tasks run in-process, so a newcomer needs no broker.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process in the embedded default, so a per-process login-attempt count is exact.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

CELERY_TASK_EAGER_PROPAGATES = True
# With eager tasks (the embedded default) a recompute runs on a small in-process worker thread
# right after the response instead of inside the request (kpiapp/services/recompute_thread.py).
RECOMPUTE_IN_THREAD = env_bool("RECOMPUTE_IN_THREAD", True)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = beat_schedule(sweep_seconds=env_int("RECOMPUTE_SWEEP_SECONDS", 20))
# Tasks are acknowledged when they finish (`acks_late`): a task whose worker died stays
# unacknowledged, and Redis delivers it again once the visibility timeout has passed. So the
# timeout is the longest a task may run (the hard time limit) plus a margin, not Redis' hour;
# it must also exceed the longest countdown a task is queued with (a digest's retry backoff).
CELERY_TASK_SOFT_TIME_LIMIT = 19 * 60
CELERY_TASK_TIME_LIMIT = 20 * 60  # an import of 20 MB or a full recompute take minutes
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long tasks: a worker reserves one at a time
# One queue per kind of work, so that a big import never delays a digest and the nightly
# fan-out never delays an import (README, "Production"). A worker started without `-Q`
# consumes every queue listed here (development, tests, CI); production runs one worker
# service per queue (deploy/). Beat's small jobs (sweeps, fan-outs) stay on "celery".
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES: dict[str, dict] = {
    name: {} for name in ("celery", "recompute", "import", "mail")
}
CELERY_TASK_ROUTES = {
    "kpiapp.tasks.recompute_workspace": {"queue": "recompute"},
    "kpiapp.tasks.run_import": {"queue": "import"},
    "kpiapp.tasks.export_workspace": {"queue": "import"},
    "accounts.tasks.delete_workspace": {"queue": "import"},
    "kpiapp.tasks.send_report_digest": {"queue": "mail"},
    "kpiapp.tasks.evaluate_alerts": {"queue": "recompute"},
    "kpiapp.tasks.deliver_alert": {"queue": "mail"},
}
CELERY_WORKER_SEND_TASK_EVENTS = False

# A recompute's claim lives RECOMPUTE_LEASE_SECONDS unless its run renews it (every
# RECOMPUTE_HEARTBEAT_SECONDS); beat looks for lapsed claims (a worker killed mid-run) every
# RECOMPUTE_SWEEP_SECONDS and queues the work again: stale numbers for under a minute.
RECOMPUTE_LEASE_SECONDS = env_int("RECOMPUTE_LEASE_SECONDS", 30)
RECOMPUTE_HEARTBEAT_SECONDS = env_int("RECOMPUTE_HEARTBEAT_SECONDS", 10)
RECOMPUTE_SWEEP_SECONDS = env_int("RECOMPUTE_SWEEP_SECONDS", 20)
if not 0 < RECOMPUTE_HEARTBEAT_SECONDS * 2 <= RECOMPUTE_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "RECOMPUTE_HEARTBEAT_SECONDS must be at most half of RECOMPUTE_LEASE_SECONDS."
    )
# An import without a heartbeat for this long is failed by the sweeper (its worker died).
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 15 * 60)

# --- Users and login ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out credentials before the password is checked;
    # then the wider ceilings (accounts/lockout.py); then the password.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Wrong passwords lock an account *from one address* (the pair) for the cool-off time, so that
# nobody can lock a person out from elsewhere; two wider ceilings (accounts/lockout.py) still
# stop one address trying many accounts and many addresses trying one account. Emails count in
# lower case. The owner of an account gets one notice mail per lock. Counts live in the cache
# (Redis in production, shared by every process).
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field (it holds the email address)
AXES_USERNAME_CALLABLE = "accounts.lockout.axes_username"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
# A lock lasts the cool-off time from the failure that started it; refused tries do not extend
# it (else whoever keeps guessing keeps the owner out for good).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 10)  # any accounts
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 20)  # any addresses

# Two-factor login (django-otp): wrong confirmation or recovery codes per user and per address
# lock the code step for the same cool-off time.
TWO_FACTOR_FAILURE_LIMIT = env_int("TWO_FACTOR_FAILURE_LIMIT", 5)
TWO_FACTOR_ADDRESS_FAILURE_LIMIT = env_int("TWO_FACTOR_ADDRESS_FAILURE_LIMIT", 10)
TWO_FACTOR_PENDING_SECONDS = 10 * 60  # between the password and the code
OTP_TOTP_ISSUER = "Kennzahl"
# django-otp's own per-device pause after a wrong code (1, 2, 4 … s) is off: it refuses even
# the right code with "not correct" while it lasts. The lock above counts instead, and says so.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's key or codes

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
# Data protection (README, "Privacy / Datenschutz"): how long files and the audit log are kept.
IMPORT_FILE_KEEP_DAYS = env_int("IMPORT_FILE_KEEP_DAYS", 30)  # after the import job finished
WORKSPACE_EXPORT_KEEP_DAYS = env_int("WORKSPACE_EXPORT_KEEP_DAYS", 7)
AUDIT_LOG_KEEP_DAYS = env_int("AUDIT_LOG_KEEP_DAYS", 730)

# --- Languages and formats ------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
USE_THOUSAND_SEPARATOR = True
LANGUAGE_COOKIE_NAME = "kennzahl_language"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Chart.js comes from the npm registry (package.json + lock) and is served as it ships.
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Kennzahl <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Legal pages (the footer links to them; every German site needs both) --------------------
IMPRESSUM_URL = os.environ.get("IMPRESSUM_URL", "/legal/impressum/")
DATENSCHUTZ_URL = os.environ.get("DATENSCHUTZ_URL", "/legal/datenschutz/")

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A token first: without credentials the answer is 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kpiapp.api.auth.ApiTokenAuthentication",
        "kpiapp.api.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "kpiapp.api.auth.WorkspaceTwoFactorRequirement",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["kpiapp.api.auth.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("API_RATE", "1200/min")},
    "DEFAULT_PAGINATION_CLASS": "kpiapp.api.pagination.PageNumbers",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "kpiapp.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kennzahl API",
    "DESCRIPTION": "KPIs, targets and the data behind them, per workspace (PRODUCT.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1(?:/workspaces/\{slug\})?",  # tags: accounts, deals, …
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"DealStageEnum": "kpiapp.models.deals.DealStage"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kpiapp.api.schema.add_error_responses",
    ],
    # The schema and the docs describe the API, not any workspace's data: open to all.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# --- Security (production is DEBUG off) -----------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy (django-csp 4): everything from this site only, no inline script or
# style anywhere (JS in static/js, data in json_script blocks, styles in static/css/app.css),
# no plugins, no framing, forms post only here. Chart.js sizes its canvases through the CSSOM,
# which style-src does not govern. The one exception is the API docs' Swagger UI
# (kpiapp/api/docs.py), whose stylesheet draws its icons from data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Logs: JSON lines with request and workspace ids in production (kpiapp/ops/logs.py), plain
# text in development; LOG_FORMAT=json|text chooses.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text; got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "kpiapp.ops.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # One line per request from kpiapp.ops.logs in JSON; Django's own would repeat it.
        "django.request": {"level": "ERROR"},
        "kennzahl.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}
# Workers log through the same handlers (JSON in production) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# --- Operations (kpiapp/ops/) ---------------------------------------------------------------
# /metrics answers loopback (not through a proxy) or `Authorization: Bearer $METRICS_TOKEN`.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# A load balancer may probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# Error reports to Sentry only when SENTRY_DSN is set (kpiapp/ops/sentry.py).
from kpiapp.ops.sentry import sentry_init  # noqa: E402

SENTRY_ENABLED = sentry_init()
