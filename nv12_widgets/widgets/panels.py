"""The dashboard's panels. Each is an ipywidgets box over plain model/core objects and
is usable on its own; :class:`~nv12_widgets.widgets.NV12Debugger` wires them together."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

import ipywidgets as W
import numpy as np

from nv12_widgets.core import (
    NV12,
    RAW_EXTENSIONS,
    error_map,
    image_like_output,
    is_raw_frame_path,
    load_source,
    output_heatmaps,
    sequence_steps,
)
from nv12_widgets.core.vocabulary import (
    DASHBOARD_KEYS,
    LEGEND,
    column_name,
    format_metric,
    legend_items,
    metric_level,
    metric_spec,
)
from nv12_widgets.model import PreprocessConfig, snippets
from nv12_widgets.model.config import FieldSpec, field_spec
from nv12_widgets.model.findings import ERROR_MAP_GAIN, error_map_title
from nv12_widgets.model.pixel import largest_error, marked_zoom, pixel_readout, plane_pixel

from ._common import ImageView, parse_floats

#: Dropdown values standing for None (ipywidgets 8 shows a None value as "nothing
#: selected"): the field spec's words, as on the command line.
FLOAT_PROFILE = field_spec("profile").none_word
SAME_SWING = field_spec("decode_swing").none_word
MODEL_LAYOUT = field_spec("layout").none_word
#: Size-preset entry for a height / width typed by hand.
CUSTOM_SIZE = "custom"

#: The Preprocessing panel's fields, in display order (controls generated from FIELDS);
#: the model input size has its own control with presets (``size_box``).
PANEL_FIELDS = (
    "swing", "decode_swing", "matrix", "profile", "chroma", "upsample", "train_format",
    "divisor", "mean", "std", "layout", "resize_policy",
)  # fmt: skip
#: Choice fields shown as toggle buttons instead of a dropdown.
_TOGGLES = {"swing"}


def field_control(spec: FieldSpec, value) -> W.Widget:
    """The control of one :class:`~nv12_widgets.model.config.FieldSpec`, set to ``value``.

    Choices are read from the spec (the core's current vocabulary) when the control is
    built; an optional field offers its None word first, labelled with what None means.
    The spec's help is the tooltip.
    """
    tip = spec.help + (f" ({spec.unit})" if spec.unit else "")
    if spec.kind == "choice":
        options = [(c, c) for c in spec.choices]
        if spec.optional:
            options.insert(0, (spec.none_label, spec.none_word))
            value = spec.none_word if value is None else value
        if spec.name in _TOGGLES:
            w = W.ToggleButtons(options=options, value=value, description=spec.label)
            w.style.button_width = "64px"
        else:
            w = W.Dropdown(options=options, value=value, description=spec.label)
    elif spec.kind == "float":
        w = W.FloatText(value=value, description=spec.label)
    elif spec.kind == "floats":
        w = W.Text(value=", ".join(f"{v:g}" for v in value), description=spec.label)
        w.continuous_update = False
    elif spec.kind == "int":
        w = W.IntText(value=value or 0, description=spec.label)
    else:  # size: "H, W", empty for the model's own
        text = "" if value is None else f"{value[0]}, {value[1]}"
        w = W.Text(value=text, placeholder="model's own", description=spec.label)
        w.continuous_update = False
    w.tooltip = tip
    return w


def field_value(spec: FieldSpec, widget: W.Widget):
    """The config value a :func:`field_control` shows (raises ValueError for bad text)."""
    value = widget.value
    if spec.kind == "choice":
        return None if spec.optional and value == spec.none_word else value
    if spec.kind == "floats":
        return parse_floats(value, spec.label)
    if spec.kind == "size":
        if not value.strip():
            return None
        numbers = parse_floats(value, spec.label)
        if len(numbers) != 2 or any(n != int(n) for n in numbers):
            raise ValueError(f"{spec.label}: type two integers, height and width, e.g. 320, 320.")
        return (int(numbers[0]), int(numbers[1]))
    return value


# ------------------------------------------------------------------------------ image
#: What the upload button offers: images, and raw frames (read with core.load_frame).
UPLOAD_ACCEPT = "image/*," + ",".join(RAW_EXTENSIONS)  # the core's one raw table
#: The sample-list entry standing for the image / frame loaded by path or upload.
YOUR_IMAGE = "(your image)"
#: Raw format choice meaning "from the name / sidecar".
RAW_AUTO = "auto"


class ImagePanel(W.VBox):
    """Pick the image: upload, a bundled sample, or a path; images or raw NV12 / NV21 /
    I420 frames (``.nv12 .nv21 .i420 .yuv .raw``, size from the controls, a JSON sidecar
    or ``WxH`` in the name). Calls ``on_image(source, name, notes)`` with ``source`` an
    (H, W, 3) uint8 RGB array or an :class:`~nv12_widgets.core.NV12` frame, also kept in
    :attr:`source`.

    ``on_image`` may return False to reject the image (e.g. the model cannot take it):
    the panel then keeps showing the previous image and its info, and the reader toggle
    keeps reloading the previous source.
    """

    def __init__(self, samples: Sequence[Path], on_image: Callable, on_error: Callable):
        self._on_image, self._on_error = on_image, on_error
        self.samples = {Path(p).name: Path(p) for p in samples}
        self.sample = W.Dropdown(options=list(self.samples), description="Sample")
        self.upload = W.FileUpload(accept=UPLOAD_ACCEPT, multiple=False, description="Upload")
        self.upload.add_class("nv12-upload")
        self.path = W.Text(
            placeholder="/path/to/image.jpg or frame_1920x1080.nv12", description="Path"
        )
        self.load = W.Button(description="Load", icon="folder-open")
        self.reader = W.ToggleButtons(
            options=[("PIL", "pil"), ("OpenCV", "opencv")], description="Reader"
        )
        self.reader.style.button_width = "80px"
        # raw frame controls: 0 = "from the sidecar / the name" (stride: no padding)
        self.raw_format = W.Dropdown(
            options=[("from name", RAW_AUTO), ("NV12", "nv12"), ("NV21", "nv21"), ("I420", "i420")],
            description="Format",
        )
        self.raw_width = W.IntText(0, description="Width")
        self.raw_height = W.IntText(0, description="Height")
        self.raw_stride = W.IntText(0, description="Stride")
        self.raw_index = W.IntText(0, description="Frame #")
        for w in (self.raw_width, self.raw_height, self.raw_stride, self.raw_index):
            w.layout.width = "170px"
        self.raw_box = W.VBox(
            [
                W.HTML("<span class='nv12-caption'>raw frame: 0 = from the JSON sidecar or "
                       "WxH in the name; stride = bytes per row (0: no padding)</span>"),
                W.HBox([self.raw_format, self.raw_index]),
                W.HBox([self.raw_height, self.raw_width, self.raw_stride]),
            ]
        )  # fmt: skip
        self.raw_box.add_class("nv12-raw-controls")
        self.raw_box.layout.display = "none"
        self.view = ImageView("Image", "nv12-image", target=200, max_side=240)
        self.info = W.HTML("")
        self.source: np.ndarray | NV12 | None = None
        self.source_name = ""
        self._filling = False
        self._yours: tuple[str, object] | None = None
        self._raw_pending: tuple[str, object] | None = None
        self.sample.observe(lambda _: self.load_sample(), "value")
        self.upload.observe(self._uploaded, "value")
        self.load.on_click(lambda _: self.load_path(self.path.value))
        self.reader.observe(lambda _: self._reload(), "value")
        for w in (
            self.raw_format,
            self.raw_width,
            self.raw_height,
            self.raw_stride,
            self.raw_index,
        ):
            w.observe(lambda _: self._raw_changed(), "value")
        self._last: tuple[str, object] | None = None
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Image</span>"),
                W.HBox([self.sample, self.upload]),
                W.HBox([self.path, self.load]),
                self.reader,
                self.raw_box,
                W.HBox([self.view, self.info]),
            ]
        )

    def load_sample(self) -> None:
        if self._filling or not self.sample.value:
            return
        if self.sample.value == YOUR_IMAGE:
            if self._yours is not None and self._last != self._yours:
                self._load(self._yours[1], self._yours[0])
            return
        self._load(self.samples[self.sample.value], self.sample.value)

    def load_path(self, path: str) -> None:
        if not path.strip():
            self._on_error(
                "Loading the image", ValueError("type a path to an image or raw frame file first.")
            )
            return
        self._load(Path(path.strip()).expanduser(), Path(path.strip()).name, yours=True, fresh=True)

    def load_bytes(self, data: bytes, name: str) -> None:
        self._load(bytes(data), name, yours=True, fresh=True)

    def _uploaded(self, change) -> None:
        files = change["new"]
        if files:
            item = files[0]
            self.load_bytes(
                item["content"].tobytes()
                if hasattr(item["content"], "tobytes")
                else item["content"],
                item["name"],
            )

    def _reload(self) -> None:
        if self._last is not None:
            self._load(self._last[1], self._last[0])

    def _raw_changed(self) -> None:
        # reload the raw file last tried (even when it failed: e.g. its size was unknown)
        if not self._filling and self._raw_pending is not None:
            name, source = self._raw_pending
            self._load(source, name, yours=True)

    def raw_args(self) -> dict:
        """The raw-frame controls as :func:`~nv12_widgets.core.load_frame` arguments."""
        return {
            "fmt": None if self.raw_format.value == RAW_AUTO else self.raw_format.value,
            "width": self.raw_width.value or None,
            "height": self.raw_height.value or None,
            "stride": self.raw_stride.value or None,
            "index": int(self.raw_index.value),
        }

    def _set_raw_fields(self, **values) -> None:
        self._filling = True
        try:
            for key, value in values.items():
                getattr(self, f"raw_{key}").value = value
        finally:
            self._filling = False

    def _load(self, source, name: str, *, yours: bool = False, fresh: bool = False) -> None:
        raw = is_raw_frame_path(name)
        self.raw_box.layout.display = None if raw else "none"
        self._raw_pending = (name, source) if raw else None
        if fresh and raw:  # a new file: its own sidecar / name decide, not the last one's
            self._set_raw_fields(format=RAW_AUTO, width=0, height=0, stride=0, index=0)
        try:
            if raw:
                loaded, notes = load_source(source, name=name, **self.raw_args())
            else:
                loaded, notes = load_source(source, reader=self.reader.value)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the error area
            self._on_error(f"Loading {name}", exc)
            return
        if self._on_image(loaded, name, notes) is False:
            return  # rejected: the panel and the reader toggle keep the previous image
        if isinstance(loaded, NV12):
            self._set_raw_fields(width=loaded.width, height=loaded.height)
        self._last = (name, source)
        if yours:
            self.mark_yours(source, name)
        self.source, self.source_name = loaded, name
        self.show(loaded, name, notes)

    def mark_yours(self, source, name: str) -> None:
        """The image shown is not a sample (a path, an upload, or given from Python): the
        list says :data:`YOUR_IMAGE` (choosing it again reloads ``source``), and choosing
        any sample afterwards loads that sample."""
        self._last = self._yours = (name, source)
        self._filling = True
        try:
            if YOUR_IMAGE not in self.sample.options:
                self.sample.options = [YOUR_IMAGE, *self.samples]
            self.sample.value = YOUR_IMAGE
        finally:
            self._filling = False

    def show(self, source: np.ndarray | NV12, name: str, notes: Sequence[str]) -> None:
        """Show an (H, W, 3) RGB image, or an NV12 frame's Y plane."""
        if isinstance(source, NV12):
            self.view.show(source.y, "Y plane")
            lines = [
                f"<b>{html.escape(name)}</b>",
                f"{source.height} x {source.width} (h x w) raw frame (Y plane shown)",
            ]
            lines += [f"&bull; {html.escape(n)}" for n in notes]
        else:
            self.view.show(source)
            lines = [
                f"<b>{html.escape(name)}</b>",
                f"{source.shape[0]} x {source.shape[1]} (h x w) RGB",
            ]
            lines += [f"&bull; {html.escape(n)}" for n in notes] or [
                "&bull; loaded as is (8-bit RGB)"
            ]
        self.info.value = "<br>".join(lines)


# ---------------------------------------------------------------------- preprocessing
class PreprocessPanel(W.VBox):
    """Every preprocessing setting; ``config()`` builds the :class:`PreprocessConfig`."""

    def __init__(self, config: PreprocessConfig, on_change: Callable):
        c = config
        self.specs = {name: field_spec(name) for name in PANEL_FIELDS}
        self.controls = {
            name: field_control(spec, getattr(c, name)) for name, spec in self.specs.items()
        }
        for name, w in self.controls.items():  # self.swing, ..., self.layout_ (W.Box.layout)
            setattr(self, "layout_" if name == "layout" else name, w)
            w.add_class(f"nv12-field-{name.replace('_', '-')}")  # e.g. nv12-field-decode-swing
        self.swing.add_class("nv12-swing")
        # model input size, (height, width) in that order; filled by set_size_choices()
        self.size_preset = W.Dropdown(options=[], description="Size")
        self.size_h = W.BoundedIntText(
            value=(c.size or (0, 0))[0], min=0, max=16384, step=2, description="Height"
        )
        self.size_w = W.BoundedIntText(
            value=(c.size or (0, 0))[1], min=0, max=16384, step=2, description="Width"
        )
        for w in (self.size_h, self.size_w):
            w.layout.width = "170px"
        self.size_note = W.HTML("")
        self.size_box = W.VBox(
            [W.HBox([self.size_preset]), W.HBox([self.size_h, self.size_w]), self.size_note]
        )
        self.size_box.add_class("nv12-size")
        self.size_box.layout.display = "none"
        self._size_filling = False
        self._size_touched = c.size is not None
        self.size_preset.observe(self._preset_chosen, "value")
        self.snippets = W.HTML("")
        self.snippets.add_class("nv12-snippets")
        self._base = c
        for w in self.controls.values():
            w.observe(lambda _: on_change(), "value")
        self._on_change = on_change
        for w in (self.size_h, self.size_w):
            w.observe(self._size_typed, "value")
        self.profile.observe(self._profile_changed, "value")
        self._profile_changed()
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Preprocessing</span>"),
                W.HBox(
                    [
                        W.VBox([self.swing, self.decode_swing, self.matrix, self.profile]),
                        W.VBox([self.chroma, self.upsample, self.train_format, self.layout_]),
                    ]
                ),
                W.HBox([W.VBox([self.divisor, self.mean]), W.VBox([self.std, self.resize_policy])]),
                self.size_box,
                W.Accordion([self.snippets], titles=("Vendor config snippets",)),
            ]
        )

    # -- size ---------------------------------------------------------------------
    def set_size_choices(
        self,
        presets: Sequence[tuple[str, tuple[int, int]]],
        default: tuple[int, int],
        note: str = "",
        *,
        fixed: bool = False,
    ) -> None:
        """Offer ``presets`` ((label, (height, width)) pairs) and show the control; the
        height / width fields take ``default`` unless the user already chose a size.
        Does not call ``on_change`` (the caller refreshes)."""
        self._size_filling = True
        try:
            self.size_preset.options = [("custom", CUSTOM_SIZE)] + [
                (lbl, tuple(v)) for lbl, v in presets
            ]
            if fixed or not self._size_touched:  # a fixed model input admits one size
                self.size_h.value, self.size_w.value = (int(v) for v in default)
            current = (self.size_h.value, self.size_w.value)
            known = [tuple(v) for _, v in presets]
            self.size_preset.value = current if current in known else CUSTOM_SIZE
        finally:
            self._size_filling = False
        self.size_h.disabled = self.size_w.disabled = fixed
        self.size_note.value = f"<span class='nv12-caption'>{html.escape(note)}</span>"
        self.size_box.layout.display = None

    def _preset_chosen(self, change) -> None:
        if self._size_filling or change["new"] == CUSTOM_SIZE:
            return
        self._size_touched = True
        self._size_filling = True
        try:
            self.size_h.value, self.size_w.value = change["new"]
        finally:
            self._size_filling = False
        self._on_change()

    def _size_typed(self, _change) -> None:
        if self._size_filling:
            return
        self._size_touched = True
        current = (self.size_h.value, self.size_w.value)
        self._size_filling = True
        try:
            values = [v for _, v in self.size_preset.options]
            self.size_preset.value = current if current in values else CUSTOM_SIZE
        finally:
            self._size_filling = False
        self._on_change()

    @property
    def size(self) -> tuple[int, int] | None:
        """(height, width) of the size control; None while it is hidden (model's own)."""
        if self.size_box.layout.display == "none":
            return self._base.size
        h, w = int(self.size_h.value), int(self.size_w.value)
        if h <= 0 or w <= 0:
            raise ValueError(f"Size {h} x {w} (height x width) must be positive; pick a preset.")
        return h, w

    def _profile_changed(self, *_):
        fixed = self.profile.value != FLOAT_PROFILE
        for w in (self.swing, self.matrix, self.chroma, self.upsample):
            w.disabled = fixed

    def config(self, **noise) -> PreprocessConfig:
        """The config the controls describe (raises ValueError with a clear message)."""
        return self._base.replace(
            **{name: field_value(self.specs[name], w) for name, w in self.controls.items()},
            size=self.size,
            **noise,
        )

    def show_snippets(self, config: PreprocessConfig, input_name: str) -> dict[str, str]:
        texts, markup = self.prepare_snippets(config, input_name)
        self.snippets.value = markup
        return texts

    def prepare_snippets(
        self, config: PreprocessConfig, input_name: str
    ) -> tuple[dict[str, str], str]:
        """The snippets and their HTML, without drawing them."""
        texts = snippets(config, input_name=input_name)
        markup = "".join(
            f"<b>{html.escape(k)}</b><pre>{html.escape(v)}</pre>" for k, v in texts.items()
        )
        return texts, markup


