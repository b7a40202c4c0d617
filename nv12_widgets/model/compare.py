"""Reference vs NV12 vs noise: the vendor's verification of a deployed model, per image.

For one image and one :class:`~nv12_widgets.model.PreprocessConfig`, four inputs are
built at the model's input size (the device's resizer delivers NV12 at model size, so
the image is fitted first and converted to NV12 after):

* **reference**: the fitted image in the training format (``rgb_to_format``) with the
  training normalisation - no NV12;
* **NV12**: fitted image -> ``rgb_to_nv12`` (profile / swing / matrix / chroma) ->
  ``nv12_to_format`` back to the training format as the device does (its decode swing
  and upsampling) -> its normalisation;
* **noise**: the reference plus noise in pixel units (``add_noise``) before
  normalisation: the vendor's fragility test;
* **matched** (``format_*``): the same NV12 sampling done right - float conversion,
  the device's swing, matrix, chroma reduction and upsampling, decoded with the *same*
  swing into the *training* format and normalised like training. It differs from the
  reference only by the 4:2:0 format itself, and from the NV12 path only by the
  conversion arithmetic (fixed point, swing or matrix mismatch, channel order,
  normalisation).

Every output is compared with the reference output (and the NV12 output with the
matched one). :func:`verdict` names which of the three effects of DOMAIN.md dominates,
against the same image's own numbers (absolute thresholds cannot diagnose: photos
differ more than pipelines do):

* the **conversion arithmetic** (NV12 vs matched) clearly exceeds both the format's
  and the noise's effect -> the device's preprocessing differs from training;
* else the NV12 loss stays within :data:`FRAGILE_RATIO` x the noise loss -> the model
  is fragile;
* else the **format** (4:2:0 chroma as this device samples it) costs it.

:class:`Comparator` caches per image: the fitted image, the reference outputs (keyed on
the fields that affect them), the NV12 and matched outputs (keyed on the NV12 fields)
and the noisy outputs, so moving the noise slider costs exactly one inference.
"""

from __future__ import annotations

import hashlib
import math
import os
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from nv12_widgets.core import (
    CHROMA_UPSAMPLING,
    NV12,
    InputError,
    add_noise,
    cosine_similarity,
    fit_image,
    get_profile,
    load_image,
    max_abs_error,
    mean_abs_error,
    normalize,
    nv12_to_format,
    nv12_to_rgb,
    rgb_to_format,
    rgb_to_nv12,
    sqnr_db,
    to_layout,
    topk_agreement,
)

from .config import PreprocessConfig
from .session import Model

__all__ = [
    "CONVERSION_RATIO",
    "FRAGILE_RATIO",
    "NO_LOSS",
    "Comparator",
    "Comparison",
    "OutputMetrics",
    "Verdict",
    "compare",
    "verdict",
]

#: ``1 - cosine`` at or below this is "no measurable loss" (cosine >= 0.99999): float32
#: rounding inside a model alone moves the cosine by ~1e-7..1e-6.
NO_LOSS = 1e-5

#: The NV12 path is "about as bad as the noise" when its loss (1 - cosine) is at most
#: this many times the noise path's loss. Losses of a smooth model grow with the square
#: of a small perturbation's size, so 3x the loss is ~1.7x the perturbation: the NV12
#: path then moves the input by about as much as 0..a grey levels of noise do, and the
#: model's sensitivity - not the preprocessing - is what to fix.
FRAGILE_RATIO = 3.0

#: The conversion arithmetic "dominates" when the loss between the NV12 path and the
#: matched float conversion of the same sampling (``1 - cosine_conversion``) exceeds
#: this many times the larger of the format's own loss and the noise loss. Measured on
#: the bundled detector and photos, correct pipelines (matched float, the "horizon",
#: "opencv" and "vendor-pil" profiles) stay at or below 0.75x, swing mismatches
#: (full decoded as studio and back) and R/B swaps start at 1.6x; 1.2 sits between
#: (see tests/model/test_compare.py and benchmarks/bench_model.py).
CONVERSION_RATIO = 1.2


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class OutputMetrics:
    """Every metric of one model output (NaN when not measurable, see ``notes``).

    ``*_nv12`` compare the NV12 path with the reference, ``*_noise`` the noise path,
    ``cosine_format`` the matched float NV12 round trip with the reference (the
    format's own cost), ``cosine_conversion`` the NV12 path with the matched round trip
    (the conversion arithmetic alone). ``top1``/``top5`` are
    set for classifier-shaped outputs (2-D (N, C) float with C >= 2; top-5 needs
    C > 5), ``agreement`` (fraction of equal elements) for integer outputs; None
    otherwise.
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    cosine_nv12: float
    cosine_noise: float
    cosine_format: float
    cosine_conversion: float
    sqnr_nv12_db: float
    sqnr_noise_db: float
    max_abs_nv12: float
    max_abs_noise: float
    mean_abs_nv12: float
    mean_abs_noise: float
    top1_nv12: float | None = None
    top1_noise: float | None = None
    top5_nv12: float | None = None
    top5_noise: float | None = None
    agreement_nv12: float | None = None
    agreement_noise: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def loss_nv12(self) -> float:
        """``1 - cosine_nv12``."""
        return 1.0 - self.cosine_nv12

    @property
    def loss_noise(self) -> float:
        """``1 - cosine_noise``."""
        return 1.0 - self.cosine_noise

    @property
    def loss_format(self) -> float:
        """``1 - cosine_format``."""
        return 1.0 - self.cosine_format

    @property
    def loss_conversion(self) -> float:
        """``1 - cosine_conversion``."""
        return 1.0 - self.cosine_conversion

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values (shape and notes as lists)."""
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["notes"] = list(self.notes)
        return d


