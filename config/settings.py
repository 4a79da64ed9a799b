"""The one settings module. Everything that differs between machines comes from the environment.

With no environment set, the app runs on the embedded default: SQLite in ./var, Celery on a
filesystem broker in ./var (no server needed), e-mail and SMS to the console.
DJANGO_PROFILE=production switches on the hardened settings and refuses weak configuration.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

PROFILE = env_str("DJANGO_PROFILE", "development")
if PROFILE not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_PROFILE={PROFILE!r}: use 'development' or 'production'.")
PRODUCTION = PROFILE == "production"

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    DEBUG = env_bool("DEBUG", False)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("The environment variable ALLOWED_HOSTS must be set in production.")
else:
    # A fixed key is fine for a developer's laptop and the test suite, never for production
    # (the production profile above refuses to start without SECRET_KEY).
    SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-only-for-the-embedded-default-do-not-deploy")
    DEBUG = env_bool("DEBUG", True)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The load balancers and proxies in front of the web tier, whose X-Forwarded-For is believed
# (addresses or networks, comma-separated); none by default. Rate limits count per client.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "phonenumber_field",
    "django_ratelimit",
    "axes",
    "django_otp",
    "dealerships.otp_app.TotpWithoutAdminConfig",  # django-otp's TOTP devices
    "csp",
    "dealerships",
    "customers",
    "workshop",
    "bookings",
    "mobility",
    "notifications",
    "followups",
    "dashboards",
    "simple_history",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who made each change: the audit trail (django-simple-history) reads the request's user.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dealerships.two_factor.ManagerTotpMiddleware",
    "dealerships.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a login refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dealerships.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when the transaction starts, so two bookings cannot
        # both read the same free slot and then both write it (DESIGN: no double booking).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # WAL lets the web process read while the Celery worker writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Django's own Redis backend increments atomically (INCR), as django-ratelimit needs; the
    # library's list of supported backends predates it.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
    # Every request reads its session: from Redis, which every web process shares; the database
    # keeps the copy that survives a Redis restart. (Without Redis the cache is per process, so
    # a logout on one would not reach the others: sessions stay in the database alone.)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The embedded default serves from one process (runserver), so its in-process cache is the
    # whole web tier's: the rate limits hold. django-ratelimit cannot know that.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
    # The embedded broker: kombu's filesystem transport, a folder of message files that the
    # web process, the worker and beat share. It needs no server, which is the whole point.
    _broker_dir = Path(env_str("CELERY_FILESYSTEM_BROKER_DIR", str(VAR_DIR / "celery-broker")))
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    _results_dir = _broker_dir / "results"
    _results_dir.mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{_results_dir}"

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A queue of one's own lets a test's worker take only the test's tasks.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "dealerships.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Only staff have passwords (customers get one-time codes and signed links), and a staff login
# reaches a whole dealership's customer files: 12 characters at least.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses any password during a lockout before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout (django-axes), for the staff login and the admin's alike: after 5 wrong passwords for
# one username from one address, that pair is refused for 15 minutes, counted from the last
# wrong one (tries during the pause are not counted, so they do not prolong it). Per pair, so
# that a stranger guessing cannot lock a colleague out from elsewhere.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
# The same client address as the rate limits: X-Forwarded-For only behind TRUSTED_PROXIES.
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "dealerships.auth_views.login_locked_out"
# Lockouts are lifted by waiting or with `manage.py axes_reset_username <username>`; the admin's
# lists of attempts would be platform-wide tables in a tenant-scoped admin.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False  # no banner on every start; a lockout is still logged, with its pair
# The people who run a dealership (dealer and workshop managers) and superusers confirm every
# login with a TOTP code (dealerships.two_factor). On in production; off by default on the
# embedded default, so that the demo logins work without an authenticator app.
MANAGER_TOTP_REQUIRED = env_bool("MANAGER_TOTP_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = "Service desk"

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("ru", _("Russian")),
    ("zh-hans", _("Simplified Chinese")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
if not PRODUCTION:
    # WhiteNoise serves from the app folders (finders) here; it only needs the root to exist.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- API ------------------------------------------------------------------------------------
# The most a request's form fields or JSON body may weigh (uploaded files are not counted);
# a larger body is answered 413 (config.errors for the API views, config.error_views otherwise).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)  # Django's default
_RENDERERS = ["rest_framework.renderers.JSONRenderer"]
if DEBUG:
    _RENDERERS.append("rest_framework.renderers.BrowsableAPIRenderer")
REST_FRAMEWORK = {
    # An API token first: a request that sends one is answered 401 when it is wrong; the
    # browser's session (CSRF-checked) otherwise.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dealerships.api_tokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # drf-spectacular's, documenting on every operation the errors it can answer.
    "DEFAULT_SCHEMA_CLASS": "config.openapi.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": _RENDERERS,
    # JSON only: a form-encoded body read by a JSON endpoint is an empty payload, and an empty
    # replacement list (PUT .../opening-hours/) would delete what is stored. The uploads declare
    # their own parsers.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "config.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dealership service API",
    "DESCRIPTION": "Service appointments, capacity, mobility and follow-up for car dealerships.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI served from our own static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, so the schema's enums are stable and the deploy check is clean.
    "ENUM_NAME_OVERRIDES": {
        "SkillEnum": "workshop.models.Skill",
        "JobKindEnum": "workshop.models.JobKind",
        "AppointmentKindEnum": "bookings.models.AppointmentKind",
        "AppointmentStatusEnum": "bookings.models.AppointmentStatus",
        "ChannelEnum": "bookings.models.Channel",
        "ProgrammeKindEnum": "customers.models.Programme.Kind",
        "MobilityKindEnum": "bookings.models.MobilityKind",
        "FleetStatusEnum": "mobility.models.FleetStatus",
        "ReservationStatusEnum": "mobility.models.ReservationStatus",
    },
}

# --- E-mail and SMS -------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "service@dealership.example")
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# With no account configured, SMS goes to the console channel (notifications/).
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
# Lets tests point the real twilio client at a local stub server.
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL")
# Sending through a messaging service instead of one number; WhatsApp's sender number.
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_WHATSAPP_FROM = env_str("TWILIO_WHATSAPP_FROM")
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 10)
# Twilio's webhooks (replies, delivery statuses) per client address: 429 beyond.
TWILIO_WEBHOOK_RATE = env_str("TWILIO_WEBHOOK_RATE", "600/m")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # an SMTP server that hangs is retried later
# The outbox (notifications/): the address customers and Twilio reach this service at (the
# links in messages, the status callbacks, the webhooks' signatures), how many rows a worker
# claims at once, and how often a failing send is tried (beat's scan: config/celery.py).
NOTIFICATIONS_PUBLIC_URL = env_str("PUBLIC_URL", "http://127.0.0.1:8000")
NOTIFICATIONS_BATCH_SIZE = env_int("NOTIFICATIONS_BATCH_SIZE", 200)
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 8)
# A worker's claim on the rows it is sending; one that dies lets them go after this long.
NOTIFICATIONS_CLAIM_LEASE_SECONDS = env_int("NOTIFICATIONS_CLAIM_LEASE_SECONDS", 300)
# Privacy: how many days the text of a message sent to a customer is kept. Past that, the
# notifications app blanks the body and keeps the row (kind, channel, status, when) for the
# counts. 0 keeps bodies for ever.
MESSAGE_BODY_RETENTION_DAYS = env_int("MESSAGE_BODY_RETENTION_DAYS", 90)
# Mobility: a reservation still not picked up this long after its departure is released and
# its car goes back to the pool (mobility.tasks, every 5 minutes).
MOBILITY_NOT_PICKED_UP_MINUTES = env_int("MOBILITY_NOT_PICKED_UP_MINUTES", 120)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# htmx sends the token from the hx-headers attribute of <body> and the API docs from their page,
# so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles and images from our own origin only: no inline code, no eval, so markup an
# attacker slips into a page cannot run. The templates keep their code in static/ (a test greps
# them); htmx's own indicator style is switched off in base.html for the same reason.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The health check is probed over plain HTTP by the load balancer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; its warnings (wrong passwords, lockouts) are enough.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
