from datetime import time

import factory

from tests.factories.dealerships import DealershipFactory
from workshop.models import Advisor, AdvisorShift, Job, Skill, Technician, TechnicianShift

WEEKDAYS = range(5)
DAY = ((time(8, 0), time(12, 30)), (time(14, 0), time(18, 30)))


class AdvisorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advisor
        skip_postgeneration_save = True

    dealership = factory.SubFactory(DealershipFactory)
    name = factory.Sequence(lambda n: f"Advisor {n}")
    max_customers_per_day = 8
    max_online_per_day = 4

    @factory.post_generation
    def hours(advisor, create, extracted, **kwargs):
        """Reception hours Monday to Friday (default 8:00-12:30, 14:00-18:30); pass [] for none."""
        if not create:  # .build(): no rows to point at an unsaved advisor
            return
        for weekday in WEEKDAYS:
            for starts, ends in DAY if extracted is None else extracted:
                AdvisorShift.objects.create(
                    dealership=advisor.dealership, advisor=advisor, weekday=weekday, starts=starts, ends=ends
                )


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician
        skip_postgeneration_save = True

    dealership = factory.SubFactory(DealershipFactory)
    name = factory.Sequence(lambda n: f"Technician {n}")
    skills = factory.LazyFunction(lambda: [Skill.MAINTENANCE])

    @factory.post_generation
    def hours(technician, create, extracted, **kwargs):
        if not create:
            return
        for weekday in WEEKDAYS:
            for starts, ends in DAY if extracted is None else extracted:
                TechnicianShift.objects.create(
                    dealership=technician.dealership,
                    technician=technician,
                    weekday=weekday,
                    starts=starts,
                    ends=ends,
                )


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    dealership = factory.SubFactory(DealershipFactory)
    code = factory.Sequence(lambda n: f"JOB-{n:03d}")
    name = factory.Sequence(lambda n: f"Job {n}")
    labour_minutes = 60
    skill = Skill.MAINTENANCE
