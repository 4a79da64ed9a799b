from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealerships.api_tokens.services import api_token_issue
from dealerships.models import Dealership, User


class Command(BaseCommand):
    help = (
        "Make an API token acting as a user (an integration's own user, with the roles it needs), "
        "limited to one of their dealerships or to none, and print its secret: it is shown only once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'DMS sync'.")
        parser.add_argument(
            "--dealership",
            metavar="SLUG",
            help="Limit the token to this dealership of the user (default: all of the user's).",
        )

    def handle(self, *args: Any, username: str, name: str, dealership: str | None, **options: Any) -> None:
        owner = User.objects.filter(username=username).first()
        if owner is None:
            raise CommandError(f"No user is called {username!r}.")
        limited_to = None
        if dealership is not None:
            limited_to = Dealership.objects.filter(slug=dealership).first()
            if limited_to is None:
                raise CommandError(f"No dealership has the slug {dealership!r}.")
        try:
            issued = api_token_issue(owner=owner, name=name, dealership=limited_to)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(f"Token {issued.token} for {owner.get_username()}; send it as")
        self.stderr.write("  Authorization: Bearer <token>")
        # The secret alone on standard output, so a script can capture it.
        self.stdout.write(issued.secret)