VerdictCode = Literal["no-loss", "fragile", "format", "preprocessing", "unmeasurable"]
_SEVERITY = {"unmeasurable": 0, "no-loss": 1, "fragile": 2, "format": 3, "preprocessing": 4}


@dataclass(frozen=True)
class Verdict:
    """What dominates the NV12 path's loss for one image, and what to do about it.

    Attributes
    ----------
    code : {"no-loss", "fragile", "format", "preprocessing", "unmeasurable"}
    title : str
        One line, e.g. "Preprocessing differs from training".
    text : str
        The reasoning with this image's numbers, and what to check or fix.
    output : str or None
        The output the verdict is about (the worst one for multi-output models).
    loss_nv12, loss_noise, loss_format, loss_conversion : float
        ``1 - cosine`` of the NV12, noise and matched paths against the reference, and
        of the NV12 path against the matched one.
    """

    code: VerdictCode
    title: str
    text: str
    output: str | None
    loss_nv12: float
    loss_noise: float
    loss_format: float
    loss_conversion: float

    def __str__(self) -> str:
        return f"{self.title}. {self.text}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verdict(
    metrics: OutputMetrics | Comparison, *, noise_amplitude: float | None = None
) -> Verdict:
    """Apply the vendor's reasoning to one output's metrics (or a whole comparison).

    Parameters
    ----------
    metrics : OutputMetrics or Comparison
        For a Comparison, every output is judged and the most severe verdict is
        returned (preprocessing > format > fragile > no loss), naming its output.
    noise_amplitude : float, optional
        Only used in the text (taken from the comparison's config when given one).

    Returns
    -------
    Verdict
        Decision rules, with ``L = 1 - cosine``:

        1. any cosine NaN -> "unmeasurable";
        2. ``L_nv12 <= NO_LOSS`` -> "no-loss";
        3. ``L_conversion > CONVERSION_RATIO * max(L_format, L_noise, NO_LOSS)`` ->
           "preprocessing": the device converts differently from training (swing,
           channel order, mean/std, chroma), and that dominates;
        4. ``L_nv12 <= FRAGILE_RATIO * L_noise`` -> "fragile": the NV12 path loses about
           what the noise does; fix the model;
        5. otherwise -> "format": the 4:2:0 format as this device samples it costs more
           than the noise; the conversion itself is consistent.
    """
    if isinstance(metrics, Comparison):
        amp = metrics.config.noise_amplitude
        verdicts = [verdict(m, noise_amplitude=amp) for m in metrics.metrics.values()]
        if not verdicts:
            nan = math.nan
            return Verdict(
                "unmeasurable", "No outputs", "The model has no outputs.", None, nan, nan, nan, nan
            )
        worst = max(
            verdicts,
            key=lambda v: (_SEVERITY[v.code], v.loss_nv12 if math.isfinite(v.loss_nv12) else -1),
        )
        if len(verdicts) > 1:
            return replace(worst, text=f"(output {worst.output!r}) {worst.text}")
        return worst

    m = metrics
    ln, lz, lf, lc = m.loss_nv12, m.loss_noise, m.loss_format, m.loss_conversion
    losses = (ln, lz, lf, lc)
    amp = "the chosen" if noise_amplitude is None else f"0-{noise_amplitude:g}"
    nums = (
        f"1 - cosine vs the reference: NV12 path {ln:.2e}, matched float NV12 {lf:.2e}, "
        f"noise ({amp} grey levels) {lz:.2e}; NV12 path vs matched: {lc:.2e}"
    )
    if not all(math.isfinite(v) for v in losses):
        why = "; ".join(m.notes) or "a metric is NaN"
        return Verdict(
            "unmeasurable", "Not measurable", f"No verdict for {m.name!r}: {why}.", m.name, *losses
        )
    if ln <= NO_LOSS:
        return Verdict(
            "no-loss",
            "No measurable loss",
            f"The NV12 path matches the reference (cosine {m.cosine_nv12:.6f}); nothing to "
            "fix on the input side.",
            m.name,
            *losses,
        )
    if lc > CONVERSION_RATIO * max(lf, lz, NO_LOSS):
        return Verdict(
            "preprocessing",
            "Preprocessing differs from training",
            f"The device's conversion moves the output {lc / max(lf, lz, NO_LOSS):.1f}x more "
            f"than the NV12 format itself or the noise do ({nums}). Check the swing (full vs "
            "studio, hb_mapper input_space_and_range), the channel order (RGB vs BGR), "
            "mean/std/divisor (normalised twice?), the colour matrix and the chroma "
            "handling.",
            m.name,
            *losses,
        )
    if lz > 0 and ln <= FRAGILE_RATIO * lz:
        return Verdict(
            "fragile",
            "Fragile model",
            f"The NV12 path loses about what {amp} grey levels of noise lose ({nums}). The "
            "preprocessing is consistent; the model is sensitive to tiny input changes. Fix "
            "the model: train on YUV / NV12 round-tripped images, add noise augmentation, or "
            "use QAT.",
            m.name,
            *losses,
        )
    noise_part = f", {ln / lz:.0f}x the noise loss" if lz > 0 else " (noise test disabled)"
    return Verdict(
        "format",
        "The NV12 format itself costs this",
        f"The conversion is consistent with training, but the 4:2:0 chroma as this device "
        f"samples it loses more than the noise{noise_part} ({nums}). Try other chroma "
        "down/up-sampling if the hardware allows (the sweep ranks them), else fine-tune "
        "on NV12 round-tripped images or QAT with the NV12 input.",
        m.name,
        *losses,
    )


