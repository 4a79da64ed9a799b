"""API tokens: an integration calls the API as the token's owner, within the token's dealership
limit; a revoked or unknown token is 401; only a hash of the secret is kept; no CSRF token is
needed with one; the OpenAPI schema lists the scheme; staff and managers revoke them."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dealerships.api_tokens.services import api_token_issue
from dealerships.models import ApiToken, Role
from tests.factories.bookings import AppointmentFactory
from tests.factories.dealerships import MembershipFactory
from tests.factories.workshop import AdvisorFactory


def _appointments_url(slug):
    return reverse("api_appointment_list", kwargs={"dealership_slug": slug})


def _bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def milano_appointment(milano):
    return AppointmentFactory(advisor=AdvisorFactory(dealership=milano, name="Giulia Conti"))


@pytest.fixture
def dora(milano, torino):
    """An operator at Milano and at Torino: her tokens may be limited to one of them."""
    user = MembershipFactory(dealership=milano, role=Role.RESERVATION_OPERATOR, user__username="dora").user
    MembershipFactory(user=user, dealership=torino, role=Role.RESERVATION_OPERATOR)
    return user


def test_a_token_reads_its_dealerships_appointments(client, alice, milano, milano_appointment):
    issued = api_token_issue(owner=alice, name="DMS sync", dealership=milano)
    response = client.get(
        _appointments_url("milano"),
        {"start": milano_appointment.local_day.isoformat()},
        headers=_bearer(issued.secret),
    )
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()] == [milano_appointment.id]
    # DRF's "Token <token>" works the same.
    again = client.get(
        _appointments_url("milano"),
        {"start": milano_appointment.local_day.isoformat()},
        headers={"Authorization": f"Token {issued.secret}"},
    )
    assert again.status_code == 200


def test_a_token_limited_to_one_dealership_is_refused_at_another_like_an_outsider(
    client, dora, milano, torino, sevilla
):
    secret = api_token_issue(owner=dora, name="Milano only", dealership=milano).secret
    assert client.get(_appointments_url("milano"), headers=_bearer(secret)).status_code == 200
    limited = client.get(_appointments_url("torino"), headers=_bearer(secret))
    foreign = client.get(_appointments_url("sevilla"), headers=_bearer(secret))
    assert limited.status_code == foreign.status_code == 404
    assert limited.json() == foreign.json()
    # Dora herself works at Torino: it is the token's limit that refuses it.
    client.force_login(dora)
    assert client.get(_appointments_url("torino")).status_code == 200
    client.logout()
    listed = client.get(reverse("api_dealership_list"), headers=_bearer(secret)).json()["results"]
    assert [d["slug"] for d in listed] == ["milano"]


def test_an_unlimited_token_reaches_every_dealership_of_its_owner_and_no_other(client, dora, sevilla):
    secret = api_token_issue(owner=dora, name="Everywhere", dealership=None).secret
    assert client.get(_appointments_url("milano"), headers=_bearer(secret)).status_code == 200
    assert client.get(_appointments_url("torino"), headers=_bearer(secret)).status_code == 200
    assert client.get(_appointments_url("sevilla"), headers=_bearer(secret)).status_code == 404


def test_a_token_cannot_be_limited_to_a_dealership_its_owner_does_not_work_at(client, alice, sevilla):
    client.force_login(alice)
    response = client.post(reverse("api_token_list"), {"name": "Sneaky", "dealership": sevilla.id})
    assert response.status_code == 400
    assert response.context["form"].errors["dealership"]
    assert not ApiToken.objects.exists()


def test_a_revoked_or_unknown_token_is_answered_401_in_the_error_shape(client, alice, milano):
    issued = api_token_issue(owner=alice, name="Old integration", dealership=milano)
    client.force_login(alice)
    client.post(reverse("api_token_list"), {"revoke": issued.token.id})
    client.logout()
    for secret in (issued.secret, issued.secret + "x", "dsk_made-up"):
        response = client.get(_appointments_url("milano"), headers=_bearer(secret))
        assert response.status_code == 401
        assert response.json() == {
            "detail": "The API token is unknown or revoked.",
            "code": "authentication_failed",
        }
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # A caller who sends no credentials at all is still told it is not logged in, as before.
    anonymous = client.get(_appointments_url("milano"))
    assert anonymous.status_code == 403
    assert anonymous.json()["code"] == "not_authenticated"


def test_a_token_of_a_deactivated_owner_is_refused(client, alice, milano):
    secret = api_token_issue(owner=alice, name="DMS", dealership=milano).secret
    alice.is_active = False
    alice.save()
    assert client.get(_appointments_url("milano"), headers=_bearer(secret)).status_code == 401


def test_the_secret_is_shown_once_and_only_its_hash_is_stored(client, alice, milano):
    client.force_login(alice)
    made = client.post(reverse("api_token_list"), {"name": "DMS sync", "dealership": milano.id})
    assert made.status_code == 201
    secret = made.context["issued"].secret
    assert secret in made.content.decode()
    assert made.headers["Cache-Control"].startswith("max-age=0")  # never_cache: no copy is kept
    row = ApiToken.objects.values().get()
    assert secret not in {str(value) for value in row.values()}
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(row["prefix"])
    later = client.get(reverse("api_token_list")).content.decode()
    assert secret not in later
    assert row["prefix"] in later  # recognisable in the list by its start


def test_the_last_use_is_recorded_to_the_minute(client, alice, milano):
    issued = api_token_issue(owner=alice, name="DMS", dealership=milano)
    secret_header, token = _bearer(issued.secret), issued.token
    assert token.last_used_at is None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(reverse("api_dealership_list"), headers=secret_header)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get(reverse("api_dealership_list"), headers=secret_header)
    token.refresh_from_db()
    assert token.last_used_at == start  # the same minute: no write on every call
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        client.get(reverse("api_dealership_list"), headers=secret_header)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(minutes=5)


def test_a_token_needs_no_csrf_token_but_the_session_still_does(member_of, milano):
    manager = member_of(Role.WORKSHOP_MANAGER)
    secret = api_token_issue(owner=manager, name="Hours sync", dealership=milano).secret
    browser = Client(enforce_csrf_checks=True)
    url = reverse("api_opening_hours", kwargs={"dealership_slug": "milano"})
    week = [{"weekday": 0, "opens": "08:00", "closes": "12:00"}]
    with_token = browser.put(url, week, content_type="application/json", headers=_bearer(secret))
    assert with_token.status_code == 200, with_token.content
    browser.force_login(manager)
    with_session = browser.put(url, week, content_type="application/json")
    assert with_session.status_code == 403
    assert "CSRF" in with_session.json()["detail"]


def test_the_schema_lists_the_token_scheme(client, db):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    operation = schema["paths"]["/api/v1/dealerships/{dealership_slug}/appointments/"]["get"]
    assert {"apiToken": []} in operation["security"]


def test_staff_make_and_revoke_their_own_tokens_on_their_page(client, alice, milano):
    client.force_login(alice)
    page = client.get(reverse("api_token_list"))
    assert page.status_code == 200
    made = client.post(reverse("api_token_list"), {"name": "Call-centre tool", "dealership": ""})
    secret = made.context["issued"].secret
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.dealership) == (alice, "Call-centre tool", None)
    assert client.get(_appointments_url("milano"), headers=_bearer(secret)).status_code == 200

    revoked = client.post(reverse("api_token_list"), {"revoke": token.id}, follow=True)
    assert "The token “Call-centre tool” is revoked." in revoked.content.decode()
    assert client.get(_appointments_url("milano"), headers=_bearer(secret)).status_code == 401


def test_nobody_revokes_a_token_that_is_not_theirs_from_their_own_page(client, alice, charlie, sevilla):
    theirs = api_token_issue(owner=charlie, name="Sevilla DMS", dealership=sevilla).token
    client.force_login(alice)
    assert client.post(reverse("api_token_list"), {"revoke": theirs.id}).status_code == 404
    assert client.post(reverse("api_token_list"), {"revoke": "not-a-number"}).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_revoked


def test_a_dealer_manager_sees_and_revokes_the_tokens_that_reach_their_dealership(
    client, alice, charlie, member_of, milano, torino, sevilla
):
    manager = member_of(Role.DEALER_MANAGER)
    milano_only = api_token_issue(owner=alice, name="Alice Milano", dealership=milano)
    everywhere = api_token_issue(owner=alice, name="Alice everywhere", dealership=None)
    torino_user = member_of(Role.SERVICE_ADVISOR, dealership=torino)
    api_token_issue(owner=torino_user, name="Torino tool", dealership=torino)
    sevilla_token = api_token_issue(owner=charlie, name="Sevilla DMS", dealership=sevilla).token
    client.force_login(manager)
    url = reverse("dealership_api_token_list", kwargs={"dealership_slug": "milano"})

    page = client.get(url).content.decode()
    assert "Alice Milano" in page
    assert "Alice everywhere" in page
    assert "Torino tool" not in page
    assert "Sevilla DMS" not in page

    client.post(url, {"revoke": milano_only.token.id})
    assert client.get(_appointments_url("milano"), headers=_bearer(milano_only.secret)).status_code == 401
    assert client.get(_appointments_url("milano"), headers=_bearer(everywhere.secret)).status_code == 200
    assert client.post(url, {"revoke": sevilla_token.id}).status_code == 404
    sevilla_token.refresh_from_db()
    assert not sevilla_token.is_revoked


def test_an_advisor_cannot_open_the_dealerships_token_page(client, alice, milano):
    client.force_login(alice)
    url = reverse("dealership_api_token_list", kwargs={"dealership_slug": "milano"})
    assert client.get(url).status_code == 403


def test_the_command_makes_a_token_for_an_integration_user(client, member_of, milano, sevilla):
    member_of(Role.RESERVATION_OPERATOR, username="dms-integration")
    out, err = StringIO(), StringIO()
    call_command(
        "api_token_create",
        "dms-integration",
        "--name",
        "DMS",
        "--dealership",
        "milano",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip()
    assert "Authorization: Bearer" in err.getvalue()
    assert client.get(_appointments_url("milano"), headers=_bearer(secret)).status_code == 200
    assert ApiToken.objects.get().dealership == milano

    with pytest.raises(CommandError, match="does not work at this dealership"):
        call_command("api_token_create", "dms-integration", "--name", "DMS", "--dealership", "sevilla")
    with pytest.raises(CommandError, match="No user"):
        call_command("api_token_create", "nobody", "--name", "DMS")
    with pytest.raises(CommandError, match="No dealership"):
        call_command("api_token_create", "dms-integration", "--name", "DMS", "--dealership", "atlantis")
