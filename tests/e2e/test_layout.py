"""The dashboard's layout in a real JupyterLab (Debian's chromium): a 1366x768 laptop with
the file browser open and a 1920x1080 screen, in the light and the dark theme.

In each: no element of the dashboard is wider than its container (no horizontal
scrollbar, nothing clipped), every similarity column header is visible, no label carries
``title="null"``, and hovering a plane shows that pixel's readout. One JupyterLab (the
session's ``lab_server``) and one notebook run serve all four. ``NV12_UPDATE_SCREENSHOT=1``
writes the screenshots shown in the README to ``docs/`` (otherwise they go to a temporary
folder, so the tests leave the checkout clean).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from nv12_widgets.model.judge.pixel import plane_pixel

from .conftest import (
    DARK,
    LIGHT,
    REPO,
    UPDATE_TIMEOUT_MS,
    diagnose,
    set_screen,
    wait_images_rendered,
)

#: (name, width, height, theme, file browser open)
SCREENS = [
    ("1366x768-light", 1366, 768, LIGHT, True),
    ("1366x768-dark", 1366, 768, DARK, True),
    ("1920x1080-light", 1920, 1080, LIGHT, False),
    ("1920x1080-dark", 1920, 1080, DARK, False),
]

#: Elements wider than their box, from the dashboard up to the notebook panel. noUiSlider
#: (ipywidgets' slider) draws its handle half outside its track by design, with overflow
#: visible: no scrollbar, nothing clipped; it is left out.
OVERFLOW_JS = """() => {
  const dash = document.querySelector('.nv12-dashboard');
  const slider = el => el.closest('.slider-container');
  const name = el => el.tagName.toLowerCase() + '.' +
      String(el.className.baseVal ?? el.className).trim().split(/\\s+/).join('.');
  const wide = [];
  for (const el of [dash, ...dash.querySelectorAll('*')]) {
    if (slider(el) || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1) wide.push(
        `${name(el).slice(0, 90)}: ${el.scrollWidth} > ${el.clientWidth} ` +
        JSON.stringify((el.innerText || '').slice(0, 40)));
  }
  for (let el = dash.parentElement; el && !el.classList.contains('jp-NotebookPanel');
       el = el.parentElement) {
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
      wide.push(`ancestor ${name(el).slice(0, 90)}: ${el.scrollWidth} > ${el.clientWidth}`);
  }
  const box = dash.getBoundingClientRect();
  const headers = [...dash.querySelectorAll('.nv12-cosine th')].map(th => {
    const r = th.getBoundingClientRect();
    const inside = r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1;
    return [th.innerText.replace(/\\s+/g, ' '), inside && th.scrollWidth <= th.clientWidth + 1];
  });
  const nulls = dash.querySelectorAll('[title="null"]').length;
  return {wide, headers, nulls, width: Math.round(box.width)};
}"""


def _screenshot(page, name: str, tmp_path: Path) -> None:
    out = REPO / "docs" if os.environ.get("NV12_UPDATE_SCREENSHOT") == "1" else tmp_path
    page.screenshot(path=str(out / f"dashboard-{name}.png"), animations="disabled")


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("name", "width", "height", "theme", "browser_open"), SCREENS, ids=[s[0] for s in SCREENS]
)
def test_dashboard_fits_and_inspects(
    lab_page, lab_server, tmp_path, name, width, height, theme, browser_open
):
    from playwright.sync_api import expect

    page = lab_page
    with diagnose(page, lab_server, f"test_layout_{name}"):
        set_screen(page, width, height, theme, browser_open)
        dash = page.locator(".nv12-dashboard")
        dash.evaluate("el => el.scrollIntoView({block: 'start'})")
        wait_images_rendered(page, ".nv12-dashboard img")
        found = page.evaluate(OVERFLOW_JS)
        assert not found["wide"], f"{name}: wider than their box:\n" + "\n".join(found["wide"])
        hidden = [h for h, ok in found["headers"] if not ok]
        assert found["headers"] and not hidden, f"{name}: headers cut or hidden: {hidden}"
        assert found["nulls"] == 0, f'{name}: {found["nulls"]} elements with title="null"'
        _screenshot(page, name, tmp_path)

        # hover the Y plane: the readout shows the pixel under the mouse
        plane = page.locator(".nv12-y-plane img")
        page.locator(".nv12-planes").evaluate("el => el.scrollIntoView({block: 'start'})")
        box = plane.bounding_box()
        x, y = round(box["width"] * 0.3), round(box["height"] * 0.6)
        readout = page.locator(".nv12-readout")
        plane.hover(position={"x": x, "y": y})
        expect(readout).to_contain_text("under the mouse", timeout=UPDATE_TIMEOUT_MS)
        shown = re.search(r"pixel \(row (\d+), col (\d+)\)", readout.inner_text())
        size = page.locator(".nv12-y-plane .nv12-caption").inner_text()
        h, w = (int(v) for v in re.match(r"(\d+) x (\d+)", size).groups())
        expected = plane_pixel("y", x, y, box["width"], box["height"], (h, w))
        # the pointer lands within a pixel of the point asked for (sub-pixel rounding)
        assert abs(int(shown.group(1)) - expected[0]) <= 1, (shown.group(0), expected)
        assert abs(int(shown.group(2)) - expected[1]) <= 1, (shown.group(0), expected)
        for label in ("Y, U, V codes", "reference normalised", "error (NV12 - reference)"):
            expect(readout).to_contain_text(label)
        expect(page.locator(".nv12-zoom-y .nv12-caption")).to_contain_text(
            f"around ({shown.group(1)}, {shown.group(2)})"  # the zoom follows the mouse
        )
        if name == "1920x1080-light":
            wait_images_rendered(page, ".nv12-planes img")
            _screenshot(page, "inspector", tmp_path)
        page.mouse.move(1, 1)  # leaving the plane returns to the pinned pixel
        expect(readout).to_contain_text("pinned", timeout=UPDATE_TIMEOUT_MS)
        if name == "1366x768-light":  # a click on the error map pins its pixel
            err = page.locator(".nv12-error-map img")
            err.scroll_into_view_if_needed()
            ebox = err.bounding_box()
            ex, ey = round(ebox["width"] * 0.7), round(ebox["height"] * 0.2)
            want = plane_pixel("error", ex, ey, ebox["width"], ebox["height"], (h, w))
            err.click(position={"x": ex, "y": ey})
            page.wait_for_function(
                "want => { const t = document.querySelector('.nv12-readout').innerText;"
                " const m = /pixel \\(row (\\d+), col (\\d+)\\) pinned/.exec(t);"
                " return m && Math.abs(m[1] - want[0]) <= 1 && Math.abs(m[2] - want[1]) <= 1; }",
                arg=list(want),
                timeout=UPDATE_TIMEOUT_MS,
            )
        expect(page.locator(".nv12-error")).to_have_text("")
