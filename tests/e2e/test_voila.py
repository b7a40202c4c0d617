"""The starter notebook served by Voila (a standalone web app, no Lab UI), in chromium."""

from __future__ import annotations

import pytest

from .conftest import (
    copy_notebooks,
    diagnose,
    nudge_noise,
    start_server,
    wait_for_dashboard,
    wait_images_rendered,
)

NOTEBOOK = "01_quickstart.ipynb"


@pytest.fixture(scope="session")
def voila_server(browser_available, tmp_path_factory):
    base = tmp_path_factory.mktemp("voila")
    root = copy_notebooks(base / "notebooks")
    server = start_server(
        "voila",
        [
            "voila",
            str(root / NOTEBOOK),
            "--no-browser",
            "--port={port}",
            "--Voila.ip=127.0.0.1",
            "--token={token}",
        ],
        base,
        root,
        # not "/": that would run the notebook. In single-notebook mode this answers
        # 403, and any HTTP answer means the server is up.
        probe="/api/kernelspecs",
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.e2e
def test_quickstart_in_voila(voila_server, page):
    from playwright.sync_api import expect

    with diagnose(page, voila_server, "test_quickstart_in_voila"):
        # Voila streams the page while the kernel runs the notebook: do not wait for "load"
        page.goto(f"{voila_server.url}/?token={voila_server.token}", wait_until="commit")
        wait_for_dashboard(page)
        expect(page.locator(".nv12-error")).to_have_text("")
        assert all(w > 0 for w in wait_images_rendered(page, ".nv12-y-plane img"))
        # the stopped-kernel hint is in the page but hidden next to the live dashboard
        expect(page.locator(".nv12-kernel-hint")).to_have_count(1)
        expect(page.locator(".nv12-kernel-hint")).to_be_hidden()

        before, after = nudge_noise(page)
        assert before != after
        expect(page.locator(".nv12-error")).to_have_text("")
