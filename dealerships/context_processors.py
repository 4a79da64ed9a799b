"""Navigation by role: the links a staff member sees depend on what they may do here."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from dealerships.access import Capability, StaffAccess
from dealerships.selectors import dealership_list_for_user


@dataclass(frozen=True, slots=True)
class NavLink:
    label: str
    url: str
    url_name: str


# (label, url name, capability needed): the staff navigation, in the order of the desk's day.
_NAV = [
    (_("Overview"), "dealership_home", Capability.VIEW_DEALERSHIP),
    (_("Agenda"), "agenda", Capability.BOOK_APPOINTMENTS),
    (_("Inbox"), "advisor_inbox", Capability.BOOK_APPOINTMENTS),
    (_("Phone booking"), "phone_booking", Capability.BOOK_APPOINTMENTS),
    (_("Fleet board"), "fleet_board", Capability.BOOK_APPOINTMENTS),
    (_("Calls"), "call_queue", Capability.WORK_CALL_QUEUE),
    (_("Customers"), "customer_search", Capability.MANAGE_CUSTOMERS),
    (_("Campaigns"), "campaign_list", Capability.MANAGE_CAMPAIGNS),
    (_("Import"), "customers_import", Capability.IMPORT_DATA),
    (_("Workshop load"), "workload_week", Capability.VIEW_DEALERSHIP),
    (_("Workshop"), "workshop_settings", Capability.MANAGE_CAPACITY),
    (_("Job catalogue"), "job_list", Capability.MANAGE_CAPACITY),
    (_("Opening hours"), "opening_hours_edit", Capability.MANAGE_CAPACITY),
    (_("Closures"), "closure_list", Capability.MANAGE_CAPACITY),
    (_("Settings history"), "audit_capacity", Capability.VIEW_AUDIT_TRAIL),
    (_("Phrases"), "script_phrases", Capability.MANAGE_DEALERSHIP),
    (_("Message texts"), "message_template_list", Capability.MANAGE_DEALERSHIP),
    (_("Follow-up rules"), "followup_rules", Capability.MANAGE_FOLLOWUPS),
    (_("Staff"), "staff_list", Capability.MANAGE_DEALERSHIP),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    access: StaffAccess | None = getattr(request, "staff_access", None)
    links: list[NavLink] = []
    if access is not None:
        slug = access.dealership.slug
        links = [
            NavLink(str(label), reverse(url_name, kwargs={"dealership_slug": slug}), url_name)
            for label, url_name, capability in _NAV
            if access.can(capability)
        ]
    user = getattr(request, "user", None)
    # Lazy: the switcher's query runs only on pages that render it.
    my_dealerships = SimpleLazyObject(
        lambda: (
            list(dealership_list_for_user(user=user)) if user is not None and user.is_authenticated else []
        )
    )
    return {"staff_access": access, "nav_links": links, "my_dealerships": my_dealerships}
