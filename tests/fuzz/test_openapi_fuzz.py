"""Property-based fuzzing (schemathesis + Hypothesis) of every operation in our two OpenAPI
documents, in process over ASGI: /openapi.json (ours: no 5xx, and 2xx JSON bodies match their
declared schemas) and /ogc/openapi?f=json (pygeoapi's: no 5xx).

Bounded for CI: SIEP_FUZZ_EXAMPLES examples per operation (default 25), fixed seed
(derandomized), no deadline. A longer run: SIEP_FUZZ_EXAMPLES=500 (see docs/reliability.md).
"""

from __future__ import annotations

import copy
import os
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.fuzz.conftest import TOKEN

EXAMPLES = int(os.environ.get("SIEP_FUZZ_EXAMPLES", "25"))
# pygeoapi's document points at schemas.opengis.net (no network here): local stand-ins.
EXTERNAL_PARAMETERS = {
    "featureId": {
        "name": "featureId",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    },
    "datetime": {"name": "datetime", "in": "query", "schema": {"type": "string"}},
    "sortby": {"name": "sortby", "in": "query", "schema": {"type": "string"}},
}


def localize_refs(node: Any, parent: str = "") -> Any:
    """Replace external $refs: parameters by stand-ins, responses/schemas by open ones."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            name = ref.rstrip("/").rsplit("/", 1)[-1].removesuffix(".yaml")
            if parent == "parameters":
                return copy.deepcopy(EXTERNAL_PARAMETERS[name])
            return {"description": name} if parent == "responses" else {}
        return {key: localize_refs(value, key) for key, value in node.items()}
    if isinstance(node, list):
        return [localize_refs(value, parent) for value in node]
    return node


@schemathesis.check
def success_matches_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    """Our 2xx bodies match their declared schemas. Error bodies are the app's own
    {detail, status} (docs/api.md), not FastAPI's generated 422 schema: see docs/reliability.md."""
    if 200 <= response.status_code < 300:
        return response_schema_conformance(ctx, response, case)
    return None


def _fuzz(schema: Any, checks: list[Any], headers: dict[str, str]) -> tuple[int, list[str]]:
    """Run every operation; return (cases run, failure descriptions)."""
    failures: list[str] = []
    total = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,  # fixed seed: the same cases on every run
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal total
            total += 1
            try:
                case.call_and_validate(headers=headers, checks=checks)
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query!r}: "
                    f"{type(exc).__name__}: {str(exc)[:400]}"
                )

        run()
    return total, failures


def test_api_openapi_operations_never_5xx_and_match_schemas(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    total, failures = _fuzz(
        schema,
        [not_a_server_error, success_matches_schema],
        {"Authorization": f"Bearer {TOKEN}"},
    )
    print(f"\n/openapi.json: {total} cases, {len(failures)} failures")
    assert total >= 5 * EXAMPLES
    assert not failures, "\n".join(failures[:20])


def test_ogc_openapi_operations_never_5xx(app: FastAPI) -> None:
    document = TestClient(app).get("/ogc/openapi?f=json").json()
    document["servers"] = [{"url": "/ogc"}]
    schema = schemathesis.openapi.from_dict(localize_refs(document))
    schema.app = app
    total, failures = _fuzz(schema, [not_a_server_error], {})
    print(f"\n/ogc/openapi: {total} cases, {len(failures)} failures")
    assert total >= 20 * EXAMPLES
    assert not failures, "\n".join(failures[:20])
