"""The dashboard's panels. Each is an ipywidgets box over plain model/core objects and
is usable on its own; :class:`~nv12_widgets.widgets.NV12Debugger` wires them together."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

import ipywidgets as W
import numpy as np

from nv12_widgets.core import (
    PROFILES,
    crop_zoom,
    error_map,
    image_like_output,
    load_image_with_notes,
    normalize,
    output_heatmaps,
)
from nv12_widgets.model import PreprocessConfig, snippets
from nv12_widgets.report.html import cosine_class, format_metric

from ._common import ImageView, parse_floats

#: Dropdown values standing for None (ipywidgets 8 shows a None value as "nothing selected").
FLOAT_PROFILE = "float"
SAME_SWING = "same"
MODEL_LAYOUT = "model"
_NONE = {FLOAT_PROFILE, SAME_SWING, MODEL_LAYOUT}


def _none(value):
    return None if value in _NONE else value


# ------------------------------------------------------------------------------ image
class ImagePanel(W.VBox):
    """Pick the image: upload, a bundled sample, or a path. Calls ``on_image(rgb, name, notes)``.

    ``on_image`` may return False to reject the image (e.g. the model cannot take it):
    the panel then keeps showing the previous image and its info, and the reader toggle
    keeps reloading the previous source.
    """

    def __init__(self, samples: Sequence[Path], on_image: Callable, on_error: Callable):
        self._on_image, self._on_error = on_image, on_error
        self.samples = {Path(p).name: Path(p) for p in samples}
        self.sample = W.Dropdown(options=list(self.samples), description="Sample")
        self.upload = W.FileUpload(accept="image/*", multiple=False, description="Upload")
        self.path = W.Text(placeholder="/path/to/image.jpg", description="Path")
        self.load = W.Button(description="Load", icon="folder-open")
        self.reader = W.ToggleButtons(
            options=[("PIL", "pil"), ("OpenCV", "opencv")], description="Reader"
        )
        self.reader.style.button_width = "80px"
        self.view = ImageView("Image", "nv12-image", target=200, max_side=240)
        self.info = W.HTML("")
        self.sample.observe(lambda _: self.load_sample(), "value")
        self.upload.observe(self._uploaded, "value")
        self.load.on_click(lambda _: self.load_path(self.path.value))
        self.reader.observe(lambda _: self._reload(), "value")
        self._last: tuple[str, object] | None = None
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Image</span>"),
                W.HBox([self.sample, self.upload]),
                W.HBox([self.path, self.load]),
                self.reader,
                W.HBox([self.view, self.info]),
            ]
        )

    def load_sample(self) -> None:
        if self.sample.value:
            self._load(self.samples[self.sample.value], self.sample.value)

    def load_path(self, path: str) -> None:
        if not path.strip():
            self._on_error("Loading the image", ValueError("type a path to an image file first."))
            return
        self._load(Path(path.strip()).expanduser(), Path(path.strip()).name)

    def load_bytes(self, data: bytes, name: str) -> None:
        self._load(bytes(data), name)

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

    def _load(self, source, name: str) -> None:
        try:
            rgb, notes = load_image_with_notes(source, reader=self.reader.value)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the error area
            self._on_error(f"Loading {name}", exc)
            return
        if self._on_image(rgb, name, notes) is False:
            return  # rejected: the panel and the reader toggle keep the previous image
        self._last = (name, source)
        self.show(rgb, name, notes)

    def show(self, rgb: np.ndarray, name: str, notes: Sequence[str]) -> None:
        self.view.show(rgb)
        lines = [f"<b>{html.escape(name)}</b>", f"{rgb.shape[1]} x {rgb.shape[0]} px RGB"]
        lines += [f"&bull; {html.escape(n)}" for n in notes] or ["&bull; loaded as is (8-bit RGB)"]
        self.info.value = "<br>".join(lines)


# ---------------------------------------------------------------------- preprocessing
class PreprocessPanel(W.VBox):
    """Every preprocessing setting; ``config()`` builds the :class:`PreprocessConfig`."""

    def __init__(self, config: PreprocessConfig, on_change: Callable):
        c = config
        self.swing = W.ToggleButtons(options=["full", "studio"], value=c.swing, description="Swing")
        self.swing.style.button_width = "64px"
        self.swing.add_class("nv12-swing")
        self.decode_swing = W.Dropdown(
            options=[("same as encode", SAME_SWING), ("full", "full"), ("studio", "studio")],
            value=c.decode_swing or SAME_SWING,
            description="Decode as",
        )
        self.matrix = W.Dropdown(options=["bt601", "bt709"], value=c.matrix, description="Matrix")
        self.profile = W.Dropdown(
            options=[("float (ideal)", FLOAT_PROFILE)] + [(n, n) for n in PROFILES],
            value=c.profile or FLOAT_PROFILE,
            description="Profile",
        )
        self.chroma = W.Dropdown(
            options=["mean", "decimate"], value=c.chroma, description="Chroma ↓"
        )
        self.upsample = W.Dropdown(
            options=["nearest", "bilinear"], value=c.upsample, description="Chroma ↑"
        )
        self.train_format = W.Dropdown(
            options=["rgb", "bgr", "yuv444", "gray"], value=c.train_format, description="Trained on"
        )
        self.divisor = W.FloatText(value=c.divisor, description="Divisor")
        self.mean = W.Text(value=", ".join(f"{v:g}" for v in c.mean), description="Mean")
        self.std = W.Text(value=", ".join(f"{v:g}" for v in c.std), description="Std")
        for t in (self.mean, self.std):
            t.continuous_update = False
        self.layout_ = W.Dropdown(
            options=[("model's own", MODEL_LAYOUT), ("NCHW", "NCHW"), ("NHWC", "NHWC")],
            value=c.layout or MODEL_LAYOUT,
            description="Layout",
        )
        self.resize_policy = W.Dropdown(
            options=["resize", "center-crop", "letterbox"],
            value=c.resize_policy,
            description="Resize",
        )
        self.snippets = W.HTML("")
        self.snippets.add_class("nv12-snippets")
        self._base = c
        self._controls = [
            self.swing, self.decode_swing, self.matrix, self.profile, self.chroma,
            self.upsample, self.train_format, self.divisor, self.mean, self.std,
            self.layout_, self.resize_policy,
        ]  # fmt: skip
        for w in self._controls:
            w.observe(lambda _: on_change(), "value")
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
                W.Accordion([self.snippets], titles=("Vendor config snippets",)),
            ]
        )

    def _profile_changed(self, *_):
        fixed = self.profile.value != FLOAT_PROFILE
        for w in (self.swing, self.matrix, self.chroma, self.upsample):
            w.disabled = fixed

    def config(self, **noise) -> PreprocessConfig:
        """The config the controls describe (raises ValueError with a clear message)."""
        return self._base.replace(
            swing=self.swing.value,
            decode_swing=_none(self.decode_swing.value),
            matrix=self.matrix.value,
            profile=_none(self.profile.value),
            chroma=self.chroma.value,
            upsample=self.upsample.value,
            train_format=self.train_format.value,
            divisor=self.divisor.value,
            mean=parse_floats(self.mean.value, "Mean"),
            std=parse_floats(self.std.value, "Std"),
            layout=_none(self.layout_.value),
            resize_policy=self.resize_policy.value,
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
        self.kind = W.Dropdown(
            options=["uniform", "symmetric", "gaussian"],
            value=config.noise_kind,
            description="Kind",
        )
        self.seed = W.IntText(value=config.noise_seed or 0, description="Seed")
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
class PlanesPanel(W.VBox):
    """Y, interleaved UV, U, V, RGB rebuilt from NV12, amplified error map, zoom + readout."""

    ERROR_GAIN = 16

    def __init__(self, on_error: Callable | None = None):
        self._on_error = on_error
        self.y = ImageView("Y plane", "nv12-y-plane")
        self.uv = ImageView("UV plane (interleaved U V U V ...)", "nv12-uv-plane")
        self.u = ImageView("U (Cb)", target=160)
        self.v = ImageView("V (Cr)", target=160)
        self.rgb = ImageView("RGB rebuilt from NV12")
        self.error = ImageView(f"|reference - NV12| x {self.ERROR_GAIN}", "nv12-error-map")
        self.row = W.IntSlider(0, min=0, max=1, description="Row", continuous_update=False)
        self.col = W.IntSlider(0, min=0, max=1, description="Column", continuous_update=False)
        self.zoom_y = ImageView("Zoom: Y", target=160)
        self.zoom_err = ImageView("Zoom: error", target=160)
        self.readout = W.HTML("")
        self.readout.add_class("nv12-readout")
        self.row.observe(lambda _: self._pixel_moved(), "value")
        self.col.observe(lambda _: self._pixel_moved(), "value")
        self._cmp = None
        super().__init__(
            [
                W.HTML("<span class='nv12-title'>Planes</span> <span class='nv12-caption'>"
                       "at the model input size, sent losslessly (PNG)</span>"),
                W.HBox([self.y, self.uv]),
                W.HBox([self.u, self.v, self.rgb, self.error]),
                W.HBox([W.VBox([self.row, self.col, self.readout]), self.zoom_y, self.zoom_err]),
            ]
        )  # fmt: skip

    def show(self, cmp) -> None:
        """Show a :class:`~nv12_widgets.model.compare.Comparison`'s planes."""
        self.draw(self.prepare(cmp))

    def prepare(self, cmp) -> dict:
        """Compute every view of ``cmp`` (PNGs, readout) without drawing anything."""
        frame = cmp.nv12_frame
        error = error_map(cmp.reference_input, cmp.nv12_input, gain=self.ERROR_GAIN)
        r = min(int(self.row.value), frame.height - 1)
        c = min(int(self.col.value), frame.width - 1)
        return {
            "cmp": cmp,
            "views": [
                (self.y, self.y.prepare(frame.y)),
                (self.uv, self.uv.prepare(frame.uv_interleaved_image())),
                (self.u, self.u.prepare(np.ascontiguousarray(frame.u))),
                (self.v, self.v.prepare(np.ascontiguousarray(frame.v))),
                (self.rgb, self.rgb.prepare(cmp.nv12_rgb())),
                (self.error, self.error.prepare(error)),
            ],
            "max": (frame.height - 1, frame.width - 1),
            "pixel": self._prepare_pixel(cmp, r, c, error),
        }

    def draw(self, prepared: dict) -> None:
        """Draw what :meth:`prepare` computed (assignments only)."""
        self._cmp = prepared["cmp"]
        for view, data in prepared["views"]:
            view.draw(data)
        self._drawing = True  # the slider clamps below must not recompute the readout
        try:
            self.row.max, self.col.max = prepared["max"]
        finally:
            self._drawing = False
        self._draw_pixel(prepared["pixel"])

    def _pixel_moved(self) -> None:
        if getattr(self, "_drawing", False):
            return
        try:
            self.show_pixel()
        except Exception as exc:  # noqa: BLE001 - shown in the dashboard, never lost
            if self._on_error is None:
                raise
            self._on_error("The pixel readout", exc)

    def show_pixel(self) -> None:
        cmp = self._cmp
        if cmp is None:
            return
        r, c = int(self.row.value), int(self.col.value)
        self._draw_pixel(self._prepare_pixel(cmp, r, c, self.error.array))

    def _draw_pixel(self, prepared: tuple) -> None:
        zoom_y, zoom_err, readout = prepared
        self.zoom_y.draw(zoom_y)
        self.zoom_err.draw(zoom_err)
        self.readout.value = readout

    def _prepare_pixel(self, cmp, r: int, c: int, error: np.ndarray) -> tuple:
        f = cmp.nv12_frame
        zoom_y = self.zoom_y.prepare(crop_zoom(f.y, r, c))
        zoom_err = self.zoom_err.prepare(crop_zoom(error, r, c))
        cfg = cmp.config
        ref_px = cmp.reference_input[r, c]
        dev_px = cmp.nv12_input[r, c]
        norm = normalize(ref_px[None, None], **cfg.normalize_params())[0, 0]
        norm_dev = normalize(dev_px[None, None], **cmp.device_config.normalize_params())[0, 0]
        fmt = cfg.train_format.upper()
        rows = [
            ("Y, U, V codes", f"{f.y[r, c]}, {f.uv[r // 2, c // 2, 0]}, {f.uv[r // 2, c // 2, 1]}"),
            (f"reference {fmt}", ", ".join(str(v) for v in ref_px)),
            (f"NV12 path {fmt}", ", ".join(str(v) for v in dev_px)),
            ("reference normalised", ", ".join(f"{v:+.5f}" for v in norm)),
            ("NV12 normalised", ", ".join(f"{v:+.5f}" for v in norm_dev)),
        ]
        readout = (
            f"<b>pixel (row {r}, col {c})</b><table>"
            + "".join(
                f"<tr><td>{html.escape(k)}</td><td><code>{v}</code></td></tr>" for k, v in rows
            )
            + "</table>"
        )
        return zoom_y, zoom_err, readout