# ------------------------------------------------------------------------------ noise
class NoisePanel(W.VBox):
    """The vendor's noise test: amplitude 0-2 grey levels, kind, seed."""

    def __init__(self, config: PreprocessConfig, on_change: Callable):
        self.amplitude = W.FloatSlider(
            value=config.noise_amplitude, min=0.0, max=2.0, step=0.1, readout_format=".1f",
            description="Noise", continuous_update=False,
        )  # fmt: skip
        self.amplitude.add_class("nv12-noise")
        self.kind = field_control(field_spec("noise_kind"), config.noise_kind)
        self.seed = field_control(field_spec("noise_seed"), config.noise_seed)
        for w in (self.amplitude, self.kind, self.seed):
            w.observe(lambda _: on_change(), "value")
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Noise</span> "
                       "<span class='nv12-caption'>grey levels added before normalisation; "
                       "uniform = U(0, a), the vendor's test</span>"),
                self.amplitude,
                W.HBox([self.kind, self.seed]),
            ]
        )  # fmt: skip

    def fields(self) -> dict:
        return {
            "noise_amplitude": float(self.amplitude.value),
            "noise_kind": self.kind.value,
            "noise_seed": int(self.seed.value),
        }


# ----------------------------------------------------------------------------- planes
#: What the pixel inspector listens to on every plane (ipyevents), and how often a
#: hover is sent to the kernel at most (ms).
INSPECT_EVENTS = ["mousemove", "click", "mouseleave"]
INSPECT_THROTTLE_MS = 60


