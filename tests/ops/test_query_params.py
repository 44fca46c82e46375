"""config/query_params.py: one reading of query parameters for the API (strict) and the pages (forgiving)."""

from __future__ import annotations

import json

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from rest_framework import serializers

from config.query_params import BadQuery, read_query
from games.views import bench_fixed_bytes


class Query(serializers.Serializer):
    week = serializers.IntegerField(required=False, min_value=1)
    view = serializers.ChoiceField(choices=["week", "season"], required=False, default="week")


def read(query: str, *, strict: bool) -> dict:
    return dict(read_query(Query, QueryDict(query), strict=strict))


@pytest.mark.parametrize("strict", [True, False])
def test_good_parameters_read_the_same_for_the_api_and_a_page(strict):
    assert read("week=3&view=season", strict=strict) == {"week": 3, "view": "season"}
    assert read("", strict=strict) == {"view": "week"}


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("week=0", {"week": ["Ensure this value is greater than or equal to 1."]}),
        ("week=x&view=y", {"week": ["A valid integer is required."], "view": ['"y" is not a valid choice.']}),
        ("week=1&week=2", {"week": ["Given 2 times: give it once."]}),
    ],
)
@pytest.mark.parametrize("strict", [True, False])
def test_bad_parameters_are_named_for_the_api_and_a_page(query, errors, strict):
    with pytest.raises(BadQuery) as raised:
        read(query, strict=strict)
    assert raised.value.errors == errors


def test_the_api_refuses_unknown_and_empty_parameters():
    with pytest.raises(BadQuery) as raised:
        read("weeks=3&view=", strict=True)
    assert raised.value.errors == {
        "weeks": ["Unknown parameter; allowed: view, week."],
        "view": ["Empty: give a value or leave the parameter out."],
    }


def test_a_page_leaves_unknown_and_empty_parameters_out():
    assert read("weeks=3&view=&utm_source=x&week=&week=2", strict=False) == {"week": 2, "view": "week"}


@pytest.mark.django_db
def test_the_api_names_a_parameter_given_twice(client):
    response = client.get("/api/games/?week=1&week=2")
    assert response.status_code == 400
    assert response.json()["week"] == ["Given 2 times: give it once."]


@pytest.mark.parametrize("size", ["abc", "-5", "1", "4000001", "9" * 40, "1e3", "١٢"])
def test_the_benchmarks_fixed_bytes_view_names_a_bad_size(size):
    response = bench_fixed_bytes(RequestFactory().get("/api/bench/fixed/", {"bytes": size}))
    assert response.status_code == 400
    assert json.loads(response.content)["bytes"] == ["A whole number from 2 to 4000000."]


def test_the_benchmarks_fixed_bytes_view_answers_the_size_asked():
    assert len(bench_fixed_bytes(RequestFactory().get("/api/bench/fixed/", {"bytes": "300"})).content) == 300
    assert len(bench_fixed_bytes(RequestFactory().get("/api/bench/fixed/")).content) == 1024
