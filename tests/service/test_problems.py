"""Errors leave the service as RFC 9457 problem documents carrying the CLI's message."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema_rs
import pytest
from fastapi import FastAPI

from layers.errors import (
    ConfigError,
    CRSError,
    EmptyLayerError,
    EncodingError,
    InfeasibleError,
    InputError,
    OutputExistsError,
    SitingError,
    ValidationError,
)
from service.auth import normalise_district
from service.problems import ERROR_STATUS, PROBLEM_JSON, status_of


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationError("cctv.csv", ["rows 3, 7: 위도 is blank"]), 422),
        (CRSError("layer is EPSG:4326; expected EPSG:5186"), 422),
        (EncodingError("not UTF-8 or CP949"), 422),
        (EmptyLayerError("no rows"), 422),
        (ConfigError("unknown policy"), 422),
        (InputError("bad"), 422),
        (InfeasibleError("more sites than candidates"), 422),
        (OutputExistsError("exists"), 409),
        (SitingError("other"), 400),
    ],
)
def test_every_library_error_has_a_status(error: SitingError, status: int) -> None:
    assert status_of(error)[0] == status


def test_table_covers_every_error_class() -> None:
    import layers.errors as errors

    classes = {
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, SitingError)
    }
    assert classes <= set(ERROR_STATUS), classes - set(ERROR_STATUS)


def _is_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"] == "about:blank" and body["instance"] == r.request.url.path
    return body


def test_library_error_carries_the_cli_message_layer_and_fix(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("officer", "city")
    rid = client.post(
        "/rounds", json={"program": "cctv-replace", "year": 2025}, headers=city["headers"]
    ).json()["id"]
    client.post(f"/rounds/{rid}/open", headers=city["headers"]).raise_for_status()
    r = client.put(
        f"/rounds/{rid}/submissions/해운대구",
        json={"requested_krw": 1, "matching_secured_krw": 1},
        headers=city["headers"],
    )
    body = _is_problem(r, 422)
    with pytest.raises(ConfigError) as raised:
        normalise_district("해운대구")
    assert body["detail"] == str(raised.value)  # what `siting` prints after "error: "
    assert body["layer"] == "district" and body["fix"] == raised.value.fix


def test_http_errors_are_problems(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    city = make_user("officer", "city")
    viewer = make_user("council", "viewer")
    _is_problem(client.get("/rounds"), 401)
    _is_problem(
        client.post("/rounds", json={"program": "wifi", "year": 2025}, headers=viewer["headers"]),
        403,
    )
    _is_problem(client.get("/rounds/999", headers=city["headers"]), 404)
    _is_problem(client.get("/no/such/path", headers=city["headers"]), 404)
    body = _is_problem(
        client.post("/rounds", json={"program": "wifi"}, headers=city["headers"]), 422
    )
    assert any(e["loc"][-1] == "year" for e in body["errors"])
    assert "year" in body["detail"]
    bad_json = client.post(
        "/rounds",
        content=b"{not json",
        headers=city["headers"] | {"content-type": "application/json"},
    )
    _is_problem(bad_json, 422)
    _is_problem(client.post("/rounds/1/open", headers=city["headers"]), 404)


def _operations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
    ]


def test_openapi_documents_every_error_as_a_problem(client: httpx.Client, app: FastAPI) -> None:
    doc = client.get("/openapi.json").json()
    assert doc == json.loads(json.dumps(app.openapi()))
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])
    assert {"instance", "layer", "rows", "fix", "problems", "errors"} <= set(problem["properties"])
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    operations = _operations(doc)
    assert len(operations) >= 20
    for label, operation in operations:
        responses = operation["responses"]
        errors = {code: r for code, r in responses.items() if code[0] in "45"}
        assert "500" in errors, label
        if operation.get("security"):
            assert "401" in errors, label
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in errors, label  # FastAPI's request validation, as a problem
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in errors, label
        for code, response in errors.items():
            assert response["content"] == content, f"{label} {code}"
            assert response["description"] and response["description"] != "Validation Error"


def test_error_answers_match_the_documented_problem_schema(
    client: httpx.Client, make_user: Callable[..., dict[str, Any]]
) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Problem"]
    validator = jsonschema_rs.validator_for(schema)
    city = make_user("officer", "city")
    rid = client.post(
        "/rounds", json={"program": "wifi", "year": 2025}, headers=city["headers"]
    ).json()["id"]
    client.post(f"/rounds/{rid}/open", headers=city["headers"]).raise_for_status()
    submission = {"requested_krw": "2억", "matching_secured_krw": "1억"}
    answers = {
        "401": client.get("/rounds"),
        "404": client.get(f"/rounds/{rid + 1}", headers=city["headers"]),
        "422 request": client.post("/rounds", json={"year": 1}, headers=city["headers"]),
        "422 library": client.put(
            f"/rounds/{rid}/submissions/해운대구", json=submission, headers=city["headers"]
        ),
    }
    client.put(f"/rounds/{rid}/submissions/노원구", json=submission, headers=city["headers"])
    client.post(f"/rounds/{rid}/close", headers=city["headers"]).raise_for_status()
    # the wifi criteria need every district's commitment rating: a ValidationError
    answers["422 validation"] = client.post(f"/rounds/{rid}/score", headers=city["headers"])
    for what, answer in answers.items():
        body = _is_problem(answer, int(what[:3]))
        errors = [str(error) for error in validator.iter_errors(body)]
        assert errors == [], f"{what}: {errors}"
    assert answers["422 request"].json()["errors"]
    assert answers["422 library"].json()["layer"] == "district"
    assert answers["422 validation"].json()["problems"]
