"""Query parameters, read through declared DRF serializers by the API and the pages alike.

A serializer declares each parameter once (games/api.py's input serializers, picks/queries.py's
for the pick'em API and pages) and `read_query` checks a query string against it. The API and the
pages differ only in what they forgive:
- the API refuses a parameter it does not know and an empty value, naming it;
- a page ignores a parameter it does not know (a link pasted in a chat picks up tracking parameters,
  a GET form sends its CSRF token) and takes an empty value as not given (an HTML form sends an
  unchosen field that way).
Both refuse a parameter given twice: which of two weeks was meant is not for the server to guess.

The API answers a bad parameter with DRF's 400 (`validate_query`, through config/api_errors.py); a page
with a 400 page naming each one and a link to the page without them (`page_query`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from rest_framework import exceptions, serializers

BAD_QUERY_TEMPLATE = "bad_query.html"


class BadQuery(Exception):
    """Query parameters that do not read: parameter name -> what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))
        self.errors = errors


def page_field(**kwargs: Any) -> serializers.IntegerField:
    """`page`: a page number, from 1 (the games API's pages and the pages' tables)."""
    return serializers.IntegerField(required=False, min_value=1, **kwargs)


def given_times_message(count: int) -> str:
    return f"Given {count} times: give it once."


def not_empty(query: QueryDict) -> QueryDict:
    """The query without its empty values: what a page reads."""
    kept = QueryDict(mutable=True)
    for name, values in query.lists():
        given = [value for value in values if value != ""]
        if given:
            kept.setlist(name, given)
    return kept


def read_query(serializer_class: type[serializers.Serializer], query: QueryDict, *, strict: bool) -> dict:
    """The validated parameters, or BadQuery naming each bad one. `strict` (the API): unknown and empty
    parameters are errors too; otherwise (a page) they are left out."""
    data = query if strict else not_empty(query)
    serializer = serializer_class(data=data)
    serializer.is_valid()
    errors = {name: [str(message) for message in messages] for name, messages in serializer.errors.items()}
    allowed = sorted(serializer.fields)
    for name, values in data.lists():
        if name not in serializer.fields:
            if strict:
                errors[name] = [f"Unknown parameter; allowed: {', '.join(allowed)}."]
        elif strict and "" in values:  # DRF would take `?team=` as no filter at all: say so instead of guessing
            errors[name] = ["Empty: give a value or leave the parameter out."]
        elif len(values) > 1 and not isinstance(serializer.fields[name], serializers.ListField):
            errors[name] = [given_times_message(len(values))]
    if errors:
        raise BadQuery(errors)
    return serializer.validated_data


def validate_query(serializer_class: type[serializers.Serializer], request) -> dict:
    """An API view's validated query parameters, or DRF's 400 naming each bad parameter, unknown ones included."""
    try:
        return read_query(serializer_class, request.query_params, strict=True)
    except BadQuery as exc:
        raise exceptions.ValidationError(exc.errors) from None


def bad_query_page(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    """400: a page naming each bad parameter, with a link to the same page without them."""
    kept = request.GET.copy()
    for name in errors:
        kept.pop(name, None)
    context = {
        "errors": [(name, " ".join(messages)) for name, messages in errors.items()],
        "without_url": f"{request.path}?{kept.urlencode()}" if kept else request.path,
    }
    return render(request, BAD_QUERY_TEMPLATE, context, status=400)


def page_query(
    serializer_class: type[serializers.Serializer],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page view's decorator: the view gets its validated parameters as `query`; a bad parameter,
    found here or raised by the view as BadQuery, answers the 400 page instead."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                query = read_query(serializer_class, request.GET, strict=False)
                return view(request, *args, query=query, **kwargs)
            except BadQuery as exc:
                return bad_query_page(request, exc.errors)

        return wrapper

    return decorate