@dataclass(frozen=True, eq=False)
class Comparison:
    """The result of one :func:`compare`: metrics plus every intermediate array.

    Attributes
    ----------
    model_name : str
    image_input : str
        The model input the image was fed to.
    config : PreprocessConfig
        The training-side config (reference, noise and format paths).
    device_config : PreprocessConfig
        The config of the NV12 path (``config`` unless a ``device`` variant was given).
    size : (int, int)
        Model input (height, width).
    layout : {"NCHW", "NHWC"}
    fitted_image : numpy.ndarray
        (h, w, 3) uint8 RGB: the image fitted to the model size.
    reference_input : numpy.ndarray
        (h, w, C) uint8: the training-format pixels (C = 1 for gray).
    nv12_frame : NV12
        The frame the camera / resizer would deliver.
    nv12_input : numpy.ndarray
        (h, w, C) uint8: what the device feeds after its conversion.
    noisy_input : numpy.ndarray
        (h, w, C) float32: reference plus noise, pixel units, not clipped.
    format_input : numpy.ndarray
        (h, w, C) uint8: the NV12 frame decoded by the matched float conversion into
        the training format (see the module docstring).
    outputs_reference, outputs_nv12, outputs_noise, outputs_format : dict
        Output name -> array, per path.
    metrics : dict of str to OutputMetrics
    inferences : int
        Model runs this comparison needed (cached paths cost none).
    """

    model_name: str
    image_input: str
    config: PreprocessConfig
    device_config: PreprocessConfig
    size: tuple[int, int]
    layout: str
    fitted_image: np.ndarray
    reference_input: np.ndarray
    nv12_frame: NV12
    nv12_input: np.ndarray
    noisy_input: np.ndarray
    format_input: np.ndarray
    outputs_reference: dict[str, np.ndarray]
    outputs_nv12: dict[str, np.ndarray]
    outputs_noise: dict[str, np.ndarray]
    outputs_format: dict[str, np.ndarray]
    metrics: dict[str, OutputMetrics]
    inferences: int = 0
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Output name -> that output's metrics (``cosine_nv12``, ``cosine_noise``, ...)."""
        return {name: m.to_dict() for name, m in self.metrics.items()}

    def nv12_rgb(self) -> np.ndarray:
        """(h, w, 3) uint8: the NV12 frame decoded to RGB as the device's conversion does."""
        return nv12_to_rgb(self.nv12_frame, **self.device_config.decode_kwargs())

    def verdict(self) -> Verdict:
        """The verdict for this image (see :func:`verdict`)."""
        return verdict(self)

    def verdict_text(self) -> str:
        """``str(self.verdict())``: title and reasoning as one paragraph."""
        return str(self.verdict())

    def to_record(self) -> dict[str, Any]:
        """A JSON-compatible summary: model, sizes, both configs, metrics, verdict.

        Non-finite floats (e.g. SQNR of identical outputs, ``inf``) become strings
        ``"inf"``/``"-inf"``/``"nan"`` so the result is strict JSON.
        """
        record = {
            "model": self.model_name,
            "image_input": self.image_input,
            "size": list(self.size),
            "layout": self.layout,
            "config": self.config.to_dict(),
            "device_config": self.device_config.to_dict(),
            "metrics": self.to_dict(),
            "verdict": self.verdict().to_dict(),
            "notes": list(self.notes),
        }
        return _json_safe(record)

    def summary(self) -> str:
        """A plain-text table of the main metrics and the verdict."""
        rows = [
            f"{'output':<24} {'cos NV12':>10} {'cos noise':>10} {'cos matched':>11} {'SQNR NV12':>10}"
        ]
        for m in self.metrics.values():
            rows.append(
                f"{m.name[:24]:<24} {m.cosine_nv12:>10.6f} {m.cosine_noise:>10.6f} "
                f"{m.cosine_format:>11.6f} {m.sqnr_nv12_db:>8.2f}dB"
            )
        return "\n".join(rows) + "\n" + self.verdict_text()

    def __repr__(self) -> str:
        cos = ", ".join(
            f"{n}: nv12={m.cosine_nv12:.6f} noise={m.cosine_noise:.6f}"
            for n, m in self.metrics.items()
        )
        return f"Comparison({self.model_name!r}, {self.size[0]}x{self.size[1]}, {cos})"


