"""Schemathesis against ``/openapi.json`` of a running server: no 5xx, no schema violation.

Every answer must also match what the document says of its status: the status is
documented for the operation, and the answer's media type is one documented for that
status (errors: ``application/problem+json`` with the ``Problem`` schema).

Every operation of the published schema is exercised with a bounded number of generated
requests (hypothesis strategies from schemathesis), signed in with a city token — the
role that reaches the most code. Failures of all operations are collected and reported
together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

#: Generated requests per operation (bounded work: the test's size, not a timing).
MAX_EXAMPLES = 12

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_api_has_no_server_errors_and_matches_its_schema(
    server: str, make_user: Callable[..., dict[str, Any]]
) -> None:
    token = make_user("city-fuzz", "city")["token"]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def exercise(case: Any) -> None:
            response = case.call(base_url=server, headers=headers, timeout=180)
            case.validate_response(response, checks=CHECKS)

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as err:  # collect every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path}: {err}"[:3000])
    assert operations >= 20
    assert not failures, "\n\n".join(failures)
