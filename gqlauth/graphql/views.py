"""The GraphQL HTTP endpoint: strawberry's sync Django view, bearer-only.

Contract of :class:`GraphQLView`, beyond strawberry's:

- Authentication comes only from the ``Authorization: Bearer`` header, through
  :func:`gqlauth.bearer.authenticate_bearer`, once per request (one query). Sessions and cookies
  grant nothing, so the view is CSRF-exempt. The credentials land on ``request.user`` (anonymous
  without a token), ``request.auth`` and the :class:`~gqlauth.graphql.context.GraphQLContext`.
- A malformed, unknown, expired or revoked token, or one of an inactive user, is answered
  ``401`` with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3.1) before anything
  is executed. A request without a token runs; each guarded field then fails on its own.
- A mutation sent by GET is ``405`` with ``Allow: POST`` (GraphQL over HTTP); a method other than
  GET and POST is ``405`` with ``Allow: GET, POST``; a body over ``MAX_BODY_BYTES`` is ``413``.
- Every HTTP-level error has a GraphQL-shaped JSON body:
  ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}``.
- A browser GET (``Accept: text/html``, no ``query``) gets the GraphiQL page of
  ``gqlauth.graphql.ide`` when ``GQLAUTH_GRAPHQL["GRAPHIQL"]`` is on, else ``404``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from cross_web import HTTPException, SyncHTTPRequestAdapter
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryGraphQLView
from strawberry.django.views import TemporalHttpResponse
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from gqlauth.bearer import authenticate_bearer
from gqlauth.errors import InvalidTokenError
from gqlauth.graphql.conf import graphql_settings
from gqlauth.graphql.context import BearerCredentials, GraphQLContext

__all__ = ["GraphQLView", "graphql_error_response"]

_CODES = {
    HTTPStatus.BAD_REQUEST: "BAD_REQUEST",
    HTTPStatus.UNAUTHORIZED: "INVALID_TOKEN",
    HTTPStatus.NOT_FOUND: "NOT_FOUND",
    HTTPStatus.METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
}


class _MutationViaGet(HTTPException):
    """A mutation (or subscription) arrived by GET; only POST may change state."""

    def __init__(self, reason: str) -> None:
        super().__init__(HTTPStatus.METHOD_NOT_ALLOWED, reason)


def graphql_error_response(status: int, message: str, **headers: str) -> JsonResponse:
    """A GraphQL-shaped JSON error answer for failures before or around execution."""
    status = HTTPStatus(status)
    body = {"errors": [{"message": message, "extensions": {"code": _CODES.get(status, "ERROR")}}]}
    # Compact like strawberry's own answers, so every body of the endpoint looks the same.
    return JsonResponse(
        body, status=status, headers=headers, json_dumps_params={"separators": (",", ":")}
    )


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(StrawberryGraphQLView[GraphQLContext, None]):
    """Serve a :class:`gqlauth.graphql.schema.Schema`: ``GraphQLView.as_view(schema=schema)``."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "POST"):
            return graphql_error_response(
                HTTPStatus.METHOD_NOT_ALLOWED,
                "GraphQL only supports GET and POST requests.",
                Allow="GET, POST",
            )
        limit = graphql_settings().max_body_bytes
        if _content_length(request) > limit:
            return graphql_error_response(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"The request body exceeds {limit} bytes.",
            )
        try:
            return self.run(request=request)
        except InvalidTokenError as error:
            return graphql_error_response(
                error.status_code, error.description, **{"WWW-Authenticate": error.www_authenticate}
            )
        except _MutationViaGet as error:
            return graphql_error_response(error.status_code, error.reason, Allow="POST")
        except HTTPException as error:
            return graphql_error_response(error.status_code, error.reason)
        except UnicodeDecodeError:
            return graphql_error_response(HTTPStatus.BAD_REQUEST, "The request body must be UTF-8.")

    def get_context(self, request: HttpRequest, response: HttpResponse) -> GraphQLContext:
        """Authenticate the bearer token (raises :class:`~gqlauth.errors.InvalidTokenError`)."""
        credentials = None
        authenticated = authenticate_bearer(request)
        if authenticated is not None:
            credentials = BearerCredentials.from_token(authenticated[1])
        request.user = (credentials.user if credentials else None) or AnonymousUser()
        request.auth = credentials.token if credentials else None  # type: ignore[attr-defined]
        return GraphQLContext(request=request, response=response, credentials=credentials)

    def execute_single(
        self,
        request: HttpRequest,
        request_adapter: SyncHTTPRequestAdapter,
        sub_response: TemporalHttpResponse,
        context: GraphQLContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            if request_adapter.method == "GET" and isinstance(
                error.__cause__, InvalidOperationTypeError
            ):
                raise _MutationViaGet(error.reason) from error
            raise

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        if not graphql_settings().graphiql:
            raise HTTPException(HTTPStatus.NOT_FOUND, "Not Found")
        # Imported on use: the page's templates and assets matter only to browsers.
        from gqlauth.graphql.ide import render_ide

        return render_ide(request)
