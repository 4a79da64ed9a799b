"""The words of the follow-up messages sent by SMS or e-mail (R7.1-R7.4, R7.6, R6.6, R9.1), in
the customer's language; rendered when the outbox row is written (a follow-up has no
appointment of its own for the dispatcher to render it from)."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from bookings.models import Appointment
from customers.models import Customer
from dealerships.models import Dealership
from followups.models import ContactChannel, TaskKind
from followups.satisfaction_link import satisfaction_url
from notifications.rendering import public_url

# The outbox kind of a follow-up message: "followup_" and the rule's kind (at most 30 characters).
OUTBOX_KIND_PREFIX = "followup_"


def outbox_kind(kind: str) -> str:
    return f"{OUTBOX_KIND_PREFIX}{kind}"


@cache
def _booking_path(slug: str) -> str:
    return reverse("booking_landing", kwargs={"dealership_slug": slug})


def booking_link(dealership: Dealership) -> str:
    """Where the customer books online; none where online booking is off."""
    if not dealership.online_booking_enabled:
        return ""
    return public_url(_booking_path(dealership.slug))


def _bodies() -> dict[str, str]:
    return {
        TaskKind.FIRST_SERVICE: _(
            "Hello %(customer)s, your %(vehicle)s is due for its first service at %(dealership)s."
        ),
        TaskKind.PERIODIC_SERVICE: _(
            "Hello %(customer)s, your %(vehicle)s is due for its regular service soon at %(dealership)s."
        ),
        TaskKind.LOST_CUSTOMER: _(
            "Hello %(customer)s, we have not seen your %(vehicle)s at %(dealership)s for a while. "
            "We would be glad to look after it again."
        ),
        TaskKind.CAMPAIGN: _(
            "Hello %(customer)s, there is a free service campaign for your %(vehicle)s at %(dealership)s."
        ),
        TaskKind.RECALL: _(
            "Hello %(customer)s, there is a safety recall for your %(vehicle)s. "
            "The work is free; please book it with %(dealership)s."
        ),
        TaskKind.REPAIR_SOLUTION: _(
            "Hello %(customer)s, there is now a solution for the fault on your %(vehicle)s at %(dealership)s."
        ),
        TaskKind.BOOKING_NOT_MADE: _(
            "Hello %(customer)s, your booking at %(dealership)s was not completed. "
            "We are glad to help you find a time."
        ),
        TaskKind.NO_SHOW: _(
            "Hello %(customer)s, we missed you at your appointment for your %(vehicle)s at %(dealership)s. "
            "Shall we find a new time?"
        ),
        TaskKind.SATISFACTION: _(
            "Hello %(customer)s, thank you for your visit to %(dealership)s. How satisfied are you, from 1 "
            "to 5? Reply with your score and a comment."
        ),
    }


def _satisfaction_with_link() -> str:
    return _(
        "Hello %(customer)s, thank you for your visit to %(dealership)s. How satisfied are you, from 1 "
        "to 5? Tell us here: %(link)s"
    )


def _satisfaction_by_sms() -> str:
    # An SMS reply that starts with the score is recorded as the answer (followups.receivers);
    # an e-mail reply is not read, so the e-mail gives the link alone.
    return _(
        "Hello %(customer)s, thank you for your visit to %(dealership)s. How satisfied are you, from 1 "
        "to 5? Reply with your score and a comment, or tell us here: %(link)s"
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class MessageItem:
    """One follow-up message to word: its kind, whom to, about which car (and, for the
    satisfaction question, which visit)."""

    kind: str
    customer: Customer
    vehicle_label: str = ""  # "Fiat 500"; "" for none
    appointment: Appointment | None = None
    channel: str = ContactChannel.EMAIL  # by SMS, the satisfaction question can be answered by reply


def followup_messages_render(
    *, dealership: Dealership, language: str, items: Sequence[MessageItem]
) -> list[tuple[str, str]]:
    """The e-mail subject and the text of each follow-up, in `language` (one language switch
    for them all: a scan words thousands). The satisfaction question (R9.1) links to its answer
    page when the visit is given; the others to the online booking, or give the phone number."""
    link = booking_link(dealership)
    rendered = []
    with translation.override(language):
        bodies = _bodies()
        with_link = _satisfaction_with_link()
        by_sms = _satisfaction_by_sms()
        tail = (
            _("Book online: %(link)s") % {"link": link}
            if link
            else _("Call us: %(phone)s") % {"phone": dealership.phone}
            if dealership.phone
            else ""
        )
        labels = {kind: str(TaskKind(kind).label) for kind in bodies}
        a_car = _("car")
        for item in items:
            values = {
                "customer": item.customer.display_name,
                "vehicle": item.vehicle_label or a_car,
                "dealership": dealership.name,
            }
            if item.kind == TaskKind.SATISFACTION and item.appointment is not None:
                question = by_sms if item.channel == ContactChannel.SMS else with_link
                body = question % (values | {"link": satisfaction_url(item.appointment)})
            else:
                body = bodies[TaskKind(item.kind)] % values
                if tail and item.kind != TaskKind.SATISFACTION:
                    body = f"{body} {tail}"
            rendered.append((f"{dealership.name}: {labels[item.kind]}"[:200], body))
    return rendered
