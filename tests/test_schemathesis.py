"""Property-based tests over the whole OpenAPI document: no 5xx, and every response matches its schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from tests.builders.accounts import make_user


@pytest.fixture
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any, app: Any) -> None:
    with app.app_context():
        admin = make_user(roles=("corps_admin",))
    response = case.call(headers=admin.headers)
    # raises on a 5xx, a body that does not match its schema, or a wrong content type
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
    assert response.status_code < 500
    if response.status_code >= 400:  # every error answers in the one shape, with a Chinese message
        body = response.json()
        assert set(body) == {"code", "message", "details"} and body["code"] and body["message"]
