"""ManageIt settings, read from the environment and, in development, the .env file beside manage.py
(see the README's "Configuration").

Every value has a default that runs ManageIt on one machine with nothing installed: SQLite under
var/, e-mail written to files under var/mail/, django-q2 queueing through the same database.
"""

import os
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# The development .env that `make run` writes on its first start (manageit/dev_env.py), so that manage.py
# works outside `make` too; MANAGEIT_ENV_FILE names another. A variable set in the environment wins over
# the file: production sets its own and has no .env.
ENV_FILE = Path(os.environ.get("MANAGEIT_ENV_FILE") or BASE_DIR / ".env")
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=True for development).")
    SECRET_KEY = "development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # before django_q: its `qcluster` command runs django-q2's cluster with ManageIt's scheduler
    "scheduling",
    "django_q",
    "axes",
    "csp",
    "mess",
]

MIDDLEWARE = [
    "scheduling.middleware.HealthProbeMiddleware",  # /health/ for a probe on the machine, whatever its Host
    "django.middleware.security.SecurityMiddleware",
    # static files from the web server itself, compressed and cached for good under their hashed names
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the browser's language until the person picks one
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mess.languages.ProfileLanguageMiddleware",  # the language the person picked, over the browser's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "mess.logins.DeviceCookieMiddleware",  # a browser that signed in is trusted for that account
    # last, as django-axes asks: it turns a locked-out login into its lockout response
    "axes.middleware.AxesMiddleware",
]

# Login attempts are rate limited (see mess/logins.py): after AXES_FAILURE_LIMIT failed attempts for
# one username from one address, that pair is locked out for AXES_COOLOFF_MINUTES after the last
# failure (django-axes); an address has a budget of AXES_ADDRESS_FAILURE_LIMIT failures across
# usernames, refilled at AXES_ADDRESS_FAILURES_PER_HOUR, and once it is spent its attempts are
# refused at once (429, Retry-After), but those of a browser at an account it signed in to before.
# Refused attempts count nowhere. Behind proxies, TRUSTED_PROXIES says how many there are, so that
# the client's address is read from X-Forwarded-For (and never otherwise).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "mess.logins.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "mess.logins.client_address"
AXES_USERNAME_CALLABLE = "mess.logins.login_username"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=100)
AXES_ADDRESS_FAILURES_PER_HOUR = env.int("AXES_ADDRESS_FAILURES_PER_HOUR", default=200)
if AXES_ADDRESS_FAILURE_LIMIT < 1 or AXES_ADDRESS_FAILURES_PER_HOUR < 1:
    raise ImproperlyConfigured("AXES_ADDRESS_FAILURE_LIMIT and AXES_ADDRESS_FAILURES_PER_HOUR must be at least 1.")
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # an attempt refused while locked counts nowhere
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_LOCKOUT_CALLABLE = "mess.logins.lockout_response"  # the template, with Retry-After
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

ROOT_URLCONF = "manageit.urls"

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
                "mess.context_processors.access",
                "mess.context_processors.telegram",
            ],
        },
    },
]

WSGI_APPLICATION = "manageit.wsgi.application"


# Database. SQLite is the embedded default; several processes (web server, cluster workers,
# commands) share it, so it runs in WAL mode and takes its write lock when a transaction begins
# (IMMEDIATE): with Django's deferred transactions, two writers that both started by reading
# fail with "database is locked" instead of waiting for each other. Its writers wait for that lock
# in turn, first come, first served (manageit/sqlite/base.py): SQLite's own waits are not.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'manageit.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["ENGINE"] = "manageit.sqlite"
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **_db.get("OPTIONS", {}),
    }
    # A file, not memory, so that the tests' helper processes (clusters, schedulers) share it.
    _db["TEST"] = {"NAME": str(Path(_db["NAME"]).with_name("test-" + Path(_db["NAME"]).name))}
