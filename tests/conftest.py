"""Personas on both sides of the tenant wall (STYLE.md).

Group Nord owns Milano and Torino; group Sud owns Sevilla.
alice = Milano service advisor, bob = Nord group manager, charlie = Sevilla reservation operator.
"""

from datetime import date, time

import pytest
from django.conf import settings as project_settings
from django.utils import translation

from dealerships.models import Role
from tests.factories.dealerships import (
    ClosureFactory,
    DealerGroupFactory,
    DealershipFactory,
    GroupMembershipFactory,
    MembershipFactory,
    OpeningHoursFactory,
    UserFactory,
)


@pytest.fixture
def nord(db):
    return DealerGroupFactory(name="Nord", slug="nord")


@pytest.fixture
def sud(db):
    return DealerGroupFactory(name="Sud", slug="sud")


@pytest.fixture
def milano(nord):
    dealership = DealershipFactory(
        group=nord,
        slug="milano",
        name="Autosalone Milano",
        city="Milano",
        time_zone="Europe/Rome",
        language="it",
    )
    for weekday in range(5):
        OpeningHoursFactory(dealership=dealership, weekday=weekday, opens=time(8, 0), closes=time(12, 30))
        OpeningHoursFactory(dealership=dealership, weekday=weekday, opens=time(14, 0), closes=time(18, 30))
    return dealership


@pytest.fixture
def torino(nord):
    return DealershipFactory(
        group=nord,
        slug="torino",
        name="Autosalone Torino",
        city="Torino",
        time_zone="Europe/Rome",
        language="it",
    )


@pytest.fixture
def sevilla(sud):
    dealership = DealershipFactory(
        group=sud,
        slug="sevilla",
        name="Concesionario Sevilla",
        city="Sevilla",
        country="ES",
        phone_region="ES",
        time_zone="Europe/Madrid",
        language="es",
    )
    OpeningHoursFactory(dealership=dealership, weekday=0, opens=time(8, 30), closes=time(19, 0))
    ClosureFactory(
        dealership=dealership,
        start_date=date(2099, 4, 14),
        end_date=date(2099, 4, 17),
        reason="Feria de Abril",
    )
    return dealership


@pytest.fixture
def alice(milano):
    user = UserFactory(username="alice", first_name="Alice", last_name="Advisor")
    MembershipFactory(user=user, dealership=milano, role=Role.SERVICE_ADVISOR)
    return user


@pytest.fixture
def bob(nord, milano, torino):
    user = UserFactory(username="bob", first_name="Bob", last_name="Groupmanager")
    GroupMembershipFactory(user=user, dealer_group=nord)
    return user


@pytest.fixture
def charlie(sevilla):
    user = UserFactory(username="charlie", first_name="Charlie", last_name="Operator")
    MembershipFactory(user=user, dealership=sevilla, role=Role.RESERVATION_OPERATOR)
    return user


@pytest.fixture
def member_of(milano):
    """Make a Milano user holding the given roles: member_of(Role.TECHNICIAN)."""

    def make(*roles: Role, username: str | None = None, dealership=None):
        user = UserFactory(**({"username": username} if username else {}))
        for role in roles:
            MembershipFactory(user=user, dealership=dealership or milano, role=role)
        return user

    return make


def pytest_report_header(config):
    from django.conf import settings

    return (
        f"database: {settings.DATABASES['default']['ENGINE']}; "
        f"celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}"
    )


@pytest.fixture(autouse=True)
def _default_language():
    # A page asked for in French leaves French active in the thread (LocaleMiddleware activates
    # the language of each request and nothing resets it): each test starts in the default.
    with translation.override(project_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness protects real passwords; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