# ---------------------------------------------------------------------- the comparator
@dataclass(frozen=True)
class _Plan:
    """How one config feeds one model."""

    input_name: str
    size: tuple[int, int]
    layout: str
    dtype: np.dtype
    channels: int


@dataclass(frozen=True)
class _Reference:
    fitted: np.ndarray
    pixels: np.ndarray
    outputs: dict[str, np.ndarray]


@dataclass(frozen=True)
class _Format:
    """The device's frame decoded by the matched float conversion."""

    pixels: np.ndarray
    outputs: dict[str, np.ndarray]


@dataclass(frozen=True)
class _Nv12:
    key: tuple
    frame: NV12
    pixels: np.ndarray
    outputs: dict[str, np.ndarray]
    # noise-independent metrics: (id(ref), id(matched)) -> (ref, matched, metrics)
    memo: dict = field(default_factory=dict)


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        if key in self.data:
            self.data.move_to_end(key)
            return self.data[key]
        return None

    def put(self, key: Hashable, value: Any) -> None:
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.size:
            self.data.popitem(last=False)

    def clear(self) -> None:
        self.data.clear()


class Comparator:
    """Runs :func:`compare` for one model, caching what a config change does not touch.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
    extra_feeds : mapping, optional
        Values for the model's non-image inputs, used on every run.
    cache_size : int
        Entries kept per cache (fitted images, reference, NV12 and noise outputs).

    Attributes
    ----------
    inferences : int
        Model runs so far (the counter tests and benchmarks read).
    hits : dict of str to int
        Cache hits per cache ("fit", "reference", "nv12", "noise").

    Notes
    -----
    Cache keys: the image's content hash (blake2b of its bytes and shape - an array
    changed in place is a new image), then

    * fitted image: size, resize policy, interpolation;
    * reference: + train format, layout, divisor, mean, std (and the decode swing and
      matrix for yuv444 / gray, which define the training pixels);
    * NV12 path: + the device config's format, swing, decode swing, matrix, profile,
      chroma, upsampling, divisor, mean, std;
    * matched path: + the NV12 key and the training format and normalisation (reused
      from the NV12 path when both are the same pixels, as for plain keyword configs);
    * noise path: + amplitude, kind and seed (not cached when the seed is None).

    Not thread-safe: use one Comparator per thread.
    """

    def __init__(
        self,
        model: Model | str | os.PathLike[str] | bytes | Any,
        *,
        extra_feeds: Mapping[str, Any] | None = None,
        cache_size: int = 8,
    ) -> None:
        self.model = model if isinstance(model, Model) else Model(model)
        self.extra_feeds = {k: np.asarray(v) for k, v in (extra_feeds or {}).items()}
        if self.model.image_input is not None and self.model.image_input in self.extra_feeds:
            raise InputError(
                f"extra_feeds must not contain the image input {self.model.image_input!r}."
            )
        self.inferences = 0
        self.hits = {"fit": 0, "reference": 0, "nv12": 0, "format": 0, "noise": 0}
        self._hash_memo: dict[int, tuple] = {}
        self._fit = _LRU(cache_size)
        self._ref = _LRU(cache_size)
        self._nv12 = _LRU(cache_size)
        self._format = _LRU(cache_size)
        self._noise = _LRU(cache_size * 4)

    def clear_cache(self) -> None:
        """Forget every cached array (counters are kept)."""
        for cache in (self._fit, self._ref, self._nv12, self._format, self._noise):
            cache.clear()

    # -------------------------------------------------------------- planning
    def plan(self, config: PreprocessConfig) -> _Plan:
        """Resolve input name, size, layout and dtype for ``config`` (or InputError)."""
        info = self.model.image  # InputError when there is no image input
        layout = config.layout or info.layout
        if layout is None:
            raise InputError(
                f"Cannot tell the layout of input {info.describe()}; set config.layout."
            )
        if not np.issubdtype(info.dtype, np.floating):
            raise InputError(
                f"Input {info.describe()} is not floating point: compare() feeds normalised "
                "float images (an NV12-inserted or already-quantized model takes raw codes; "
                "compare its float original instead)."
            )
        if len(info.shape) != 4:
            raise InputError(f"Input {info.describe()} is not 4-D.")
        batch = info.shape[0]
        if isinstance(batch, int) and batch != 1:
            raise InputError(f"Input {info.describe()} has a fixed batch of {batch}; need 1.")
        c_axis, h_axis, w_axis = (1, 2, 3) if layout == "NCHW" else (3, 1, 2)
        model_c = info.shape[c_axis]
        if isinstance(model_c, int) and model_c != config.channels:
            if model_c in (1, 3):
                fix = f"use train_format={'gray' if model_c == 1 else 'rgb/bgr/yuv444'!r}"
            else:
                fix = f"layout={layout!r} looks wrong for this shape: set config.layout"
            raise InputError(
                f"Input {info.describe()} takes {model_c} channel(s) in layout {layout} but "
                f"train_format={config.train_format!r} gives {config.channels}; {fix}."
            )
        h, w = info.shape[h_axis], info.shape[w_axis]
        static = (h, w) if isinstance(h, int) and isinstance(w, int) else None
        size = config.size or static
        if size is None:
            raise InputError(
                f"Input {info.describe()} has a dynamic size; set config.size=(height, width)."
            )
        if static is not None and config.size is not None and tuple(config.size) != static:
            raise InputError(
                f"config.size={tuple(config.size)} but input {info.name!r} is fixed at "
                f"{static}; use size=None or {static}."
            )
        if size[0] % 2 or size[1] % 2:
            raise InputError(
                f"Model input size {size} is odd; NV12 (4:2:0) needs even height and width. "
                "Set config.size to even numbers."
            )
        return _Plan(info.name, (int(size[0]), int(size[1])), layout, info.dtype, config.channels)

    # -------------------------------------------------------------- pieces
    def _image_key(self, image: np.ndarray) -> tuple:
        # Content hash (0.4 ms for 512x512x3, ~30 ms for a 12 MP photo): an array edited
        # in place is a new image. A read-only array that owns its memory cannot change,
        # so its hash is remembered for as long as the array lives (the dashboard freezes
        # its image: moving a slider then costs no hashing).
        frozen = not image.flags.writeable and image.flags.owndata
        if frozen:
            memo = self._hash_memo.get(id(image))
            if memo is not None and memo[0]() is image:
                return memo[1]
        digest = hashlib.sha1(memoryview(np.ascontiguousarray(image)), usedforsecurity=False)
        key = (image.shape, str(image.dtype), digest.hexdigest())
        if frozen:
            if len(self._hash_memo) >= 16:
                self._hash_memo.clear()
            self._hash_memo[id(image)] = (weakref.ref(image), key)
        return key

    def _run(self, plan: _Plan, pixels: np.ndarray, config: PreprocessConfig) -> dict:
        # Lay out first, normalise second: the same per-element float32 arithmetic, but
        # with the channel axis outermost numpy's inner loops run over whole rows
        # instead of 3-element pixels (5x faster at 320x320).
        tensor = normalize(
            to_layout(pixels, plan.layout), layout=plan.layout, **config.normalize_params()
        )
        if tensor.dtype != plan.dtype:
            tensor = tensor.astype(plan.dtype)
        feeds = dict(self.extra_feeds)
        feeds[plan.input_name] = tensor
        outputs = self.model.run(feeds)
        self.inferences += 1
        return outputs

    def _fitted(self, image: np.ndarray, image_key: tuple, plan: _Plan, config: PreprocessConfig):
        key = (image_key, plan.size, config.resize_policy, config.interpolation)
        hit = self._fit.get(key)
        if hit is not None:
            self.hits["fit"] += 1
            return key, hit
        fitted = fit_image(
            image, plan.size, policy=config.resize_policy, interpolation=config.interpolation
        )
        if fitted is image or not fitted.flags.owndata:
            fitted = fitted.copy()  # never freeze (or alias) the caller's array
        fitted.flags.writeable = False
        self._fit.put(key, fitted)
        return key, fitted

    @staticmethod
    def _training_swing_matrix(config: PreprocessConfig) -> tuple[str, str]:
        # For yuv444 / gray the training pixels depend on the swing and matrix the model
        # was trained with (= what the device assumes); rgb/bgr do not depend on them.
        if config.train_format in ("yuv444", "gray"):
            return config.effective_decode_swing, config.matrix
        return "full", "bt601"

    def _reference(self, fit_key, fitted, plan: _Plan, config: PreprocessConfig) -> _Reference:
        swing, matrix = self._training_swing_matrix(config)
        key = (
            fit_key,
            plan.layout,
            config.train_format,
            swing,
            matrix,
            config.divisor,
            config.mean,
            config.std,
        )
        hit = self._ref.get(key)
        if hit is not None:
            self.hits["reference"] += 1
            return hit
        pixels = np.array(rgb_to_format(fitted, config.train_format, swing=swing, matrix=matrix))
        outputs = self._run(plan, pixels, config)
        pixels.flags.writeable = False
        ref = _Reference(fitted, pixels, outputs)
        self._ref.put(key, ref)
        return ref

    def _nv12_path(
        self,
        fit_key,
        fitted,
        plan: _Plan,
        device: PreprocessConfig,
        config: PreprocessConfig,
        ref: _Reference,
    ) -> _Nv12:
        key = (
            fit_key,
            plan.layout,
            device.train_format,
            device.swing,
            device.decode_swing,
            device.matrix,
            device.profile,
            device.chroma,
            device.upsample,
            _norm(device),
        )
        hit = self._nv12.get(key)
        if hit is not None:
            self.hits["nv12"] += 1
            return hit
        frame = rgb_to_nv12(
            fitted,
            swing=device.swing,
            matrix=device.matrix,
            chroma=device.chroma,
            profile=device.profile,
        )
        pixels = np.array(nv12_to_format(frame, device.train_format, **device.decode_kwargs()))
        pixels.flags.writeable = False
        if pixels.shape[-1] != plan.channels:
            raise InputError(
                f"The NV12 path gives {pixels.shape[-1]} channel(s) "
                f"(train_format={device.train_format!r}) but the model takes {plan.channels}."
            )
        if np.array_equal(pixels, ref.pixels) and _norm(device) == _norm(config):
            outputs = ref.outputs  # e.g. a gray model fed the Y plane: nothing to run
        else:
            outputs = self._run(plan, pixels, device)
        result = _Nv12(key, frame, pixels, outputs)
        self._nv12.put(key, result)
        return result

    def _format_path(
        self,
        nv12_key,
        plan: _Plan,
        device: PreprocessConfig,
        config: PreprocessConfig,
        ref: _Reference,
        nv: _Nv12,
    ) -> _Format:
        """The device's NV12 frame decoded right: float, true swing, training side.

        The *same* frame as the NV12 path, decoded with the swing and matrix it was
        encoded with, the device's upsampling (a profile's keyword equivalent), into
        the *training* format, normalised with the *training* mean/std. It differs
        from the NV12 path only by the conversion arithmetic (fixed point, swing or
        matrix mismatch, channel order, normalisation), and from the reference only
        by the NV12 format as this pipeline produces it.
        """
        swing, matrix, upsample = _matched_decode(device)
        train_swing, train_matrix = self._training_swing_matrix(config)
        key = (nv12_key, config.train_format, train_swing, train_matrix, upsample)
        key += (_norm(config),)
        hit = self._format.get(key)
        if hit is not None:
            self.hits["format"] += 1
            return hit
        fmt = config.train_format
        if fmt in ("rgb", "bgr") or (swing, matrix) == (train_swing, train_matrix):
            pixels = nv12_to_format(nv.frame, fmt, swing=swing, matrix=matrix, upsample=upsample)
        else:  # YUV / Y of another swing or matrix than training: convert through RGB
            rgb = nv12_to_rgb(nv.frame, swing=swing, matrix=matrix, upsample=upsample)
            pixels = rgb_to_format(rgb, fmt, swing=train_swing, matrix=train_matrix)
        pixels = np.array(pixels)
        pixels.flags.writeable = False
        if np.array_equal(pixels, nv.pixels) and _norm(device) == _norm(config):
            outputs = nv.outputs  # the device path already is the matched one
        elif np.array_equal(pixels, ref.pixels):
            outputs = ref.outputs
        else:
            outputs = self._run(plan, pixels, config)
        result = _Format(pixels, outputs)
        self._format.put(key, result)
        return result

    def _noise_path(self, ref_key_base, plan: _Plan, config: PreprocessConfig, ref: _Reference):
        if config.noise_amplitude == 0:
            return ref.pixels.astype(np.float32), ref.outputs
        key = None
        if config.noise_seed is not None:
            key = (ref_key_base, config.noise_amplitude, config.noise_kind, config.noise_seed)
            hit = self._noise.get(key)
            if hit is not None:
                self.hits["noise"] += 1
                return hit
        noisy = add_noise(
            ref.pixels, config.noise_amplitude, kind=config.noise_kind, seed=config.noise_seed
        )
        noisy.flags.writeable = False
        outputs = self._run(plan, noisy, config)
        if key is not None:
            self._noise.put(key, (noisy, outputs))
        return noisy, outputs

    # -------------------------------------------------------------- public
    def compare(
        self,
        image: np.ndarray | str | os.PathLike[str],
        config: PreprocessConfig | None = None,
        *,
        device: PreprocessConfig | None = None,
    ) -> Comparison:
        """Compare the reference, NV12, noise and matched paths for one image.

        Parameters
        ----------
        image : numpy.ndarray or path
            (H, W, 3) uint8 RGB (any size: it is fitted to the model input with the
            config's resize policy), or an image file path (read with
            ``nv12_widgets.core.load_image``).
        config : PreprocessConfig, optional
            Training-side preprocessing (default ``PreprocessConfig()``).
        device : PreprocessConfig, optional
            What the device does instead, for the NV12 path only (its format, NV12,
            normalisation fields; its size/layout/noise fields are ignored). Default:
            ``config`` (a consistent deployment).

        Returns
        -------
        Comparison

        Raises
        ------
        InputError
            Bad image (not (H, W, 3) uint8), a model without an image input, a config
            that cannot feed the model (channels, size, layout).
        """
        config = config if config is not None else PreprocessConfig()
        device = device if device is not None else config
        if not isinstance(config, PreprocessConfig) or not isinstance(device, PreprocessConfig):
            raise InputError("config and device must be PreprocessConfig instances.")
        image = _as_rgb(image)
        before = self.inferences
        plan = self.plan(config)
        image_key = self._image_key(image)
        fit_key, fitted = self._fitted(image, image_key, plan, config)
        ref = self._reference(fit_key, fitted, plan, config)
        nv = self._nv12_path(fit_key, fitted, plan, device, config, ref)
        fm = self._format_path(nv.key, plan, device, config, ref, nv)
        swing, matrix = self._training_swing_matrix(config)
        ref_key_base = (fit_key, plan.layout, config.train_format, swing, matrix)
        ref_key_base += (config.divisor, config.mean, config.std)
        noisy, noise_outputs = self._noise_path(ref_key_base, plan, config, ref)

        memo = nv.memo.get((id(ref), id(fm)))
        if memo is None or memo[0] is not ref or memo[1] is not fm:
            memo = (ref, fm, _fixed_metrics(ref.outputs, nv.outputs, fm.outputs))
            nv.memo.clear()
            nv.memo[(id(ref), id(fm))] = memo
        fixed = memo[2]
        metrics = {
            name: _output_metrics(
                name,
                ref.outputs[name],
                noise_outputs[name],
                noise_is_ref=noise_outputs is ref.outputs,
                fixed=fixed[name],
            )
            for name in self.model.output_names
        }
        return Comparison(
            model_name=self.model.name,
            image_input=plan.input_name,
            config=config,
            device_config=device,
            size=plan.size,
            layout=plan.layout,
            fitted_image=fitted,
            reference_input=ref.pixels,
            nv12_frame=nv.frame,
            nv12_input=nv.pixels,
            noisy_input=noisy,
            format_input=fm.pixels,
            outputs_reference=ref.outputs,
            outputs_nv12=nv.outputs,
            outputs_noise=noise_outputs,
            outputs_format=fm.outputs,
            metrics=metrics,
            inferences=self.inferences - before,
        )


