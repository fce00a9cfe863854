"""The servers' entry points load the project: ``project.wsgi`` (gunicorn) and ``project.asgi``."""

from __future__ import annotations

import importlib

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler


def test_wsgi_application():
    module = importlib.import_module("project.wsgi")
    assert isinstance(module.application, WSGIHandler)


def test_asgi_application():
    module = importlib.import_module("project.asgi")
    assert isinstance(module.application, ASGIHandler)
