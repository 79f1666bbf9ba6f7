"""Schemathesis reads the API's OpenAPI description and throws generated requests at every
operation, as a custodian of a network with members, work, an equation and a distribution, on
SQLite and on PostgreSQL: whatever it sends, the node never answers with a server error."""

from __future__ import annotations

import pytest
import schemathesis
from api.conftest import Web
from api.test_api_authorisation import World, routes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema


@pytest.fixture
def world(web: Web) -> World:
    return World(web)


@pytest.fixture
def api_schema(world: World) -> BaseSchema:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.web.app)


def test_the_description_covers_every_api_route(api_schema: BaseSchema, world: World) -> None:
    described = world.ana.ok("GET", "/api/v1/openapi.json")["paths"]
    api = [(method, path) for method, path in routes() if path.startswith("/api/v1/")]
    missing = [f"{method} {path}" for method, path in api if method.lower() not in described.get(path, {})]
    assert not missing
    for path, operations in described.items():
        for method, operation in operations.items():
            assert operation.get("description"), f"{method} {path} says nothing of what it does"


def test_no_request_makes_a_server_error(api_schema: BaseSchema, world: World) -> None:
    # One Hypothesis run per operation, inside one test: the world they share is built once.
    headers = {"authorization": f"Bearer {world.secret}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    answered: dict[int, int] = {}
    assert len(operations) == len([path for _, path in routes() if path.startswith("/api/v1/")])
    # Half the cases name the network, member, contribution, income, proposal … that exist, so that the
    # requests reach past "no such network" into what each operation does.
    real = {"network": world.network, "member": world.bo.agent, "contribution": world.contribution,
            "income": world.income, "distribution": world.distribution, "event": world.contribution,
            "role": "custodian", "proposal": world.proposal}

    def existing(case: schemathesis.Case) -> schemathesis.Case:
        if case.path_parameters:
            case.path_parameters = {name: real.get(name, value) for name, value in case.path_parameters.items()}
        return case

    for operation in operations:
        generated = operation.as_strategy()

        @given(case=st.one_of(generated, generated.map(existing)))
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def never_fails(case: schemathesis.Case) -> None:
            answer = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            answered[answer.status_code] = answered.get(answer.status_code, 0) + 1

        never_fails()
    # The token stayed good all along: most requests were judged on what they asked, not refused at the door.
    assert answered.get(401, 0) < sum(answered.values()) / 4, answered