# ------------------------------------------------------------------------- similarity
_COLUMNS = [
    ("cosine_nv12", "cos NV12"),
    ("cosine_noise", "cos noise"),
    ("cosine_format", "cos matched"),
    ("cosine_conversion", "cos conversion"),
    ("sqnr_nv12_db", "SQNR NV12 dB"),
    ("sqnr_noise_db", "SQNR noise dB"),
    ("max_abs_nv12", "max |Δ| NV12"),
    ("top1_nv12", "top-1 NV12"),
    ("top5_nv12", "top-5 NV12"),
]


def metrics_table_html(metrics: dict[str, dict]) -> str:
    """Per-output metrics as a colour-coded HTML table (the report's thresholds)."""
    cols = [(k, t) for k, t in _COLUMNS if any(m.get(k) is not None for m in metrics.values())]
    head = "<tr><th>output</th>" + "".join(f"<th>{html.escape(t)}</th>" for _, t in cols) + "</tr>"
    body = []
    for name, m in metrics.items():
        cells = []
        for k, _ in cols:
            cls = cosine_class(m.get(k)) if k.startswith("cosine") else None
            attr = f" class='{cls}'" if cls else ""
            cells.append(f"<td{attr}>{html.escape(format_metric(k, m.get(k)))}</td>")
        body.append(f"<tr><td>{html.escape(name)}</td>{''.join(cells)}</tr>")
    return f"<table>{head}{''.join(body)}</table>"


class SimilarityPanel(W.VBox):
    """Cosine and friends per output, the verdict, and heatmaps of image-like outputs."""

    def __init__(self):
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
                self.table,
                self.verdict,
                self.maps,
            ]
        )

    def show_metrics(self, cmp) -> None:
        self.draw_metrics(self.prepare_metrics(cmp))

    def prepare_metrics(self, cmp) -> tuple[str, str]:
        """The metrics table and the verdict as HTML, without drawing them."""
        table = metrics_table_html(cmp.to_dict())
        v = cmp.verdict()
        return table, f"<b>{html.escape(v.title)}</b><br>{html.escape(v.text)}"

    def draw_metrics(self, prepared: tuple[str, str]) -> None:
        self.table.value, self.verdict.value = prepared

    def show_outputs(self, cmp) -> None:
        self.draw_outputs(self.prepare_outputs(cmp))

    def prepare_outputs(self, cmp) -> list | None:
        """The heatmap views of the first output (None when it is not image-like)."""
        name = next(iter(cmp.outputs_reference))
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

    def draw_outputs(self, prepared: list | None) -> None:
        if prepared is None:
            self.maps.layout.display = "none"
            return
        for view, data in prepared:
            view.draw(data)
        self.maps.layout.display = None
