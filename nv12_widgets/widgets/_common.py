"""Small pieces shared by the panels: image views, the error area, CSS."""

from __future__ import annotations

import html
import io
import traceback

import ipywidgets as W
import numpy as np

from nv12_widgets.core import InputError, display_downscale, png_bytes
from nv12_widgets.report import figure_to_png

#: Longest side of an image as sent to the browser (whole-factor decimation beyond).
DISPLAY_MAX_SIDE = 640

#: The dashboard's CSS. Colours are JupyterLab's theme variables (``--jp-*``, light and
#: dark themes alike; the fallbacks serve a page without them); the good / fair / poor
#: tints are the theme's success / warn / error colours mixed with transparency, so text
#: keeps the theme's own colour on them. Layout: inline controls are narrower than
#: ipywidgets' 300 px default, rows wrap instead of overflowing, images shrink to their
#: box, and the similarity table's headers wrap: nothing in the dashboard is wider than
#: its container from a 1366 px laptop with the file browser open upwards.
STYLE = W.HTML(
    """<style>
.nv12-dashboard {font-family: var(--jp-ui-font-family, system-ui, sans-serif);
  color: var(--jp-ui-font-color1, #222); max-width: 100%; min-width: 0;
  --jp-widgets-inline-width: 208px; --jp-widgets-inline-label-width: 76px;
  --nv12-good: color-mix(in srgb, var(--jp-success-color1, #2e7d32) 28%, transparent);
  --nv12-fair: color-mix(in srgb, var(--jp-warn-color1, #f9a825) 32%, transparent);
  --nv12-poor: color-mix(in srgb, var(--jp-error-color1, #c62828) 30%, transparent);
  --nv12-rule: var(--jp-border-color2, #ddd);}
.nv12-dashboard * {min-width: 0; box-sizing: border-box;}
.nv12-dashboard .widget-hbox {flex-wrap: wrap; column-gap: 8px; max-width: 100%;}
.nv12-dashboard .widget-vbox {max-width: 100%;}
.nv12-dashboard .widget-inline-hbox {max-width: 100%;}
.nv12-dashboard .widget-html-content {max-width: 100%;}
.nv12-dashboard .nv12-top > .nv12-controls {flex: 1 1 424px; max-width: 100%;}
.nv12-dashboard .nv12-top > .nv12-results {flex: 1 1 500px; max-width: 100%;}
.nv12-dashboard .nv12-noise {width: calc(100% - 4px); max-width: 420px;}
.nv12-dashboard .nv12-title {font-size: 1.15em; font-weight: 600;}
.nv12-dashboard .nv12-caption {color: var(--jp-ui-font-color2, #555); font-size: 0.85em;
  overflow-wrap: anywhere;}
.nv12-dashboard .nv12-view {flex: 0 1 auto; max-width: 100%;}
.nv12-dashboard .nv12-view > * {margin-left: 0; margin-right: 0; max-width: 100%;}
.nv12-dashboard .nv12-view img {max-width: 100%; height: auto; image-rendering: pixelated;}
.nv12-dashboard .nv12-view > img, .nv12-dashboard .nv12-chart > img {align-self: flex-start;}
.nv12-dashboard .nv12-inspectable img {cursor: crosshair;}
.nv12-dashboard .nv12-chart img {max-width: 100%; height: auto; image-rendering: auto;}
.nv12-dashboard .widget-button {width: auto; max-width: 100%;
  min-width: var(--jp-widgets-inline-width-short, 148px);}
.nv12-dashboard .nv12-inspect-row {align-items: flex-start; flex-wrap: nowrap;}
.nv12-dashboard .nv12-inspect-row > .nv12-y-plane {flex: 0 1 auto;}
.nv12-dashboard .nv12-inspect-row > .nv12-inspector {flex: 1 1 300px; max-width: 420px;}
.nv12-dashboard .nv12-plane-grid {align-items: flex-start;}
.nv12-dashboard .nv12-inspector .nv12-largest-error {width: auto; max-width: 100%;}
.nv12-dashboard .nv12-results .widget-hbox, .nv12-dashboard .nv12-shrink-row {flex-wrap: nowrap;}
.nv12-dashboard .nv12-results .widget-hbox > .nv12-view {flex: 1 1 0;}
.nv12-dashboard .widget-html-content, .nv12-dashboard .widget-html {white-space: normal;}
.nv12-dashboard pre {white-space: pre-wrap; overflow-wrap: anywhere;}
.nv12-metrics table {border-collapse: collapse; font-size: 0.8em; width: 100%;
  line-height: 1.35;}
.nv12-metrics.dataset-summary p {margin: 6px 0 2px; font-size: 0.9em; line-height: 1.35;}
.nv12-dashboard .nv12-field-error, .nv12-dashboard .nv12-lint, .nv12-dashboard .nv12-stale
  {line-height: 1.35;}
.nv12-metrics th {white-space: normal; vertical-align: bottom; font-weight: 600;}
.nv12-metrics th, .nv12-metrics td {padding: 2px 3px; border-bottom: 1px solid var(--nv12-rule);
  text-align: right; font-variant-numeric: tabular-nums;}
.nv12-metrics td {white-space: nowrap;}
.nv12-metrics td.value {white-space: normal; min-width: 5em; text-align: left;}
.nv12-metrics td.na {color: var(--jp-ui-font-color2, #555); text-align: center;}
.nv12-metrics td[title] {cursor: help;}
.nv12-metrics th:first-child, .nv12-metrics td:first-child {text-align: left;
  white-space: normal; overflow-wrap: anywhere; min-width: 5.5em;}
.nv12-metrics .good {background: var(--nv12-good);}
.nv12-metrics .fair {background: var(--nv12-fair);}
.nv12-metrics .poor {background: var(--nv12-poor);}
.nv12-dashboard .nv12-legend {font-size: 0.85em; margin: 3px 0 0;}
.nv12-dashboard .nv12-swatch {padding: 0 6px; border-radius: 3px; white-space: nowrap;}
.nv12-dashboard .nv12-swatch.good {background: var(--nv12-good);}
.nv12-dashboard .nv12-swatch.fair {background: var(--nv12-fair);}
.nv12-dashboard .nv12-swatch.poor {background: var(--nv12-poor);}
.nv12-metrics th[title] {cursor: help; text-decoration: underline dotted;}
.nv12-verdict {border-left: 4px solid var(--jp-brand-color1, #3b6ea8); padding: 4px 10px;
  background: var(--jp-layout-color2, #f3f6fa); margin-top: 6px;}
.nv12-lint {border-left: 4px solid var(--jp-warn-color1, #b26a00); padding: 4px 10px;
  margin: 4px 0; background: var(--jp-layout-color2, #eee);
  color: var(--jp-ui-font-color1, #222);}
.nv12-lint.nv12-lint-errors {border-left-color: var(--jp-error-color1, #c62828);}
.nv12-lint ul {margin: 2px 0 2px 1.2em; padding: 0;}
.nv12-lint .nv12-caption {color: inherit;}
.nv12-dashboard .jupyter-widget-Collapse-header {color: var(--jp-ui-font-color1, inherit);}
.nv12-error-box {color: var(--jp-error-color1, #8a1c1c);
  background: color-mix(in srgb, var(--jp-error-color1, #c62828) 10%, transparent);
  border: 1px solid var(--jp-error-color2, #e6b3b3); padding: 4px 8px; white-space: pre-wrap;
  overflow-wrap: anywhere; font-family: var(--jp-code-font-family, monospace);
  font-size: 0.85em;}
.nv12-dashboard .nv12-invalid input, .nv12-dashboard .nv12-invalid select,
.nv12-dashboard input.nv12-invalid {border-color: var(--jp-error-color1, #c62828);
  box-shadow: 0 0 0 1px var(--jp-error-color1, #c62828);}
.nv12-dashboard .nv12-invalid .widget-label {color: var(--jp-error-color1, #c62828);
  font-weight: 600;}
.nv12-dashboard .nv12-field-error {color: var(--jp-error-color1, #c62828); font-size: 0.85em;
  margin: 0 0 4px var(--jp-widgets-inline-label-width, 76px); overflow-wrap: anywhere;}
.nv12-dashboard .nv12-stale {color: var(--jp-error-color1, #c62828); font-size: 0.85em;}
.nv12-readout table {border-collapse: collapse; font-size: 0.9em;}
.nv12-readout td {padding: 1px 6px; border-bottom: 1px solid var(--nv12-rule);}
.nv12-readout code {white-space: nowrap; background: transparent;
  color: var(--jp-content-font-color1, inherit);}
.nv12-findings details summary {cursor: pointer;}
.nv12-findings .nv12-note-text {white-space: pre-wrap; overflow-wrap: anywhere;
  padding: 2px 0 4px 1.2em; color: var(--jp-ui-font-color1, inherit);}
</style>"""
)


