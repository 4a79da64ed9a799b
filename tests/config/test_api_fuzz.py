"""The API fuzzed against its own OpenAPI schema with schemathesis, through WSGI (no network).

Every operation in /api/schema/ is called with generated input (valid and invalid), as a staff
member holding every role with an API token and as an anonymous caller, and each answer is
checked: no server error, a status code the schema documents, a body that conforms to the
schema. The walk is over the schema, so an endpoint added tomorrow is fuzzed tomorrow. The
figures (operations, examples, failures) print in pytest's terminal summary.
"""

import time
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from dealerships.api_tokens.services import api_token_issue
from dealerships.models import Role
from tests.config.conftest import FUZZ_FIGURES, FuzzRun
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CampaignFactory, VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory

EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app() -> Iterator[object]:
    # The app is called in this thread, inside the test's transaction: Django's own test client
    # keeps the connection open across requests the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def milano_world(milano):
    """A dealership with a member holding every role, advisors, a technician, a job, a campaign,
    customers and appointments."""
    staff = UserFactory(username="fuzz-staff")
    for role in Role:  # every capability, so every operation is reached past its permission check
        MembershipFactory(user=staff, dealership=milano, role=role)
    advisors = [AdvisorFactory(dealership=milano) for _ in range(2)]
    TechnicianFactory(dealership=milano)
    JobFactory(dealership=milano)
    CampaignFactory(dealership=milano)
    for advisor in advisors:
        vehicle = VehicleFactory(customer__dealership=milano)
        AppointmentFactory(advisor=advisor, vehicle=vehicle)
    return {"dealership": milano, "staff": staff}


def _fuzz(schema, *, headers: dict[str, str], path_parameters: dict[str, str], run: FuzzRun) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {k: v for k, v in path_parameters.items() if "{" + k + "}" in operation.path}
        run.operations += 1

        # Valid input finds wrong answers; invalid input finds validation gaps (a 500 not a 400).
        cases = operation.as_strategy(path_parameters=fixed) | operation.as_strategy(
            generation_mode=GenerationMode.NEGATIVE, path_parameters=fixed
        )

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            run.examples += 1
            try:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                run.statuses[f"{response.status_code // 100}xx"] += 1
            except BaseExceptionGroup as failures:
                # Recorded, not raised: Hypothesis would spend minutes shrinking each one.
                run.failures.append(f"{case.method} {case.formatted_path}\n{failures.message}")

        call()


@pytest.mark.parametrize("caller", ["staff", "anonymous"])
def test_every_api_operation_survives_fuzzing(wsgi_app, milano_world, caller):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    headers = {}
    if caller == "staff":
        issued = api_token_issue(owner=milano_world["staff"], name="fuzz", dealership=None)
        headers = {"Authorization": f"Bearer {issued.secret}"}
    run = FuzzRun(caller=caller)
    started = time.monotonic()
    _fuzz(schema, headers=headers, path_parameters={"dealership_slug": "milano"}, run=run)
    run.seconds = time.monotonic() - started
    FUZZ_FIGURES.append(run)
    assert run.operations > 10
    assert run.failures == [], "\n\n".join(run.failures[:20])
