"""Reference vs NV12 vs noise, per image: the runner (a cache over the pipeline).

For one image and one :class:`~nv12_widgets.model.PreprocessConfig`, the
:class:`~nv12_widgets.model.devicepath.pipeline.Pipeline` builds four inputs at the model's input
size (the device's resizer delivers NV12 at model size, so the image is fitted first):

* **reference**: the fitted image in the training format, normalised - no NV12;
* **NV12**: fitted image -> NV12 (profile / swing / matrix / chroma) -> the device's
  decode -> its normalisation;
* **noise**: the reference pixels plus noise in pixel units, normalised: the vendor's
  fragility test;
* **format**: the same NV12 frame decoded right by the *matched* decode (float, true
  swing, training format) - it differs from the reference only by the 4:2:0 format, and
  from the NV12 path only by the conversion arithmetic.

One name per thing: "matched" names that decode stage (``Pipeline.matched``), "format"
the path through it (``PipelineRun.format_pixels`` / ``format_tensor``,
``Comparison.format_input`` / ``outputs_format`` / ``tensors["format"]``, the
``*_format`` metrics).

Every output is compared with the reference output (and the NV12 output with the
format path's) by ``nv12_widgets.core.compare_arrays``; the results and the verdict rules
live in :mod:`nv12_widgets.model.judge.results`.

:class:`Comparator` is the pipeline's numpy executor (:meth:`Pipeline.run` /
:meth:`Pipeline.run_frame`) plus a :class:`~nv12_widgets.model.devicepath.pipeline.StageCache` plus
the session: every tensor comes from a pipeline run (it never wires encode / decode /
normalize itself); the model outputs are cached per tensor identity, so moving the noise
slider costs exactly one inference; the unit noise is drawn once per (seed, kind, shape)
and scaled.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nv12_widgets.core import (
    NV12,
    InputError,
    is_raw_frame_path,
    load_image,
    load_source,
    output_kind,
    signal_of,
)
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import InputPlan, Pipeline, PipelineRun, StageCache
from nv12_widgets.model.devicepath.session import Model
from nv12_widgets.model.judge.lint import apply_fixes, lint
from nv12_widgets.model.judge.measures import OutputMetrics, measure_path, output_metrics
from nv12_widgets.model.judge.mistake_cost import costs_of
from nv12_widgets.model.judge.results import (
    CONVERSION_RATIO,
    FRAGILE_RATIO,
    NO_LOSS,
    Comparison,
    Evidence,
    Verdict,
    verdict,
)
from nv12_widgets.model.judge.task_results import (
    judge_paths,
    per_output_kinds,
    per_output_task,
    replaces_task,
    task_metrics,
)

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
    """One path's pixels and its model outputs."""

    pixels: np.ndarray
    outputs: dict[str, np.ndarray]
    tensor: np.ndarray


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
    """Runs :func:`compare` for one model: the pipeline's runs, a stage cache, the session.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
    extra_feeds : mapping, optional
        Values for the model's non-image inputs, used on every run.
    cache_size : int
        Images (of one config) kept: the stage cache holds 6 x, the model outputs 3 x
        (reference, NV12, format) and the noise outputs 4 x this many entries.

    Attributes
    ----------
    inferences : int
        Model runs so far (the counter tests and benchmarks read).
    hits : dict of str to int
        Cache hits per cache ("fit", "reference", "nv12", "format", "noise").

    Notes
    -----
    Cache keys are the image's content hash (SHA-1 of its bytes, shape and dtype - an
    array changed in place is a new image) followed by the stages a result depends on
    (:meth:`PipelineRun.key`):

    * fitted image: the fit stage;
    * reference: + the training-pixels and normalize stages;
    * NV12 path: + the encode, device decode and device normalize stages;
    * format path: + the encode, matched decode and normalize stages (its outputs are
      reused from the NV12 or reference path when the tensors are the same);
    * noise path: + amplitude, kind and seed (not cached when the seed is None).

    Not thread-safe: use one Comparator per thread.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> comparator = Comparator(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]))
    >>> config = PreprocessConfig()
    >>> p = comparator.pipeline(config)
    >>> p is comparator.pipeline(config.replace(noise_amplitude=5.0)), comparator.plan(config).shape
    (True, (1, 3, 4, 4))
    >>> image = np.full((4, 4, 3), 100, np.uint8)
    >>> comparator.run(image, p).reference_tensor.shape
    (1, 3, 4, 4)
    >>> _ = comparator.compare(image, config)
    >>> _ = comparator.compare(image, config)  # every path from the caches
    >>> comparator.inferences, comparator.hits
    (2, {'fit': 2, 'reference': 1, 'nv12': 1, 'format': 2, 'noise': 1})
    >>> comparator.clear_cache()  # the arrays go, the counters stay
    """

    def __init__(
        self,
        model: Model | str | os.PathLike[str] | bytes | Any,
        *,
        extra_feeds: Mapping[str, Any] | None = None,
        cache_size: int = 8,
    ) -> None:
        self.model = model if isinstance(model, Model) else Model(model)
        self.extra_feeds = self.model.side_feeds(extra_feeds)
        self.inferences = 0
        self._hits = {"reference": 0, "nv12": 0, "format": 0, "noise": 0}
        self.stages = StageCache(cache_size * 6)
        self._outputs = _LRU(cache_size * 3)
        self._noise = _LRU(cache_size * 4)
        self._lint_cache = _LRU(cache_size)
        self._measures: OrderedDict[tuple, Any] = OrderedDict()
        self._pipelines = _LRU(16)
        # Guards the measures memo: a comparison's evidence may be judged later, in
        # another thread, while this comparator compares the next image.
        self._lock = threading.RLock()

    @property
    def hits(self) -> dict[str, int]:
        """Cache hits: "fit" (fitted images, from the stage cache), "reference",
        "nv12", "format" and "noise" (model outputs)."""
        fit = self.stages.hits.get("fitted", 0)
        return {"fit": fit, **self._hits}

    def clear_cache(self) -> None:
        """Forget every cached array (counters are kept)."""
        for cache in (self._outputs, self._noise, self._lint_cache, self._pipelines):
            cache.clear()
        self.stages.clear()
        with self._lock:
            self._measures.clear()

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

    def run(self, source: np.ndarray | NV12, p: Pipeline) -> PipelineRun:
        """``p``'s run of an image or raw frame through this Comparator's stage cache."""
        if isinstance(source, NV12):
            return p.run_frame(source, cache=self.stages)
        return p.run(source, cache=self.stages)

    # -------------------------------------------------------------- model outputs
    def _infer(self, tensor: np.ndarray, name: str) -> dict[str, np.ndarray]:
        feeds = dict(self.extra_feeds)
        feeds[name] = tensor
        outputs = self.model.run(feeds)
        self.inferences += 1
        return outputs

    def _path(self, run: PipelineRun, which: str, *same: _Path) -> _Path:
        """The model outputs of the ``which`` tensor ("reference", "device" or
        "format"), cached by the tensor's identity (its stages); a tensor equal to one
        of the ``same`` paths' tensors reuses their outputs (nothing to run)."""
        counter = "nv12" if which == "device" else which
        key = run.key(f"{which}_tensor")
        hit = self._outputs.get(key)
        if hit is not None:
            self._hits[counter] += 1
            return hit
        tensor = run.get(f"{which}_tensor")
        outputs = next((q.outputs for q in same if np.array_equal(q.tensor, tensor)), None)
        if outputs is None:
            outputs = self._infer(tensor, run.pipeline.plan.name)
        result = _Path(run.get(f"{which}_pixels"), outputs, tensor)
        self._outputs.put(key, result)
        return result

    def _noise_path(self, run: PipelineRun, ref: _Path, c: PreprocessConfig) -> _Path:
        if c.noise_amplitude == 0:
            return _Path(ref.pixels.astype(np.float32), ref.outputs, ref.tensor)
        # With a seed the noisy tensor is reproducible (the unit noise is cached, the
        # scaling costs ~0.3 ms): only the outputs are cached, what spares an inference.
        # Keeping 32 noisy tensors and pixels (2.8 MB each at 320x320) cost the heap a
        # fresh page for every byte of each new one: ~700 page faults, 1.3 ms a move.
        pixels, tensor = run.noisy(c.noise_amplitude, c.noise_kind, c.noise_seed)
        if c.noise_seed is None:
            return _Path(pixels, self._infer(tensor, run.pipeline.plan.name), tensor)
        key = (run.key("reference_tensor"), c.noise_amplitude, c.noise_kind, c.noise_seed)
        outputs = self._noise.get(key)
        if outputs is not None:
            self._hits["noise"] += 1
        else:
            outputs = self._infer(tensor, run.pipeline.plan.name)
            self._noise.put(key, outputs)
        return _Path(pixels, outputs, tensor)

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
        """Compare the reference, NV12, noise and format paths for one image.

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
            Training-side preprocessing (default ``Model.starting_config()``:
            ``PreprocessConfig()``, grey for a one-channel input, divisor 1 for uint8).
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

        Examples
        --------
        >>> from onnx import TensorProto, helper
        >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 8, 8]) for n in "xy")
        >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
        >>> proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
        >>> comparator = Comparator(proto)
        >>> image = np.full((8, 8, 3), 100, np.uint8)
        >>> first = comparator.compare(image, PreprocessConfig(noise_amplitude=1.0))
        >>> comparator.compare(image, PreprocessConfig(noise_amplitude=3.0)).inferences
        1
        """
        config = config if config is not None else self.model.starting_config()
        if not isinstance(config, PreprocessConfig) or not (
            device is None or isinstance(device, PreprocessConfig)
        ):
            raise InputError("config and device must be PreprocessConfig instances.")
        source = image if isinstance(image, NV12) else _as_rgb(image)
        before = self.inferences
        p = self.pipeline(config, device)
        run = self.run(source, p)
        ref = self._path(run, "reference")
        nv = self._path(run, "device", ref)
        fm = self._path(run, "format", nv, ref)
        nz = self._noise_path(run, ref, config)
        is_frame = run.source == "frame"
        paths = {"reference": ref.outputs, "nv12": nv.outputs, "noise": nz.outputs}
        paths.update(format=fm.outputs, frame=is_frame)
        kinds = self._kinds(ref, per_output_kinds(output_kinds, ref.outputs))

        def judge() -> tuple[dict, dict]:
            tasks = judge_paths(
                self.model, paths, output_kinds=output_kinds, interpreters=interpreters
            )
            measured = self._metrics(ref, nv, fm, nz, is_frame, kinds, tasks)
            return task_metrics(self.model, measured, paths, tasks=tasks)

        # Judged on first read; a user's choice of output kinds is judged at once, so
        # that a kind that cannot read the outputs is refused by compare itself.
        evidence = Evidence(*judge()) if output_kinds or interpreters else Evidence.later(judge)
        lint_findings, costs = self._lint(source, run, nv)
        return Comparison(
            model_name=self.model.name,
            image_input=p.plan.name,
            config=config,
            device_config=device if device is not None else config,
            size=p.plan.size,
            layout=p.plan.layout,
            fitted_image=run.fitted,
            reference_input=ref.pixels,
            nv12_frame=run.frame,
            nv12_input=nv.pixels,
            noisy_input=nz.pixels,
            format_input=fm.pixels,
            outputs_reference=ref.outputs,
            outputs_nv12=nv.outputs,
            outputs_noise=nz.outputs,
            outputs_format=fm.outputs,
            evidence=evidence,
            inferences=self.inferences - before,
            source=run.source,
            lint=lint_findings,
            mistake_costs=costs,
            tensors={
                "reference": ref.tensor,
                "nv12": nv.tensor,
                "noise": nz.tensor,
                "format": fm.tensor,
            },
        )

    def _kinds(self, ref, overrides: dict) -> dict[str, tuple]:
        """Output name -> (signal, kind, kind guessed) of the reference outputs (memoised;
        an override the output cannot be read as is an InputError)."""
        out = {}
        for name in self.model.output_names:
            r, override = ref.outputs[name], overrides.get(name)
            sig, kind = self._memo(
                ("signal", id(r), name, override),
                (r,),
                lambda r=r, override=override: (signal_of(r), _kind(r, override)),
            )
            out[name] = (sig, kind, override is None)
        return out

    def _metrics(
        self, ref, nv, fm, nz, is_frame: bool, kinds: dict, tasks: dict
    ) -> dict[str, OutputMetrics]:
        """Every output's metrics (the noise-independent ones memoised; the noise path's
        per-output task left out where a trusted task of ``tasks`` replaces it).
        ``kinds``: :meth:`_kinds`."""
        metrics = {}
        for name in self.model.output_names:
            r, nv_out, fm_out = ref.outputs[name], nv.outputs[name], fm.outputs[name]
            sig, kind, guessed = kinds[name]
            noise_kind = None if replaces_task(tasks, name, kind, "noise") else kind
            metrics[name] = output_metrics(
                name,
                r,
                nv12=self._measure(("nv12", name), r, nv_out, sig, kind),
                noise=measure_path(
                    r,
                    nz.outputs[name],
                    signal=sig,
                    kind=noise_kind,
                    task=noise_kind and per_output_task(tasks, name, noise_kind, "noise"),
                ),
                format=None if is_frame else self._measure(("format", name), r, fm_out, sig, kind),
                conversion=self._measure(("conversion", name), fm_out, nv_out, kind=kind),
                signal=sig,
                kind=kind,
                kind_guessed=guessed,
            )
        return metrics

    def _memo(self, key: tuple, arrays: tuple, compute):
        """A noise-independent result memoised for the cached outputs it reads (keyed on
        the identity of the cached paths; the memo keeps the arrays alive and checks
        them, so a recycled id never returns a stale result)."""
        memo = self._measures
        with self._lock:
            hit = memo.get(key)
            if hit is not None and all(a is b for a, b in zip(hit[0], arrays, strict=True)):
                memo.move_to_end(key)
                return hit[1]
        result = compute()
        with self._lock:
            memo[key] = (arrays, result)
            while len(memo) > 128:
                memo.popitem(last=False)
        return result

    def _measure(self, key: tuple, a: np.ndarray, b: np.ndarray, signal=None, kind=None):
        """:func:`measure_path` of two cached outputs, memoised."""
        return self._memo(
            (*key, id(a), id(b), kind),
            (a, b),
            lambda: measure_path(a, b, signal=signal, kind=kind),
        )

    def _lint(self, source, run: PipelineRun, nv: _Path):
        """The configuration findings (cached per image and config, noise aside) and,
        for errors with a fix, what they cost: the deployed NV12 output against the
        NV12 output of the fixed config (one inference, then cached)."""
        p = run.pipeline
        config, device = p.config, p.device_config
        key = (run.key("fitted"), _path_fields(config), _path_fields(device))
        findings = self._lint_cache.get(key)
        if findings is None:
            image = run.fitted if run.source == "frame" else source
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
        intended = self._path(self.run(source, q), "device")
        fixes = tuple(kv for f in errors for kv in f.fix)
        return findings, self._memo(
            ("costs", id(intended.outputs), id(nv.outputs)),
            (intended.outputs, nv.outputs),
            lambda: costs_of(intended.outputs, nv.outputs, fixes),
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

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> m = Model(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]))
    >>> ramp = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> c = compare(m, ramp, PreprocessConfig(swing="studio"))
    >>> c.size, round(c.metrics["y"].cosine_nv12, 6), c.verdict().code
    ((4, 4), 0.99999, 'fragile')
    >>> compare(m, ramp, PreprocessConfig(swing="studio")).inferences  # the same Comparator
    0
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
    if isinstance(image, str | os.PathLike):  # a raw frame path reads as NV12 (core.sources)
        return load_source(image)[0] if is_raw_frame_path(image) else load_image(image)
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
