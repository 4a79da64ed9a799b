from collections.abc import Iterable

from django import template

from workshop.availability import Reason

register = template.Library()


@register.filter
def load_level(booked: int, capacity: int) -> str:
    """A CSS class for a load cell: load-0 (empty) to load-4 (full or beyond)."""
    if not capacity:
        return "load-none"
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
def hours(minutes: int) -> str:
    """Minutes as hours with one decimal: 90 -> "1.5"."""
    return f"{minutes / 60:.1f}".removesuffix(".0")


@register.filter
def reason_sentences(reasons: Iterable[Reason]) -> str:
    """The engine's reasons for a proposal, as sentences in the active language (R4.4)."""
    from workshop.reasons import reason_text

    return " ".join(reason_text(reason) for reason in reasons)
