from collections.abc import Iterable

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from workshop.availability import Reason, Refusal

register = template.Library()


@register.filter
def load_level(booked: int, capacity: int) -> str:
    """A CSS class for a load cell: load-0 (empty) to load-4 (full or beyond)."""
    if not capacity:
        return "load-none"
    if booked > capacity:
        return "load-over"
    ratio = booked / capacity
    if ratio >= 1:
        return "load-4"
    if ratio >= 0.75:
        return "load-3"
    if ratio >= 0.5:
        return "load-2"
    if ratio > 0:
        return "load-1"
    return "load-0"


@register.filter
def over_maximum(load: object) -> int:
    """Customers booked past an advisor's maximum that no manager booked so (the maximum was
    lowered after they were booked): what the load view marks apart from a full day."""
    booked, maximum = getattr(load, "booked_customers", 0), getattr(load, "max_customers", 0)
    return max(0, booked - maximum - getattr(load, "booked_beyond_maximum", 0))


@register.filter
def hours(minutes: int) -> str:
    """Minutes as hours with one decimal, in the language's form: 90 -> "1.5" (English), "1,5"."""
    hours = round(minutes / 60, 1)
    return formats.number_format(hours, decimal_pos=0 if hours == int(hours) else 1)


@register.filter
def duration(minutes: int) -> str:
    """Minutes as a length of time people read: 90 -> "1 h 30 min", in the active language."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


@register.filter
def reason_sentences(reasons: Iterable[Reason]) -> str:
    """The engine's reasons for a proposal, as sentences in the active language (R4.4)."""
    from workshop.reasons import reason_text

    return " ".join(reason_text(reason) for reason in reasons)


@register.filter
def refusal_sentence(refusal: Refusal | None) -> str:
    """Why a time cannot be booked or nothing can be offered, in the active language; "" for none."""
    from workshop.reasons import refusal_text

    return refusal_text(refusal) if refusal is not None else ""