# ---------------------------------------------------------------------- the function
_COMPARATORS: weakref.WeakKeyDictionary[Model, Comparator] = weakref.WeakKeyDictionary()


def compare(
    model: Model | str | os.PathLike[str] | bytes | Any,
    image: np.ndarray | str | os.PathLike[str],
    config: PreprocessConfig | None = None,
    *,
    device: PreprocessConfig | None = None,
    extra_feeds: Mapping[str, Any] | None = None,
) -> Comparison:
    """Compare the reference, NV12 and noise paths of ``model`` on one image.

    A thin wrapper over :class:`Comparator`: for a :class:`Model` without
    ``extra_feeds`` one Comparator per model is kept (weakly), so repeated calls reuse
    its caches.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
    image : numpy.ndarray or path
        (H, W, 3) uint8 RGB, or an image file.
    config : PreprocessConfig, optional
    device : PreprocessConfig, optional
        See :meth:`Comparator.compare`.
    extra_feeds : mapping, optional
        Values for the model's non-image inputs.

    Returns
    -------
    Comparison
    """
    if isinstance(model, Model) and not extra_feeds:
        comparator = _COMPARATORS.get(model)
        if comparator is None:
            comparator = _COMPARATORS[model] = Comparator(model)
    else:
        comparator = Comparator(model, extra_feeds=extra_feeds)
    return comparator.compare(image, config, device=device)


