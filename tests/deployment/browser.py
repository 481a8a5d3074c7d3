"""Headless Chromium for the deployment's browser tests: Playwright from PyPI, Debian's ``chromium``.

Playwright's own browser download is not reachable here, so :func:`launch` starts the system's
Chromium through ``executable_path`` (``make test`` installs Debian's package when it is missing).
:func:`sign_in` goes through the simple auth manager's real login form; :func:`screenshot` writes
an artefact under :data:`ARTIFACTS` (git-ignored).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.waiting import patient

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
#: Where Debian's chromium package puts its launcher, if it is not on PATH.
DEBIAN_CHROMIUM = "/usr/bin/chromium"
#: Seconds for a page of the UI (or the plugin's iframe) to show what a test waits for, as written.
UI_TIMEOUT_SECONDS = 30
#: The same in milliseconds (Playwright's unit), times the suite's patience.
UI_TIMEOUT_MS = patient(UI_TIMEOUT_SECONDS * 1000)
VIEWPORT = {"width": 1400, "height": 900}


def chromium_path() -> str | None:
    """The system Chromium: ``chromium`` on PATH, else Debian's launcher if it exists."""
    found = shutil.which("chromium")
    if found:
        return found
    return DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None


def launch(playwright: Any) -> Any:
    """A headless Chromium (the system's), or a clear failure saying how to install it."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError(
            "No chromium found for the browser tests: run `make chromium` "
            "(Debian: apt-get install --no-install-recommends chromium)."
        )
    return playwright.chromium.launch(executable_path=executable, headless=True)


def sign_in(browser: Any, base_url: str, username: str, password: str) -> dict[str, Any]:
    """Sign in through the login form ("Sign into Airflow"); return the signed-in storage state.

    The form posts ``/auth/token`` and keeps the token in the ``_token`` cookie, which the UI's API
    calls and the plugin's pages (same origin) send.
    """
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        page.goto(f"{base_url}/auth/login?next=/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
        state = context.storage_state()
    finally:
        context.close()
    if not any(cookie["name"] == "_token" for cookie in state["cookies"]):
        raise AssertionError(f"signing in as {username} set no _token cookie: {state['cookies']}")
    return state


def screenshot(target: Any, name: str) -> Path:
    """Save a PNG of ``target`` (a page or a locator) as ``artifacts/<name>.png``; return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    target.screenshot(path=str(path))
    return path
