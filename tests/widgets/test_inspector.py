"""The pixel inspector, headless: the ipyevents handler called with synthetic DOM events."""

from __future__ import annotations

import re

import numpy as np

from nv12_widgets.model.judge.pixel import largest_error, pixel_readout
from nv12_widgets.widgets.planes_panel import INSPECT_EVENTS


def _event(kind: str, x: float, y: float, w: float = 64.0, h: float = 64.0) -> dict:
    return {
        "type": kind, "relativeX": x, "relativeY": y,
        "boundingRectWidth": w, "boundingRectHeight": h,
    }  # fmt: skip


def _shown(d) -> tuple[int, int]:
    m = re.search(r"pixel \(row (\d+), col (\d+)\)", d.planes.readout.value)
    return int(m.group(1)), int(m.group(2))


def test_every_plane_listens_to_hover_and_click(dashboard):
    planes = dashboard.planes
    assert set(planes.events) == {"y", "uv", "u", "v", "rgb", "error"}
    for name, ev in planes.events.items():
        assert ev.source is planes.views[name].image
        assert set(INSPECT_EVENTS) <= set(ev.watched_events)


def test_starts_at_the_largest_error(dashboard):
    d = dashboard
    assert d.planes.pixel == largest_error(d.comparison)
    assert _shown(d) == d.planes.pixel


def test_hover_shows_the_pixel_under_the_mouse(dashboard):
    d = dashboard
    pinned = d.planes.pixel
    d.planes.handle_event("y", _event("mousemove", 10.5, 40.2))  # 32x32 shown at 64x64
    assert _shown(d) == (20, 5)
    assert "under the mouse" in d.planes.readout.value
    px = pixel_readout(d.comparison, 20, 5)
    for label, value in px.rows():
        assert value in d.planes.readout.value, label
    assert d.planes.pixel == pinned  # hovering does not move the pinned pixel
    assert "around (20, 5)" in d.planes.zoom_y.caption.value  # the zoom follows
    d.planes.handle_event("y", {"type": "mouseleave"})
    assert _shown(d) == pinned


def test_click_pins_and_survives_an_update(dashboard):
    d = dashboard
    d.planes.handle_event(
        "u", _event("click", 3.0, 9.0, 32.0, 32.0)
    )  # U is 16x16 shown 2x: chroma (4, 1)
    assert d.planes.pixel == (8, 2) == _shown(d)
    assert "pinned" in d.planes.readout.value
    d.noise.seed.value = 5  # a new comparison keeps the pinned pixel
    assert d.planes.pixel == (8, 2)
    d.preprocess.swing.value = "studio"
    assert d.planes.pixel == (8, 2) == _shown(d)
    assert d.errors.value == ""


def test_go_to_the_largest_error(dashboard):
    d = dashboard
    d.planes.handle_event("rgb", _event("click", 1, 1))
    d.planes.largest.click()
    assert d.planes.pixel == largest_error(d.comparison) == _shown(d)


def test_row_column_boxes_move_the_readout(dashboard):
    d = dashboard
    d.planes.row.value, d.planes.col.value = 31, 0
    assert _shown(d) == (31, 0)
    crop = d.planes.zoom_err.array
    assert crop is not None and crop.shape[0] > 0


def test_interleaved_uv_plane_maps_to_the_chroma_block(dashboard):
    d = dashboard
    # the UV plane is 16 rows x 32 bytes; shown 64 x 32: byte 11 (V of chroma col 5), row 3
    d.planes.handle_event("uv", _event("mousemove", 23.0, 7.0, 64.0, 32.0))
    assert _shown(d) == (6, 10)


def test_events_before_any_image_and_odd_events_are_ignored(tiny_model, tiny_config):
    from nv12_widgets.widgets.panels import PlanesPanel

    p = PlanesPanel()
    p.handle_event("y", _event("mousemove", 1, 1))
    assert p.readout.value == ""


def test_a_broken_event_goes_to_the_error_area(dashboard):
    d = dashboard
    d.planes.handle_event("y", {"type": "click"})  # no coordinates
    assert "pixel inspector" in d.errors.value
    assert np.isfinite(d.planes.pixel[0])