# ---------------------------------------------------------------------- helpers
def _as_rgb(image: Any) -> np.ndarray:
    if isinstance(image, str | os.PathLike):
        return load_image(image)
    if not isinstance(image, np.ndarray):
        raise InputError(
            f"image must be an (H, W, 3) uint8 RGB array or a file path, got {type(image).__name__}."
        )
    if image.ndim != 3 or image.shape[2] != 3:
        hint = (
            " For a grey image use np.stack([g] * 3, axis=-1); for RGBA drop alpha with "
            "image[..., :3]; or read files with nv12_widgets.core.load_image."
        )
        raise InputError(f"image must be (H, W, 3) RGB, got shape {image.shape}.{hint}")
    if image.dtype != np.uint8:
        raise InputError(
            f"image must be uint8 (0..255 codes), got {image.dtype}; convert 16-bit or float "
            "images to 8-bit first (load_image does this for files)."
        )
    if image.shape[0] < 2 or image.shape[1] < 2:
        raise InputError(f"image of {image.shape[1]}x{image.shape[0]} pixels is too small.")
    return image


def _matched_decode(device: PreprocessConfig) -> tuple[str, str, str]:
    """(swing, matrix, upsample) that decode ``device``'s frames correctly in float.

    The swing and matrix the frame was encoded with (a profile's own), and the
    device's chroma upsampling; a profile's filter the keywords cannot express (PIL's
    bicubic) maps to "bilinear", OpenCV's NV12 decoder (2x2 replication) to "nearest".
    """
    if device.profile is None:
        return device.swing, device.matrix, device.upsample
    prof = get_profile(device.profile)
    if prof.upsample in CHROMA_UPSAMPLING:
        upsample = prof.upsample
    else:
        upsample = "bilinear" if "bicubic" in prof.upsample else "nearest"
    return prof.swing, prof.matrix, upsample


