"""Schemathesis fuzzes every operation of the OpenAPI schema: none answers with a 5xx.

In-process (ASGI, no server), authenticated as an executive (an API token), on a copy of
the small store with users. Bounded for the suite: a few derandomized examples per
operation, the schema's examples and the fuzzing phase only. CI runs it (plain
``pytest``); it fails there, rather than skip, when schemathesis is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from snop.api.app import create_app
from tests.conftest import need
from tests.security.apps import BY_ROLE, token_of, users_store

EXAMPLES = 3  # per operation; the whole run stays within seconds

try:
    import schemathesis
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - the test extra installs it
    schemathesis = None


@pytest.fixture
def api(tmp_path: Path) -> Any:
    uow = users_store(tmp_path)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(uow))
    schema.config.update(headers=token_of(uow, BY_ROLE["executive"]))
    schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)
    schema.config.phases.update(phases=["examples", "fuzzing"])
    return schema


if schemathesis is None:  # pragma: no cover

    def test_the_api_never_fails_with_a_server_error() -> None:
        need(False, "schemathesis is not installed: pip install -e '.[test]'")

else:
    schema = schemathesis.pytest.from_fixture("api")

    @pytest.mark.fuzz
    @schema.parametrize()
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def test_the_api_never_fails_with_a_server_error(case: Any) -> None:
        response = case.call()
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
        )
