"""R1.1: each role reaches the pages of its job and no others."""

from datetime import time

import pytest
from django.urls import reverse

from dealerships.access import Capability, capabilities_for
from dealerships.models import OpeningHours, Role

MANAGER_PAGES = ["staff_list"]
CAPACITY_PAGES = ["opening_hours_edit", "closure_list"]


@pytest.mark.parametrize("url_name", MANAGER_PAGES + CAPACITY_PAGES)
def test_r1_1_technician_cannot_reach_manager_pages(client, member_of, milano, url_name):
    client.force_login(member_of(Role.TECHNICIAN))
    response = client.get(reverse(url_name, kwargs={"dealership_slug": milano.slug}))
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.RESERVATION_OPERATOR, Role.PARTS_MANAGER, Role.SERVICE_ADVISOR])
def test_r1_1_desk_roles_cannot_change_opening_hours(client, member_of, milano, role):
    client.force_login(member_of(role))
    response = client.post(
        reverse("opening_hours_edit", kwargs={"dealership_slug": milano.slug}), {"day_0": "06:00-23:00"}
    )
    assert response.status_code == 403
    monday_opens = OpeningHours.objects.filter(dealership=milano, weekday=0).values_list("opens", flat=True)
    assert list(monday_opens) == [time(8, 0), time(14, 0)]


def test_r1_1_workshop_manager_sets_capacity_but_not_staff(client, member_of, milano):
    client.force_login(member_of(Role.WORKSHOP_MANAGER))
    assert (
        client.get(reverse("opening_hours_edit", kwargs={"dealership_slug": milano.slug})).status_code == 200
    )
    assert client.get(reverse("staff_list", kwargs={"dealership_slug": milano.slug})).status_code == 403


def test_r1_1_dealer_manager_sees_staff_and_capacity(client, member_of, milano):
    client.force_login(member_of(Role.DEALER_MANAGER))
    for url_name in MANAGER_PAGES + CAPACITY_PAGES:
        assert client.get(reverse(url_name, kwargs={"dealership_slug": milano.slug})).status_code == 200


def test_r1_1_group_manager_reads_but_does_not_edit(client, bob, milano):
    client.force_login(bob)
    assert client.get(reverse("dealership_home", kwargs={"dealership_slug": milano.slug})).status_code == 200
    assert client.get(reverse("closure_list", kwargs={"dealership_slug": milano.slug})).status_code == 403
    response = client.post(
        reverse("api_closure_list", kwargs={"dealership_slug": milano.slug}),
        {"start_date": "2099-01-01", "end_date": "2099-01-01", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_api_enforces_the_write_capability(client, member_of, milano):
    client.force_login(member_of(Role.TECHNICIAN))
    url = reverse("api_closure_list", kwargs={"dealership_slug": milano.slug})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"start_date": "2099-01-01", "end_date": "2099-01-01", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_navigation_shows_only_what_the_role_may_open(client, member_of, milano):
    client.force_login(member_of(Role.TECHNICIAN))
    page = client.get(reverse("dealership_home", kwargs={"dealership_slug": milano.slug})).content.decode()
    assert reverse("dealership_home", kwargs={"dealership_slug": milano.slug}) in page
    assert reverse("staff_list", kwargs={"dealership_slug": milano.slug}) not in page
    assert reverse("opening_hours_edit", kwargs={"dealership_slug": milano.slug}) not in page


def test_anonymous_staff_page_redirects_to_login(client, milano):
    response = client.get(reverse("dealership_home", kwargs={"dealership_slug": milano.slug}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_r1_1_capabilities_combine_across_roles():
    combined = capabilities_for(
        roles=frozenset({Role.TECHNICIAN, Role.PARTS_MANAGER}), is_group_manager=False, is_superuser=False
    )
    # A technician who also runs the parts desk: works on jobs and reserves parts, nothing more.
    assert combined == {Capability.VIEW_DEALERSHIP, Capability.WORK_ON_JOBS, Capability.MANAGE_PARTS}
    assert Capability.MANAGE_DEALERSHIP not in combined
