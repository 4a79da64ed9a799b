"""The SlotTaken every booking door answers with: the engine's refusal as its reason code and,
in the user's language, its sentence."""

from config.errors import SlotTaken
from workshop.availability import Refusal
from workshop.reasons import refusal_text


def slot_refused(refusal: Refusal, message: str | None = None) -> SlotTaken:
    """The error for a chosen time the rules refuse: `reason` is the refusal's code, the message
    says why (the refusal's sentence unless a more precise one is given), on the drop-off."""
    return SlotTaken(message or refusal_text(refusal), field="drop_off", reason=refusal.value)
