"""A customer's name in the order the language writes it: family name first in Chinese (and
for a name written in Chinese, Japanese or Korean characters on any page), given name first
otherwise; on the customer file pages as on the customers' own."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from customers.models import Customer
from dealerships.models import Role
from tests.factories.customers import CustomerFactory, VehicleFactory


@pytest.mark.parametrize(
    ("given", "family", "language", "expected"),
    [
        ("Mario", "Bianchi", "en", "Mario Bianchi"),
        ("Mario", "Bianchi", "it", "Mario Bianchi"),
        ("Иван", "Петров", "ru", "Иван Петров"),
        ("Mario", "Bianchi", "zh-hans", "Bianchi Mario"),
        ("伟", "王", "zh-hans", "王伟"),
        ("伟", "王", "en", "王伟"),
        ("伟", "王", "ru", "王伟"),
        ("", "Bianchi", "zh-hans", "Bianchi"),
        ("Mario", "Bianchi", "ja", "Bianchi Mario"),
        ("민준", "김", "fr", "김민준"),
        ("Wei", "王", "en", "Wei 王"),  # mixed scripts: as the page's language has it
    ],
)
def test_the_name_is_in_the_order_the_language_writes_it(given, family, language, expected):
    customer = Customer(given_name=given, family_name=family)
    with translation.override(language):
        assert customer.display_name == expected
        assert str(customer) == expected


@pytest.fixture
def chinese_desk(client, member_of, milano):
    client.force_login(member_of(Role.SERVICE_ADVISOR))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def test_the_customer_file_names_the_customer_family_name_first_in_chinese(chinese_desk, milano):
    customer = CustomerFactory(dealership=milano, given_name="Mario", family_name="Bianchi")
    page = chinese_desk.get(reverse("customer_detail", args=[milano.slug, customer.id])).content.decode()
    assert "<h1>Bianchi Mario</h1>" in page
    edit = chinese_desk.get(reverse("customer_edit", args=[milano.slug, customer.id])).content.decode()
    assert "Bianchi Mario" in edit
    assert "Mario Bianchi" not in edit


def test_a_chinese_name_is_family_name_first_on_an_english_page(client, member_of, milano):
    client.force_login(member_of(Role.SERVICE_ADVISOR))
    customer = CustomerFactory(dealership=milano, given_name="伟", family_name="王")
    page = client.get(reverse("customer_detail", args=[milano.slug, customer.id])).content.decode()
    assert "<h1>王伟</h1>" in page


def test_the_search_list_sorts_by_family_name_and_writes_a_chinese_name_as_written(client, member_of, milano):
    client.force_login(member_of(Role.RESERVATION_OPERATOR))
    VehicleFactory(customer=CustomerFactory(dealership=milano, given_name="Mario", family_name="Bianchi"))
    VehicleFactory(customer=CustomerFactory(dealership=milano, given_name="伟", family_name="王"))
    search = reverse("customer_search", args=[milano.slug])
    latin = client.get(search, {"q": "Bianchi"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<strong>Bianchi, Mario</strong>" in latin
    chinese = client.get(search, {"q": "王"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<strong>王伟</strong>" in chinese