elif _db["ENGINE"] == "django.db.backends.mysql":
    if find_spec("MySQLdb") is None:
        raise ImproperlyConfigured(
            "DATABASE_URL names a MySQL/MariaDB server, and its driver, mysqlclient, is not installed: `make` installs it when "
            "DATABASE_URL is set, or run `.venv/bin/python -m pip install -r requirements-mysql.txt`. It compiles against the "
            "client headers: apt-get install libmariadb-dev pkg-config"
        )
    _db["OPTIONS"] = {
        "charset": "utf8mb4",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO'",
        "isolation_level": "read committed",
        **_db.get("OPTIONS", {}),
    }
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
_db["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# How long a link to set a password (a reset, or an invitation) works: three days by default.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 60 * 60)
# The site's address in e-mails sent without a request (invitations from the import command).
_host = next((host.lstrip(".") for host in ALLOWED_HOSTS if host != "*"), "localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else f"https://{_host}").rstrip("/")
# How many days a student's feedback stays linked to them; the nightly anonymise_feedback then cuts the link
# (keeping the rating, comment and dish votes for the figures).
FEEDBACK_RETENTION_DAYS = env.int("FEEDBACK_RETENTION_DAYS", default=365)
if FEEDBACK_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(f"FEEDBACK_RETENTION_DAYS must be at least 1, not {FEEDBACK_RETENTION_DAYS}.")
# Each active mess's menu at /menu/<code>/ for anyone, signed in or not (a link to share, a screen at the counter).
PUBLIC_MENUS = env.bool("PUBLIC_MENUS", default=True)

# English and Hindi. A person's language: their own choice (saved on their profile), else their
# browser's Accept-Language, else English (LocaleMiddleware). The catalogues are compiled and committed
# (locale/, scheduling/locale/), so a machine without GNU gettext serves them.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("hi", "हिन्दी")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Each language's formats (manageit/formats/<language>/formats.py): Indian number grouping
# (1,23,456) wherever a template groups a number (floatformat's "g", intcomma), and dates in the
# language's own style. USE_THOUSAND_SEPARATOR stays off: only numbers a template groups are grouped.
FORMAT_MODULE_PATH = ["manageit.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Kolkata")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves what `collectstatic` gathered, under names that change with their content (so
# browsers may keep them for good) and compressed; development serves the files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Pages may load scripts, styles, images and fonts from ManageIt itself only, and nothing may frame them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}


# E-mail: written to files under var/mail/ unless EMAIL_URL names a server
# (for example smtp+tls://user:password@mail.example.org:587).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ManageIt <manageit@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
# Seconds a mail server may take to answer, whatever the backend: without it, a server that takes the
# connection and never answers holds a job up for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Before the subject of the e-mails that tell the admins of the jobs' problems (scheduling/watchers.py).
EMAIL_SUBJECT_PREFIX = "[ManageIt] "


# An optional summary of each notification's comments by a language model (mess/summaries.py): off
# unless LLM_API_URL names an OpenAI-compatible chat-completions endpoint. Only the comments' text is sent.
LLM_API_URL = env.str("LLM_API_URL", default="")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=10)  # wall-clock seconds one call may take, all of it
LLM_RUN_SECONDS = env.float("LLM_RUN_SECONDS", default=60)  # wall-clock seconds of calls per notifications run, in all


# Messages that reach a phone (mess/messages.py). Web Push is offered when VAPID_PUBLIC_KEY and
# VAPID_PRIVATE_KEY are set (`manage.py generate_vapid_keys` prints a pair); VAPID_SUBJECT tells the
# push services whom to contact ("mailto:" an address). Telegram is offered when TELEGRAM_BOT_TOKEN is set.
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:manageit@localhost")
if bool(VAPID_PUBLIC_KEY) != bool(VAPID_PRIVATE_KEY):
    raise ImproperlyConfigured("Set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (manage.py generate_vapid_keys), or neither.")
if not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured("VAPID_SUBJECT is a mailto: address or an https:// URL, where push services can reach you.")

# Telegram (mess/telegram.py): the mess's bot links people's chats and sends them what they chose.
# Off unless TELEGRAM_BOT_TOKEN is set (BotFather gives it): without it there is no link on the
# page, the telegram_updates job does nothing and every Telegram message is given up.
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_BOT_NAME = env.str("TELEGRAM_BOT_NAME", default="").lstrip("@")  # for the https://t.me/<name> link
TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org").rstrip("/")
TELEGRAM_TIMEOUT = env.float("TELEGRAM_TIMEOUT", default=10)  # seconds a call may take (a long poll's wait comes on top)
# How long each run of telegram_updates (every minute) waits for people's messages (long polling):
# the bot answers within a second while it waits, and a worker is busy that long each minute.
TELEGRAM_POLL_SECONDS = env.int("TELEGRAM_POLL_SECONDS", default=50)
if not 0 <= TELEGRAM_POLL_SECONDS <= 55:
    raise ImproperlyConfigured("TELEGRAM_POLL_SECONDS must be from 0 to 55: a run ends before the next minute's begins.")

# django-q2 runs the scheduled jobs (see scheduling/). Tasks queue through the database unless
# REDIS_URL names a Redis server. The cluster's own scheduler never catches up on missed slots:
# after downtime each job runs once, and the jobs whose output belongs to a date make up the
# missed dates themselves.
Q_CLUSTER = {
    "name": "manageit",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=600),  # a job running longer than 10 minutes is killed...
    "retry": env.int("Q_RETRY", default=720),  # ...and handed out again 12 minutes after it was taken, if it never finished.
    "max_attempts": 3,
    "ack_failures": True,  # a job that raised is recorded, not handed out again and again
    "catch_up": False,
    # ManageIt's scheduler (scheduling/scheduler.py) queues the schedules, each on time and on its own
    "scheduler": False,
    "save_limit": 1000,
    "label": "Task queue",
}
# A schedule this far past its time is late; a cluster silent this long is down.
JOBS_GRACE_SECONDS = env.int("JOBS_GRACE_SECONDS", default=120)
if Q_CLUSTER["retry"] <= Q_CLUSTER["timeout"]:
    raise ImproperlyConfigured("Q_RETRY must be longer than Q_TIMEOUT, or a running job would be handed out twice.")
if env.str("REDIS_URL", default=""):
    Q_CLUSTER["redis"] = env.str("REDIS_URL")
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# /health/ and /health/jobs/ answer a plain probe on the machine itself when HTTPS is required.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# Production is served over HTTPS (usually behind a proxy that sets X-Forwarded-Proto), so that
# `manage.py check --deploy` has nothing to warn about.
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
