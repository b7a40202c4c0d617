"""The Planes panel: the NV12 planes at the model input size and the pixel inspector."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as W
import numpy as np

from nv12_widgets.core import error_map
from nv12_widgets.model.judge.finding_fields import ERROR_MAP_GAIN, error_map_title
from nv12_widgets.model.judge.pixel import largest_error, marked_zoom, pixel_readout, plane_pixel

from ._common import ImageView
from .panel import Panel

# ----------------------------------------------------------------------------- planes
#: What the pixel inspector listens to on every plane (ipyevents), and how often a
#: hover is sent to the kernel at most (ms).
INSPECT_EVENTS = ["mousemove", "click", "mouseleave"]
INSPECT_THROTTLE_MS = 60


class PlanesPanel(Panel, W.VBox):
    """Y, interleaved UV, U, V, RGB rebuilt from NV12, amplified error map, and a pixel
    inspector: hover over any plane to read that pixel (codes, both paths, error), click
    to pin it; the zooms follow; it starts at the largest error.

    Mouse events come from `ipyevents <https://github.com/mwcraig/ipyevents>`_ (a small,
    maintained Jupyter widget that forwards DOM events of an existing widget, here the
    planes' ``Image`` widgets, to Python, with throttling); the numbers come from
    :func:`nv12_widgets.model.judge.pixel.pixel_readout`.
    """

    ERROR_GAIN = ERROR_MAP_GAIN
    name, area = "planes", "below"

    @classmethod
    def create(cls, dashboard) -> PlanesPanel:
        return cls(dashboard.reporter(cls.name))

    def __init__(self, on_error: Callable | None = None):
        self._on_error = on_error
        self.y = ImageView("Y plane", "nv12-y-plane")
        self.uv = ImageView("UV plane (interleaved U V U V ...)", "nv12-uv-plane")
        self.u = ImageView("U (Cb)", "nv12-u-plane", target=160)
        self.v = ImageView("V (Cr)", "nv12-v-plane", target=160)
        self.rgb = ImageView("RGB rebuilt from NV12", "nv12-rgb-plane")
        self.error = ImageView(error_map_title(self.ERROR_GAIN), "nv12-error-map")
        self.views = {
            "y": self.y, "uv": self.uv, "u": self.u, "v": self.v, "rgb": self.rgb,
            "error": self.error,
        }  # fmt: skip
        self.row = W.BoundedIntText(0, min=0, max=0, description="Row")
        self.col = W.BoundedIntText(0, min=0, max=0, description="Column")
        for w in (self.row, self.col):
            w.layout.width = "150px"
            w.style.description_width = "56px"
        self.largest = W.Button(description="Go to the largest error", icon="crosshairs")
        self.largest.add_class("nv12-largest-error")
        self.largest.layout.width = "auto"
        self.zoom_y = ImageView("Zoom: Y", "nv12-zoom-y", target=160)
        self.zoom_err = ImageView("Zoom: error", "nv12-zoom-error", target=160)
        self.readout = W.HTML("")
        self.readout.add_class("nv12-readout")
        self.row.observe(lambda _: self._pixel_moved(), "value")
        self.col.observe(lambda _: self._pixel_moved(), "value")
        self.largest.on_click(lambda _: self.go_to_largest_error())
        self._cmp = None
        self._drawing = False
        #: True until the user picks a pixel: each new comparison starts at its largest error
        self.follow_largest = True
        self.events = {}
        try:
            from ipyevents import Event
        except ImportError:  # the planes still show; the inspector falls back to Row/Column
            Event = None  # noqa: N806
        for name, view in self.views.items():
            view.image.add_class("nv12-inspectable")
            if Event is not None:
                ev = Event(
                    source=view.image, watched_events=INSPECT_EVENTS,
                    throttle_or_debounce="throttle", wait=INSPECT_THROTTLE_MS,
                )  # fmt: skip
                ev.on_dom_event(lambda event, plane=name: self.handle_event(plane, event))
                self.events[name] = ev
        hint = (
            "hover over a plane to read a pixel, click to pin it"
            if self.events
            else "pip install ipyevents to hover over the planes"
        )
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Planes</span> <span class='nv12-caption'>"
                       "at the model input size, sent losslessly (PNG); "
                       f"{hint}</span>"),
                # the readout beside the Y plane (read while hovering, no scrolling), the
                # zooms under it; the other planes below
                W.HBox(
                    [
                        self.y,
                        W.VBox(
                            [
                                self.readout,
                                W.HBox([self.row, self.col]),
                                self.largest,
                                W.HBox([self.zoom_y, self.zoom_err]).add_class(
                                    "nv12-shrink-row"
                                ),
                            ]
                        ).add_class("nv12-inspector"),
                    ]
                ).add_class("nv12-inspect-row"),
                W.HBox([self.uv, self.u, self.v, self.rgb, self.error]).add_class(
                    "nv12-plane-grid"
                ),
            ]
        )  # fmt: skip
        self.add_class("nv12-planes")

    def show(self, cmp) -> None:
        """Show a :class:`~nv12_widgets.model.workflows.compare.Comparison`'s planes."""
        self.draw(self.prepare_views(cmp))

    def prepare(self, state) -> dict | None:
        """The panel contract: the views of ``state.comparison`` when more than the noise
        changed (the planes do not depend on the noise path), else None (keep)."""
        return self.prepare_views(state.comparison) if state.changed else None

    def prepare_views(self, cmp) -> dict:
        """Compute every view of ``cmp`` (PNGs, readout) without drawing anything."""
        frame = cmp.nv12_frame
        error = error_map(cmp.reference_input, cmp.nv12_input, gain=self.ERROR_GAIN)
        rgb = cmp.nv12_rgb()
        if self.follow_largest:
            r, c = largest_error(cmp)
        else:
            r = min(int(self.row.value), frame.height - 1)
            c = min(int(self.col.value), frame.width - 1)
        return {
            "cmp": cmp,
            "views": [
                (self.y, self.y.prepare(frame.y)),
                (self.uv, self.uv.prepare(frame.uv_interleaved_image())),
                (self.u, self.u.prepare(np.ascontiguousarray(frame.u))),
                (self.v, self.v.prepare(np.ascontiguousarray(frame.v))),
                (self.rgb, self.rgb.prepare(rgb)),
                (self.error, self.error.prepare(error)),
            ],
            "max": (frame.height - 1, frame.width - 1),
            "at": (r, c),
            "pixel": self._prepare_pixel(cmp, r, c, error, rgb),
        }

    def draw(self, prepared: dict) -> None:
        """Draw what :meth:`prepare` computed (assignments only; None: keep)."""
        if prepared is None:
            return
        self._cmp = prepared["cmp"]
        for view, data in prepared["views"]:
            view.draw(data)
        self._set_pixel(*prepared["at"], prepared["max"])
        self._draw_pixel(prepared["pixel"])

    def _set_pixel(self, r: int, c: int, maxima: tuple[int, int] | None = None) -> None:
        """Move the Row / Column boxes without recomputing the readout."""
        self._drawing = True
        try:
            if maxima is not None:
                self.row.max, self.col.max = maxima
            self.row.value, self.col.value = r, c
        finally:
            self._drawing = False

    # -- the inspector ------------------------------------------------------------
    @property
    def pixel(self) -> tuple[int, int]:
        """The pinned pixel (row, col): the Row / Column boxes."""
        return int(self.row.value), int(self.col.value)

    def handle_event(self, plane: str, event: dict) -> None:
        """An ipyevents DOM event on ``plane``: ``mousemove`` reads the pixel under the
        mouse, ``click`` pins it, ``mouseleave`` returns to the pinned pixel.

        ``event`` carries ``type``, ``relativeX`` / ``relativeY`` (display pixels from
        the image's corner) and ``boundingRectWidth`` / ``boundingRectHeight``.
        """
        try:
            if self._cmp is None:
                return
            kind = event.get("type")
            if kind == "mouseleave":
                self.show_pixel()
                return
            if kind not in ("mousemove", "click"):
                return
            f = self._cmp.nv12_frame
            r, c = plane_pixel(
                plane,
                float(event["relativeX"]),
                float(event["relativeY"]),
                float(event["boundingRectWidth"]),
                float(event["boundingRectHeight"]),
                (f.height, f.width),
            )
            if kind == "click":
                self.follow_largest = False
                self._set_pixel(r, c)
            self.show_pixel(r, c, pinned=kind == "click")
        except Exception as exc:  # noqa: BLE001 - shown in the dashboard, never lost
            if self._on_error is None:
                raise
            self._on_error("The pixel inspector", exc)

    def go_to_largest_error(self) -> None:
        """Pin the pixel with the largest |NV12 path - reference| (and follow it on the
        next updates, until another pixel is picked)."""
        if self._cmp is None:
            return
        self.follow_largest = True
        self._set_pixel(*largest_error(self._cmp))
        self.show_pixel()

    def _pixel_moved(self) -> None:
        if self._drawing:
            return
        self.follow_largest = False
        try:
            self.show_pixel()
        except Exception as exc:  # noqa: BLE001 - shown in the dashboard, never lost
            if self._on_error is None:
                raise
            self._on_error("The pixel readout", exc)

    def show_pixel(self, row: int | None = None, col: int | None = None, pinned: bool = True):
        """Show the readout and zooms of (row, col), default the pinned pixel."""
        cmp = self._cmp
        if cmp is None:
            return
        r, c = self.pixel if row is None else (row, col)
        pinned = pinned and (r, c) == self.pixel
        self._draw_pixel(self._prepare_pixel(cmp, r, c, self.error.array, self.rgb.array, pinned))

    def _draw_pixel(self, prepared: tuple) -> None:
        zoom_y, zoom_err, readout = prepared
        self.zoom_y.draw(zoom_y)
        self.zoom_err.draw(zoom_err)
        self.readout.value = readout

    def _prepare_pixel(
        self, cmp, r: int, c: int, error: np.ndarray, rgb: np.ndarray, pinned: bool = True
    ) -> tuple:
        px = pixel_readout(cmp, r, c, nv12_rgb=rgb, gain=self.ERROR_GAIN)
        where = f"around ({r}, {c}), outlined"
        zoom_y = self.zoom_y.prepare(marked_zoom(cmp.nv12_frame.y, r, c), where)
        zoom_err = self.zoom_err.prepare(marked_zoom(error, r, c), where)
        state = "pinned" if pinned else "under the mouse"
        readout = (
            f"<b>pixel (row {r}, col {c})</b> <span class='nv12-caption'>{state}</span>"
            "<table>"
            + "".join(
                f"<tr><td>{html.escape(k)}</td><td><code>{html.escape(v)}</code></td></tr>"
                for k, v in px.rows()
            )
            + "</table>"
        )
        return zoom_y, zoom_err, readout
