"""The starter notebook in a real JupyterLab, driven by Debian's chromium.

Open ``01_quickstart.ipynb``, run all cells, move the noise slider with the keyboard and
see the metrics change, record a finding, export HTML, then open the exported file in
the browser and check its images rendered. Also takes the README's screenshot:
``NV12_SCREENSHOT_DIR=dir`` keeps it there; ``NV12_UPDATE_SCREENSHOT=1`` copies it to
``docs/dashboard.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import (
    KERNEL_TIMEOUT_MS,
    REPO,
    UPDATE_TIMEOUT_MS,
    diagnose,
    nudge_noise,
    wait_for_dashboard,
    wait_images_rendered,
)

NOTEBOOK = "01_quickstart.ipynb"
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"


@pytest.fixture
def screenshot_path(tmp_path) -> Path:
    out = Path(os.environ.get("NV12_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out / "dashboard.png"


@pytest.mark.e2e
def test_quickstart_in_jupyterlab(lab_server, page, screenshot_path):
    from playwright.sync_api import expect

    with diagnose(page, lab_server, "test_quickstart_in_jupyterlab"):
        page.goto(f"{lab_server.url}/lab/tree/{NOTEBOOK}?reset&token={lab_server.token}")
        # the kernel really attached (waiting on the execution indicator alone races)
        expect(page.get_by_role("button", name=KERNEL_IDLE)).to_be_visible(
            timeout=KERNEL_TIMEOUT_MS
        )
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

        wait_for_dashboard(page)
        expect(page.locator(".nv12-error")).to_have_text("")

        # the noise slider moved with the keyboard: the kernel answers with new metrics
        before, after = nudge_noise(page)
        assert before != after

        # the planes are real images
        for sel in (".nv12-y-plane img", ".nv12-uv-plane img"):
            widths = wait_images_rendered(page, sel)
            assert all(w > 0 for w in widths), (sel, widths)

        # record a finding (remember the NV12 cosine it snapshots: the report must show it)
        # the first output row: its header cell is the name, the first <td> the NV12 cosine
        cos_nv12 = page.locator(".nv12-cosine tbody tr").nth(0).locator("td").nth(0).inner_text()
        assert cos_nv12.strip().startswith(("0.", "1.")), cos_nv12
        page.locator(".nv12-record").click()
        expect(page.locator(".nv12-findings li")).to_have_count(1, timeout=UPDATE_TIMEOUT_MS)
        status = page.locator(".nv12-export-status")
        expect(status).to_contain_text("Recorded", timeout=UPDATE_TIMEOUT_MS)

        # the README's picture, with the finding recorded: a wide, tall viewport fits it all
        page.set_viewport_size({"width": 1800, "height": 2400})
        dashboard = page.locator(".nv12-dashboard")
        dashboard.scroll_into_view_if_needed()
        wait_images_rendered(page, ".nv12-dashboard img")
        dashboard.screenshot(path=str(screenshot_path), animations="disabled")
        if os.environ.get("NV12_UPDATE_SCREENSHOT") == "1":
            shutil.copyfile(screenshot_path, REPO / "docs" / "dashboard.png")

        # export it; a relative name goes to the export folder (./exports of the kernel's
        # cwd, the notebook's directory, when NV12_OUTPUT_DIR is not set)
        page.locator(".nv12-export").click()
        expect(status).to_contain_text("Exported 1 finding(s) to", timeout=UPDATE_TIMEOUT_MS)
        expect(page.locator(".nv12-error")).to_have_text("")
        name = status.locator("b").inner_text().strip()
        exported = Path(name)
        assert exported.is_file(), f"{exported} missing; status: {status.inner_text()}"
        assert exported.resolve().parent == (lab_server.root / "exports").resolve(), exported

        # the exported report, opened offline in the same browser
        page.goto(exported.as_uri(), wait_until="load")
        images = page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => [i.src.slice(0, 40), i.naturalWidth])"
        )
        assert images, "the exported report has no <img>"
        broken = [src for src, width in images if width == 0]
        assert not broken, f"{len(broken)}/{len(images)} images did not render: {broken}"
        metrics = page.locator("table.metrics").first  # the main metrics, then "more metrics"
        expect(metrics.locator('th[data-key="cosine_nv12"]')).to_have_count(1)
        expect(metrics).to_contain_text("cos NV12")  # the vocabulary's name
        expect(metrics).to_contain_text(cos_nv12.strip())
