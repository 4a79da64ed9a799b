"""Every user-facing string is translated into the six languages of our staff and customers."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import to_locale

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_is_complete_and_compiled(language):
    folder = LOCALE_DIR / to_locale(language) / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], f"{language}: translate these in {folder / 'django.po'}"
    compiled = polib.mofile(str(folder / "django.mo"))
    assert {e.msgid for e in compiled} >= {e.msgid for e in po.translated_entries()}, (
        f"{language}: run manage.py compilemessages"
    )


@pytest.mark.parametrize(
    ("language", "log_in"),
    [
        ("en", "Log in"),
        ("es", "Iniciar sesión"),
        ("it", "Accedi"),
        ("ru", "Войти"),
        ("zh-hans", "登录"),
        ("fr", "Se connecter"),
    ],
)
def test_login_page_speaks_the_chosen_language(client, db, language, log_in):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("login")).content.decode()
    assert f'<html lang="{language}">' in page
    assert f"<h1>{log_in}</h1>" in page


def test_language_switcher_sets_the_language(client, db):
    response = client.post(reverse("set_language"), {"language": "ru", "next": reverse("login")}, follow=True)
    assert "<h1>Войти</h1>" in response.content.decode()


def test_staff_members_saved_language_applies_until_they_switch(client, alice, milano):
    alice.language = "it"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    url = reverse("dealership_home", kwargs={"dealership_slug": milano.slug})
    assert "Panoramica" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": url})
    assert "Vue d&#x27;ensemble" in client.get(url).content.decode()
