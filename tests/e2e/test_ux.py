"""Where the dashboard tells you things, on a 1366x768 laptop with the file browser open
(Debian's chromium driving JupyterLab): a rejected value is explained beside its field,
the pixel readout sits beside the plane being hovered, and every text is readable in the
dark theme (WCAG 2.x contrast of at least 4.5:1 against its effective background).
"""

from __future__ import annotations

import pytest

from .conftest import DARK, LIGHT, UPDATE_TIMEOUT_MS, diagnose, set_screen, wait_images_rendered

#: Is the element's box inside the viewport?
IN_VIEW_JS = """el => { const r = el.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
          inside: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
                  && r.bottom <= window.innerHeight && r.right <= window.innerWidth}; }"""

#: Every rendered text of the dashboard (elements with their own text, and form fields)
#: whose contrast against its effective background is below 4.5:1 (WCAG 2.x relative
#: luminance). The background is composited from the nearest opaque ancestor down
#: through every translucent one; disabled controls (inactive: no requirement in WCAG
#: 1.4.3) are left out.
CONTRAST_JS = """() => {
  const parse = c => {
    let m = /^rgba?\\(([^)]*)\\)/.exec(c);
    if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
             return [p[0] / 255, p[1] / 255, p[2] / 255, p.length > 3 ? p[3] : 1]; }
    m = /^color\\(srgb ([^)]*)\\)/.exec(c);
    if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
             return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    throw new Error('unparsed colour ' + c);
  };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]))
      .concat([1]);
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop() : [1, 1, 1, 1];
    while (layers.length) bg = over(layers.pop(), bg);
    return bg;
  };
  const lum = c => { const f = v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const dash = document.querySelector('.nv12-dashboard');
  const bad = [];
  let checked = 0;
  for (const el of [dash, ...dash.querySelectorAll('*')]) {
    if (el.closest('style, script, option')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const field = /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== 'file'
        && el.type !== 'checkbox' && (el.value || '').trim();
    if (!own && !field) continue;
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || parseFloat(style.opacity) === 0) continue;
    if (el.closest(':disabled, .mod-disabled, [disabled]')) continue;
    let alpha = 1;
    for (let e = el; e; e = e.parentElement) alpha *= parseFloat(getComputedStyle(e).opacity);
    const fg = parse(style.color);
    fg[3] *= alpha;
    const bg = background(el);
    const r = ratio(over(fg, bg), bg);
    checked += 1;
    if (r < 4.5) bad.push(`${r.toFixed(2)}:1 ${el.tagName.toLowerCase()}.` +
        `${String(el.className).trim().split(/\\s+/).join('.')} ` +
        `${JSON.stringify((el.innerText || el.value || '').trim().slice(0, 50))} ` +
        `(${style.color} on ${JSON.stringify(bg.map(v => Math.round(v * 255)))})`);
  }
  return {bad, checked};
}"""


def _enter(page, field: str, text: str) -> None:
    box = page.locator(f".nv12-field-{field} input")
    box.evaluate("el => el.scrollIntoView({block: 'center'})")
    box.fill(text)
    box.press("Enter")


def _enter_bad_mean(page) -> str:
    """Type a 2-value mean (the model has 3 channels); return the value to restore."""
    from playwright.sync_api import expect

    original = page.locator(".nv12-field-mean input").input_value()
    _enter(page, "mean", "0.5, 0.5")
    expect(page.locator(".nv12-field-mean.nv12-invalid")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    return original


def _restore_mean(page, original: str) -> None:
    from playwright.sync_api import expect

    _enter(page, "mean", original)
    expect(page.locator(".nv12-invalid")).to_have_count(0, timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".nv12-error")).to_have_text("", timeout=UPDATE_TIMEOUT_MS)


@pytest.mark.e2e
def test_a_rejected_value_is_explained_beside_its_field(lab_page, lab_server):
    from playwright.sync_api import expect

    page = lab_page
    with diagnose(page, lab_server, "test_ux_field_error"):
        set_screen(page, 1366, 768, LIGHT, True)
        original = _enter_bad_mean(page)
        field = page.locator(".nv12-field-mean.nv12-invalid")
        message = page.locator(".nv12-field-error").filter(has_text="mean has 2 values")
        expect(message).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
        for what, loc in (("the marked field", field), ("its message", message)):
            where = loc.evaluate(IN_VIEW_JS)
            assert where["inside"], f"{what} is outside the 1366x768 viewport: {where}"
        # the message is right under the field, not somewhere else on the page
        f, m = field.evaluate(IN_VIEW_JS), message.evaluate(IN_VIEW_JS)
        assert 0 <= m["top"] - f["bottom"] <= 40, (f, m)
        # every error is listed on top too, and the old numbers are labelled as such
        std_before = page.locator(".nv12-field-std input").input_value()
        _enter(page, "std", "0")
        expect(page.locator(".nv12-invalid")).to_have_count(2, timeout=UPDATE_TIMEOUT_MS)
        expect(page.locator(".nv12-error li")).to_have_count(2)
        expect(page.locator(".nv12-status")).to_contain_text("last good settings")
        _enter(page, "std", std_before)
        _restore_mean(page, original)


@pytest.mark.e2e
def test_the_pixel_readout_is_in_view_while_hovering_the_y_plane(lab_page, lab_server):
    from playwright.sync_api import expect

    page = lab_page
    with diagnose(page, lab_server, "test_ux_readout"):
        set_screen(page, 1366, 768, LIGHT, True)
        wait_images_rendered(page, ".nv12-planes img")
        plane = page.locator(".nv12-y-plane img")
        plane.evaluate("el => el.scrollIntoView({block: 'center'})")
        box = plane.bounding_box()
        plane.hover(position={"x": round(box["width"] * 0.3), "y": round(box["height"] * 0.6)})
        readout = page.locator(".nv12-readout")
        expect(readout).to_contain_text("under the mouse", timeout=UPDATE_TIMEOUT_MS)
        where = readout.evaluate(IN_VIEW_JS)
        assert where["inside"], f"the readout is outside the viewport while hovering: {where}"
        y = plane.evaluate(IN_VIEW_JS)
        assert y["inside"] or y["top"] < where["bottom"], (y, where)
        assert where["left"] >= y["right"] - 1, ("the readout is not beside the plane", y, where)
        page.mouse.move(1, 1)
        expect(readout).to_contain_text("pinned", timeout=UPDATE_TIMEOUT_MS)


@pytest.mark.e2e
def test_every_text_is_readable_in_the_dark_theme(lab_page, lab_server):
    page = lab_page
    with diagnose(page, lab_server, "test_ux_contrast_dark"):
        set_screen(page, 1366, 768, DARK, True)
        wait_images_rendered(page, ".nv12-dashboard img")
        found = page.evaluate(CONTRAST_JS)
        assert found["checked"] > 100, found
        assert not found["bad"], "below 4.5:1 in the dark theme:\n" + "\n".join(found["bad"])
        # the error states too: the error box, the field's message, the stale status
        original = _enter_bad_mean(page)
        found = page.evaluate(CONTRAST_JS)
        _restore_mean(page, original)
        assert not found["bad"], "below 4.5:1 (errors shown):\n" + "\n".join(found["bad"])
