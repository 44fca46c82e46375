"""One shape for every API error, and the schema that documents it.

Every error under /api/ is JSON: {"code": "...", "detail": "...", <field>: [messages]...}. A bad
parameter or body field is named by its own key (`{"code": "invalid", "detail": ..., "live":
["Must be true or false."]}`); other errors carry DRF's code (`not_found`, `not_authenticated`,
`parse_error`, `unsupported_media_type`, `throttled`, ...). DRF's exceptions, and the `ServiceError`s
an app's services raise (pick'em's rules), come through `exception_handler` (the EXCEPTION_HANDLER
setting), so a view never catches them itself; URLs that match no view and server errors under /api/
come through `not_found` and `server_error` (config/urls.py's handler404 and handler500), so a client
never has to read an HTML page.

`document_errors` (a drf-spectacular postprocessing hook) adds the error responses each operation
can give to the schema, so that a client (or a fuzzer) finds every status it may meet documented.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

API_PREFIX = "/api/"
ERROR_COMPONENT = "Error"


class ServiceError(Exception):
    """A request a service's rules refuse. Pages show `message`; the API answers `status` with `body()`.

    `field` names the input at fault, when there is one: the body names it beside code and detail,
    as a validation error names its fields.
    """

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def body(self) -> dict:
        body: dict = {"detail": self.message, "code": self.code}
        if self.field:
            body[self.field] = [self.message]
        return body


def error_body(exc: exceptions.APIException) -> dict:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            named = ", ".join(str(name) for name in detail)
            return {"code": "invalid", "detail": f"Invalid input: see {named}.", **detail}
        messages = detail if isinstance(detail, list) else [detail]
        return {"code": "invalid", "detail": " ".join(str(message) for message in messages)}
    return {"code": getattr(detail, "code", None) or exc.default_code, "detail": str(detail)}


def exception_handler(exc: Exception, context: dict) -> HttpResponse | None:
    """DRF's handler (Http404 and PermissionDenied included) and services' refusals, in the one error shape."""
    if isinstance(exc, ServiceError):
        set_rollback()
        return Response(exc.body(), status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None:
        if not isinstance(exc, exceptions.APIException):  # Http404 or Django's PermissionDenied
            exc = exceptions.NotFound() if response.status_code == 404 else exceptions.PermissionDenied()
        response.data = error_body(exc)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        body = {"code": "not_found", "detail": f"No such resource: {request.path}. The API's paths: /api/schema/."}
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"code": "server_error", "detail": "The server failed; try again later."}, status=500)
    return defaults.server_error(request)


ERRORS = {
    "400": "bad input: each bad parameter or field is a key of its own, with its messages",
    "403": "not logged in, not allowed, or a CSRF failure",
    "404": "no such resource",
    "406": "no acceptable representation (the API answers JSON)",
    "415": "the body is not JSON",
    "429": "throttled: Retry-After says when to try again",
}


def document_errors(result: dict, generator, request, public) -> dict:
    """Add the shared Error component and each operation's possible error responses to the schema."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_COMPONENT] = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "invalid, not_found, not_authenticated, throttled, ..."},
            "detail": {"type": "string", "description": "a sentence for people"},
        },
        "required": ["code", "detail"],
        "additionalProperties": True,
    }
    ref = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            wanted = ["400", "406", "429"]
            if "{" in path:
                wanted.append("404")
            anonymous_ok = {} in operation.get("security", [{}])
            if "requestBody" in operation:
                wanted += ["403", "415"]
            elif not anonymous_ok:
                wanted.append("403")
            responses = operation.setdefault("responses", {})
            for status in wanted:
                existing = responses.get(status)
                if existing is None:
                    responses[status] = {"description": ERRORS[status], "content": ref}
                elif "content" not in existing:
                    existing["content"] = ref
    return result
