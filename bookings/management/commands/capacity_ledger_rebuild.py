from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.ledger import capacity_ledger_rebuild
from dealerships.models import Dealership


class Command(BaseCommand):
    help = (
        "Write the capacity ledger of each day again from the appointments (bookings.ledger): after "
        "appointments were written other than through the booking services (a bulk import), or a "
        "dealership's time zone changed. With --check, write nothing and exit 1 when a day is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dealership", action="append", dest="slugs", metavar="SLUG", help="Only this one (repeatable)."
        )
        parser.add_argument(
            "--start", type=date.fromisoformat, help="First day (YYYY-MM-DD); all by default."
        )
        parser.add_argument("--end", type=date.fromisoformat, help="Last day (YYYY-MM-DD); all by default.")
        parser.add_argument("--check", action="store_true", help="Only say which days are wrong.")

    def handle(
        self,
        *args: Any,
        slugs: list[str] | None,
        start: date | None,
        end: date | None,
        check: bool,
        **options: Any,
    ) -> None:
        # Across dealerships on purpose: an operator's command, the tenants named or all of them.
        dealerships = Dealership.objects.order_by("slug")
        if slugs:
            dealerships = dealerships.filter(slug__in=slugs)
            unknown = set(slugs) - {d.slug for d in dealerships}
            if unknown:
                raise CommandError(f"No dealership {', '.join(sorted(unknown))}.")
        wrong_anywhere = False
        for dealership in dealerships:
            wrong = capacity_ledger_rebuild(dealership=dealership, start=start, end=end, write=not check)
            wrong_anywhere |= bool(wrong)
            shown = ", ".join(day.isoformat() for day in wrong[:10]) + (" ..." if len(wrong) > 10 else "")
            verb = "wrong" if check else "rewritten"
            self.stdout.write(
                f"{dealership.slug}: {len(wrong)} day(s) {verb}" + (f": {shown}" if wrong else "")
            )
        if check and wrong_anywhere:
            raise CommandError("The capacity ledger differs from the appointments; run without --check.")
