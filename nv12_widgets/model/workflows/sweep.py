"""`sweep`: the cosine-vs-noise curve and a ranking of preprocessing variants.

For a set of images, the sweep measures

* the **noise curve**: the cosine of the noise path against the reference, for every
  noise amplitude and seed (mean / min / max / std over seeds and images, per output) -
  the vendor's fragility test as a curve instead of one number;
* the **variants**: the NV12 cosine of alternative device-side preprocessing (another
  profile, a swing mismatch, R/B swapped, ...), each against the *same* reference (the
  training-side ``config``), ranked from best to worst.

Work items are (image x amplitude) and (image x variant), collected by the workflows'
one image-set collector (:func:`~nv12_widgets.model.workflows.imagesets.collect_images`:
folders recursively, raw frames included) and run by the workflows' one executor
(:func:`~nv12_widgets.model.workflows.execution.run_tasks`): in-process by default, on
any :class:`concurrent.futures.Executor` or a ``dask.distributed.Client``, in small
batches; each worker process keeps its :class:`~nv12_widgets.model.workflows.compare.Comparator`
(and so the reference outputs) between items.

Cancelling (``cancel``, a :class:`threading.Event`, checked between work items) does not
raise: the partial result is returned with ``cancelled=True`` and NaN where items did not
run; pending executor futures are cancelled.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nv12_widgets.core import NV12, InputError, load_source, to_jsonable
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import device_path_key
from nv12_widgets.model.devicepath.session import Model
from nv12_widgets.model.workflows.compare import Comparator
from nv12_widgets.model.workflows.execution import (
    ModelRef,
    Progress,
    load_model,
    plan_execution,
    run_tasks,
    worker_cached,
    worker_threads,
)
from nv12_widgets.model.workflows.imagesets import IMAGE_SUFFIXES, collect_images

__all__ = ["IMAGE_SUFFIXES", "SweepResult", "common_variants", "sweep"]

#: Name of the variant that is the config itself (always measured first).
AS_CONFIGURED = "as configured"


# ---------------------------------------------------------------------- variants
def common_variants(config: PreprocessConfig) -> dict[str, PreprocessConfig]:
    """The classic device-side alternatives and mistakes, as configs to rank.

    Parameters
    ----------
    config : PreprocessConfig
        The training-side config; every variant is a copy with some NV12 or format
        fields changed.

    Returns
    -------
    dict of str to PreprocessConfig
        ``"as configured"`` first, then float conversions with mean/bilinear and
        decimate/nearest chroma, each named profile, studio swing, full swing decoded
        as studio and the reverse, and R/B swapped (rgb/bgr models). Variants equal to
        an earlier one are dropped.

    Examples
    --------
    >>> variants = common_variants(PreprocessConfig())
    >>> list(variants)[:3], variants["R/B swapped"].train_format
    (['as configured', 'float, 2x2 mean chroma, bilinear', 'float, decimated chroma, nearest'], 'bgr')
    >>> "R/B swapped" in common_variants(PreprocessConfig(train_format="gray"))
    False
    """
    base = config.replace(profile=None, decode_swing=None)
    candidates: list[tuple[str, PreprocessConfig]] = [
        (AS_CONFIGURED, config),
        ("float, 2x2 mean chroma, bilinear", base.replace(chroma="mean", upsample="bilinear")),
        ("float, decimated chroma, nearest", base.replace(chroma="decimate", upsample="nearest")),
        ("profile horizon", config.replace(profile="horizon", decode_swing=None)),
        ("profile opencv", config.replace(profile="opencv", decode_swing=None)),
        ("profile vendor-pil", config.replace(profile="vendor-pil", decode_swing=None)),
        ("studio swing", base.replace(swing="studio")),
        ("full swing decoded as studio", base.replace(swing="full", decode_swing="studio")),
        ("studio swing decoded as full", base.replace(swing="studio", decode_swing="full")),
    ]
    if config.train_format in ("rgb", "bgr"):
        other = "bgr" if config.train_format == "rgb" else "rgb"
        candidates.append(("R/B swapped", config.replace(train_format=other)))
    out: dict[str, PreprocessConfig] = {}
    for name, cfg in candidates:
        if all(device_path_key(cfg) != device_path_key(c) for c in out.values()):
            out[name] = cfg
    return out


def _describe(base: PreprocessConfig, cfg: PreprocessConfig) -> str:
    diffs = [
        f"{k}={v}"
        for k, v in cfg.to_dict().items()
        if v != base.to_dict()[k] and not k.startswith("noise")
    ]
    return ", ".join(diffs) or AS_CONFIGURED


def _normalise_variants(
    config: PreprocessConfig,
    variants: Mapping[str, PreprocessConfig | Mapping[str, Any]]
    | Sequence[PreprocessConfig]
    | None,
) -> dict[str, PreprocessConfig]:
    if variants is None:
        return common_variants(config)
    out: dict[str, PreprocessConfig] = {AS_CONFIGURED: config}
    if isinstance(variants, Mapping):
        items = list(variants.items())
    else:
        items = [(None, v) for v in variants]
    for name, v in items:
        if isinstance(v, Mapping):
            v = config.replace(**v)
        if not isinstance(v, PreprocessConfig):
            raise InputError(
                f"A variant must be a PreprocessConfig or a dict of field changes, got "
                f"{type(v).__name__}."
            )
        label = str(name) if name is not None else _describe(config, v)
        if label in out and out[label] != v:
            label = f"{label} ({len(out)})"
        out[label] = v
    return out


# ---------------------------------------------------------------------- the result
@dataclass
class SweepResult:
    """What :func:`sweep` measured.

    Attributes
    ----------
    config : PreprocessConfig
        The training-side config (reference; its noise kind is used for the curve).
    amplitudes : tuple of float
    seeds : tuple of int
    images : tuple of str
        Labels (file stems or "image 0", ...).
    outputs : tuple of str
        Model output names; the first is the "primary" one for rankings and plots.
    noise : dict of str to numpy.ndarray
        Output -> (n_images, n_amplitudes, n_seeds) float64 cosine of the noise path vs
        the reference (NaN where not computed).
    variant_names : tuple of str
    variant_configs : dict of str to PreprocessConfig
    variants : dict of str to numpy.ndarray
        Output -> (n_images, n_variants) float64 NV12 cosine of each variant vs the
        reference.
    variant_verdicts : numpy.ndarray
        (n_images, n_variants) object array of verdict codes ("" where not computed).
    errors : list of str
        Work items that failed with a reported error (e.g. a variant with a channel
        count the model cannot take); their cells are NaN.
    cancelled : bool
        True when the sweep was cancelled; the arrays then hold what finished.
    completed, total : int
        Work items done / planned.

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> ramp = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> studio = {"studio swing": {"swing": "studio"}, "decoded as studio": {"decode_swing": "studio"}}
    >>> r = sweep(tiny, ramp, amplitudes=(0, 2), seeds=(0,), variants=studio, progress=False)
    >>> {k: v.round(6).tolist() for k, v in r.noise_curve().items()}["mean"]
    [1.0, 0.999982]
    >>> [(row["name"], row["verdicts"]) for row in r.ranking()]
    [('as configured', ['no-loss']), ('studio swing', ['format']), ('decoded as studio', ['preprocessing'])]
    >>> r.headline()
    'NV12 cosine 0.999993; noise 2 grey levels 0.999982; worst variant: decoded as studio 0.998203'
    >>> print(r.summary())
    output 'y' over 1 image(s), 1 seed(s)
       noise       mean        min        max        std
           0   1.000000   1.000000   1.000000   0.000000
           2   0.999982   0.999982   0.999982   0.000000
    variant                               NV12 mean        min
    as configured                          0.999993   0.999993
    studio swing                           0.999990   0.999990
    decoded as studio                      0.998203   0.998203
    >>> r.to_dict()["variant_names"], r.to_dict()["completed"] == r.total
    (['as configured', 'studio swing', 'decoded as studio'], True)
    >>> from matplotlib.figure import Figure  # no display needed
    >>> type(r.plot(Figure().subplots())).__name__
    'Figure'
    """

    config: PreprocessConfig
    amplitudes: tuple[float, ...]
    seeds: tuple[int, ...]
    images: tuple[str, ...]
    outputs: tuple[str, ...]
    noise: dict[str, np.ndarray]
    variant_names: tuple[str, ...]
    variant_configs: dict[str, PreprocessConfig]
    variants: dict[str, np.ndarray]
    variant_verdicts: np.ndarray
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False
    completed: int = 0
    total: int = 0

    def _output(self, output: str | None) -> str:
        if output is None:
            if not self.outputs:
                raise InputError("The model has no outputs.")
            return self.outputs[0]
        if output not in self.outputs:
            raise InputError(f"Unknown output {output!r}; the outputs are {list(self.outputs)}.")
        return output

    def noise_curve(self, output: str | None = None) -> dict[str, np.ndarray]:
        """Statistics over images and seeds, per amplitude.

        Returns
        -------
        dict
            ``amplitude``, ``mean``, ``min``, ``max``, ``std``: (n_amplitudes,) float64
            arrays (NaN for amplitudes with no finished item).
        """
        data = self.noise[self._output(output)]
        flat = data.transpose(1, 0, 2).reshape(len(self.amplitudes), -1)
        return {
            "amplitude": np.asarray(self.amplitudes, dtype=np.float64),
            "mean": _nanstat(np.nanmean, flat),
            "min": _nanstat(np.nanmin, flat),
            "max": _nanstat(np.nanmax, flat),
            "std": _nanstat(np.nanstd, flat),
        }

    def ranking(self, output: str | None = None) -> list[dict[str, Any]]:
        """Variants sorted by mean NV12 cosine over images, best first (NaN last).

        Returns
        -------
        list of dict
            ``name``, ``mean``, ``min``, ``max`` (cosines) and ``verdicts`` (the verdict
            code per image).
        """
        data = self.variants[self._output(output)]
        rows = []
        for j, name in enumerate(self.variant_names):
            col = data[:, j]
            rows.append(
                {
                    "name": name,
                    "mean": float(_nanstat(np.nanmean, col[None])[0]),
                    "min": float(_nanstat(np.nanmin, col[None])[0]),
                    "max": float(_nanstat(np.nanmax, col[None])[0]),
                    "verdicts": [str(v) for v in self.variant_verdicts[:, j]],
                }
            )
        return sorted(rows, key=lambda r: (math.isnan(r["mean"]), -np.nan_to_num(r["mean"])))

    def headline(self, output: str | None = None) -> str:
        """One line: the NV12 cosine as configured, the noise at the largest amplitude,
        and the worst variant."""
        out = self._output(output)
        parts = []
        if AS_CONFIGURED in self.variant_names:
            j = self.variant_names.index(AS_CONFIGURED)
            parts.append(
                f"NV12 cosine {_fmt(_nanstat(np.nanmean, self.variants[out][:, j][None])[0])}"
            )
        if self.amplitudes:
            curve = self.noise_curve(out)
            parts.append(f"noise {self.amplitudes[-1]:g} grey levels {_fmt(curve['mean'][-1])}")
        ranking = [r for r in self.ranking(out) if not math.isnan(r["mean"])]
        if len(ranking) > 1:
            parts.append(f"worst variant: {ranking[-1]['name']} {_fmt(ranking[-1]['mean'])}")
        if self.cancelled:
            parts.append(f"cancelled after {self.completed}/{self.total} items")
        if self._unmeasured(out):
            parts.append(UNMEASURED)
        return "; ".join(parts)

    def summary(self, output: str | None = None) -> str:
        """A plain-text report: the noise curve and the variant ranking."""
        out = self._output(output)
        lines = [f"output {out!r} over {len(self.images)} image(s), {len(self.seeds)} seed(s)"]
        curve = self.noise_curve(out)
        lines.append(f"{'noise':>8} {'mean':>10} {'min':>10} {'max':>10} {'std':>10}")
        for i, a in enumerate(self.amplitudes):
            lines.append(
                f"{a:>8g} {_fmt(curve['mean'][i]):>10} {_fmt(curve['min'][i]):>10} "
                f"{_fmt(curve['max'][i]):>10} {_fmt(curve['std'][i]):>10}"
            )
        if self.variant_names:
            lines.append(f"{'variant':<36} {'NV12 mean':>10} {'min':>10}")
            for r in self.ranking(out):
                lines.append(f"{r['name'][:36]:<36} {_fmt(r['mean']):>10} {_fmt(r['min']):>10}")
        if self._unmeasured(out):
            lines.append(UNMEASURED)
        if self.errors:
            lines.append(f"{len(self.errors)} item(s) failed: " + "; ".join(self.errors[:3]))
        if self.cancelled:
            lines.append(f"cancelled after {self.completed}/{self.total} items")
        return "\n".join(lines)

    def _unmeasured(self, out: str) -> bool:
        """Items finished, none failed, and not one cosine measured (every n/a has the
        same reason: the output has no cosine, e.g. one value)."""
        noisy = [i for i, a in enumerate(self.amplitudes) if a != 0]  # 0: 1.0, no inference
        measured = [self.noise[out][:, noisy], self.variants[out]]
        if not (self.completed and not self.errors and any(m.size for m in measured)):
            return False
        return not any(np.isfinite(m).any() for m in measured)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible: config, axes, per-output curves, raw cosines and rankings.

        Strict JSON by the package's one policy (``core.to_jsonable``: NaN/inf as the
        strings "nan"/"inf"/"-inf").
        """
        per_output = {}
        for out in self.outputs:
            curve = self.noise_curve(out)
            per_output[out] = {
                "noise_curve": {k: to_jsonable(v) for k, v in curve.items()},
                "noise_raw": to_jsonable(self.noise[out]),
                "variants_raw": to_jsonable(self.variants[out]),
                "ranking": [
                    {k: to_jsonable(v) for k, v in row.items()} for row in self.ranking(out)
                ],
            }
        return {
            "config": self.config.to_dict(),
            "amplitudes": list(self.amplitudes),
            "seeds": list(self.seeds),
            "images": list(self.images),
            "outputs": list(self.outputs),
            "variant_names": list(self.variant_names),
            "variant_configs": {k: v.to_dict() for k, v in self.variant_configs.items()},
            "per_output": per_output,
            "errors": list(self.errors),
            "cancelled": self.cancelled,
            "completed": self.completed,
            "total": self.total,
        }

    def plot(self, ax: Any = None, *, output: str | None = None) -> Any:
        """Draw the noise curve (and the variant ranking) with matplotlib.

        Parameters
        ----------
        ax : matplotlib Axes, sequence of two Axes, or None
            None: a new figure with the curve and, when variants were measured, the
            ranking beside it. One Axes: the curve only. Two: curve and ranking.
        output : str, optional
            Which output (default: the first).

        Returns
        -------
        matplotlib.figure.Figure
            Built with ``matplotlib.figure.Figure`` (no pyplot state) when ``ax`` is None.
        """
        out = self._output(output)
        has_variants = bool(self.variant_names)
        if ax is None:
            from matplotlib.figure import Figure

            rows_shown = len(self.variant_names) if has_variants else 0
            height = max(4.0, 1.5 + 0.3 * rows_shown)  # one readable line per variant
            fig = Figure(figsize=(11 if has_variants else 6, height), layout="constrained")
            axes = fig.subplots(1, 2 if has_variants else 1, squeeze=False)[0]
        else:
            axes = list(ax) if isinstance(ax, Sequence | np.ndarray) else [ax]
            fig = axes[0].figure
        curve = self.noise_curve(out)
        a0 = axes[0]
        amp = curve["amplitude"]
        a0.fill_between(amp, curve["min"], curve["max"], alpha=0.2, label="min-max")
        a0.errorbar(
            amp, curve["mean"], yerr=curve["std"], marker="o", capsize=3, label="mean ± std"
        )
        if AS_CONFIGURED in self.variant_names:
            j = self.variant_names.index(AS_CONFIGURED)
            nv12 = float(_nanstat(np.nanmean, self.variants[out][:, j][None])[0])
            if math.isfinite(nv12):
                a0.axhline(nv12, color="C3", linestyle="--", label=f"NV12 as configured {nv12:.5f}")
        a0.set_xlabel(f"noise amplitude ({self.config.noise_kind}, grey levels)")
        a0.set_ylabel("cosine vs reference")
        a0.set_title(f"Noise vs NV12: {out}")
        a0.grid(alpha=0.3)
        # below the axes: inside, it covered the "NV12 as configured" line
        a0.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), fontsize="small", ncols=2)
        if has_variants and len(axes) > 1:
            a1 = axes[1]
            rows = [r for r in self.ranking(out) if not math.isnan(r["mean"])][::-1]
            names = [r["name"] for r in rows]
            # 1 - cosine on a log axis: variants a few 1e-4 apart stay distinguishable
            # next to a channel swap at 0.5.
            losses = [max(1.0 - r["mean"], 1e-9) for r in rows]
            colors = ["C3" if n == AS_CONFIGURED else "C0" for n in names]
            bars = a1.barh(range(len(rows)), losses, color=colors, height=0.7)
            a1.set_yticks(range(len(rows)), names, fontsize="small")
            a1.set_xscale("log")
            # the cosine after each bar, with room on the right so no label runs out
            a1.bar_label(bars, [f"{r['mean']:.5f}" for r in rows], padding=3, fontsize="small")
            if losses:
                a1.set_xlim(min(losses) / 3, max(losses) * 30)
            a1.set_xlabel(
                "1 - NV12 cosine (log scale, mean over images; shorter = better)", fontsize="small"
            )
            a1.set_title("Preprocessing variants")
            a1.grid(axis="x", alpha=0.3)
        return fig


