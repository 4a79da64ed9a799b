"""Every response carries the security headers: a Content-Security-Policy that lets no inline or
foreign script run, frame denial and the referrer policy; the production profile adds HSTS. The
templates keep their scripts and styles in static files, so the policy needs no exception."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.config.test_settings import STRONG_KEY, _manage

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def _policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.fixture
def pages(client, alice, milano):
    """One response of each kind: staff page, login, customer page, API, admin, API docs."""
    anonymous = {
        "login": client.get(reverse("login")),
        "self-booking": client.get(reverse("booking_landing", kwargs={"dealership_slug": milano.slug})),
        "admin login": client.get(reverse("admin:login")),
        "API docs": client.get(reverse("api_docs")),
    }
    client.force_login(alice)
    return {
        **anonymous,
        "staff home": client.get(reverse("dealership_home", kwargs={"dealership_slug": milano.slug})),
        "API": client.get(reverse("api_closure_list", kwargs={"dealership_slug": milano.slug})),
    }


def test_every_kind_of_response_carries_the_policy_and_the_frame_and_referrer_headers(pages):
    for kind, response in pages.items():
        assert response.status_code == 200, kind
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"], kind
        assert policy["script-src"] == ["'self'"], kind
        assert policy["style-src"] == ["'self'"], kind
        assert policy["img-src"] == ["'self'", "data:"], kind
        assert policy["frame-ancestors"] == ["'none'"], kind
        assert policy["object-src"] == ["'none'"], kind
        assert policy["base-uri"] == ["'none'"], kind
        assert policy["form-action"] == ["'self'"], kind
        assert response.headers["X-Frame-Options"] == "DENY", kind
        assert response.headers["Referrer-Policy"] == "same-origin", kind
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind


def test_the_policy_allows_no_inline_code_and_no_eval_anywhere(pages):
    for kind, response in pages.items():
        header = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in header, kind
        assert "'unsafe-eval'" not in header, kind
        assert "'unsafe-hashes'" not in header, kind


def test_the_api_docs_load_their_init_script_from_a_url_not_inline(client, db):
    page = client.get(reverse("api_docs")).content.decode()
    assert "<style" not in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    script_url = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', page).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_the_production_profile_sends_hsts_over_https():
    probe = (
        "from django.test import Client;"
        "r = Client().get('/api/v1/dealerships/milano/closures/', secure=True, HTTP_HOST='service.example');"
        "print(r.headers.get('Strict-Transport-Security'))"
    )
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        probe,
        DJANGO_PROFILE="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="service.example",
    )
    assert result.stdout.strip() == "max-age=31536000; includeSubDomains; preload", result.stderr


# --- The templates: no inline code, so the policy never needs 'unsafe-inline' -------------------
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=|\shx-on[:-]|javascript:", re.I)


def _templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.suffix in {".html", ".txt"})


def test_the_template_grep_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/x.js" defer></script>')
    assert INLINE_STYLE.search('<p style="color: red">')
    assert EVENT_HANDLER.search('<button onclick="go()">')
    assert EVENT_HANDLER.search('<a hx-on:click="go()">')


@pytest.mark.parametrize("template", _templates(), ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_has_inline_script_style_or_event_handlers(template):
    source = template.read_text()
    assert INLINE_SCRIPT.findall(source) == [], "move the script to static/js/"
    assert INLINE_STYLE.findall(source) == [], "move the style to static/css/"
    assert EVENT_HANDLER.findall(source) == [], "bind the handler in a static/js/ file"
