"""The dashboard's panels. Each is an ipywidgets box over plain model/core objects and
is usable on its own; :class:`~nv12_widgets.widgets.NV12Debugger` wires them together."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import ipywidgets as W
import numpy as np

from nv12_widgets.core import NV12, RAW_EXTENSIONS, is_raw_frame_path, load_source
from nv12_widgets.model import PreprocessConfig, snippets
from nv12_widgets.model.devicepath.config import FieldSpec, field_spec

from ._common import FieldErrors, ImageView, parse_floats
from .panel import Panel
from .planes_panel import PlanesPanel
from .similarity_panel import SimilarityPanel, lint_html, metrics_table_html, sequence_html

__all__ = [
    "ImagePanel",
    "NoisePanel",
    "PlanesPanel",
    "PreprocessPanel",
    "SimilarityPanel",
    "field_control",
    "field_value",
    "lint_html",
    "metrics_table_html",
    "sequence_html",
]

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
    """The control of one :class:`~nv12_widgets.model.devicepath.config.FieldSpec`, set to ``value``.

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


def _field_message() -> W.HTML:
    """The (hidden until needed) message line under one field."""
    message = W.HTML("")
    message.add_class("nv12-field-error")
    message.layout.display = "none"
    return message


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
#: The raw-frame fields and their "from the sidecar / the name" values.
RAW_DEFAULTS = {"format": RAW_AUTO, "width": 0, "height": 0, "stride": 0, "index": 0}
RAW_FIELDS = tuple(RAW_DEFAULTS)


