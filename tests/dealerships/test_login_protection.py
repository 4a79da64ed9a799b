"""Staff logins: repeated wrong passwords pause the login (django-axes), and the people who run a
dealership confirm their login with a TOTP code (django-otp) before any page works for them."""

import os
import subprocess
import sys
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dealerships.models import Role
from tests.factories.dealerships import UserFactory

PASSWORD = "a-long-staff-password"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def paola(member_of):
    user = member_of(Role.RESERVATION_OPERATOR, username="paola")
    user.set_password(PASSWORD)
    user.save()
    return user


def _log_in(client, username, password, url="login", **extra):
    return client.post(reverse(url), {"username": username, "password": password}, **extra)


def _logged_in(client) -> bool:
    return client.get(reverse("dealership_home", kwargs={"dealership_slug": "milano"})).status_code == 200


# --- Lockout ----------------------------------------------------------------------------------


def test_five_wrong_passwords_pause_the_login_with_a_message_and_429(client, paola):
    for _ in range(4):
        wrong = _log_in(client, "paola", "guess")
        assert wrong.status_code == 200
        assert wrong.context["form"].non_field_errors()
    fifth = _log_in(client, "paola", "guess")
    assert fifth.status_code == 429
    assert "Too many failed logins" in fifth.content.decode()
    assert "try again in 15 minutes" in fifth.content.decode()
    assert fifth.headers["Retry-After"] == "900"


def test_during_the_pause_the_right_password_is_refused_and_afterwards_it_logs_in(client, paola):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _log_in(client, "paola", "guess")
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        refused = _log_in(client, "paola", PASSWORD)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "60"
        assert "try again in 1 minute." in refused.content.decode()
        assert not _logged_in(client)
    # Tries during the pause do not prolong it: 15 minutes after the fifth wrong password.
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert _log_in(client, "paola", PASSWORD).status_code == 302
        assert _logged_in(client)


