"""Settings for the tutorial's system, driven by the environment.

Environment variables: ``SECRET_KEY``, ``DEBUG`` (``1``/``0``; off unless set to ``1``: ``make
run`` sets it), ``ALLOWED_HOSTS`` (comma separated), ``DATABASE_URL`` (defaults to a SQLite file
next to ``manage.py``), ``OAUTH2_ISSUER`` (required with DEBUG off, e.g.
``https://auth.example.com``; ``make serve`` sets it from ``ALLOWED_HOSTS`` when it is unset),
``OAUTH2_TRUSTED_PROXIES`` (comma separated).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Off unless asked for: with DEBUG on, error pages show settings and tracebacks to anyone.
DEBUG = os.environ.get("DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Raised here, not by a system check, so every start-up stops (gunicorn runs no checks);
        # manage.py prints the message without a traceback.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off (the default), set the SECRET_KEY environment "
            "variable to a long random string, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
            "For local development only, DEBUG=1 uses a built-in key (make run sets DEBUG=1)."
        )
    SECRET_KEY = "insecure-development-key-only-for-DEBUG-runs-0123456789abcdef"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Records failed password attempts; gqlauth.throttling decides (see AXES_* below).
    "axes",
    "gqlauth",
    "schema",
    # The tutorial's site: home page, sign-in templates and the bootstrapdemo command.
    "project",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves collected static files (the GraphiQL bundles too) when DEBUG is off.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gqlauth.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a throttled sign-in into a 429 with Retry-After.
    "axes.middleware.AxesMiddleware",
]

# First: axes refuses a throttled attempt before ModelBackend runs the password hasher.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock up front, so two concurrent refreshes
    # queue instead of failing with "database is locked"; the timeout bounds the wait.
    # WAL lets readers run beside the writer and makes commits cheaper (bench/README.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file (live-server threads need real concurrent connections), one per
    # process so parallel runs never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"gqlauth-test-{os.getpid()}.sqlite3")
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# The tutorial's scopes, unchanged (django-oauth-toolkit's setting name and keys).
OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read scope", "write": "Write scope", "groups": "Access to your groups"},
    # RFC 8414 issuer, e.g. https://auth.example.com; with DEBUG on it may be left unset and is
    # then taken from the request (never with DEBUG off: a Host header must not choose it).
    "ISSUER": os.environ.get("OAUTH2_ISSUER") or None,
    # Reverse proxies allowed to name the client in X-Forwarded-For (comma separated IPs/CIDRs).
    "TRUSTED_PROXIES": [
        p.strip() for p in os.environ.get("OAUTH2_TRUSTED_PROXIES", "").split(",") if p.strip()
    ],
}

# Password guessing is throttled by gqlauth.throttling on django-axes; the limits are
# OAUTH2_PROVIDER's LOGIN_* keys (README, "Throttling"). These name gqlauth's policy to axes.
AXES_HANDLER = "gqlauth.attempts.DatabaseHandler"  # or "gqlauth.attempts.CacheHandler"
AXES_CLIENT_IP_CALLABLE = "gqlauth.throttling.client_ip"  # honours TRUSTED_PROXIES
AXES_LOCKOUT_CALLABLE = "gqlauth.throttling.lockout_response"  # 429 + Retry-After
AXES_LOCK_OUT_AT_FAILURE = False  # gqlauth's handler decides; axes only records
# axes keeps a failed request's form fields: mask every credential (it always masks "password").
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "client_secret",
    "refresh_token",
    "code",
    "code_verifier",
    "token",
]

# GraphiQL opens on a query of the tutorial's API, and signs in as the public application
# "GraphiQL" (authorization code with PKCE), which `manage.py bootstrapdemo` (`make run`) registers.
GQLAUTH_GRAPHQL = {
    "GRAPHIQL_CLIENT_ID": "graphiql",
    "GRAPHIQL_DEFAULT_QUERY": """\
# Welcome to the gqlauth GraphQL API.
#
# 1. Click "Sign in" above (tick the scopes first), or paste an access token, e.g. from the
#    curl command on your application's page (/o/applications/), into the "Bearer token" field.
# 2. Build a query with the explorer on the left, or type one here.
# 3. Run it with the play button or Ctrl+Enter.
#
# Each field needs an OAuth2 scope: users needs "read", groups needs "groups". Your user's
# Django permissions count too: without auth.view_user, users lists only you.

{
  users {
    username
  }
}
""",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# --- Behind a TLS-terminating proxy ---------------------------------------------------------
# `make serve` runs gunicorn over plain HTTP; in production a proxy in front of it terminates
# TLS. These settings belong to that arrangement, so they come from the environment and stay off
# unless set (secure-only cookies and an HTTPS redirect would break a plain-HTTP server);
# `manage.py check --deploy` warns about each one left off. README, "Serving in production".


def _env_flag(name: str) -> bool:
    value = os.environ.get(name, "0")
    if value not in ("0", "1"):
        raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}.")
    return value == "1"


def _env_seconds(name: str) -> int:
    value = os.environ.get(name, "0")
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds, not {value!r}.")
    return int(value)


SECURE_SSL_REDIRECT = _env_flag("SECURE_SSL_REDIRECT")
SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE")
CSRF_COOKIE_SECURE = _env_flag("CSRF_COOKIE_SECURE")
SECURE_HSTS_SECONDS = _env_seconds("SECURE_HSTS_SECONDS")
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_flag("SECURE_HSTS_PRELOAD")
# The header by which the proxy tells the original scheme, e.g. X-Forwarded-Proto (its value
# must be "https" for HTTPS). Set it only when the proxy always sets or strips that header:
# otherwise any client can claim HTTPS.
_proxy_scheme_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_scheme_header.upper().replace("-", "_"), "https")
    if _proxy_scheme_header
    else None
)
# Origins (scheme and host) allowed to POST forms when they differ from the request's Host,
# comma separated, e.g. https://auth.example.com.
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# The key of stored token digests, when it must differ from SECRET_KEY (README, "Settings":
# TOKEN_DIGEST_KEY); identical on every host that serves the same database.
if os.environ.get("OAUTH2_TOKEN_DIGEST_KEY"):
    OAUTH2_PROVIDER["TOKEN_DIGEST_KEY"] = os.environ["OAUTH2_TOKEN_DIGEST_KEY"]