class ImagePanel(Panel, W.VBox):
    """Pick the image: upload, a bundled sample, or a path; images or raw NV12 / NV21 /
    I420 frames (``.nv12 .nv21 .i420 .yuv .raw``, size from the controls, a JSON sidecar
    or ``WxH`` in the name). Calls ``on_image(source, name, notes)`` with ``source`` an
    (H, W, 3) uint8 RGB array or an :class:`~nv12_widgets.core.NV12` frame, also kept in
    :attr:`source`.

    ``on_image`` may return False to reject the image (e.g. the model cannot take it):
    the panel then keeps showing the previous image and its info, and the reader toggle
    keeps reloading the previous source.
    """

    name, area = "image_panel", "controls"

    @classmethod
    def create(cls, dashboard) -> ImagePanel:
        return cls(dashboard.sample_paths, dashboard.image_loaded, dashboard.report_error)

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
        #: raw fields the user typed since the last load (a new file resets the others)
        self._raw_typed: set[str] = set()
        for key in RAW_FIELDS:
            getattr(self, f"raw_{key}").observe(lambda _, k=key: self._raw_changed(k), "value")
        self.path.observe(self._path_typed, "value")
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
        if self._load(self.samples[self.sample.value], self.sample.value):
            self._clear_inputs(path=True)  # the Path field no longer says what is shown

    def clear_selection(self) -> None:
        """Name no sample (nothing is loaded): choosing one then loads it."""
        self._filling = True
        try:
            self.sample.value = None
        finally:
            self._filling = False

    def _clear_inputs(self, path: bool = False) -> None:
        """Reset the upload counter (and the Path field): no stale source stays shown."""
        if path and self.path.value:
            self.path.value = ""
        if self.upload.value:
            self.upload.value = ()

    def load_path(self, path: str) -> None:
        if not path.strip():
            self._on_error(
                "Loading the image", ValueError("type a path to an image or raw frame file first.")
            )
            return
        if self._load(
            Path(path.strip()).expanduser(), Path(path.strip()).name, yours=True, fresh=True
        ):
            self._clear_inputs()

    def load_bytes(self, data: bytes, name: str) -> bool:
        return self._load(bytes(data), name, yours=True, fresh=True)

    def _uploaded(self, change) -> None:
        files = change["new"]
        if files:
            item = files[0]
            content = item["content"]
            ok = self.load_bytes(
                content.tobytes() if hasattr(content, "tobytes") else content, item["name"]
            )
            self._clear_inputs(path=ok)  # the counter is reset: the file was read

    def _reload(self) -> None:
        if self._last is not None:
            self._load(self._last[1], self._last[0])

    def _path_typed(self, change) -> None:
        # a raw frame's path: its size / stride fields are shown before it is loaded
        if is_raw_frame_path(change["new"].strip()):
            self.raw_box.layout.display = None

    def _raw_changed(self, key: str) -> None:
        """A raw field typed: reload the raw file the user is working on with it: the one
        in the Path field when it names a raw frame, else the raw file last tried (even
        when it failed: e.g. its size was unknown)."""
        if self._filling:
            return
        self._raw_typed.add(key)
        typed = self.path.value.strip()
        if typed and is_raw_frame_path(typed):
            target = Path(typed).expanduser()
            if self._raw_pending is None or self._raw_pending[1] != target:
                if self._load(target, target.name, yours=True):
                    self._clear_inputs()
                return
        if self._raw_pending is not None:
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

    def _load(self, source, name: str, *, yours: bool = False, fresh: bool = False) -> bool:
        """Load and show ``source``; False when it failed or was rejected (shown)."""
        raw = is_raw_frame_path(name)
        self.raw_box.layout.display = None if raw else "none"
        previous, self._raw_pending = self._raw_pending, ((name, source) if raw else None)
        same = previous is not None and previous[0] == name and previous[1] == source
        if fresh and raw and not same:  # a new file: its own sidecar / name decide, not
            # the last one's, except what the user typed for it (a stride typed before Load)
            self._set_raw_fields(
                **{k: v for k, v in RAW_DEFAULTS.items() if k not in self._raw_typed}
            )
        try:
            if raw:
                loaded, notes = load_source(source, name=name, **self.raw_args())
            else:
                loaded, notes = load_source(source, reader=self.reader.value)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the error area
            self._on_error(f"Loading {name}", exc)
            return False
        if self._on_image(loaded, name, notes) is False:
            return False  # rejected: the panel and the reader toggle keep the previous image
        self._raw_typed.clear()  # the fields now describe the file loaded
        if isinstance(loaded, NV12):
            self._set_raw_fields(width=loaded.width, height=loaded.height)
        self._last = (name, source)
        if yours:
            self.mark_yours(source, name)
        self.source, self.source_name = loaded, name
        self.show(loaded, name, notes)
        return True

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
class PreprocessPanel(Panel, W.VBox):
    """Every preprocessing setting; ``config()`` builds the :class:`PreprocessConfig`."""

    name, area = "preprocess", "controls"

    @classmethod
    def create(cls, dashboard) -> PreprocessPanel:
        return cls(dashboard.initial_config, dashboard.settings_changed)

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
        # one message line under each field: a rejected value is explained where it is typed
        self.messages = {name: _field_message() for name in (*PANEL_FIELDS, "size")}
        self._errors: dict[str, str] | None = None  # None: never marked (clear all first)
        self.size_box = W.VBox(
            [
                W.HBox([self.size_preset]),
                W.HBox([self.size_h, self.size_w]),
                self.messages["size"],
                self.size_note,
            ]
        )
        self.size_box.add_class("nv12-size")
        self.size_box.layout.display = "none"
        self._size_filling = False
        self._size_touched = c.size is not None
        self.size_preset.observe(self._preset_chosen, "value")
        self.snippets = W.HTML("")
        self.snippets.add_class("nv12-snippets")
        #: The snippets shown, as text (what a finding records)
        self.snippet_texts: dict[str, str] = {}
        self._base = c
        self._last_config: tuple = (None, None, None)
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
                        self._column("swing", "decode_swing", "matrix", "profile"),
                        self._column("chroma", "upsample", "train_format", "layout"),
                    ]
                ),
                W.HBox([self._column("divisor", "mean"), self._column("std", "resize_policy")]),
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

    def _column(self, *names: str) -> W.VBox:
        """Fields stacked, each with its message line right under it."""
        return W.VBox([w for n in names for w in (self.controls[n], self.messages[n])])

    def config(self, **noise) -> PreprocessConfig:
        """The config the controls describe.

        Raises :class:`~nv12_widgets.widgets._common.FieldErrors` (a ValueError) naming
        *every* rejected field; each is marked (CSS class ``nv12-invalid``) with its
        message under it until it is fixed.
        """
        values, errors = {}, {}
        for name, w in self.controls.items():
            try:
                values[name] = field_value(self.specs[name], w)
            except ValueError as exc:
                errors[name] = str(exc)
        try:
            values["size"] = self.size
        except ValueError as exc:
            errors["size"] = str(exc)
        if not errors:
            key = _settings_key(values, noise)
            base, last_key, last = self._last_config
            if key is not None and base is self._base and last_key == key:
                self._mark({})
                return last  # the same settings: the same (checked) config
            try:
                config = self._base.replace(**values, **noise)
            except ValueError as exc:
                errors = self._blame(values, exc)
            else:
                self._mark({})
                self._last_config = (self._base, key, config)
                return config
        else:
            errors.update(self._blame(values, None))
        self._mark(errors)
        raise FieldErrors({self.field_label(n): m for n, m in errors.items()})

    def _blame(self, values: dict, exc: ValueError | None) -> dict[str, str]:
        """Which fields a rejected config is wrong in: each field whose value alone (on
        the panel's starting config) is rejected; else the fields the message names
        (a combination, e.g. 3 mean values for a grey training format)."""
        errors = {}
        for name, value in values.items():
            if value == getattr(self._base, name):
                continue
            try:
                self._base.replace(**{name: value})
            except ValueError as single:
                errors[name] = str(single)
        if errors or exc is None:
            return errors
        message = str(exc)
        named = [n for n in values if re.search(rf"\b{n}\b", message)]
        return {n: message for n in named} or {"": message}

    def field_label(self, name: str) -> str:
        """The label a field is shown with (``mean`` -> ``Mean``)."""
        if name in self.specs:
            return self.specs[name].label
        return "Size" if name == "size" else name

    def _mark(self, errors: dict[str, str]) -> None:
        """Mark the rejected fields and show their messages; unmark the others."""
        if not errors and self._errors == {}:
            return  # nothing marked, nothing to mark (every noise move)
        self._errors = dict(errors)
        for name, message in self.messages.items():
            widgets = (self.size_h, self.size_w) if name == "size" else (self.controls[name],)
            text = errors.get(name, "")
            for w in widgets:
                (w.add_class if text else w.remove_class)("nv12-invalid")
            message.value = f"<span>{html.escape(text)}</span>" if text else ""
            message.layout.display = None if text else "none"

    @property
    def errors(self) -> dict[str, str]:
        """The rejected fields of the last :meth:`config`, ``{field: message}``."""
        return dict(self._errors or {})

    def prepare(self, state) -> tuple[dict[str, str], str] | None:
        """The panel contract: the vendor snippets of ``state.config`` when more than the
        noise changed, else None (keep)."""
        if not state.changed:
            return None
        return self.prepare_snippets(state.config, state.comparison.image_input)

    def draw(self, prepared: tuple[dict[str, str], str] | None) -> None:
        if prepared is not None:
            self.snippet_texts, self.snippets.value = prepared

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
class NoisePanel(Panel, W.VBox):
    """The vendor's noise test: amplitude 0-2 grey levels, kind, seed."""

    name, area = "noise", "controls"

    @classmethod
    def create(cls, dashboard) -> NoisePanel:
        return cls(dashboard.initial_config, dashboard.settings_changed)

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


def _settings_key(values: dict, noise: dict) -> tuple | None:
    """What a config is built from on the panel's starting config (the fields' values,
    the noise fields), hashable; None when a value is not."""
    key = (tuple(values.items()), tuple(noise.items()))
    try:
        hash(key)
    except TypeError:
        return None
    return key
