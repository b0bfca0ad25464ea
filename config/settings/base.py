"""Base settings: everything environment-specific comes from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CERTBODY_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


# Every setting the code reads is declared in this file, read from the environment where a deployment may change
# it; README "Configuration (environment)" lists each variable. prod.py and test.py only override values.


def installation_secret_key(path: Path) -> str:
    """This installation's own secret key, generated into `path` (mode 0600) on first use and read afterwards.

    A fixed key shipped with the code would let anyone forge signed e-mail tokens and sessions of every demo
    server; one generated per installation persists across restarts (sessions and sent links stay valid).
    """
    if not path.exists():
        import secrets

        # Written whole, then linked into place: concurrent first starts agree on one key, none reads half a file.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(64))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


# Production settings (prod.py) require SECRET_KEY in the environment and refuse to start without it; elsewhere an
# unset SECRET_KEY means this installation's generated key in VAR_DIR/secret-key.
PRODUCTION = os.environ.get("DJANGO_SETTINGS_MODULE", "") == "config.settings.prod"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and not PRODUCTION:
    SECRET_KEY = installation_secret_key(VAR_DIR / "secret-key")
# Tracebacks on error pages only when asked for explicitly (DEBUG=1); never in production (prod.py).
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "certbody.core",
    "certbody.accounts",
    "certbody.schemes",
    "certbody.clients",
    "certbody.labs",
    "certbody.applications",
    "certbody.certification",
    "certbody.certificates",
    "certbody.website",
    "certbody.publicsite",
    "certbody.regulator",
    "certbody.portal",
    "certbody.people",
    "certbody.api",
    "certbody.console",
    "certbody.demo",
]

MIDDLEWARE = [
    "certbody.core.requestsize.RequestSizeMiddleware",  # refuses an oversized body before anything reads it
    "certbody.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "certbody.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "certbody.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "certbody" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "certbody.console.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "certbody.sqlite3")),
            # Persistent connections: reconnecting costs more than the query (DESIGN.md).
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers never
                # deadlock on a lock upgrade; busy timeout lets them queue.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
                    # Reads through a memory map (no read() call per page) and a 32 MB page cache per
                    # connection: the public look-up of random certificates stays in memory (bench/RESULTS.md).
                    "PRAGMA mmap_size=268435456;PRAGMA cache_size=-32768;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "certbody" / "static"]
# Outside production, WhiteNoise serves straight from the app directories (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # a request's fields other than files
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = 20  # the portal takes 10 files a request and says so; beyond 20 Django answers 400
# Bounded before the body is read (certbody/core/requestsize.py): files over their limit stop being stored.
FILE_UPLOAD_HANDLERS = [
    "certbody.core.requestsize.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
CERTBODY_MAX_UPLOAD_BYTES = env_int("CERTBODY_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)  # one uploaded file
# Several files sent together (portal messages); each is also held to CERTBODY_MAX_UPLOAD_BYTES.
PORTAL_MAX_REQUEST_BYTES = env_int("PORTAL_MAX_REQUEST_BYTES", 2 * CERTBODY_MAX_UPLOAD_BYTES)
# A legacy register is larger than a document (200,000 rows of CSV are about 30 MB).
CERTBODY_MAX_IMPORT_BYTES = env_int("CERTBODY_MAX_IMPORT_BYTES", 100 * 1024 * 1024)
# The largest request body (413 above it, refused before it is read): the portal's files plus 1 MB of form.
CERTBODY_MAX_REQUEST_BYTES = env_int("CERTBODY_MAX_REQUEST_BYTES", PORTAL_MAX_REQUEST_BYTES + 1024 * 1024)
# Paths that take a legacy register import: requests up to CERTBODY_MAX_IMPORT_BYTES plus 1 MB of form.
CERTBODY_LARGE_REQUEST_PATHS = ("/regulator/imports/",)

# --- jobs -----------------------------------------------------------------
# No broker configured: tasks run eagerly in-process (zero set-up locally).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", os.environ.get("REDIS_URL", ""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }

# Reverse proxies in front of the application that append to X-Forwarded-For (0: none, the header is ignored).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- rate limits (certbody/core/throttle.py; a limit of 0 turns it off) ------------------------------------------
PUBLIC_RATE_LIMIT = env_int("PUBLIC_RATE_LIMIT", 300)  # public registry requests per client IP a window
PUBLIC_RATE_WINDOW = env_int("PUBLIC_RATE_WINDOW", 60)  # seconds
PUBLICSITE_COMPLAINT_LIMIT = env_int("PUBLICSITE_COMPLAINT_LIMIT", 10)  # complaints per client IP a window
PUBLICSITE_COMPLAINT_WINDOW = env_int("PUBLICSITE_COMPLAINT_WINDOW", 3600)
PORTAL_REGISTER_RATE_LIMIT = env_int("PORTAL_REGISTER_RATE_LIMIT", 10)  # sign-ups per client IP a window
PORTAL_REGISTER_RATE_WINDOW = env_int("PORTAL_REGISTER_RATE_WINDOW", 3600)
PORTAL_INVITATIONS_PER_DAY = env_int("PORTAL_INVITATIONS_PER_DAY", 20)  # per client organisation

# The public look-up buffers its verification counts: written every N hits or S seconds, whichever comes first.
PUBLIC_VERIFY_FLUSH_HITS = env_int("PUBLIC_VERIFY_FLUSH_HITS", 200)
PUBLIC_VERIFY_FLUSH_SECONDS = env_float("PUBLIC_VERIFY_FLUSH_SECONDS", 2.0)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "certbody@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_NAME = "sessionid"  # Django's default, named here because the API's session auth reads it
LANGUAGE_COOKIE_NAME = "django_language"  # Django's default, read by the registry's WSGI fast path
# Production turns these on (prod.py); the registry's WSGI fast path reads them before any middleware runs.
SECURE_SSL_REDIRECT = False
SECURE_PROXY_SSL_HEADER = None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Name of the certification body as printed on its documents; data, not code.
CERTBODY_ORG_NAME = os.environ.get("CERTBODY_ORG_NAME", "重庆国家金融科技认证中心有限责任公司")
CERTBODY_ORG_NAME_EN = os.environ.get(
    "CERTBODY_ORG_NAME_EN", "Chongqing National Fintech Certification Center Co., Ltd."
)
CERTBODY_ORG_ADDRESS = os.environ.get("CERTBODY_ORG_ADDRESS", "重庆市江北区金融城3号T1栋26楼")
CERTBODY_PUBLIC_URL = os.environ.get("CERTBODY_PUBLIC_URL") or "http://127.0.0.1:8000"  # verification links

# Ed25519 key that signs certificates (certbody/certificates/documents/keys.py): base64 of the raw 32 bytes, or a
# file holding it. Without either a development key is generated into VAR_DIR; prod.py requires one.
CERTBODY_SIGNING_KEY = os.environ.get("CERTBODY_SIGNING_KEY", "")
CERTBODY_SIGNING_KEY_FILE = os.environ.get("CERTBODY_SIGNING_KEY_FILE", "")
CERTBODY_SIGNING_KEY_REQUIRED = False

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or "certbody-demo"  # the demo users' (manage.py seed_demo)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Audit anchors (certbody/core/anchors.py): signed checkpoints of the audit chain head, outside the database.
# The key file is set only in the Celery worker's environment (the web process neither has the variable nor may read
# the file); empty outside production: a key is generated into var/audit-anchor-key.
CERTBODY_AUDIT_ANCHOR_KEY_FILE = os.environ.get("CERTBODY_AUDIT_ANCHOR_KEY_FILE", "")
# Production refuses to generate a development key (prod.py sets it).
CERTBODY_AUDIT_ANCHOR_KEY_REQUIRED = False
CERTBODY_AUDIT_ANCHOR_DIR = Path(os.environ.get("CERTBODY_AUDIT_ANCHOR_DIR", VAR_DIR / "audit-anchors"))
# Base64 raw Ed25519 public keys trusted for checkpoints, comma-separated; empty: those recorded in the anchor dir.
CERTBODY_AUDIT_ANCHOR_PUBLIC_KEYS = env_list("CERTBODY_AUDIT_ANCHOR_PUBLIC_KEYS")
# Addresses that also get every checkpoint by mail, comma-separated (empty: none).
CERTBODY_AUDIT_ANCHOR_MAIL_TO = env_list("CERTBODY_AUDIT_ANCHOR_MAIL_TO")

# --- sign-in security (accounts): lockout, two-factor, sessions, API tokens -----------------------------
# Failed sign-ins before an account name (any name, known or not) or a client address is locked, the first lock's
# length (each further lock doubles it, up to the maximum), and how long failures are remembered (4 x cool-off).
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
LOGIN_LOCKOUT_IP_FAILURES = env_int("LOGIN_LOCKOUT_IP_FAILURES", 20)
LOGIN_LOCKOUT_COOLOFF_MINUTES = env_int("LOGIN_LOCKOUT_COOLOFF_MINUTES", 15)
LOGIN_LOCKOUT_MAX_MINUTES = env_int("LOGIN_LOCKOUT_MAX_MINUTES", 24 * 60)
# Deciding and administering roles must use an authenticator app (TOTP). Only a demo or development server turns
# this off (`make run` does, and says so); `check --deploy` warns when it is off.
CERTBODY_2FA_ENFORCED = env_bool("CERTBODY_2FA_ENFORCED", True)
# Staff are signed out after this many idle minutes; every session ends after the absolute lifetime.
CERTBODY_SESSION_IDLE_MINUTES = env_int("CERTBODY_SESSION_IDLE_MINUTES", 30)
CERTBODY_SESSION_MAX_HOURS = env_int("CERTBODY_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = CERTBODY_SESSION_MAX_HOURS * 3600
# API tokens expire: the default lifetime, and the most a token's creator may choose.
CERTBODY_API_TOKEN_DAYS = env_int("CERTBODY_API_TOKEN_DAYS", 90)
CERTBODY_API_TOKEN_MAX_DAYS = env_int("CERTBODY_API_TOKEN_MAX_DAYS", 365)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "certbody.accounts.middleware.SessionSecurityMiddleware",
)
