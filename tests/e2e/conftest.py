"""Browser tests: Playwright drives a real Chromium (Debian's package) against a live server.

Never `playwright install`: the browser comes from the system. Set CHROMIUM_PATH to use
another binary. Without one, these tests skip and say how to get it; CI always installs it.
"""

import os
import shutil

import pytest

E2E_TIMEOUT_MS = 15_000
CHROMIUM_CANDIDATES = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", "/usr/bin/chromium-browser"]


def _chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if path is None:
        pytest.skip(
            "no Chromium found: install Debian's package (sudo apt-get install -y chromium) "
            "or set CHROMIUM_PATH to a Chromium binary"
        )
    from playwright.sync_api import expect, sync_playwright

    # The assertions that wait (to be focused, to have ...) wait as long as the pages' actions.
    expect.set_options(timeout=E2E_TIMEOUT_MS)

    # Playwright's sync API runs an event loop in this thread; the live server's database work
    # happens in its own thread, but fixtures that touch the ORM here must be allowed to.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=path,
                args=[
                    "--no-sandbox",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-gpu",
                ],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(E2E_TIMEOUT_MS)
    yield page
    context.close()
