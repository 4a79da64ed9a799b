from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from bookings.demo import demo_appointments_create
from customers.demo import demo_customers_create
from dealerships.demo import DEMO_PASSWORD, demo_logins, demo_tenants_create
from dealerships.models import Dealership
from dealerships.selectors import dealership_local_today
from dealerships.services import closures_prefill_public_holidays
from followups.demo import demo_followups_create, demo_followups_scan
from mobility.demo import demo_mobility_create
from workshop.demo import demo_workshop_create


class Command(BaseCommand):
    help = (
        "Create the demo dealer groups, dealerships, staff and customer files (once), then print the logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any dealership exists.")
        parser.add_argument(
            "--customers", type=int, default=300, help="Customers per dealership (default 300)."
        )

    def handle(self, *args: Any, if_empty: bool, customers: int, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Refusing to create demo users with a known password in production.")
        if if_empty and Dealership.objects.exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                demo_tenants_create()
                for dealership in Dealership.objects.prefetch_related("brands"):
                    today = dealership_local_today(dealership=dealership, now=timezone.now())
                    demo_customers_create(dealership=dealership, count=customers, today=today)
                    demo_workshop_create(dealership=dealership)
                    for year in (today.year, today.year + 1):
                        closures_prefill_public_holidays(dealership=dealership, year=year)
                    demo_appointments_create(dealership=dealership, now=timezone.now())
                    demo_mobility_create(dealership=dealership, now=timezone.now())
                    demo_followups_create(dealership=dealership, now=timezone.now())
                demo_followups_scan(now=timezone.now())
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for username, what in demo_logins():
            self.stdout.write(f"  {username:<32} {what}")
