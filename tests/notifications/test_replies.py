"""R5.6: what an answer means, in en, es, it, ru, zh-hans and fr (no database)."""

import pytest

from notifications.replies import Intent, reply_intent


@pytest.mark.parametrize(
    "body",
    [
        "1",
        "OK",
        "ok grazie",
        "SI",
        "SÌ",
        "Sì, confermo",
        "sí",
        "Yes",
        "ДА",
        "да, спасибо",
        "是",
        "是的谢谢",
        "好的",
        "OUI",
        "oui merci",
        "D'accord",
        "Confermo",
        " 1 ",
    ],
)
def test_r5_6_confirmations_in_every_language(body):
    assert reply_intent(body) is Intent.CONFIRM


@pytest.mark.parametrize(
    "body", ["2", "NO", "No grazie", "annulla", "Cancelar", "НЕТ", "отменить", "取消", "non", "Annuler"]
)
def test_r5_6_cancellations_in_every_language(body):
    assert reply_intent(body) is Intent.CANCEL


@pytest.mark.parametrize(
    "body", ["3", "spostare", "Cambiar", "перенести", "改期", "changer", "reschedule please"]
)
def test_r5_6_requests_for_another_time_in_every_language(body):
    assert reply_intent(body) is Intent.RESCHEDULE


@pytest.mark.parametrize("body", ["STOP", "stop", "Unsubscribe", "BASTA", "Baja", "СТОП", "退订", "ARRÊT"])
def test_r5_6_stop_words_opt_out(body):
    assert reply_intent(body) is Intent.STOP


@pytest.mark.parametrize("body", ["START", "unstop", "ALTA", "СТАРТ", "订阅", "DÉMARRER"])
def test_r5_6_start_words_opt_back_in(body):
    assert reply_intent(body) is Intent.START


@pytest.mark.parametrize("body", ["", "   ", "Can I come at 10 instead?", "4", "okapi", "Sicuro?"])
def test_anything_else_is_not_understood(body):
    assert reply_intent(body) is Intent.UNKNOWN


def test_twilios_own_opt_out_type_wins_over_the_words():
    assert reply_intent("cancel", opt_out_type="STOP") is Intent.STOP
    assert reply_intent("yes", opt_out_type="START") is Intent.START
