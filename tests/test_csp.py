"""gqlauth.csp: the Content-Security-Policy middleware, decorator and policy."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from gqlauth.csp import HEADER as CSP
from gqlauth.csp import POLICY, ContentSecurityPolicyMiddleware, csp_protect


def test_middleware_leaves_non_html_and_chosen_policies_alone():
    request = RequestFactory().get("/")

    json = ContentSecurityPolicyMiddleware(lambda r: JsonResponse({}))(request)
    chosen = HttpResponse()
    chosen[CSP] = "default-src 'none'"
    kept = ContentSecurityPolicyMiddleware(lambda r: chosen)(request)

    assert CSP not in json
    assert kept[CSP] == "default-src 'none'"


def test_decorator_sets_the_policy_without_the_middleware():
    view = csp_protect(lambda request: HttpResponse("ok"))

    assert view(RequestFactory().get("/"))[CSP] == POLICY


@pytest.mark.parametrize(
    "directive",
    ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"],
)
def test_policy_allows_only_this_origin(directive):
    assert directive in POLICY
    assert "http" not in POLICY
    assert "unsafe" not in POLICY
