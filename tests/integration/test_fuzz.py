"""The API fuzzed from its own OpenAPI schema with schemathesis: whatever is sent, the answer
is never a server error. Each operation is called as a role the permission table allows, so
the generated requests get past the guard into the code that parses and acts on them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.access import PERMISSIONS
from models import Role
from models.migrate import upgrade
from tests.inprocess import make_user
from tests.integration.test_permissions import ROUTES
from tests.stack import postgres_database
from yoshin.app import create_app
from yoshin.measure.harness import isolated_home

SKIPPED = {("GET", "/api/batches/{batch_id}/events")}
"""A stream that stays open while a batch is read; no worker runs here to end it."""

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
ACTION = {(method, path): action for method, path, action, _ in ROUTES}


@pytest.fixture(scope="module")
def on_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fuzz against PostgreSQL, as in production: it refuses what SQLite quietly accepts
    (a negative LIMIT, an integer out of range), which must be a 4xx, not a crash."""
    with postgres_database() as url, isolated_home(tmp_path_factory.mktemp("fuzz"), url):
        upgrade()
        yield
    _token.cache_clear()


@cache
def _token(role: Role) -> str:
    return make_user(role)[1]


def _role_for(method: str, path: str) -> Role | None:
    action = ACTION.get((method, path))
    if action is None:
        return None
    return next(role for role in (Role.SUPERVISOR, Role.ADMIN, Role.REVIEWER, Role.SCANNER,
                                  Role.CLINIC, Role.PEER) if role in PERMISSIONS[action])


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@pytest.mark.postgres
def test_no_input_makes_the_api_fail(case, on_postgres) -> None:  # noqa: ANN001
    method, path = case.operation.method.upper(), case.operation.path
    if (method, path) in SKIPPED:
        return
    role = _role_for(method, path)
    headers = {"Authorization": f"Bearer {_token(role)}"} if role else {}
    response = case.call(headers=headers)
    assert response.status_code < 500, (method, path, response.status_code,
                                        re.sub(r"\s+", " ", response.text)[:300])
    case.validate_response(response, checks=(not_a_server_error,))
