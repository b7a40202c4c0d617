"""Reference vs NV12 vs noise, per image: the runner (a cache over the pipeline).

For one image and one :class:`~nv12_widgets.model.PreprocessConfig`, the
:class:`~nv12_widgets.model.pipeline.Pipeline` builds four inputs at the model's input
size (the device's resizer delivers NV12 at model size, so the image is fitted first):

* **reference**: the fitted image in the training format, normalised - no NV12;
* **NV12**: fitted image -> NV12 (profile / swing / matrix / chroma) -> the device's
  decode -> its normalisation;
* **noise**: the reference pixels plus noise in pixel units, normalised: the vendor's
  fragility test;
* **matched** (``format``): the same NV12 frame decoded right (float, true swing,
  training format) - it differs from the reference only by the 4:2:0 format, and from
  the NV12 path only by the conversion arithmetic.

Every output is compared with the reference output (and the NV12 output with the
matched one) by ``nv12_widgets.core.compare_arrays``; the results and the verdict rules
live in :mod:`nv12_widgets.model.results`.

:class:`Comparator` caches per image and per stage (the stages are the cache keys): the
fitted image, the reference outputs, the NV12 and matched outputs and the noisy outputs,
so moving the noise slider costs exactly one inference; the unit noise is drawn once per
(seed, kind, shape) and scaled.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nv12_widgets.core import (
    NV12,
    InputError,
    load_image,
    output_kind,
    scale_noise,
    signal_of,
    to_layout,
    unit_noise,
)

from .config import PreprocessConfig
from .lint import apply_fixes, costs_of, lint
from .pipeline import InputPlan, Pipeline
from .results import (
    CONVERSION_RATIO,
    FRAGILE_RATIO,
    NO_LOSS,
    Comparison,
    OutputMetrics,
    Verdict,
    measure_path,
    output_metrics,
    verdict,
)
from .session import Model
from .task_results import per_output_kinds, task_metrics

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


@dataclass(frozen=True, eq=False)
class _Path:
    """One path's pixels (or None when they are another path's) and its outputs."""

    pixels: np.ndarray
    outputs: dict[str, np.ndarray]


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


def _frozen(a: np.ndarray) -> np.ndarray:
    if a.flags.writeable:
        if not a.flags.owndata:
            a = a.copy()
        a.flags.writeable = False
    return a


class Comparator:
    """Runs :func:`compare` for one model: a cache over the :class:`Pipeline` stages.

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
        Cache hits per cache ("fit", "reference", "nv12", "format", "noise").

    Notes
    -----
    Cache keys are the image's content hash (blake2b of its bytes and shape - an array
    changed in place is a new image) followed by the stages a result depends on:

    * fitted image: the fit stage;
    * reference: + the training-pixels and normalize stages;
    * NV12 path: + the encode, device decode and device normalize stages;
    * matched path: + the encode, matched decode and normalize stages (its outputs are
      reused from the NV12 or reference path when the tensors are the same);
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
        self._frame_cache = _LRU(cache_size)
        self._nv12 = _LRU(cache_size)
        self._format = _LRU(cache_size)
        self._noise = _LRU(cache_size * 4)
        self._unit = _LRU(8)
        self._lint_cache = _LRU(cache_size)
        self._measures: OrderedDict[tuple, Any] = OrderedDict()
        self._pipelines = _LRU(16)

    def clear_cache(self) -> None:
        """Forget every cached array (counters are kept)."""
        for cache in (
            self._fit,
            self._ref,
            self._frame,
            self._nv12,
            self._format,
            self._noise,
            self._unit,
        ):
            cache.clear()

    # -------------------------------------------------------------- planning
    def pipeline(
        self, config: PreprocessConfig, device: PreprocessConfig | None = None
    ) -> Pipeline:
        """The :class:`Pipeline` of ``config`` (and ``device``) for this model (cached).

        The noise fields do not change the pipeline: configs that differ only there share
        one (the noise path reads them from the config given to :meth:`compare`).
        """
        key = (_path_fields(config), None if device is None else _path_fields(device))
        hit = self._pipelines.get(key)
        if hit is None:
            hit = Pipeline.for_model(self.model, config, device)
            self._pipelines.put(key, hit)
        return hit

    def plan(self, config: PreprocessConfig) -> InputPlan:
        """Resolve input name, size, layout and dtype for ``config`` (or InputError)."""
        return self.pipeline(config).plan

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

    def _frame_key(self, frame: NV12) -> tuple:
        digest = hashlib.sha1(memoryview(np.ascontiguousarray(frame.y)), usedforsecurity=False)
        digest.update(memoryview(np.ascontiguousarray(frame.uv)))
        return ("nv12", frame.height, frame.width, digest.hexdigest())

    def _run(self, tensor: np.ndarray, name: str) -> dict[str, np.ndarray]:
        feeds = dict(self.extra_feeds)
        feeds[name] = tensor
        outputs = self.model.run(feeds)
        self.inferences += 1
        return outputs

    def _fitted(self, image: np.ndarray, image_key: tuple, p: Pipeline) -> tuple[tuple, np.ndarray]:
        key = (image_key, p.fit)
        hit = self._fit.get(key)
        if hit is not None:
            self.hits["fit"] += 1
            return key, hit
        fitted = p.fit.numpy(image)
        if fitted is image or not fitted.flags.owndata:
            fitted = fitted.copy()  # never freeze (or alias) the caller's array
        fitted.flags.writeable = False
        self._fit.put(key, fitted)
        return key, fitted

    def _fitted_frame(self, frame: NV12, image_key: tuple, p: Pipeline):
        """A raw frame fitted in the NV12 domain, and its best PC decode (the 'fitted' RGB)."""
        key = (image_key, p.frame_fit, p.frame_reference)
        hit = self._fit.get(key)
        if hit is not None:
            self.hits["fit"] += 1
            return key, hit
        fitted_frame = p.frame_fit.numpy(frame)
        rgb = _frozen(np.array(p.frame_reference.numpy(fitted_frame)))
        self._fit.put(key, (fitted_frame, rgb))
        return key, (fitted_frame, rgb)

    def _reference(self, fit_key: tuple, fitted: np.ndarray, p: Pipeline) -> tuple[tuple, _Path]:
        key = (fit_key, p.train_pixels, p.normalize)
        hit = self._ref.get(key)
        if hit is not None:
            self.hits["reference"] += 1
            return key, hit
        pixels = _frozen(p.train_pixels.numpy(fitted))
        ref = _Path(pixels, self._run(p.normalize.numpy(pixels), p.plan.name))
        self._ref.put(key, ref)
        return key, ref

    def _frame(self, fit_key: tuple, fitted: np.ndarray, p: Pipeline) -> tuple[tuple, NV12]:
        frame_key = (fit_key, p.encode)
        frame = self._frame_cache.get(frame_key)
        if frame is None:
            frame = p.encode.numpy(fitted)
            self._frame_cache.put(frame_key, frame)
        return frame_key, frame

    def _nv12_path(self, frame_key: tuple, frame: NV12, p: Pipeline, ref: _Path) -> _Path:
        key = (frame_key, p.decode, p.device_normalize)
        hit = self._nv12.get(key)
        if hit is not None:
            self.hits["nv12"] += 1
            return hit
        pixels = _frozen(p.decode.numpy(frame))
        if p.device_normalize == p.normalize and np.array_equal(pixels, ref.pixels):
            outputs = ref.outputs  # e.g. a gray model fed the Y plane: nothing to run
        else:
            outputs = self._run(p.device_normalize.numpy(pixels), p.plan.name)
        nv = _Path(pixels, outputs)
        self._nv12.put(key, nv)
        return nv

    def _matched_path(self, frame_key: tuple, frame, p: Pipeline, ref: _Path, nv: _Path) -> _Path:
        key = (frame_key, p.matched, p.normalize)
        hit = self._format.get(key)
        if hit is not None:
            self.hits["format"] += 1
            return hit
        pixels = _frozen(p.matched.numpy(frame))
        if p.device_normalize == p.normalize and np.array_equal(pixels, nv.pixels):
            outputs = nv.outputs  # the device path already is the matched one
        elif np.array_equal(pixels, ref.pixels):
            outputs = ref.outputs
        else:
            outputs = self._run(p.normalize.numpy(pixels), p.plan.name)
        result = _Path(pixels, outputs)
        self._format.put(key, result)
        return result

    def _noise_path(self, ref_key: tuple, p: Pipeline, ref: _Path, c: PreprocessConfig) -> _Path:
        if c.noise_amplitude == 0:
            return _Path(ref.pixels.astype(np.float32), ref.outputs)
        key = None
        if c.noise_seed is not None:
            key = (ref_key, c.noise_amplitude, c.noise_kind, c.noise_seed)
            hit = self._noise.get(key)
            if hit is not None:
                self.hits["noise"] += 1
                return hit
            unit_key = (ref.pixels.shape, c.noise_kind, c.noise_seed, p.normalize.layout)
            unit = self._unit.get(unit_key)
            if unit is None:
                drawn = unit_noise(ref.pixels.shape, kind=c.noise_kind, seed=c.noise_seed)
                unit = _frozen(to_layout(drawn, p.normalize.layout))
                self._unit.put(unit_key, unit)
        else:
            drawn = unit_noise(ref.pixels.shape, kind=c.noise_kind, seed=None)
            unit = to_layout(drawn, p.normalize.layout)
        ref_key_l = ("laid", ref_key, p.normalize.layout)
        ref_laid = self._unit.get(ref_key_l)
        if ref_laid is None:
            ref_laid = _frozen(to_layout(ref.pixels.astype(np.float32), p.normalize.layout))
            self._unit.put(ref_key_l, ref_laid)
        # exactly add_noise(ref.pixels, a, kind, seed) (the scaled unit noise plus the
        # pixels, element by element), computed in the model's layout: no transpose per move
        noisy_laid = scale_noise(unit, c.noise_amplitude, kind=c.noise_kind)
        noisy_laid += ref_laid
        noisy_laid.flags.writeable = False
        noisy = noisy_laid[0] if p.normalize.layout == "NHWC" else noisy_laid[0].transpose(1, 2, 0)
        tensor = p.normalize.numpy(noisy_laid, laid_out=True)
        result = _Path(noisy, self._run(tensor, p.plan.name))
        if key is not None:
            self._noise.put(key, result)
        return result

    # -------------------------------------------------------------- public
    def compare(
        self,
        image: np.ndarray | str | os.PathLike[str],
        config: PreprocessConfig | None = None,
        *,
        device: PreprocessConfig | None = None,
        output_kinds: Mapping[str, Any] | None = None,
        interpreters: Any = None,
    ) -> Comparison:
        """Compare the reference, NV12, noise and matched paths for one image.

        Parameters
        ----------
        image : numpy.ndarray, NV12 or path
            (H, W, 3) uint8 RGB (any size: it is fitted to the model input with the
            config's resize policy), an image file path (read with
            ``nv12_widgets.core.load_image``), or a raw camera frame
            (:class:`~nv12_widgets.core.NV12`, resized in the NV12 domain when its size
            differs; see :meth:`Pipeline.run_frame`: the format's own loss is then not
            measurable, its metrics are NaN with a note).
        config : PreprocessConfig, optional
            Training-side preprocessing (default ``PreprocessConfig()``).
        device : PreprocessConfig, optional
            What the device does instead, for the NV12 path only (its format, NV12,
            normalisation fields; its size/layout/noise fields are ignored). Default:
            ``config`` (a consistent deployment).
        output_kinds : mapping, optional
            Output name -> kind ("classifier", "sequence", "dense", "other") where the
            guess of ``core.heads.output_kind`` is wrong: it picks the task metric.

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
        if not isinstance(config, PreprocessConfig) or not (
            device is None or isinstance(device, PreprocessConfig)
        ):
            raise InputError("config and device must be PreprocessConfig instances.")
        source = image if isinstance(image, NV12) else _as_rgb(image)
        before = self.inferences
        p = self.pipeline(config, device)
        if isinstance(source, NV12):
            fit_key, (frame, fitted) = self._fitted_frame(source, self._frame_key(source), p)
            frame_key = fit_key  # the frame is the device's own: nothing to encode
        else:
            fit_key, fitted = self._fitted(source, self._image_key(source), p)
            frame_key, frame = self._frame(fit_key, fitted, p)
        ref_key, ref = self._reference(fit_key, fitted, p)
        nv = self._nv12_path(frame_key, frame, p, ref)
        fm = self._matched_path(frame_key, frame, p, ref, nv)
        nz = self._noise_path(ref_key, p, ref, config)

        is_frame = isinstance(source, NV12)
        kinds = per_output_kinds(output_kinds, ref.outputs)
        metrics = {}
        for name in self.model.output_names:
            r, nv_out, fm_out = ref.outputs[name], nv.outputs[name], fm.outputs[name]
            override = kinds.get(name)
            sig, kind = self._memo(
                ("signal", id(ref), name, override),
                (r,),
                lambda r=r, override=override: (signal_of(r), _kind(r, override)),
            )
            metrics[name] = output_metrics(
                name,
                r,
                nv12=self._measure(("nv12", id(ref), id(nv), name), r, nv_out, sig, kind),
                noise=measure_path(r, nz.outputs[name], signal=sig, kind=kind),
                matched=None
                if is_frame
                else self._measure(("matched", id(ref), id(fm), name), r, fm_out, sig, kind),
                conversion=self._measure(
                    ("conversion", id(fm), id(nv), name), fm_out, nv_out, kind=kind
                ),
                signal=sig,
                kind=kind,
                kind_guessed=override is None,
            )
        paths = {"reference": ref.outputs, "nv12": nv.outputs, "noise": nz.outputs}
        paths.update(matched=fm.outputs, frame=is_frame)
        metrics, tasks = task_metrics(
            self.model, metrics, paths, output_kinds=output_kinds, interpreters=interpreters
        )
        lint_findings, costs = self._lint(source, fit_key, frame_key, frame, p, nv, fitted)
        return Comparison(
            model_name=self.model.name,
            image_input=p.plan.name,
            config=config,
            device_config=device if device is not None else config,
            size=p.plan.size,
            layout=p.plan.layout,
            fitted_image=fitted,
            reference_input=ref.pixels,
            nv12_frame=frame,
            nv12_input=nv.pixels,
            noisy_input=nz.pixels,
            format_input=fm.pixels,
            outputs_reference=ref.outputs,
            outputs_nv12=nv.outputs,
            outputs_noise=nz.outputs,
            outputs_format=fm.outputs,
            metrics=metrics,
            inferences=self.inferences - before,
            source="frame" if is_frame else "image",
            lint=lint_findings,
            mistake_costs=costs,
            tasks=tasks,
        )

    def _memo(self, key: tuple, arrays: tuple, compute):
        """A noise-independent result memoised for the cached outputs it reads (keyed on
        the identity of the cached paths; the memo keeps the arrays alive and checks
        them, so a recycled id never returns a stale result)."""
        memo = self._measures
        hit = memo.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], arrays, strict=True)):
            memo.move_to_end(key)
            return hit[1]
        result = compute()
        memo[key] = (arrays, result)
        while len(memo) > 128:
            memo.popitem(last=False)
        return result

    def _measure(self, key: tuple, a: np.ndarray, b: np.ndarray, signal=None, kind=None):
        """:func:`measure_path` of two cached outputs, memoised."""
        return self._memo(
            (*key, kind), (a, b), lambda: measure_path(a, b, signal=signal, kind=kind)
        )

    def _lint(self, source, fit_key, frame_key, frame, p: Pipeline, nv: _Path, fitted):
        """The configuration findings (cached per image and config, noise aside) and,
        for errors with a fix, what they cost: the deployed NV12 output against the
        NV12 output of the fixed config (one inference, then cached)."""
        config, device = p.config, p.device_config
        key = (fit_key, _path_fields(config), _path_fields(device))
        findings = self._lint_cache.get(key)
        if findings is None:
            image = fitted if isinstance(source, NV12) else source
            findings = tuple(
                lint(config, self.model, image, device=None if device is config else device)
            )
            self._lint_cache.put(key, findings)
        errors = [f for f in findings if f.severity == "error" and f.fix]
        if not errors:
            return findings, {}
        fixed, fixed_device = apply_fixes(errors, config, None if device is config else device)
        q = self.pipeline(fixed, fixed_device)
        if q.plan != p.plan or q.fit != p.fit:
            return findings, {}  # a fix that changes the geometry: not measured here
        if isinstance(source, NV12) or q.encode == p.encode:
            q_frame_key, q_frame = frame_key, frame
        else:
            q_frame_key, q_frame = self._frame(fit_key, fitted, q)
        ref_key, ref = self._reference(fit_key, fitted, q)
        intended = self._nv12_path(q_frame_key, q_frame, q, ref)
        fixes = tuple(kv for f in errors for kv in f.fix)
        costs = self._memo(
            ("costs", id(intended), id(nv)),
            (intended.outputs, nv.outputs),
            lambda: costs_of(intended.outputs, nv.outputs, fixes),
        )
        return findings, costs


# ---------------------------------------------------------------------- the function
_COMPARATORS: weakref.WeakKeyDictionary[Model, Comparator] = weakref.WeakKeyDictionary()


def compare(
    model: Model | str | os.PathLike[str] | bytes | Any,
    image: np.ndarray | str | os.PathLike[str],
    config: PreprocessConfig | None = None,
    *,
    device: PreprocessConfig | None = None,
    extra_feeds: Mapping[str, Any] | None = None,
    output_kinds: Mapping[str, Any] | None = None,
    interpreters: Any = None,
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
    output_kinds : mapping, optional
    interpreters : sequence or mapping, optional
        How outputs read (see :meth:`Comparator.compare`).

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
    return comparator.compare(
        image, config, device=device, output_kinds=output_kinds, interpreters=interpreters
    )


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


_NOISE_FIELDS = ("noise_amplitude", "noise_kind", "noise_seed")
_PATH_FIELDS = tuple(
    f.name for f in dataclasses.fields(PreprocessConfig) if f.name not in _NOISE_FIELDS
)


def _path_fields(config: PreprocessConfig) -> tuple:
    """Every field of ``config`` but the noise ones: what the pipeline and lint depend on."""
    return tuple(getattr(config, name) for name in _PATH_FIELDS)


def _kind(reference: np.ndarray, override: str | None) -> str:
    """The output's kind (``core.heads.output_kind``), or ``override`` when given (an
    unknown kind, or one the output's shape cannot be read as, is an InputError: a typo
    in an override must not be lost)."""
    if override is not None:
        return output_kind(reference, override)
    try:
        return output_kind(reference)
    except InputError:  # e.g. a non-numeric output: no task metric
        return "other"
