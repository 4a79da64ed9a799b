"""The phrases the desk reads out (R2.1, R5.1, R3.6): the dealership's own wording where it
wrote one for the language, else the product's default, translated."""

import re

from django.utils import translation
from django.utils.translation import gettext as _

from bookings.models import ScriptPhrase
from dealerships.models import Dealership

_PERCENT_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def default_phrase(key: str, language: str) -> str:
    """The product's wording, with {placeholders} where the translation has %(placeholders)s."""
    with translation.override(language):
        text = {
            ScriptPhrase.Key.GREETING: _("%(dealership)s, %(department)s, %(name)s, %(hello)s."),
            ScriptPhrase.Key.ARRIVAL: _(
                "Please come to the reception when you arrive: "
                "on time, your car is received in about 15 minutes."
            ),
            ScriptPhrase.Key.DOCUMENTS: _(
                "Please bring your driving licence, the vehicle registration document and the service book."
            ),
        }[ScriptPhrase.Key(key)]
    return _PERCENT_PLACEHOLDER.sub(r"{\1}", text)


def phrase(*, dealership: Dealership, key: str, language: str, values: dict[str, str] | None = None) -> str:
    """The wording for `key` in `language`, with `values` put in its {placeholders}."""
    own = ScriptPhrase.objects.for_dealership(dealership).filter(key=key, language=language).first()
    text = own.text if own else default_phrase(key, language)
    for name, value in (values or {}).items():
        text = text.replace("{" + name + "}", str(value))
    return text


def phrases_save(*, dealership: Dealership, language: str, texts: dict[str, str]) -> None:
    """Save the dealership's wording in one language; an empty or default text means the default."""
    for key, text in texts.items():
        text = text.strip()
        if not text or text == default_phrase(key, language):
            ScriptPhrase.objects.for_dealership(dealership).filter(key=key, language=language).delete()
        else:
            ScriptPhrase.objects.update_or_create(
                dealership=dealership, key=key, language=language, defaults={"text": text[:500]}
            )
