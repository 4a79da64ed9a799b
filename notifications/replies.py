"""What a customer's answer to a confirmation means (R5.6), in every language the desk works in
(pure). The confirmations ask for 1 (confirm), 2 (cancel) or 3 (another time); people also
answer in words, and STOP/START (with their local words) switch messages off and on again.
An answer to the satisfaction question (R9.1) is a score from 1 to 5 and, after it, a comment."""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    STOP = "stop"
    START = "start"
    UNKNOWN = "unknown"


# First words, compared case- and accent-insensitively (see _fold): en, es, it, ru, zh-hans, fr.
# fmt: off
_WORDS: dict[Intent, frozenset[str]] = {
    Intent.CONFIRM: frozenset(
        {
            "1", "ok", "okay", "yes", "y", "confirm", "confirmed",
            "si", "vale", "confirmo", "confirmado",
            "confermo", "confermato", "certo",
            "да", "подтверждаю", "ок",
            "是", "是的", "好", "好的", "确认", "对",
            "oui", "confirme", "daccord",
        }
    ),
    Intent.CANCEL: frozenset(
        {
            "2", "no", "cancel",
            "cancelar", "cancela", "anular",
            "annulla", "annullare", "disdico",
            "нет", "отмена", "отменить", "отменяю",
            "取消", "不", "否", "不是",
            "non", "annuler", "annule",
        }
    ),
    Intent.RESCHEDULE: frozenset(
        {
            "3", "reschedule", "change", "move",
            "cambiar", "cambio", "otra",
            "spostare", "sposta", "cambiare", "altro",
            "перенести", "перенос", "другое",
            "改期", "改时间", "换时间",
            "changer", "deplacer", "autre",
        }
    ),
    # Twilio's own opt-out and opt-in keywords, and the local words for them.
    Intent.STOP: frozenset(
        {"stop", "stopall", "unsubscribe", "end", "quit", "baja", "alto", "basta", "стоп", "退订", "arret"}
    ),
    Intent.START: frozenset({"start", "unstop", "alta", "inicio", "avvia", "старт", "订阅", "demarrer"}),
}
# fmt: on
_WHOLE_WORDS = {word: intent for intent, words in _WORDS.items() for word in words}
_SEPARATORS = re.compile(r"[\s,.;:!?¡¿。，、！？]+")


def _fold(text: str) -> str:
    """Lower case without accents ("SÌ" -> "si", "ARRÊT" -> "arret"); apostrophes dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return (
        "".join(char for char in decomposed if not unicodedata.combining(char))
        .replace("'", "")
        .replace("’", "")
    )


def reply_intent(body: str, *, opt_out_type: str = "") -> Intent:
    """What the answer asks for: its first word decides ("Sì, grazie" confirms). Twilio's own
    opt-out handling (its OptOutType parameter) wins over the words."""
    if opt_out_type.upper() == "STOP":
        return Intent.STOP
    if opt_out_type.upper() == "START":
        return Intent.START
    folded = _fold(body).strip()
    if not folded:
        return Intent.UNKNOWN
    if folded in _WHOLE_WORDS:
        return _WHOLE_WORDS[folded]
    first = _SEPARATORS.split(folded, maxsplit=1)[0]
    if first in _WHOLE_WORDS:
        return _WHOLE_WORDS[first]
    # Chinese is written without spaces: "是的谢谢" starts with a word of the table.
    for length in (3, 2, 1):
        if folded[:length] in _WHOLE_WORDS and not folded[:length].isascii():
            return _WHOLE_WORDS[folded[:length]]
    return Intent.UNKNOWN


@dataclass(frozen=True, kw_only=True, slots=True)
class SatisfactionScore:
    """A reply read as an answer to the satisfaction question: "4 good job" is 4, "good job"."""

    score: int
    comment: str


# One digit 1-5 first ("5", "4/5", "3 - ok", a full-width one), not the start of a longer
# number or of another scale ("10", "3.5", "4/10"); then, past any separator, the comment.
_SCORE = re.compile(r"\s*(\d)(?:\s*[/／]\s*5)?(?!\d|[.,]\d|\s*[/／])[\s\-–—,.;:!)）。，、！]*(.*)", re.DOTALL)


def reply_score(body: str) -> SatisfactionScore | None:
    """The score and the comment of a reply that starts with a digit from 1 to 5; None otherwise
    (words alone, stars or a number out of range are no score: a person reads them)."""
    match = _SCORE.match(body)
    if match is None or not 1 <= int(match.group(1)) <= 5:
        return None
    return SatisfactionScore(score=int(match.group(1)), comment=match.group(2).strip())