class PlanesPanel(W.VBox):
    """Y, interleaved UV, U, V, RGB rebuilt from NV12, amplified error map, and a pixel
    inspector: hover over any plane to read that pixel (codes, both paths, error), click
    to pin it; the zooms follow; it starts at the largest error.

    Mouse events come from `ipyevents <https://github.com/mwcraig/ipyevents>`_ (a small,
    maintained Jupyter widget that forwards DOM events of an existing widget, here the
    planes' ``Image`` widgets, to Python, with throttling); the numbers come from
    :func:`nv12_widgets.model.pixel.pixel_readout`.
    """

    ERROR_GAIN = ERROR_MAP_GAIN

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
                # the inspector beside the planes on a wide screen, below them otherwise
                W.HBox(
                    [
                        W.VBox(
                            [
                                W.HBox([self.y, self.uv]),
                                W.HBox([self.u, self.v, self.rgb, self.error]).add_class(
                                    "nv12-shrink-row"
                                ),
                            ]
                        ).add_class("nv12-plane-grid"),
                        W.VBox(
                            [
                                W.HBox([self.row, self.col]),
                                self.largest,
                                W.HBox([self.zoom_y, self.zoom_err]).add_class(
                                    "nv12-shrink-row"
                                ),
                                self.readout,
                            ]
                        ).add_class("nv12-inspector"),
                    ]
                ),
            ]
        )  # fmt: skip
        self.add_class("nv12-planes")

    def show(self, cmp) -> None:
        """Show a :class:`~nv12_widgets.model.compare.Comparison`'s planes."""
        self.draw(self.prepare(cmp))

    def prepare(self, cmp) -> dict:
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
        """Draw what :meth:`prepare` computed (assignments only)."""
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
        self._draw_pixel(
            self._prepare_pixel(cmp, r, c, self.error.array, self.rgb.array, pinned)
        )

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


