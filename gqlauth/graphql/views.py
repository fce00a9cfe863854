"""The GraphQL HTTP endpoint: strawberry's sync Django view, bearer-only.

Contract of :class:`GraphQLView`, beyond strawberry's:

- Authentication comes only from the ``Authorization: Bearer`` header, through
  :func:`gqlauth.bearer.authenticate_bearer`, once per request (one query for an opaque token,
  none for a JWT access token). Sessions and cookies grant nothing, so the view is
  CSRF-exempt. The credentials land on ``request.user`` (anonymous without a token; loaded on
  first use for a JWT), ``request.auth`` (the token's row, or the JWT's verified claims) and
  the :class:`~gqlauth.graphql.context.GraphQLContext`.
- A malformed, unknown, expired or revoked token, or one of an inactive user, is answered
  ``401`` with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3.1) before anything
  is executed. A request without a token runs; each guarded field then fails on its own.
- A mutation sent by GET is ``405`` with ``Allow: POST`` (GraphQL over HTTP); a method other than
  GET and POST is ``405`` with ``Allow: GET, POST``; a body over ``MAX_BODY_BYTES`` is ``413``.
- A body that is not JSON, at any nesting depth, is ``400``.
- Every HTTP-level error has a GraphQL-shaped JSON body:
  ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}``.
- A browser GET (``Accept: text/html``, no ``query``) gets the GraphiQL page of
  ``gqlauth.graphql.ide`` when ``GQLAUTH_GRAPHQL["GRAPHIQL"]`` is on, else ``404``.
- Media types (GraphQL over HTTP, "Body" and "Status Codes"; the rules are in
  :mod:`gqlauth.graphql.responses`): a JSON answer is ``application/graphql-response+json`` when
  the ``Accept`` header prefers it, else ``application/json``; a GraphQL request that accepts
  neither is ``406``. With ``application/graphql-response+json`` a request error (the document
  does not parse or validate, the variables do not coerce) is ``400`` with no ``data`` entry;
  with ``application/json`` it stays ``200`` with ``"data": null``. Field errors are ``200``
  with both types.
- Browser apps on other origins (CORS, :mod:`gqlauth.cors`): preflights are answered for the
  allowed origins of every usable application; an answer obtained with a token is readable only
  from the origins of the token's application, and one without a token (none, or refused) from
  any of those origins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from cross_web import HTTPException, SyncHTTPRequestAdapter
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryGraphQLView
from strawberry.django.views import TemporalHttpResponse
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from gqlauth import cors
from gqlauth.bearer import authenticate_bearer
from gqlauth.errors import InvalidTokenError
from gqlauth.graphql.conf import graphql_settings
from gqlauth.graphql.context import BearerCredentials, GraphQLContext
from gqlauth.graphql.responses import GRAPHQL_RESPONSE_JSON, JSON, is_request_error, negotiate
from gqlauth.graphql.schema import UnexpectedError, is_unexpected
from gqlauth.models import AccessToken

__all__ = ["GraphQLView", "graphql_error_response"]

_CODES = {
    HTTPStatus.BAD_REQUEST: "BAD_REQUEST",
    HTTPStatus.UNAUTHORIZED: "INVALID_TOKEN",
    HTTPStatus.NOT_FOUND: "NOT_FOUND",
    HTTPStatus.METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
    HTTPStatus.NOT_ACCEPTABLE: "NOT_ACCEPTABLE",
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


def _in_accepted_media_type(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Label each JSON answer of ``view`` with the JSON media type the request accepts.

    Every JSON body of the endpoint, HTTP-level errors included, is a GraphQL response (an
    ``errors`` list, with ``data`` once execution began), so it is valid in either type, and the
    spec ("Body") says to answer in the one the client prefers. One place for the header, so no
    path (strawberry's results, the HTTP-level errors) can miss it.
    """

    @wraps(view)
    def respond(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if (
            response.get("Content-Type") == JSON
            and negotiate(request.headers.get("Accept")) == GRAPHQL_RESPONSE_JSON
        ):
            # The spec's example header; application/json has no charset parameter (RFC 8259).
            response["Content-Type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        return response

    return respond


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


# CORS outermost: a preflight is answered before the GET/POST check.
@method_decorator(cors.cross_origin(cors.GRAPHQL_ENDPOINT), name="dispatch")
@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(_in_accepted_media_type, name="dispatch")
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

    def decode_json(self, data: str | bytes) -> object:
        """Parse a JSON body (or GET parameter); JSON nested too deeply to parse is a 400.

        ``json.loads`` recurses per nesting level and raises ``RecursionError``, not the
        ``JSONDecodeError`` strawberry answers with 400, for a document nested deeper than the
        interpreter's recursion limit: 64 KB of ``[`` would otherwise be a 500. Malformed or
        not, such a document is no GraphQL request, so it gets strawberry's own message.
        """
        try:
            return json.loads(data)
        except RecursionError:
            raise HTTPException(
                HTTPStatus.BAD_REQUEST, "Unable to parse request body as JSON"
            ) from None

    def get_context(self, request: HttpRequest, response: HttpResponse) -> GraphQLContext:
        """Authenticate the bearer token (raises :class:`~gqlauth.errors.InvalidTokenError`)."""
        token = authenticate_bearer(request)
        credentials = None if token is None else BearerCredentials.from_token(token)
        if credentials is None:
            request.user = AnonymousUser()
        elif isinstance(token, AccessToken):
            request.user = credentials.user or AnonymousUser()
        else:
            # A JWT: its user costs a query, paid only if someone reads request.user.
            # (Django's AuthenticationMiddleware sets request.user the same lazy way.)
            lazy = SimpleLazyObject(lambda: credentials.user or AnonymousUser())
            request.user = lazy  # type: ignore[assignment]
        request.auth = token  # type: ignore[attr-defined]
        if token is not None:
            cors.answered_for(
                request, token.application if isinstance(token, AccessToken) else token.client_id
            )
        return GraphQLContext(request=request, response=response, credentials=credentials)

    def execute_operation(
        self,
        request: HttpRequest,
        context: GraphQLContext,
        root_value: None,
        sub_response: TemporalHttpResponse,
    ) -> ExecutionResult | list[ExecutionResult]:
        """Set the HTTP status that GraphQL over HTTP gives the result's media type.

        - Neither JSON type acceptable: ``406``, before anything runs (the spec's "Body"
          RECOMMENDS it over answering in a type the client did not ask for). Checked here, not in
          ``dispatch``, because strawberry has decided by now that this is no browser asking for
          GraphiQL (``Accept: text/html``), which must keep working.
        - ``application/graphql-response+json`` and a request error: ``400`` ("Status Codes": a
          response without ``data`` MUST be 4xx or 5xx; parse, validation and variable coercion
          failures SHOULD be 400), or ``500`` when an unexpected exception stopped the request.
        - Anything else keeps strawberry's ``200``: with ``application/json`` every GraphQL
          response is a 200, and a field error is a partial result with either type.
        """
        media_type = negotiate(request.headers.get("Accept"))
        if media_type is None:
            raise HTTPException(
                HTTPStatus.NOT_ACCEPTABLE,
                f"The Accept header must allow {GRAPHQL_RESPONSE_JSON} or {JSON}.",
            )
        result = super().execute_operation(request, context, root_value, sub_response)
        if (
            media_type == GRAPHQL_RESPONSE_JSON
            and isinstance(result, ExecutionResult)  # batches are off; a list stays 200
            and is_request_error(result.data, result.errors)
        ):
            unexpected = any(
                isinstance(error, UnexpectedError) or is_unexpected(error)
                for error in result.errors or ()
            )
            sub_response.status_code = (
                HTTPStatus.INTERNAL_SERVER_ERROR if unexpected else HTTPStatus.BAD_REQUEST
            )
        return result

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

    def process_result(self, request: HttpRequest, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Leave out ``data`` of a request error served as ``application/graphql-response+json``.

        The GraphQL spec ("Response Format") says a request error has no ``data`` entry, and
        GraphQL over HTTP makes that the mark of a 4xx or 5xx answer (see
        :meth:`execute_operation`). strawberry always writes ``"data": null``;
        ``application/json`` keeps it, as its clients have always seen it.
        """
        response = super().process_result(request, result)
        if is_request_error(result.data, result.errors) and (
            negotiate(request.headers.get("Accept")) == GRAPHQL_RESPONSE_JSON
        ):
            del response["data"]
        return response

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        if not graphql_settings().graphiql:
            raise HTTPException(HTTPStatus.NOT_FOUND, "Not Found")
        # Imported on use: the page's templates and assets matter only to browsers.
        from gqlauth.graphql.ide import render_ide

        return render_ide(request)