def no_null_tooltips(widget: W.Widget) -> None:
    """Give every widget under ``widget`` without a tooltip an empty one.

    ipywidgets 8.1 copies a widget's ``tooltip`` onto its description label's ``title``
    attribute as is: ``None`` becomes the string ``"null"``, which the browser shows on
    hover. An empty tooltip shows nothing.
    """
    stack = [widget]
    while stack:
        w = stack.pop()
        if "tooltip" in w.trait_names() and w.tooltip is None:
            w.tooltip = ""
        stack.extend(getattr(w, "children", ()) or ())


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
        # hidden while it has no picture (no broken-image icon), however it gets one
        self.image.layout.display = "none"
        self.image.observe(self._picture_changed, "value")
        self.caption = W.HTML("", _dom_classes=("nv12-caption",))
        self.array: np.ndarray | None = None
        self.target, self.max_side = target, max_side
        super().__init__([self.title, self.image, self.caption])
        self.add_class("nv12-view")
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
        size = f"{array.shape[0]} x {array.shape[1]} (h x w)"
        extra = f", shown 1:{factor}" if factor > 1 else (f", shown {zoom}x" if zoom > 1 else "")
        text = html.escape(f"{size}{extra}{'. ' + caption if caption else ''}")
        return array, png, f"{shown.shape[1] * zoom}px", text

    def draw(self, prepared: tuple) -> None:
        """Show what :meth:`prepare` computed (assignments only)."""
        self.array, self.image.value, self.image.layout.width, self.caption.value = prepared

    def _picture_changed(self, change) -> None:
        self.image.layout.display = None if change["new"] else "none"


