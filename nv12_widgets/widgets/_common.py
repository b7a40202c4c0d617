"""Small pieces shared by the panels: image views, the error area, CSS."""

from __future__ import annotations

import html
import traceback

import ipywidgets as W
import numpy as np

from nv12_widgets.core import display_downscale, png_bytes

#: Longest side of an image as sent to the browser (whole-factor decimation beyond).
DISPLAY_MAX_SIDE = 640

STYLE = W.HTML(
    """<style>
.nv12-dashboard {font-family: system-ui, -apple-system, "Segoe UI", sans-serif;}
.nv12-dashboard .nv12-title {font-size: 1.15em; font-weight: 600;}
.nv12-dashboard .nv12-caption {color: #555; font-size: 0.85em;}
.nv12-dashboard img {image-rendering: pixelated;}
.nv12-metrics {overflow-x: auto;}
.nv12-metrics table {border-collapse: collapse; font-size: 0.92em;}
.nv12-metrics th {white-space: nowrap;}
.nv12-metrics th, .nv12-metrics td {padding: 2px 8px; border-bottom: 1px solid #ddd;
  text-align: right; font-variant-numeric: tabular-nums;}
.nv12-metrics th:first-child, .nv12-metrics td:first-child {text-align: left;}
.nv12-metrics .good {background: #d9f2d9;} .nv12-metrics .fair {background: #fff0c2;}
.nv12-metrics .poor {background: #f9d0d0;}
.nv12-metrics .nv12-swatch {padding: 0 6px; border-radius: 3px; font-size: 0.85em;}
.nv12-metrics th[title] {cursor: help; text-decoration: underline dotted;}
.nv12-verdict {border-left: 4px solid #3b6ea8; padding: 4px 10px; background: #f3f6fa;
  margin-top: 6px;}
.nv12-error-box {color: #8a1c1c; background: #fdecec; border: 1px solid #e6b3b3;
  padding: 4px 8px; white-space: pre-wrap; font-family: ui-monospace, monospace;
  font-size: 0.85em;}
</style>"""
)


class ImageView(W.VBox):
    """A titled, lossless (PNG) image with a caption saying its size and any downscale.

    Shown at a whole-number zoom (1x, 2x, ...) of its pixels, chosen so the image is
    about ``target`` CSS pixels wide: fractional zooms draw uneven stripes over the
    ``U V U V`` columns of an interleaved plane.
    """

    def __init__(
        self,
        title: str,
        css_class: str | None = None,
        target: int = 320,
        max_side: int = DISPLAY_MAX_SIDE,
    ):
        self.title = W.HTML(f"<b>{html.escape(title)}</b>")
        self.image = W.Image(format="png")
        self.caption = W.HTML("", _dom_classes=("nv12-caption",))
        self.array: np.ndarray | None = None
        self.target, self.max_side = target, max_side
        super().__init__([self.title, self.image, self.caption])
        if css_class:
            self.add_class(css_class)

    def show(self, array: np.ndarray, caption: str = "") -> None:
        """Display an (H, W) or (H, W, 3) uint8 array (kept in ``.array``)."""
        self.draw(self.prepare(array, caption))

    def prepare(self, array: np.ndarray, caption: str = "") -> tuple:
        """Everything :meth:`draw` needs (PNG bytes, width, caption), computed without
        touching the widget: a dashboard prepares all its views before drawing any."""
        shown, factor = display_downscale(array, self.max_side)
        png = png_bytes(shown)
        zoom = max(1, self.target // shown.shape[1])
        size = f"{array.shape[1]}x{array.shape[0]}"
        extra = f", shown 1:{factor}" if factor > 1 else (f", shown {zoom}x" if zoom > 1 else "")
        text = html.escape(f"{size}{extra}{'. ' + caption if caption else ''}")
        return array, png, f"{shown.shape[1] * zoom}px", text

    def draw(self, prepared: tuple) -> None:
        """Show what :meth:`prepare` computed (assignments only)."""
        self.array, self.image.value, self.image.layout.width, self.caption.value = prepared


class ErrorArea(W.HTML):
    """Where every callback error goes: visible in the dashboard, never lost in a log."""

    def __init__(self) -> None:
        super().__init__("")
        self.add_class("nv12-error")
        self.last_error: BaseException | None = None

    def report(self, what: str, exc: BaseException) -> None:
        """Show ``exc`` (what failed, the message; the traceback for unexpected errors)."""
        self.last_error = exc
        expected = isinstance(exc, (ValueError, OSError, KeyError))
        detail = str(exc) if expected else "".join(traceback.format_exception(exc))
        self.value = (
            "<div class='nv12-error-box'>"
            f"<b>{html.escape(what)} failed; the dashboard keeps its last good state.</b>\n"
            f"{html.escape(type(exc).__name__)}: {html.escape(detail)}</div>"
        )

    def clear(self) -> None:
        self.last_error = None
        self.value = ""

    @property
    def message(self) -> str:
        """The current error as plain text ('' when there is none)."""
        return "" if self.last_error is None else str(self.last_error)


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """Parse '0.5, 0.5, 0.5' (commas and/or spaces) into floats, with a clear error."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        raise ValueError(
            f"{what} is empty; type one number or one per channel, e.g. 0.5, 0.5, 0.5."
        )
    try:
        return tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError(f"{what} must be numbers separated by commas, got {text!r}.") from None
