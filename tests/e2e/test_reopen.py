"""A notebook reopened after its kernel stopped: instead of only "Error displaying widget:
model not found", a hint under the dashboard's place says what happened and what to do;
next to a live dashboard the hint stays hidden."""

from __future__ import annotations

import json
import shutil
import urllib.request

import pytest

from .conftest import (
    DASHBOARD_TIMEOUT_MS,
    KERNEL_IDLE,
    KERNEL_TIMEOUT_MS,
    NOTEBOOK,
    PAGE_TIMEOUT_MS,
    UPDATE_TIMEOUT_MS,
    diagnose,
    wait_for_dashboard,
)

COPY = "01_reopen.ipynb"  # its own kernel: the other tests' kernel stays alive


def _api(server, method: str, path: str):
    request = urllib.request.Request(f"{server.url}{path}?token={server.token}", method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:
        body = answer.read()
    return json.loads(body) if body else None


def _save(page, attempts: int = 4) -> None:
    """Save the notebook until its tab stays clean (a late output can mark it dirty)."""
    from playwright.sync_api import Error

    clean = "() => !document.querySelector('.jp-mod-current.jp-mod-dirty')"
    for attempt in range(attempts):
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        try:
            page.wait_for_function(clean, timeout=UPDATE_TIMEOUT_MS // 2)
            page.wait_for_timeout(500)
            if page.evaluate(clean):
                return
        except Error:
            if attempt == attempts - 1:
                raise


@pytest.mark.e2e
def test_reopening_after_the_kernel_stopped_shows_a_hint(lab_server, browser):
    from playwright.sync_api import expect

    shutil.copyfile(lab_server.root / NOTEBOOK, lab_server.root / COPY)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    url = f"{lab_server.url}/lab/tree/{COPY}?reset&token={lab_server.token}"
    try:
        with diagnose(page, lab_server, "test_reopen"):
            page.goto(url)
            expect(page.get_by_role("button", name=KERNEL_IDLE)).to_be_visible(
                timeout=KERNEL_TIMEOUT_MS
            )
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            wait_for_dashboard(page)
            hint = page.locator(".nv12-kernel-hint")
            expect(hint).to_have_count(1, timeout=UPDATE_TIMEOUT_MS)
            expect(hint).to_be_hidden()  # a live dashboard: nothing to explain
            # every cell done (the last one exports), then saved with its outputs
            expect(page.get_by_role("button", name=KERNEL_IDLE)).to_be_visible(
                timeout=DASHBOARD_TIMEOUT_MS
            )
            _save(page)
            page.close()
            for session in _api(lab_server, "GET", "/api/sessions"):
                if session["path"].endswith(COPY):
                    _api(lab_server, "DELETE", f"/api/kernels/{session['kernel']['id']}")
            page = context.new_page()
            page.goto(url)
            hint = page.locator(".nv12-kernel-hint")
            expect(hint).to_be_visible(timeout=DASHBOARD_TIMEOUT_MS)
            expect(hint).to_contain_text("Run All Cells")
            expect(page.locator(".nv12-dashboard")).to_have_count(0)
    finally:
        context.close()
