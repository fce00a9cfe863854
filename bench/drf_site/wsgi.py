"""WSGI entry point of the comparison site (gunicorn runs it from bench/)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drf_site.settings")
application = get_wsgi_application()
