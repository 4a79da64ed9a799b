"""What a customer's answer to a confirmation means (R5.6), in every language the desk works in
(pure). The confirmations ask for 1 (confirm), 2 (cancel) or 3 (another time); people also
answer in words, and STOP/START (with their local words) switch messages off and on again."""

import re
import unicodedata
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
