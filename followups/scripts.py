"""What the operator says on each kind of call, in the customer's language: the dealership's own
script where it wrote one, else the product's default, translated (like bookings.phrases)."""

import re

from django.utils import translation
from django.utils.translation import gettext as _

from dealerships.models import Dealership
from followups.models import SCRIPT_MAX_LENGTH, CallScript, TaskKind

_PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _defaults() -> dict[str, str]:
    greeting = _("Good morning, this is %(operator)s from %(dealership)s. Am I speaking with %(customer)s?")
    return {
        TaskKind.FIRST_SERVICE: _(
            "%(greeting)s Your %(vehicle)s is due for its first service. "
            "It takes about an hour; shall we find a day that suits you?"
        ),
        TaskKind.PERIODIC_SERVICE: _(
            "%(greeting)s Your %(vehicle)s is due for its regular service soon. "
            "Shall we book it now, at a time that suits you?"
        ),
        TaskKind.LOST_CUSTOMER: _(
            "%(greeting)s We have not seen your %(vehicle)s for a while and wanted to ask how it is going. "
            "Is there anything we can do for you? (If not, please ask why and record the reason.)"
        ),
        TaskKind.CAMPAIGN: _(
            "%(greeting)s There is a free service campaign for your %(vehicle)s. "
            "It takes little time; shall we book it?"
        ),
        TaskKind.RECALL: _(
            "%(greeting)s There is a safety recall for your %(vehicle)s. "
            "The work is free and important for your safety; when can you bring it in?"
        ),
        TaskKind.REPAIR_SOLUTION: _(
            "%(greeting)s There is now a solution for the fault you reported on your %(vehicle)s. "
            "Shall we book the repair?"
        ),
        TaskKind.BOOKING_NOT_MADE: _(
            "%(greeting)s You recently tried to book a visit for your %(vehicle)s and it did not work out. "
            "May I help you find a time?"
        ),
        TaskKind.NO_SHOW: _(
            "%(greeting)s We missed you at your appointment for your %(vehicle)s. "
            "I hope everything is fine; shall we find a new time?"
        ),
        TaskKind.SATISFACTION: _(
            "%(greeting)s You collected your %(vehicle)s recently. How satisfied are you with our "
            "service, from 1 to 5? Is there anything we should know?"
        ),
        TaskKind.MESSAGE_FAILED: _(
            "%(greeting)s We could not reach you with a message about your %(vehicle)s. "
            "May I check your mobile number and e-mail address?"
        ),
        TaskKind.RESCHEDULE_REQUEST: _(
            "%(greeting)s You asked us for another time for your %(vehicle)s. Which day would suit you?"
        ),
        TaskKind.ENQUIRY: _("%(greeting)s You sent us an enquiry; how can I help you?"),
        TaskKind.MANUAL: _("%(greeting)s"),
    } | {"greeting": greeting}


def default_script(kind: str, language: str) -> str:
    """The product's script, with {placeholders}: {customer}, {vehicle}, {dealership}, {operator}."""
    with translation.override(language):
        texts = _defaults()
        text = texts[TaskKind(kind)].replace("%(greeting)s", texts["greeting"])
    return _PERCENT_PLACEHOLDER.sub(r"{\1}", text)


def call_script(
    *, dealership: Dealership, kind: str, language: str, values: dict[str, str] | None = None
) -> str:
    """The script for `kind` in `language`, with `values` put in its {placeholders}."""
    own = CallScript.objects.for_dealership(dealership).filter(kind=kind, language=language).first()
    text = own.text if own else default_script(kind, language)
    for name, value in (values or {}).items():
        text = text.replace("{" + name + "}", str(value))
    return text


def call_scripts_save(*, dealership: Dealership, language: str, texts: dict[str, str]) -> None:
    """Save the dealership's scripts in one language; an empty or default text means the default."""
    for kind, text in texts.items():
        text = text.strip()
        if not text or text == default_script(kind, language):
            CallScript.objects.for_dealership(dealership).filter(kind=kind, language=language).delete()
        else:
            CallScript.objects.update_or_create(
                dealership=dealership,
                kind=kind,
                language=language,
                defaults={"text": text[:SCRIPT_MAX_LENGTH]},
            )