def _norm(config: PreprocessConfig) -> tuple:
    return (config.divisor, config._expanded(config.mean), config._expanded(config.std))


def _classifier_shaped(a: np.ndarray) -> bool:
    return a.ndim == 2 and a.shape[1] >= 2 and np.issubdtype(a.dtype, np.floating)


def _pair_metrics(ref: np.ndarray, test: np.ndarray, identical: bool) -> dict[str, Any]:
    """Metrics of one path against the reference, or a reason they cannot be computed."""
    if identical:
        out = {"cosine": 1.0, "sqnr": math.inf, "max_abs": 0.0, "mean_abs": 0.0}
        if _classifier_shaped(ref):
            out["top1"] = 1.0
            out["top5"] = 1.0 if ref.shape[1] > 5 else None
        if np.issubdtype(ref.dtype, np.integer) or ref.dtype == np.bool_:
            out["agreement"] = 1.0
        return out
    if ref.shape != test.shape:
        return {"note": f"shapes differ: reference {ref.shape}, this path {test.shape}"}
    if not np.all(np.isfinite(test)):
        return {"note": "contains NaN/Inf"}
    out = {
        "cosine": cosine_similarity(ref, test),
        "sqnr": sqnr_db(ref, test),
        "max_abs": max_abs_error(ref, test),
        "mean_abs": mean_abs_error(ref, test),
    }
    if np.array_equal(ref, test):
        out["cosine"] = 1.0  # identical outputs are a perfect match, even all-zero ones
    if _classifier_shaped(ref):
        out["top1"] = topk_agreement(ref, test, k=1)
        out["top5"] = topk_agreement(ref, test, k=5) if ref.shape[1] > 5 else None
    if np.issubdtype(ref.dtype, np.integer) or ref.dtype == np.bool_:
        out["agreement"] = float(np.mean(ref == test))
    return out


