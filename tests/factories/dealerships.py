from datetime import time

import factory

from dealerships.models import (
    Closure,
    DealerGroup,
    Dealership,
    GroupMembership,
    Membership,
    OpeningHours,
    Role,
    User,
)


class DealerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerGroup
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")


class DealershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dealership
        django_get_or_create = ["slug"]

    group = factory.SubFactory(DealerGroupFactory)
    slug = factory.Sequence(lambda n: f"dealer-{n}")
    name = factory.Sequence(lambda n: f"Dealer {n}")
    city = "Milano"
    country = "IT"
    phone_region = "IT"
    time_zone = "Europe/Rome"
    language = "it"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "pw")
        if create:
            self.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    dealership = factory.SubFactory(DealershipFactory)
    role = Role.SERVICE_ADVISOR


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    user = factory.SubFactory(UserFactory)
    dealer_group = factory.SubFactory(DealerGroupFactory)


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    dealership = factory.SubFactory(DealershipFactory)
    weekday = 0
    opens = time(8, 0)
    closes = time(18, 0)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    dealership = factory.SubFactory(DealershipFactory)
    reason = factory.Sequence(lambda n: f"Closure {n}")