# ------------------------------------------------------------------------- similarity
def metrics_table_html(metrics: dict[str, dict]) -> str:
    """Per-output metrics as a colour-coded HTML table, with a legend.

    Columns are :data:`nv12_widgets.core.vocabulary.DASHBOARD_KEYS` that have a value
    for some output; headers, tooltips, number formats and colours come from the core's
    vocabulary (the report and the CLI use the same names).
    """
    keys = [k for k in DASHBOARD_KEYS if any(m.get(k) is not None for m in metrics.values())]
    head = f"<tr><th>{html.escape(column_name('name'))}</th>" + "".join(
        f"<th title='{html.escape(metric_spec(k).meaning, quote=True)}'>"
        f"{html.escape(metric_spec(k).header)}</th>"
        for k in keys
    ) + "</tr>"
    body = []
    for name, m in metrics.items():
        cells = []
        for k in keys:
            cls = metric_level(k, m.get(k))
            if isinstance(m.get(k), dict | str):  # text (e.g. the task summary): may wrap
                cls = f"{cls} nv12-text" if cls else "nv12-text"
            attr = f" class='{cls}'" if cls else ""
            cells.append(f"<td{attr}>{html.escape(format_metric(k, m.get(k)))}</td>")
        body.append(f"<tr><td>{html.escape(name)}</td>{''.join(cells)}</tr>")
    legend = "".join(
        f"<span class='{level} nv12-swatch'>{html.escape(text)}</span> "
        for level, text in legend_items()
    )
    return (
        f"<table>{head}{''.join(body)}</table>"
        f"<div class='nv12-legend' title='{html.escape(LEGEND, quote=True)}'>{legend}"
        "<span class='nv12-caption'>(hover a header for its meaning)</span></div>"
    )


