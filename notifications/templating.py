"""A dealership's own text of a message: which {placeholders} each kind allows, and filling them
(pure: no ORM, no clock).

The text a manager writes is never a Django template: a placeholder is a name in braces, filled
with a string, so a text can say nothing but what its placeholders hold.
"""

import re
from collections.abc import Iterable, Mapping

PLACEHOLDER = re.compile(r"\{(\w+)\}")

APPOINTMENT_PLACEHOLDERS = (
    "dealership",
    "customer",
    "vehicle",
    "when",
    "date",
    "time",
    "ready",
    "documents",
    "manage_link",
    "phone",
    "reply_hint",
)
ACCESS_CODE_PLACEHOLDERS = ("dealership", "customer", "code", "minutes")
ACCESS_CODE_KIND = "access_code"


def allowed_placeholders(kind: str) -> tuple[str, ...]:
    """The placeholders a text of `kind` may use."""
    return ACCESS_CODE_PLACEHOLDERS if kind == ACCESS_CODE_KIND else APPOINTMENT_PLACEHOLDERS


def placeholders_in(text: str) -> list[str]:
    """The placeholder names the text uses, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def unknown_placeholders(kind: str, texts: Iterable[str]) -> list[str]:
    """The placeholders in `texts` that a message of `kind` has no value for."""
    allowed = set(allowed_placeholders(kind))
    return [name for text in texts for name in placeholders_in(text) if name not in allowed]


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each known placeholder replaced by its value; anything else stays as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def from_catalogue(message: str, renames: Mapping[str, str] | None = None) -> str:
    """A built-in message as a starting text: its %(name)s become {name} (renamed where asked)."""
    renames = renames or {}
    return re.sub(
        r"%\((\w+)\)s", lambda match: "{" + renames.get(match.group(1), match.group(1)) + "}", message
    )