def _fixed_metrics(
    ref_outputs: dict[str, np.ndarray],
    nv12_outputs: dict[str, np.ndarray],
    format_outputs: dict[str, np.ndarray],
) -> dict[str, dict[str, dict[str, Any]]]:
    """The metrics that do not depend on the noise (NV12, matched, conversion)."""
    out = {}
    for name, ref in ref_outputs.items():
        nv12, fmt = nv12_outputs[name], format_outputs[name]
        if not _comparable(ref):
            out[name] = {}
            continue
        out[name] = {
            "nv12": _pair_metrics(ref, np.asarray(nv12), nv12 is ref),
            "format": _pair_metrics(ref, np.asarray(fmt), fmt is ref),
            "conversion": _pair_metrics(np.asarray(fmt), np.asarray(nv12), nv12 is fmt),
        }
    return out


def _comparable(ref: np.ndarray) -> bool:
    numeric = ref.dtype != object and (np.issubdtype(ref.dtype, np.number) or ref.dtype == np.bool_)
    return bool(numeric and np.all(np.isfinite(ref)))


def _output_metrics(
    name: str,
    ref: np.ndarray,
    noise: np.ndarray,
    *,
    noise_is_ref: bool,
    fixed: dict[str, dict[str, Any]],
) -> OutputMetrics:
    nan = math.nan
    notes: list[str] = []
    ref = np.asarray(ref)
    shape, dtype = tuple(ref.shape), str(ref.dtype)
    if ref.dtype == object or not (np.issubdtype(ref.dtype, np.number) or ref.dtype == np.bool_):
        notes.append(f"non-numeric output ({ref.dtype}): not compared")
        return OutputMetrics(name, shape, dtype, *((nan,) * 10), notes=tuple(notes))
    if np.issubdtype(ref.dtype, np.integer) or ref.dtype == np.bool_:
        notes.append(
            f"integer output ({ref.dtype}): cosine/SQNR are computed on its values; "
            "'agreement' is the fraction of equal elements"
        )
    if not _comparable(ref):
        notes.append("reference output contains NaN/Inf: not measurable (check the model/input)")
        return OutputMetrics(name, shape, dtype, *((nan,) * 10), notes=tuple(notes))

    p_nv, p_fm, p_cv = fixed["nv12"], fixed["format"], fixed["conversion"]
    p_nz = _pair_metrics(ref, np.asarray(noise), noise_is_ref)
    for label, p in (("NV12", p_nv), ("noise", p_nz), ("matched NV12", p_fm)):
        if "note" in p:
            notes.append(f"{label} output {p['note']}: its metrics are NaN")
    return OutputMetrics(
        name=name,
        shape=shape,
        dtype=dtype,
        cosine_nv12=p_nv.get("cosine", nan),
        cosine_noise=p_nz.get("cosine", nan),
        cosine_format=p_fm.get("cosine", nan),
        cosine_conversion=p_cv.get("cosine", nan),
        sqnr_nv12_db=p_nv.get("sqnr", nan),
        sqnr_noise_db=p_nz.get("sqnr", nan),
        max_abs_nv12=p_nv.get("max_abs", nan),
        max_abs_noise=p_nz.get("max_abs", nan),
        mean_abs_nv12=p_nv.get("mean_abs", nan),
        mean_abs_noise=p_nz.get("mean_abs", nan),
        top1_nv12=p_nv.get("top1"),
        top1_noise=p_nz.get("top1"),
        top5_nv12=p_nv.get("top5"),
        top5_noise=p_nz.get("top5"),
        agreement_nv12=p_nv.get("agreement"),
        agreement_noise=p_nz.get("agreement"),
        notes=tuple(notes),
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return value
