"""The desk's phrases are suggested wording the dealership can change, per language (R2.1, R5.1)."""

from django.urls import reverse

from bookings.models import ScriptPhrase
from bookings.phrases import default_phrase, phrase, phrases_save
from dealerships.models import Role

URL = reverse("script_phrases", kwargs={"dealership_slug": "milano"})


def test_r2_1_a_dealer_manager_rewrites_the_greeting_and_the_desk_reads_it(client, member_of, milano, alice):
    client.force_login(member_of(Role.DEALER_MANAGER))
    page = client.get(URL, {"language": "it"}).content.decode()
    assert "{dealership}, {department}, {name}, {hello}." in page  # the default, ready to edit
    texts = {
        "greeting": "{dealership}, officina, sono {name}: {hello}!",
        "arrival": default_phrase("arrival", "it"),
        "documents": "",
    }
    assert client.post(URL + "?language=it", texts).status_code == 302
    assert list(ScriptPhrase.objects.values_list("key", "language")) == [("greeting", "it")]

    alice.first_name = "Alice"
    alice.save()
    client.force_login(alice)
    desk = client.get(reverse("phone_booking", kwargs={"dealership_slug": "milano"})).content.decode()
    assert "Autosalone Milano, officina, sono Alice Advisor:" in desk


def test_an_emptied_phrase_goes_back_to_the_default(milano):
    ScriptPhrase.objects.create(dealership=milano, key="documents", language="en", text="Bring the keys.")
    assert phrase(dealership=milano, key="documents", language="en") == "Bring the keys."
    phrases_save(dealership=milano, language="en", texts={"documents": "  "})
    assert phrase(dealership=milano, key="documents", language="en").startswith(
        "Please bring your driving licence"
    )


def test_phrases_are_the_dealerships_own(milano, torino):
    ScriptPhrase.objects.create(dealership=milano, key="arrival", language="en", text="Milano's words.")
    assert phrase(dealership=milano, key="arrival", language="en") == "Milano's words."
    assert phrase(dealership=torino, key="arrival", language="en") == (
        "Please come to the reception when you arrive: on time, your car is received in about 15 minutes."
    )


def test_only_a_dealer_manager_edits_phrases(client, alice):
    client.force_login(alice)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"greeting": "x"}).status_code == 403


def test_an_unknown_language_is_not_found(client, member_of):
    client.force_login(member_of(Role.DEALER_MANAGER))
    assert client.get(URL, {"language": "xx"}).status_code == 404