def lint_html(findings: Sequence) -> str:
    """The configuration linter's findings (``Comparison.lint``) as HTML: one line per
    finding with its severity, code, message and the fields involved; '' for none."""
    if not findings:
        return ""
    items = []
    for f in findings:
        fields = ", ".join(f.fields)
        items.append(
            f"<li class='nv12-lint-{html.escape(f.severity)}' data-code='{html.escape(f.code)}'>"
            f"<b>{html.escape(f.severity)}</b> <code>{html.escape(f.code)}</code>: "
            f"{html.escape(f.message)}"
            + (
                f" <span class='nv12-caption'>(fields: {html.escape(fields)})</span>"
                if fields
                else ""
            )
            + "</li>"
        )
    errors = sum(f.severity == "error" for f in findings)
    head = (
        f"Configuration check: {errors} error{'s' if errors != 1 else ''}, "
        f"{len(findings) - errors} other finding{'s' if len(findings) - errors != 1 else ''}"
    )
    colour = "#8a1c1c" if errors else "#7a5a00"
    return (
        f"<div style='border-left: 4px solid {colour}; background: #fff8e6; "
        f"padding: 4px 10px; margin: 4px 0;'><b>{html.escape(head)}</b>"
        f"<ul style='margin: 2px 0 2px 1.2em; padding: 0;'>{''.join(items)}</ul></div>"
    )


