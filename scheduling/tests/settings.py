"""The settings of scheduling's own tests: Django's contrib apps, django_q, scheduling and the app of
the tests' jobs (scheduling/tests/jobs.py), and nothing of the project around them.

They are also what scheduling asks of a project's settings: `Q_CLUSTER` with `timeout` and `retry`
and django-q2's own scheduler off (scheduling's runs in `qcluster`), `JOBS_GRACE_SECONDS`,
`SITE_URL` (the run log's address in the watchers' e-mails), `EMAIL_SUBJECT_PREFIX`, and one
database that several processes share. Like the project's, the database is DATABASE_URL's (a
MySQL/MariaDB server), by default SQLite in a file under var/; the Redis broker is REDIS_URL's.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()

SECRET_KEY = "scheduling-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "scheduling",  # before django_q: its `qcluster` runs scheduling's scheduler
    "django_q",
    "scheduling.tests",
]

MIDDLEWARE = [
    "scheduling.middleware.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "scheduling.tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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

# A file, not memory, so that the tests' helper processes (clusters, schedulers) share it. SQLite
# takes its write lock when a transaction begins (IMMEDIATE), as scheduling.soon counts on, and in
# WAL mode readers do not wait for the writer.
VAR_DIR = BASE_DIR / "var"  # git ignores it
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'scheduling.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"}
    _db["TEST"] = {"NAME": str(Path(_db["NAME"]).with_name("test-" + Path(_db["NAME"]).name))}
elif _db["ENGINE"] == "django.db.backends.mysql":
    _db["OPTIONS"] = {"charset": "utf8mb4", "isolation_level": "read committed"}
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast: the tests make users

# Half an hour off UTC, so that a time mixed up between UTC and local time shows.
TIME_ZONE = "Asia/Kolkata"
USE_TZ = True
# a moment in the style the tests read (scheduling/selectors.py `moment`): a project sets its own
FORMAT_MODULE_PATH = ["scheduling.tests.formats"]
STATIC_URL = "static/"

SITE_URL = "http://testserver"
JOBS_GRACE_SECONDS = 120
Q_CLUSTER = {
    "name": "scheduling-tests",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 600,
    "retry": 720,
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "scheduler": False,
}
if env.str("REDIS_URL", default=""):
    Q_CLUSTER["redis"] = env.str("REDIS_URL")
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1