def test_a_successful_login_forgets_the_wrong_passwords_before_it(client, paola):
    for _ in range(4):
        _log_in(client, "paola", "guess")
    assert _log_in(client, "paola", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _log_in(client, "paola", "guess").status_code == 200


def test_the_pause_holds_that_username_from_that_address_only(client, paola, member_of, settings):
    """Behind the load balancer the address is the client's (TRUSTED_PROXIES, as for the rate
    limits): a colleague behind the same balancer is not locked out, nor Paola from elsewhere."""
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.0/8")]
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        _log_in(client, "paola", "guess", HTTP_X_FORWARDED_FOR="203.0.113.7", **balancer)
    assert (
        _log_in(client, "paola", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7", **balancer).status_code == 429
    )
    assert (
        _log_in(client, "paola", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9", **balancer).status_code == 302
    )
    client.logout()
    colleague = member_of(Role.SERVICE_ADVISOR, username="marco")
    colleague.set_password(PASSWORD)
    colleague.save()
    assert (
        _log_in(client, "marco", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7", **balancer).status_code == 302
    )


def test_the_admin_login_is_paused_the_same_way(client, db):
    UserFactory(username="root", is_staff=True, is_superuser=True, password=PASSWORD)
    for _ in range(5):
        last = _log_in(client, "root", "guess", url="admin:login")
    assert last.status_code == 429
    assert _log_in(client, "root", PASSWORD, url="admin:login").status_code == 429


# --- The second factor of managers ----------------------------------------------------------


@pytest.fixture
def totp_required(settings):
    settings.MANAGER_TOTP_REQUIRED = True


@pytest.fixture
def manager(member_of):
    user = member_of(Role.DEALER_MANAGER, username="martina")
    user.is_staff = True  # works in the admin too
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def manager_device(manager):
    return TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)


def _code(device_or_key, *, at_time=None) -> str:
    key = device_or_key.bin_key if isinstance(device_or_key, TOTPDevice) else bytes.fromhex(device_or_key)
    totp = TOTP(key)
    if at_time is not None:
        totp.time = at_time.timestamp()
    return f"{totp.token():06d}"


def _verify_url(next_path):
    return f"{reverse('totp_verify')}?{urlencode({'next': next_path})}"


def test_a_managers_password_alone_reaches_only_the_code_step(client, totp_required, manager, manager_device):
    assert _log_in(client, "martina", PASSWORD).status_code == 302
    home = reverse("dealership_home", kwargs={"dealership_slug": "milano"})
    page = client.get(home)
    assert page.status_code == 302
    assert page.headers["Location"] == _verify_url("/d/milano/")
    assert client.get("/admin/").headers["Location"] == _verify_url("/admin/")
    api = client.get(reverse("api_closure_list", kwargs={"dealership_slug": "milano"}))
    assert (api.status_code, api.json()["code"]) == (403, "second_factor_required")
    # Another Authorization scheme does not get the session past the step either.
    other = client.get(
        reverse("api_closure_list", kwargs={"dealership_slug": "milano"}),
        headers={"Authorization": "Basic bWFydGluYTp4"},
    )
    assert other.status_code == 403
    step = client.get(_verify_url("/d/milano/"))
    assert step.status_code == 200
    assert "Confirm your login" in step.content.decode()


def test_a_right_code_lets_the_manager_in_and_a_wrong_one_does_not(
    client, totp_required, manager, manager_device
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _log_in(client, "martina", PASSWORD)
        wrong = client.post(reverse("totp_verify"), {"code": "000000", "next": "/d/milano/"})
        if _code(manager_device) == "000000":  # one chance in a million
            pytest.skip("the right code happened to be 000000")
        assert wrong.status_code == 400
        assert "That code is not right" in wrong.content.decode()
        assert not _logged_in(client)
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        right = client.post(reverse("totp_verify"), {"code": _code(manager_device), "next": "/d/milano/"})
        assert right.status_code == 302
        assert right.headers["Location"] == "/d/milano/"
        assert _logged_in(client)
        assert client.get("/admin/").status_code == 200


def test_after_a_wrong_code_the_next_try_waits(client, totp_required, manager, manager_device):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _log_in(client, "martina", PASSWORD)
        client.post(reverse("totp_verify"), {"code": "000000"})
        waiting = client.post(reverse("totp_verify"), {"code": _code(manager_device)})
        assert waiting.status_code == 400
        assert "Too many wrong codes: try again in 1 second." in waiting.content.decode()
        assert not _logged_in(client)
    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        client.post(reverse("totp_verify"), {"code": _code(manager_device)})
        assert _logged_in(client)


def test_a_manager_without_an_authenticator_sets_one_up_with_a_first_code(client, totp_required, manager):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _log_in(client, "martina", PASSWORD)
        step = client.get(_verify_url("/d/milano/"))
        assert step.status_code == 302
        assert step.headers["Location"].startswith(reverse("totp_enrol"))
        setup = client.get(step.headers["Location"])
        assert setup.status_code == 200
        assert "<svg" in setup.content.decode()  # the QR code
        key = client.session["totp_pending_key"]
        assert not TOTPDevice.objects.exists()  # nothing is stored before the first code
        wrong = client.post(reverse("totp_enrol"), {"code": "12 34 5"})
        assert wrong.status_code == 400
        assert not TOTPDevice.objects.exists()
        done = client.post(reverse("totp_enrol"), {"code": _code(key), "next": "/d/milano/"})
        assert done.headers["Location"] == "/d/milano/"
        assert _logged_in(client)
    device = TOTPDevice.objects.get(user=manager)
    assert device.confirmed
    assert device.key == key
    # The next login asks for a code of that authenticator, and the setup page is closed.
    client.logout()
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        _log_in(client, "martina", PASSWORD)
        assert client.get(reverse("totp_enrol")).headers["Location"].startswith(reverse("totp_verify"))
        client.post(reverse("totp_verify"), {"code": _code(device)})
        assert _logged_in(client)


def test_a_workshop_manager_and_a_superuser_are_asked_too(client, totp_required, member_of):
    workshop_manager = member_of(Role.WORKSHOP_MANAGER)
    client.force_login(workshop_manager)
    assert client.get(reverse("dealership_home", kwargs={"dealership_slug": "milano"})).status_code == 302
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get("/admin/").headers["Location"] == _verify_url("/admin/")


def test_a_reservation_operator_is_not_asked(client, totp_required, paola):
    assert _log_in(client, "paola", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_a_managers_api_token_works_without_the_session_step(client, totp_required, manager, milano):
    from dealerships.api_tokens.services import api_token_issue

    secret = api_token_issue(owner=manager, name="DMS", dealership=milano).secret
    url = reverse("api_closure_list", kwargs={"dealership_slug": "milano"})
    assert client.get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_the_production_profile_asks_managers_for_a_code_and_the_embedded_default_does_not():
    probe = "from django.conf import settings; print(settings.MANAGER_TOTP_REQUIRED)"
    dropped = {"SECRET_KEY", "DJANGO_PROFILE", "ALLOWED_HOSTS", "MANAGER_TOTP_REQUIRED"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    production = {"DJANGO_PROFILE": "production", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "x"}
    answers = [
        subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
            cwd=ROOT,
            env={**clean, **profile},
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout.strip()
        for profile in (production, {})
    ]
    assert answers == ["True", "False"]