def _nanstat(fn: Callable, data: np.ndarray) -> np.ndarray:
    out = np.full(data.shape[0], np.nan)
    ok = ~np.all(np.isnan(data), axis=1)
    if ok.any():
        out[ok] = fn(data[ok], axis=1)
    return out


#: Why a sweep shows n/a everywhere for an output (``SweepResult.summary`` / ``headline``).
UNMEASURED = (
    "n/a: no cosine is measurable for this output (e.g. a single value, whose cosine is "
    "+-1 whatever the change); compare() gives its max |diff| and SQNR"
)


def _fmt(v: float) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.6f}"


# ---------------------------------------------------------------------- work items
def _feeds_key(extra_feeds: Mapping[str, np.ndarray] | None) -> tuple:
    if not extra_feeds:
        return ()
    return tuple(
        sorted((k, np.asarray(v).tobytes(), np.asarray(v).shape) for k, v in extra_feeds.items())
    )


def _execute(
    comparator: Comparator,
    image: np.ndarray | NV12,
    config: PreprocessConfig,
    task: tuple,
    compare_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run one work item; InputErrors are returned as ``{"error": ...}``."""
    try:
        if task[0] == "noise":
            _, amplitude, seeds = task
            cos: dict[str, list[float]] = {}
            for seed in seeds:
                cfg = config.replace(noise_amplitude=amplitude, noise_seed=seed)
                cmp = comparator.compare(image, cfg, **dict(compare_options or {}))
                for name, m in cmp.metrics.items():
                    cos.setdefault(name, []).append(m.cosine_noise)
            return {"cos": cos}
        _, device_dict = task
        device = PreprocessConfig.from_dict(device_dict)
        cmp = comparator.compare(
            image,
            config.replace(noise_amplitude=0.0),
            device=device,
            **dict(compare_options or {}),
        )
        return {
            "cos": {name: m.cosine_nv12 for name, m in cmp.metrics.items()},
            "verdict": cmp.verdict().code,
        }
    except InputError as exc:
        return {"error": str(exc)}


@dataclass
class _SweepTask:
    """The sweep's work items (see :mod:`~nv12_widgets.model.workflows.execution`):
    an item is ``(image, work)``; the image a path (read once per process and cached by
    path, size and mtime) or an array / frame. ``live``: the caller's comparator, not
    pickled (a worker builds its own once per model)."""

    model_ref: ModelRef | None
    extra_feeds: dict[str, np.ndarray]
    config: dict[str, Any]
    threads: Any
    compare_options: dict[str, Any] = field(default_factory=dict)
    live: Comparator | None = None

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__, live=None)

    def shipped(self) -> list[Any]:
        """The model source (Dask futures of scattered bytes travel as arguments)."""
        return [self.model_ref.source if self.model_ref is not None else None]

    def with_shipped(self, values: list[Any]) -> _SweepTask:
        """This task with the model source resolved on the worker."""
        if self.model_ref is None:
            return self
        return dataclasses.replace(self, model_ref=self.model_ref._replace(source=values[0]))

    def _comparator(self) -> Comparator:
        if self.live is not None:
            return self.live
        n = worker_threads(self.threads)
        ref = self.model_ref
        key = ("sweep", ref.digest, ref.image_input, _feeds_key(self.extra_feeds), n)
        return worker_cached(
            key, lambda: Comparator(load_model(ref, n), extra_feeds=self.extra_feeds)
        )

    def results(self, items: Sequence[tuple]) -> Iterator[dict[str, Any]]:
        comparator = self._comparator()
        config = PreprocessConfig.from_dict(self.config)
        images = worker_cached(("sweep-images",), dict)
        for image, task, _index in items:
            try:
                loaded = _load_cached(image, images, quiet=self.live is None)
            except (InputError, OSError) as exc:
                yield {"error": f"{type(exc).__name__}: {exc}"}
                continue
            yield _execute(comparator, loaded, config, task, self.compare_options)


_IMAGES_LOCK = threading.Lock()


def _load_cached(
    image: np.ndarray | NV12 | str, cache: dict[tuple, Any], quiet: bool = False
) -> np.ndarray | NV12:
    """Read an image file once per process (keyed on path, size and mtime).

    ``quiet`` silences ``load_source``'s conversion warnings (in workers, where they
    would be lost or repeated); in-process they reach the caller once per image.
    """
    if not isinstance(image, str):
        return image
    stat = os.stat(image)
    key = (image, stat.st_size, stat.st_mtime_ns)
    with _IMAGES_LOCK:
        if key in cache:
            return cache[key]
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        # an image file, or a raw camera frame (size from its sidecar or its name)
        value = load_source(image)[0]
    with _IMAGES_LOCK:
        if len(cache) >= 8:
            cache.clear()
        cache[key] = value
    return value


# ---------------------------------------------------------------------- the function
def sweep(
    model: Model | str | os.PathLike[str] | bytes | Any,
    images: Any,
    config: PreprocessConfig | None = None,
    amplitudes: Sequence[float] = (0, 0.5, 1, 1.5, 2),
    seeds: Iterable[int] = range(5),
    variants: Mapping[str, PreprocessConfig | Mapping[str, Any]]
    | Sequence[PreprocessConfig]
    | None = None,
    executor: Any = None,
    progress: bool | Callable[[int, int], None] = True,
    cancel: threading.Event | None = None,
    *,
    extra_feeds: Mapping[str, Any] | None = None,
    output_kinds: Mapping[str, Any] | None = None,
    interpreters: Any = None,
) -> SweepResult:
    """Cosine-vs-noise curve and NV12 cosine of preprocessing variants over images.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
    images : array, path, folder, or a list of arrays / paths
        (H, W, 3) uint8 RGB arrays, NV12 frames, image or raw-frame files; a folder
        takes every image / raw frame below it (sorted by relative path; named by it).
    config : PreprocessConfig, optional
        The training-side config (reference); its ``noise_kind`` is used for the curve
        and its ``noise_amplitude`` / ``noise_seed`` are replaced by the sweep's.
        Default: ``model.starting_config()``.
    amplitudes : sequence of float
        Noise amplitudes in grey levels (0 gives cosine 1.0 without an inference).
    seeds : iterable of int
        Noise seeds per amplitude.
    variants : dict, list or None
        None: :func:`common_variants`. A dict maps names to PreprocessConfigs (or to
        dicts of field changes applied to ``config``); a list of configs is named by
        its differences from ``config``. ``{}`` measures only "as configured", which is
        always included (first). A variant's size, layout and noise fields are ignored
        (the image is fitted with ``config``).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs work items (see the module docstring); default in-process.
        A process pool should start its workers with ``spawn`` (or ``forkserver``):
        ``ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))``; a
        forked worker can inherit a lock held by one of onnxruntime's threads and hang.
    progress : bool or callable
        True: a ``tqdm.auto`` bar; a callable is called as ``progress(done, total)``.
    cancel : threading.Event, optional
        Checked between work items; when set, the partial result is returned with
        ``cancelled=True`` (no exception).
    extra_feeds : mapping, optional
        Values for the model's non-image inputs.
    output_kinds, interpreters : optional
        How the outputs read, for the variants' verdicts (see
        :meth:`Comparator.compare`; on an executor they must pickle).

    Returns
    -------
    SweepResult

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    >>> tiny = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> ramp = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> studio = {"studio swing": {"swing": "studio"}, "decoded as studio": {"decode_swing": "studio"}}
    >>> r = sweep(tiny, ramp, amplitudes=(0, 2), seeds=(0,), variants=studio, progress=False)
    >>> r.noise["y"].shape, r.variants["y"].shape  # (images, amplitudes, seeds), (images, variants)
    ((1, 2, 1), (1, 3))
    >>> r.variant_verdicts.tolist()
    [['no-loss', 'format', 'preprocessing']]
    """
    model = model if isinstance(model, Model) else Model(model)
    config = config if config is not None else model.starting_config()
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
    try:
        amps = tuple(float(a) for a in amplitudes)
        seed_list = tuple(operator.index(s) for s in seeds)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InputError(
            "amplitudes must be numbers (grey levels) and seeds integers: "
            f"{type(exc).__name__}: {str(exc)[:120]}."
        ) from None
    if any(not math.isfinite(a) or a < 0 for a in amps):
        raise InputError(f"amplitudes must be finite and >= 0, got {list(amps)[:20]}.")
    if any(s < 0 for s in seed_list):
        raise InputError("seeds must be non-negative integers.")
    if amps and not seed_list:
        raise InputError("seeds is empty: give at least one noise seed.")
    variant_map = _normalise_variants(config, variants)
    found = collect_images(images, raw_frames=True, must_exist=True)
    items, labels = list(found.items), list(found.names)
    Comparator(model).plan(config)  # fail early (no image input, size, channels...)
    feeds = {k: np.asarray(v) for k, v in (extra_feeds or {}).items()}

    outputs = tuple(model.output_names)
    names = tuple(variant_map)
    noise = {o: np.full((len(items), len(amps), len(seed_list)), np.nan) for o in outputs}
    var = {o: np.full((len(items), len(names)), np.nan) for o in outputs}
    verdicts = np.full((len(items), len(names)), "", dtype=object)
    result = SweepResult(
        config=config,
        amplitudes=amps,
        seeds=seed_list,
        images=tuple(labels),
        outputs=outputs,
        noise=noise,
        variant_names=names,
        variant_configs=dict(variant_map),
        variants=var,
        variant_verdicts=verdicts,
    )

    # Work items: per image, the variants (as configured first) then the amplitudes.
    tasks: list[tuple[int, tuple, tuple]] = []
    for i in range(len(items)):
        for j, name in enumerate(names):
            tasks.append((i, ("variant", j), ("variant", variant_map[name].to_dict())))
        for k, a in enumerate(amps):
            tasks.append((i, ("noise", k), ("noise", a, seed_list)))
    result.total = len(tasks)

    def store(i: int, where: tuple, value: dict[str, Any]) -> None:
        if "error" in value:
            label = names[where[1]] if where[0] == "variant" else f"noise {amps[where[1]]:g}"
            result.errors.append(f"{labels[i]} / {label}: {value['error']}")
            return
        if where[0] == "variant":
            for o, c in value["cos"].items():
                var[o][i, where[1]] = c
            verdicts[i, where[1]] = value.get("verdict", "")
        else:
            for o, cs in value["cos"].items():
                noise[o][i, where[1], :] = cs

    plan = plan_execution(executor)
    task = _SweepTask(
        model_ref=plan.model_ref(model) if plan.kind != "local" else None,
        extra_feeds=feeds,
        config=config.to_dict(),
        threads=plan.threads,
        compare_options={"output_kinds": output_kinds, "interpreters": interpreters},
        live=Comparator(model, extra_feeds=feeds) if plan.kind == "local" else None,
    )
    report = Progress(progress, len(tasks), desc="sweep", unit="item")

    def on_result(item: tuple, value: dict[str, Any]) -> None:
        i, where, _work = tasks[item[2]]
        store(i, where, value)
        result.completed += 1
        report(result.completed)

    try:
        items_run = [(items[i], t, k) for k, (i, _w, t) in enumerate(tasks)]
        result.cancelled = run_tasks(task, items_run, plan, on_result, cancel=cancel)
    finally:
        report.close()
    return result