class ChartView(W.VBox):
    """A titled matplotlib chart shown as SVG: sharp at any zoom and screen density (a
    PNG sized for one screen is upscaled and blurred on another); :meth:`show` also
    returns the PNG a finding records."""

    def __init__(self, title: str, css_class: str | None = None):
        self.title = W.HTML(f"<b>{html.escape(title)}</b>")
        self.image = W.Image(format="svg+xml")
        super().__init__([self.title, self.image])
        self.add_class("nv12-chart")
        if css_class:
            self.add_class(css_class)
        self.layout.display = "none"

    def show(self, fig) -> bytes:
        """Show ``fig`` (a matplotlib Figure); returns its PNG (report/findings)."""
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight", facecolor="white")
        png = figure_to_png(fig)
        self.image.value = buffer.getvalue()
        self.layout.display = None
        return png


class FieldErrors(InputError):
    """Several rejected fields at once: ``errors`` maps a field's label to its message
    (every current error, not only the first); ``str()`` lists them one per line.

    Examples
    --------
    >>> print(FieldErrors({"Mean": "3 values needed", "Std": "must not be 0"}))
    Mean: 3 values needed
    Std: must not be 0
    """

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(
            "\n".join(f"{label}: {msg}" if label else msg for label, msg in self.errors.items())
        )


class ErrorArea(W.HTML):
    """Where every callback error goes: visible in the dashboard, never lost in a log."""

    def __init__(self, css_class: str = "nv12-error", hide_empty: bool = False) -> None:
        super().__init__("")
        self.add_class(css_class)
        self.last_error: BaseException | None = None
        self._hide_empty = hide_empty
        if hide_empty:
            self.layout.display = "none"

    def report(self, what: str, exc: BaseException) -> None:
        """Show ``exc`` (what failed, the message; the traceback for unexpected errors)."""
        self.last_error = exc
        if self._hide_empty:
            self.layout.display = None
        head = f"<b>{html.escape(what)} failed; the dashboard keeps its last good state.</b>"
        if isinstance(exc, FieldErrors):  # every rejected field, each marked in its panel
            items = "".join(
                f"<li><b>{html.escape(label)}</b>: {html.escape(msg)}</li>" if label
                else f"<li>{html.escape(msg)}</li>"
                for label, msg in exc.errors.items()
            )  # fmt: skip
            self.value = (
                f"<div class='nv12-error-box'>{head} Fix the marked field"
                f"{'s' if len(exc.errors) > 1 else ''}:<ul>{items}</ul></div>"
            )
            return
        expected = isinstance(exc, (ValueError, OSError, KeyError))
        detail = str(exc) if expected else "".join(traceback.format_exception(exc))
        self.value = (
            f"<div class='nv12-error-box'>{head}\n"
            f"{html.escape(type(exc).__name__)}: {html.escape(detail)}</div>"
        )

    def clear(self) -> None:
        self.last_error = None
        self.value = ""
        if self._hide_empty:
            self.layout.display = "none"

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
