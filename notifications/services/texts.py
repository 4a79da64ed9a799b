"""A dealership's own texts of its messages: saved in place of the built-in ones, or dropped to
go back to them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealerships.models import Dealership
from notifications import templating
from notifications.models import MessageTemplate


def unknown_placeholder_error(kind: str, unknown: list[str]) -> str:
    """The field error for a text naming placeholders a message of `kind` cannot fill."""
    return _("Unknown placeholder: %(unknown)s. Allowed: %(allowed)s.") % {
        "unknown": ", ".join("{" + name + "}" for name in unknown),
        "allowed": ", ".join("{" + name + "}" for name in templating.allowed_placeholders(kind)),
    }


@transaction.atomic
def message_template_save(
    *, dealership: Dealership, kind: str, language: str, subject: str, body: str
) -> MessageTemplate:
    """Keep the dealership's own text of `kind` in `language`; a placeholder the kind has no
    value for is refused (ValidationError on the field), and nothing is written."""
    for field, text in (("subject", subject), ("body", body)):
        unknown = templating.unknown_placeholders(kind, [text])
        if unknown:
            raise ValidationError({field: unknown_placeholder_error(kind, unknown)})
    template = (
        MessageTemplate.objects.for_dealership(dealership)
        .select_for_update()
        .filter(kind=kind, language=language)
        .first()
    ) or MessageTemplate(dealership=dealership, kind=kind, language=language)
    template.subject = subject.strip()
    template.body = body.strip()
    template.full_clean()
    template.save()
    return template


def message_template_reset(*, dealership: Dealership, kind: str, language: str) -> bool:
    """Back to the built-in text; False when the dealership had no text of its own."""
    deleted, _rows = (
        MessageTemplate.objects.for_dealership(dealership).filter(kind=kind, language=language).delete()
    )
    return deleted > 0
