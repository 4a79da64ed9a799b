from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealerships.models import User
from dealerships.two_factor import totp_devices_remove


class Command(BaseCommand):
    help = (
        "Remove a user's authenticator app (a lost or replaced phone): at their next login they "
        "set up a new one. Their sessions that passed the code stay valid until they log out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        removed = totp_devices_remove(user=user)
        self.stdout.write(f"Removed {removed} authenticator(s) of {username}.")
