"""The dashboard's issue 9-11 integrations in a real JupyterLab (Debian's chromium):
upload a raw camera frame (.nv12, size in the name) and see its Y plane; type a mean in
pixel units and see the configuration check's warning area name it, then go away."""

from __future__ import annotations

import json

import pytest

from nv12_widgets.core import load_image, rgb_to_nv12
from nv12_widgets.model import demo_image_paths

from .conftest import (
    KERNEL_TIMEOUT_MS,
    UPDATE_TIMEOUT_MS,
    diagnose,
    wait_for_dashboard,
    wait_images_rendered,
)
from .test_lab import KERNEL_IDLE

NOTEBOOK = "integrations.ipynb"
SOURCE = "from nv12_widgets.widgets import NV12Debugger\ndashboard = NV12Debugger()\ndashboard"


def _write_notebook(root) -> None:
    nb = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "id": "dash", "metadata": {},
             "outputs": [], "source": SOURCE},
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    (root / NOTEBOOK).write_text(json.dumps(nb))


@pytest.mark.e2e
def test_raw_frame_upload_and_lint_warnings_in_jupyterlab(lab_server, page):
    from playwright.sync_api import expect

    _write_notebook(lab_server.root)
    coffee = next(p for p in demo_image_paths() if p.stem == "coffee")
    frame = rgb_to_nv12(load_image(coffee))  # 600 x 400
    with diagnose(page, lab_server, "test_raw_frame_upload_and_lint_warnings_in_jupyterlab"):
        page.goto(f"{lab_server.url}/lab/tree/{NOTEBOOK}?reset&token={lab_server.token}")
        expect(page.get_by_role("button", name=KERNEL_IDLE)).to_be_visible(
            timeout=KERNEL_TIMEOUT_MS
        )
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        wait_for_dashboard(page)

        # a raw frame through the upload button (its file input lives outside the DOM)
        with page.expect_file_chooser() as chooser:
            page.locator(".nv12-upload").click()
        chooser.value.set_files(
            files=[
                {
                    "name": f"camera_{frame.width}x{frame.height}.nv12",
                    "mimeType": "application/octet-stream",
                    "buffer": frame.tobytes(),
                }
            ]
        )
        info = page.locator(".nv12-image").locator("xpath=..")
        expect(info).to_contain_text("400 x 600 (h x w) raw frame (Y plane shown)",
                                     timeout=UPDATE_TIMEOUT_MS)  # fmt: skip
        expect(page.locator(".nv12-raw-controls")).to_be_visible()
        assert wait_images_rendered(page, ".nv12-image img") == [200]  # 600 px shown 1:3
        expect(page.locator(".nv12-error")).to_have_text("")

        # the configuration check: a mean typed in pixel units with divisor 255
        warnings = page.locator(".nv12-warnings")
        mean = page.locator(".nv12-field-mean input")
        before = mean.input_value()
        mean.fill("123.675, 116.28, 103.53")
        mean.press("Enter")
        expect(warnings).to_contain_text("mean-units", timeout=UPDATE_TIMEOUT_MS)
        expect(warnings).to_be_visible()
        expect(page.locator(".nv12-verdict").first).to_contain_text("[mean-units]")
        expect(page.locator(".nv12-error")).to_have_text("")
        mean.fill(before)
        mean.press("Enter")
        expect(warnings).not_to_contain_text("mean-units", timeout=UPDATE_TIMEOUT_MS)