def sequence_html(name: str, steps: dict) -> str:
    """A :func:`~nv12_widgets.core.sequence_steps` result as HTML: the per-step argmax
    of the reference and the NV12 path, listing the steps where they differ."""
    n_diff = int(steps["differ"].size)
    head = (
        f"<b>{html.escape(name)}</b>: sequence output, {steps['steps']} steps x "
        f"{steps['classes']} classes; per-step argmax differs at {n_diff} of "
        f"{steps['steps']} steps"
    )
    if not n_diff:
        return f"<div>{head}: the NV12 path picks the reference's class at every step.</div>"
    rows = "".join(
        f"<tr><td>{r['step']}</td><td>{r['reference']}</td><td>{r['reference_score']:.4g}</td>"
        f"<td>{r['test']}</td><td>{r['test_score']:.4g}</td></tr>"
        for r in steps["rows"]
    )
    more = (
        f"<div class='nv12-caption'>{steps['truncated']} more differing steps not listed</div>"
        if steps["truncated"]
        else ""
    )
    return (
        f"<div>{head}.</div><div class='nv12-metrics'><table><tr><th>step</th>"
        "<th>reference class</th><th>score</th><th>NV12 class</th><th>score</th></tr>"
        f"{rows}</table></div>{more}"
    )


class SimilarityPanel(W.VBox):
    """Cosine and friends per output, the verdict, the configuration linter's findings
    (a warning area above the table), and per-output pictures: heatmaps of image-like
    outputs, the per-step argmax of sequence outputs."""

    def __init__(self):
        self.warnings = W.HTML("")
        self.warnings.add_class("nv12-warnings")
        self.warnings.layout.display = "none"
        self.sequence = W.HTML("")
        self.sequence.add_class("nv12-sequence")
        self.sequence.layout.display = "none"
        self.table = W.HTML("")
        self.table.add_class("nv12-cosine")
        self.table.add_class("nv12-metrics")
        self.verdict = W.HTML("")
        self.verdict.add_class("nv12-verdict")
        self.ref_map = ImageView("Output: reference", target=200)
        self.nv12_map = ImageView("Output: NV12 path", target=200)
        self.diff_map = ImageView("|reference - NV12|", target=200)
        self.maps = W.HBox([self.ref_map, self.nv12_map, self.diff_map])
        self.maps.layout.display = "none"
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Similarity</span>"),
                self.warnings,
                self.table,
                self.verdict,
                self.maps,
                self.sequence,
            ]
        )

    def show_metrics(self, cmp) -> None:
        self.draw_metrics(self.prepare_metrics(cmp))

    def prepare_metrics(self, cmp) -> tuple[str, str, str]:
        """The metrics table, the verdict and the lint findings as HTML, without
        drawing them."""
        table = metrics_table_html(cmp.to_dict())
        v = cmp.verdict()
        verdict = f"<b>{html.escape(v.title)}</b><br>{html.escape(v.text)}"
        return table, verdict, lint_html(cmp.lint)

    def draw_metrics(self, prepared: tuple[str, str, str]) -> None:
        self.table.value, self.verdict.value, warnings = prepared
        self.warnings.value = warnings
        self.warnings.layout.display = None if warnings else "none"

    def show_outputs(self, cmp) -> None:
        self.draw_outputs(self.prepare_outputs(cmp))

    def prepare_outputs(self, cmp) -> list | str | None:
        """The pictures of the first output: heatmap views of an image-like output, the
        per-step argmax table (HTML) of a sequence output, None otherwise."""
        name = next(iter(cmp.outputs_reference))
        metrics = cmp.metrics.get(name)
        if metrics is not None and metrics.kind == "sequence":
            return sequence_html(
                name, sequence_steps(cmp.outputs_reference[name], cmp.outputs_nv12[name])
            )
        ref = image_like_output(cmp.outputs_reference[name])
        if ref is None:
            return None
        dev = image_like_output(cmp.outputs_nv12[name])
        ref_rgb, dev_rgb, diff_rgb, scale = output_heatmaps(ref, dev)
        return [
            (self.ref_map, self.ref_map.prepare(ref_rgb, f"{name}, {scale['lo']:.3g}..{scale['hi']:.3g}")),
            (self.nv12_map, self.nv12_map.prepare(dev_rgb, "same colour scale")),
            (self.diff_map, self.diff_map.prepare(diff_rgb, f"0..{scale['diff_max']:.3g}")),
        ]

    def draw_outputs(self, prepared: list | str | None) -> None:
        if isinstance(prepared, str):  # a sequence output: its per-step table
            self.sequence.value = prepared
            self.sequence.layout.display = None
            self.maps.layout.display = "none"
            return
        self.sequence.layout.display = "none"
        if prepared is None:
            self.maps.layout.display = "none"
            return
        for view, data in prepared:
            view.draw(data)
        self.maps.layout.display = None
