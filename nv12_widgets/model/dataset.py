"""`evaluate`: the reference / NV12 / noise (/ quantised) comparison over a whole image set.

One :func:`~nv12_widgets.model.compare` per image, streamed (one image in memory per
worker), its per-output numbers appended to a JSON-lines file as each image finishes,
then aggregated with bootstrap confidence intervals, the decomposition of the loss into
its causes, the verdict counts and - with labels - the classifier's accuracy on every
path.

Where a number comes from
-------------------------
Per image and output, ``L = 1 - cosine`` of (all from the image's
:class:`~nv12_widgets.model.Comparison`, read in :func:`comparison_record` only):

* ``nv12``: the device path vs the float reference (what deployment costs);
* ``format``: the matched float NV12 round trip vs the reference: the 4:2:0 format itself;
* ``conversion``: the device path vs the matched round trip: the conversion arithmetic
  (swing, matrix, channel order, fixed point, normalisation);
* ``noise``: the vendor's U(0, a) noise test vs the reference: the model's fragility;
* with ``quantized_model``: ``quant`` = the quantised model fed the NV12 path's tensor vs
  the float reference (the whole deployed loss), and ``quantization`` = the quantised
  model vs the float model on the *same* NV12 tensor (what quantisation adds).

**The decomposition** over the set (:meth:`DatasetResult.decomposition`) is the mean over
images of ``L_format``, ``L_conversion``, ``L_noise`` (fragility) and ``L_quantization``,
each with its bootstrap interval, next to the totals ``L_nv12`` and ``L_quant``. For
small perturbations ``1 - cos`` grows with the squared size of the output change, so
the losses of roughly orthogonal changes add: ``L_nv12 ~ L_format + L_conversion`` (the
``share`` column divides each cause by the sum of the three device-side causes, format +
conversion + quantisation). Fragility is a yardstick, not a part of the NV12 loss: it
says how much ``noise_amplitude`` grey levels of noise cost this model, to compare
with.

Intervals
---------
95% percentile bootstrap over images (:func:`bootstrap_ci`): ``n_boot`` (2000) resamples
with replacement of the per-image values, drawn with ``numpy.random.default_rng(seed)``
(seed 0), the 2.5th and 97.5th percentiles of the resampled means (numpy's default
linear interpolation). NaN values (an output without a measurable cosine, a failed
image) are left out before resampling. Accuracy differences are *paired*: the same
resampled images for both paths (:func:`paired_bootstrap_ci`); next to that interval
the exact McNemar test's two-sided p-value on the discordant pairs
(:func:`mcnemar_exact`). Both are shown: with few discordant images the percentile
bootstrap interval can exclude 0 while McNemar's exact p is not small (e.g. 4 of 24
images flipped: interval [-33, -4] points, p = 0.125) - read the p-value before
trusting such an interval. The CLI's ``--min-accuracy-drop`` gate compares the point
estimate of the drop.

Results file (JSON lines)
-------------------------
One JSON object per line: a ``{"kind": "run", ...}`` header per run (model name and
digest, config, quantised model digest, classes) and one ``{"kind": "image", ...}``
record per finished image, each carrying the run key (a hash of the model digest, the
config, the quantised model digest, the classes and the agreement function). Why JSON
lines rather than Parquet: records are appended one at a time as images finish (Parquet
files cannot be appended row by row without rewriting or one row group per image), a
crash loses at most the line being written (a torn last line is ignored when reading),
several runs (configs) can share one file, it needs no pyarrow, and it is readable with
``head``. :meth:`DatasetResult.to_pandas` gives the columnar view. Numbers follow the
package's one JSON policy (:mod:`nv12_widgets.core.jsonsafe`): a non-finite loss is the
string ``"nan"`` (``"inf"``, ``"-inf"``), in the records in memory as in the file, and
the aggregates read it back with :func:`~nv12_widgets.core.from_json_number`; ``null``
means "not defined" (an agreement for an output of kind ``other``). Files written before
this policy (non-finite numbers as ``null``) are still read: ``null`` reads as NaN.

Executors
---------
``executor=None`` runs in this process. Any :class:`concurrent.futures.Executor`
(``ProcessPoolExecutor``) or a ``dask.distributed.Client`` runs one task per image: the
task is a module-level function of (model reference, image path, config dict), so it is
idempotent and may run twice (Dask resubmits the tasks of a worker that died); only the
driver writes the results file, in the order results arrive, so a finished result is
never lost. A task is a small batch of images (at most 8, so that every worker gets
several: per-task costs are paid once per batch). Each worker process loads the model once (a module-level cache keyed on the
model digest) with ``intra_op_num_threads = max(1, cores // workers)`` so that workers do
not oversubscribe the cores. At most ``4 x workers`` tasks are in flight (a million-image
folder does not become a million futures); progress is reported as each task's results
arrive (``distributed.as_completed`` on Dask).
"""

from __future__ import annotations

import glob as _glob
import hashlib
import json
import math
import os
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, ThreadPoolExecutor
from concurrent.futures import wait as _cf_wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nv12_widgets.core import (
    InputError,
    compare_arrays,
    from_json_number,
    load_image,
    output_kind,
    task_agreement,
    to_jsonable,
)
from nv12_widgets.core.jsonsafe import dumps as json_dumps

from .compare import Comparator, Comparison
from .config import PreprocessConfig
from .lint import lint as lint_config
from .pipeline import Pipeline
from .session import Model
from .task_results import selection_key, task_scores

__all__ = [
    "IMAGE_SUFFIXES",
    "ORIENTATION_CLASSES",
    "PATHS",
    "DatasetResult",
    "bootstrap_ci",
    "comparison_record",
    "evaluate",
    "list_images",
    "make_orientation_dataset",
    "mcnemar_exact",
    "paired_bootstrap_ci",
    "read_labels",
    "task_kind_agreement",
    "top1_agreement",
]

#: File suffixes picked up from folders and globs.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
#: The paths measured per image, in display order (``quant`` only with a quantised model).
PATHS = ("reference", "nv12", "format", "noise", "quant")
#: Losses per output in the results (``1 - cosine``), see the module docstring.
LOSSES = ("nv12", "format", "conversion", "noise", "quant", "quantization")
#: Results file format version (in every run header and run key).
RESULTS_VERSION = 1
#: Top-k indices kept per path for classifier outputs.
TOPK = 5

Agreement = Callable[[str, np.ndarray, np.ndarray], "float | None"]


# ====================================================================== the adapter
@dataclass(frozen=True)
class ImageOutputs:
    """What :func:`evaluate` needs from one image's :class:`Comparison`.

    Attributes
    ----------
    outputs : dict
        Path ("reference", "nv12", "format", "noise") -> output name -> array.
    cosines : dict
        Output name -> {"nv12", "format", "conversion", "noise"} -> cosine (float, NaN
        when not measurable).
    verdict : str
        The image's verdict code.
    nv12_tensor : numpy.ndarray or None
        The model input tensor of the NV12 path (layout and normalisation applied), fed
        to a quantised model.
    """

    outputs: dict[str, dict[str, np.ndarray]]
    cosines: dict[str, dict[str, float]]
    verdict: str
    nv12_tensor: np.ndarray | None


def comparison_record(cmp: Comparison, *, pipeline: Pipeline | None = None) -> ImageOutputs:
    """Read a :class:`Comparison` into :class:`ImageOutputs`.

    The only function of this module that reads Comparison / OutputMetrics fields:
    when the model layer renames them, only this function changes. With the comparison's
    ``pipeline`` the NV12 path's tensor is rebuilt by its device normalize stage (for a
    quantised model); without, ``ImageOutputs.nv12_tensor`` is None.
    """
    cosines = {
        name: {
            "nv12": float(m.cosine_nv12),
            "format": float(m.cosine_format),
            "conversion": float(m.cosine_conversion),
            "noise": float(m.cosine_noise),
        }
        for name, m in cmp.metrics.items()
    }
    outputs = {
        "reference": cmp.outputs_reference,
        "nv12": cmp.outputs_nv12,
        "format": cmp.outputs_format,
        "noise": cmp.outputs_noise,
    }
    tensor = None
    if pipeline is not None:
        tensor = pipeline.device_normalize.numpy(cmp.nv12_input)
    return ImageOutputs(outputs, cosines, cmp.verdict().code, tensor)


# ====================================================================== task agreement
def top1_agreement(name: str, reference: np.ndarray, test: np.ndarray) -> float | None:
    """Default task agreement: 1.0 when a classifier output's top-1 class is the same.

    Parameters
    ----------
    name : str
        The output name (unused here; a plug-in may dispatch on it).
    reference, test : numpy.ndarray
        The output on the reference path and on the path judged, same shape.

    Returns
    -------
    float or None
        1.0 / 0.0 for a (1, C) float output with C >= 2, None for other outputs (no
        agreement defined). Plug in another function with the same signature (e.g. the
        per-kind agreement of a task module) through ``evaluate(agreement=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> top1_agreement("p", np.array([[0.1, 0.9]], np.float32), np.array([[0.6, 0.4]], np.float32))
    0.0
    """
    reference, test = np.asarray(reference), np.asarray(test)
    if reference.shape != test.shape or output_kind(reference) != "classifier":
        return None
    return float(task_agreement(reference, test, "classifier")["top1"])


#: The number :func:`task_kind_agreement` takes from ``core.task_agreement``, per kind.
KIND_AGREEMENT = {"classifier": "top1", "sequence": "exact_match", "dense": "iou"}


def task_kind_agreement(name: str, reference: np.ndarray, test: np.ndarray) -> float | None:
    """Default task agreement: the per-kind agreement of :mod:`nv12_widgets.core.heads`.

    The output's kind is :func:`~nv12_widgets.core.output_kind` of the reference; the
    number is one entry of :func:`~nv12_widgets.core.task_agreement` (the one home of
    these rules): classifier -> ``top1`` (same top-1 class, as :func:`top1_agreement`),
    sequence -> ``exact_match`` (same greedy CTC decode), dense -> ``iou`` (of the masks
    above the dense threshold); other kinds -> None (no agreement defined).

    Parameters
    ----------
    name : str
        The output name (unused: the kind is read from the array).
    reference, test : numpy.ndarray
        The output on the reference path and on the path judged, same shape.

    Returns
    -------
    float or None

    Examples
    --------
    >>> import numpy as np
    >>> task_kind_agreement("p", np.array([[0.1, 0.9]], np.float32), np.array([[0.6, 0.4]], np.float32))
    0.0
    """
    reference, test = np.asarray(reference), np.asarray(test)
    if reference.shape != test.shape:
        return None
    kind = output_kind(reference)
    key = KIND_AGREEMENT.get(kind)
    if key is None:
        return None
    value = task_agreement(reference, test, kind)[key]
    return None if value is None else float(value)


# ====================================================================== statistics
def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Mean of ``values`` and its percentile-bootstrap confidence interval.

    Parameters
    ----------
    values : sequence of float
        One value per image; NaNs are dropped first.
    n_boot : int
        Resamples (with replacement, same size as the data).
    seed : int
        Seed of ``numpy.random.default_rng``: the same data give the same interval.
    level : float
        0.95 for the 2.5th..97.5th percentiles of the resampled means.

    Returns
    -------
    (mean, low, high) : tuple of float
        NaN for all three when no value is finite; ``(x, x, x)`` for one value.

    Examples
    --------
    >>> bootstrap_ci([1.0, 1.0, 1.0])
    (1.0, 1.0, 1.0)
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if x.size == 1:
        return (mean, mean, mean)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(n_boot, x.size))
    means = x[idx].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.percentile(means, [100 * alpha, 100 * (1 - alpha)])
    return (mean, float(lo), float(hi))


def paired_bootstrap_ci(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Mean of ``b - a`` over paired samples and its percentile-bootstrap interval.

    The same resampled images are used for both (the pairing), i.e. the bootstrap of the
    per-image differences; pairs with a NaN on either side are dropped.

    Examples
    --------
    >>> paired_bootstrap_ci([1, 1, 0], [1, 1, 0])
    (0.0, 0.0, 0.0)
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise InputError(f"paired samples must have the same length, got {a.size} and {b.size}.")
    return bootstrap_ci(b - a, n_boot=n_boot, seed=seed, level=level)


def mcnemar_exact(a_correct: Sequence[bool], b_correct: Sequence[bool]) -> dict[str, float]:
    """Exact (binomial) McNemar test of two paired classifiers' correctness.

    Parameters
    ----------
    a_correct, b_correct : sequence of bool
        Per image, whether path A / path B predicted the label.

    Returns
    -------
    dict
        ``b`` (A right, B wrong), ``c`` (A wrong, B right) and ``p``: the two-sided
        p-value ``min(1, 2 * P(X <= min(b, c)))`` with ``X ~ Binomial(b + c, 1/2)``
        (1.0 when there is no discordant pair). McNemar, Psychometrika 12 (1947); the
        exact form as in ``statsmodels.stats.contingency_tables.mcnemar(exact=True)``.

    Examples
    --------
    >>> mcnemar_exact([1] * 9 + [0], [0] * 9 + [1])["p"]
    0.021484375
    """
    a = np.asarray(a_correct, dtype=bool).ravel()
    b_ = np.asarray(b_correct, dtype=bool).ravel()
    if a.shape != b_.shape:
        raise InputError(f"paired samples must have the same length, got {a.size} and {b_.size}.")
    b = int(np.sum(a & ~b_))
    c = int(np.sum(~a & b_))
    n = b + c
    if n == 0:
        return {"b": 0, "c": 0, "p": 1.0}
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return {"b": b, "c": c, "p": min(1.0, 2.0 * tail)}


# ====================================================================== sources and labels
def list_images(source: Any) -> list[str]:
    """The image paths of a source, in a stable order.

    Parameters
    ----------
    source : path, glob, list of paths, or a text file
        A folder (every image file below it, recursively, sorted by relative path); a
        glob pattern (``"data/**/*.jpg"``, recursive); a ``.txt`` / ``.lst`` file with
        one image path per line (relative paths are relative to the file; blank lines
        and ``#`` comments skipped); a single image file; or a list of paths.

    Returns
    -------
    list of str
        Paths as strings (files that do not exist are kept: they become per-image
        errors, not a failed run).

    Raises
    ------
    InputError
        A folder without images, a glob matching nothing, a missing source.
    """
    if isinstance(source, str | os.PathLike):
        text = os.fspath(source)
        path = Path(text)
        if path.is_dir():
            files = [
                str(Path(root) / f)
                for root, dirs, names in os.walk(path)
                for f in names
                if Path(f).suffix.lower() in IMAGE_SUFFIXES
            ]
            files.sort(key=lambda p: Path(p).relative_to(path).as_posix())
            if not files:
                raise InputError(
                    f"No images ({', '.join(IMAGE_SUFFIXES)}) in folder {path} or below it."
                )
            return files
        if path.is_file() and path.suffix.lower() in (".txt", ".lst"):
            out = []
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                p = Path(line)
                out.append(str(p if p.is_absolute() else path.parent / p))
            if not out:
                raise InputError(f"The file list {path} names no image.")
            return out
        if path.is_file():
            return [str(path)]
        if _glob.has_magic(text):
            files = sorted(
                p
                for p in _glob.glob(text, recursive=True)
                if Path(p).suffix.lower() in IMAGE_SUFFIXES and Path(p).is_file()
            )
            if not files:
                raise InputError(f"The pattern {text!r} matches no image file.")
            return files
        raise InputError(
            f"Source {text!r} is neither a folder, an image, a .txt file list nor a glob "
            "that exists; check the path."
        )
    if isinstance(source, Iterable):
        out = [os.fspath(p) for p in source]
        if not out:
            raise InputError("The list of images is empty.")
        return out
    raise InputError(
        f"source must be a folder, a glob, a file list or a list of paths, got "
        f"{type(source).__name__}."
    )


def read_labels(labels: Any, paths: Sequence[str]) -> dict[str, str]:
    """Map image paths to class names.

    Parameters
    ----------
    labels : "folder", a CSV path, or a mapping
        ``"folder"``: the ImageFolder layout, class = the name of the image's parent
        folder. A CSV file of ``path,label`` rows (a header row ``path,label`` is
        skipped; relative paths are relative to the CSV, and are also matched by file
        name). A mapping path -> label.
    paths : sequence of str
        The images (from :func:`list_images`).

    Returns
    -------
    dict of str to str
        Only the images that have a label.
    """
    if labels is None:
        return {}
    if isinstance(labels, Mapping):
        given = {os.path.normpath(os.fspath(k)): str(v) for k, v in labels.items()}
        return {p: given[os.path.normpath(p)] for p in paths if os.path.normpath(p) in given}
    if labels == "folder":
        return {p: Path(p).parent.name for p in paths}
    csv_path = Path(os.fspath(labels))
    if not csv_path.is_file():
        raise InputError(f"labels: no CSV file at {csv_path} (or pass labels='folder').")
    import csv

    by_path: dict[str, str] = {}
    by_name: dict[str, str] = {}
    with open(csv_path, newline="", encoding="utf-8") as f:
        for i, row in enumerate(csv.reader(f)):
            if not row or row[0].startswith("#"):
                continue
            if len(row) < 2:
                raise InputError(f"{csv_path} line {i + 1}: expected 'path,label', got {row}.")
            p, lab = row[0].strip(), row[1].strip()
            if i == 0 and (p.lower(), lab.lower()) == ("path", "label"):
                continue
            full = Path(p) if Path(p).is_absolute() else csv_path.parent / p
            by_path[os.path.normpath(str(full))] = lab
            by_name.setdefault(Path(p).name, lab)
    out = {}
    for p in paths:
        key = os.path.normpath(p)
        if key in by_path:
            out[p] = by_path[key]
        elif Path(p).name in by_name:
            out[p] = by_name[Path(p).name]
    return out


def _model_classes(model: Model) -> list[str] | None:
    """Class names stored in the model: PaddleClas/RapidAI's ``character`` metadata."""
    try:
        meta = model.session.get_modelmeta().custom_metadata_map
    except Exception:  # pragma: no cover - a session always has metadata
        return None
    text = meta.get("character")
    return text.splitlines() if text else None


# ====================================================================== per-image work
def _topk(a: np.ndarray, k: int = TOPK) -> list[int]:
    row = np.asarray(a, dtype=np.float64).reshape(-1)
    order = np.argsort(-row, kind="stable")
    return [int(i) for i in order[: min(k, row.size)]]


def _read_image(path: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # conversion notes: not a dataset result
        return load_image(path)


def _read_or_error(path: str) -> np.ndarray | BaseException:
    try:
        return _read_image(path)
    except Exception as exc:  # handed to _compute_image, which records it
        return exc


def _compute_image(
    comparator: Comparator,
    quant: Model | None,
    path: str,
    config: PreprocessConfig,
    agreement: Agreement,
    class_output: str | None,
    image: np.ndarray | BaseException | None = None,
    compare_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One image -> its record (without run key / label). Never raises for the image.

    ``image``: the image already read by a prefetcher (or the exception reading it
    raised); None reads ``path`` here.
    """
    start = time.perf_counter()
    try:
        if image is None:
            image = _read_image(path)
        if isinstance(image, BaseException):
            raise image
        cmp = comparator.compare(image, config, **dict(compare_options or {}))
        del image
        io = comparison_record(
            cmp, pipeline=comparator.pipeline(config) if quant is not None else None
        )
        tasks = task_scores(cmp)  # the task answers' agreement (model.dataset_tasks reads it)
        del cmp
        outputs = dict(io.outputs)
        if quant is not None:
            outputs["quant"] = quant.run_image(io.nv12_tensor)
        losses: dict[str, dict[str, float | None]] = {}
        agree: dict[str, dict[str, float | None]] = {}
        for name, cos in io.cosines.items():
            row = {k: float(1.0 - c) for k, c in cos.items()}
            if quant is not None:
                ref, q, nv = (
                    outputs["reference"][name],
                    outputs["quant"][name],
                    io.outputs["nv12"][name],
                )
                row["quant"] = float(1.0 - compare_arrays(ref, q).cosine)
                row["quantization"] = float(1.0 - compare_arrays(nv, q).cosine)
            losses[name] = row
            ref = outputs["reference"][name]
            agree[name] = {
                p: agreement(name, ref, outputs[p][name]) for p in outputs if p != "reference"
            }
        pred = None
        if class_output is not None:
            pred = {p: _topk(outputs[p][class_output]) for p in outputs}
        # the one JSON policy, in memory as in the file: NaN -> "nan" (module docstring)
        return to_jsonable(
            {
                "status": "ok",
                "verdict": io.verdict,
                "loss": losses,
                "agreement": agree,
                "pred": pred,
                "tasks": tasks,
                "seconds": round(time.perf_counter() - start, 6),
            },
            "image record",
        )
    except Exception as exc:  # any per-image failure is a per-image result
        msg = " ".join(str(exc).split()) or type(exc).__name__
        return {
            "status": "error",
            "error": f"{type(exc).__name__}: {msg}",
            "seconds": round(time.perf_counter() - start, 6),
        }


# Worker-process state: (model digest, quant digest, threads, ...) -> (Comparator, quant).
_WORKER_STATE: dict[tuple, tuple[Comparator, Model | None]] = {}
_WORKER_LOCK = threading.Lock()
#: Model loads done in this process by workers (tests read it: once per worker).
WORKER_LOADS = Counter()


def _load_ref(ref: tuple | None, threads: int) -> Model | None:
    if ref is None:
        return None
    kind, source, image_input, digest = ref
    WORKER_LOADS[digest] += 1
    return Model(source, image_input=image_input, threads=threads)


def _worker_threads(threads: int | Mapping[str, int]) -> int:
    if isinstance(threads, int):
        return threads
    try:  # dask: the per-host value computed by the driver
        from distributed import get_worker

        host = get_worker().address.rsplit(":", 1)[0]
        return int(threads.get(host, threads.get("*", 1)))
    except Exception:
        return int(threads.get("*", 1))


def _evaluate_task(
    model_ref: tuple,
    quant_ref: tuple | None,
    paths: Sequence[str],
    config_dict: dict[str, Any],
    threads: int | Mapping[str, int],
    agreement: Agreement,
    class_output: str | None,
    compare_options: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """A batch of images on a worker (module level, so it pickles): one record each.

    Idempotent: no side effect but the per-process model cache.
    """
    n = _worker_threads(threads)
    key = (model_ref[3], model_ref[2], quant_ref and quant_ref[3], n)
    with _WORKER_LOCK:
        state = _WORKER_STATE.get(key)
        if state is None:
            if len(_WORKER_STATE) >= 2:
                _WORKER_STATE.clear()
            state = (Comparator(_load_ref(model_ref, n), cache_size=1), _load_ref(quant_ref, n))
            _WORKER_STATE[key] = state
    config = PreprocessConfig.from_dict(config_dict)
    return [
        _compute_image(
            state[0], state[1], p, config, agreement, class_output, None, compare_options
        )
        for p in paths
    ]


# ====================================================================== the result
@dataclass
class DatasetResult:
    """Per-image results of :func:`evaluate` and their aggregates.

    Attributes
    ----------
    records : list of dict
        One per image, in source order (see the module docstring for the fields).
    model_name : str
    run_key : str
        Hash of model digest, config, quantised model digest, classes, agreement.
    config : PreprocessConfig
    outputs : tuple of str
        The model's output names.
    classes : list of str or None
        Class names in output order (for labels).
    class_output : str or None
        The classifier output predictions are taken from.
    results_path : pathlib.Path or None
    computed, skipped : int
        Images computed in this call / taken from the results file.
    cancelled : bool
        The run was cancelled before every image was done (records are the done ones).
    total : int
        Images in the source.
    lint : list
        Findings of the ``lint`` hook (the configuration linter's by default).
    """

    records: list[dict[str, Any]]
    model_name: str
    run_key: str
    config: PreprocessConfig
    outputs: tuple[str, ...]
    classes: list[str] | None = None
    class_output: str | None = None
    results_path: Path | None = None
    computed: int = 0
    skipped: int = 0
    cancelled: bool = False
    total: int = 0
    lint: list = field(default_factory=list)
    n_boot: int = 2000
    seed: int = 0

    # ------------------------------------------------------------------ views
    def _output(self, output: str | None) -> str:
        if output is None:
            return self.class_output or self.outputs[0]
        if output not in self.outputs:
            raise InputError(f"Unknown output {output!r}; the outputs are {list(self.outputs)}.")
        return output

    def output_name(self, output: str | None = None) -> str:
        """The output the aggregates are about: ``output`` checked, else the classifier
        output, else the first output."""
        return self._output(output)

    @property
    def ok(self) -> list[dict[str, Any]]:
        """The records of images that were evaluated (no error)."""
        return [r for r in self.records if r["status"] == "ok"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        """``{"path", "error"}`` of every image that could not be evaluated."""
        return [
            {"path": r["path"], "error": r["error"]} for r in self.records if r["status"] != "ok"
        ]

    @property
    def paths(self) -> list[str]:
        """Paths measured (with or without error), source order."""
        return [r["path"] for r in self.records]

    def losses(self, kind: str, output: str | None = None) -> np.ndarray:
        """Per evaluated image, ``1 - cosine`` of one kind (NaN where not measured).

        Parameters
        ----------
        kind : {"nv12", "format", "conversion", "noise", "quant", "quantization"}
        """
        if kind not in LOSSES:
            raise InputError(f"Unknown loss {kind!r}; choose one of {list(LOSSES)}.")
        name = self._output(output)
        return np.array(
            [_nan(r["loss"].get(name, {}).get(kind)) for r in self.ok], dtype=np.float64
        )

    def has_quant(self) -> bool:
        return any("quant" in (r.get("pred") or {}) or _has_quant(r) for r in self.ok)

    # ------------------------------------------------------------------ aggregates
    def decomposition(self, output: str | None = None) -> list[dict[str, Any]]:
        """The loss split into its causes over the set (module docstring), with CIs.

        Returns
        -------
        list of dict
            Rows ``{"cause", "what", "mean", "low", "high", "share", "n"}`` for
            format, conversion, quantisation (with a quantised model), fragility, then
            the totals NV12 (and deployed). ``share`` is the cause's mean over the sum of
            the device-side causes' means (format + conversion + quantisation).
        """
        rows_def = [
            ("format", "format", "4:2:0 chroma: matched float NV12 vs reference"),
            ("conversion", "conversion", "device conversion vs matched float NV12"),
        ]
        if self.has_quant():
            rows_def.append(("quantisation", "quantization", "quantised vs float, NV12 input"))
        rows_def.append(("fragility", "noise", "noise test vs reference (yardstick)"))
        rows_def.append(("total NV12", "nv12", "device NV12 path vs reference"))
        if self.has_quant():
            rows_def.append(("total deployed", "quant", "quantised on NV12 vs float reference"))
        rows = []
        for cause, kind, what in rows_def:
            values = self.losses(kind, output)
            mean, lo, hi = bootstrap_ci(values, n_boot=self.n_boot, seed=self.seed)
            rows.append(
                {
                    "cause": cause,
                    "loss": kind,
                    "what": what,
                    "mean": mean,
                    "low": lo,
                    "high": hi,
                    "n": int(np.isfinite(values).sum()),
                }
            )
        device = [r["mean"] for r in rows if r["loss"] in ("format", "conversion", "quantization")]
        total = float(np.nansum(device))
        for r in rows:
            in_sum = r["loss"] in ("format", "conversion", "quantization")
            r["share"] = r["mean"] / total if in_sum and total > 0 else None
        return rows

    def verdict_counts(self) -> dict[str, int]:
        """Per-image verdict codes counted (errors under ``"error"``)."""
        counts = Counter(r["verdict"] if r["status"] == "ok" else "error" for r in self.records)
        return dict(counts.most_common())

    def agreement(self, output: str | None = None) -> dict[str, tuple[float, float, float]]:
        """Mean task agreement with the reference per path, with bootstrap CIs."""
        name = self._output(output)
        paths = [p for p in PATHS if p != "reference"]
        out = {}
        for p in paths:
            values = [_nan(r["agreement"].get(name, {}).get(p)) for r in self.ok]
            if any(math.isfinite(v) for v in values):
                out[p] = bootstrap_ci(values, n_boot=self.n_boot, seed=self.seed)
        return out

    def _labelled(self) -> tuple[list[dict[str, Any]], list[int]]:
        if self.classes is None:
            return [], []
        index = {c: i for i, c in enumerate(self.classes)}
        recs, idx = [], []
        for r in self.ok:
            lab = r.get("label")
            if lab is not None and r.get("pred") and lab in index:
                recs.append(r)
                idx.append(index[lab])
        return recs, idx

    def correct(self, path: str, k: int = 1) -> np.ndarray:
        """Per labelled image, whether ``path``'s top-``k`` contains the label (bool)."""
        recs, idx = self._labelled()
        return np.array([i in r["pred"][path][:k] for r, i in zip(recs, idx, strict=True)])

    def accuracy(self) -> dict[str, Any]:
        """Top-1 / top-5 accuracy per path with CIs, and the paired differences.

        Returns
        -------
        dict
            ``n`` labelled images; ``top1`` / ``top5``: path -> (mean, low, high)
            (top-5 only when the classifier has more than 5 classes);
            ``diff``: path -> {"top1": (mean, low, high), "mcnemar": {b, c, p}}: the
            paired difference of the path's top-1 accuracy minus the reference's
            (paired bootstrap interval) and the exact McNemar p-value. Empty when there
            are no labels.
        """
        recs, idx = self._labelled()
        if not recs:
            return {"n": 0}
        paths = [p for p in PATHS if p in recs[0]["pred"]]
        n_classes = len(self.classes or [])
        out: dict[str, Any] = {"n": len(recs), "top1": {}, "top5": {}, "diff": {}}
        ref1 = self.correct("reference", 1)
        for p in paths:
            c1 = self.correct(p, 1)
            out["top1"][p] = bootstrap_ci(c1, n_boot=self.n_boot, seed=self.seed)
            if n_classes > 5:
                out["top5"][p] = bootstrap_ci(
                    self.correct(p, 5), n_boot=self.n_boot, seed=self.seed
                )
            if p != "reference":
                out["diff"][p] = {
                    "top1": paired_bootstrap_ci(ref1, c1, n_boot=self.n_boot, seed=self.seed),
                    "mcnemar": mcnemar_exact(ref1, c1),
                }
        return out

    def worst(self, n: int = 10, by: str = "nv12", output: str | None = None) -> list[dict]:
        """The ``n`` images with the largest loss ``by`` (path, loss, verdict)."""
        values = self.losses(by, output)
        order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")[:n]
        ok = self.ok
        return [
            {"path": ok[i]["path"], "loss": float(values[i]), "verdict": ok[i]["verdict"]}
            for i in order
        ]

    def accuracy_drop(self, path: str = "nv12") -> tuple[float, float, float] | None:
        """Top-1 accuracy of the reference minus ``path``'s, with its paired interval
        (positive = ``path`` loses accuracy); None without labels."""
        acc = self.accuracy()
        if not acc.get("n") or path not in acc["diff"]:
            return None
        m, lo, hi = acc["diff"][path]["top1"]
        return (-m, -hi, -lo)

    # ------------------------------------------------------------------ export
    def to_pandas(self):
        """One row per (image, output): losses, agreements, label and predictions.

        Needs pandas (``pip install nv12_widgets[dask]`` or ``[dataset]``).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise InputError(
                "DatasetResult.to_pandas needs pandas: pip install 'nv12_widgets[dataset]'."
            ) from exc
        index = {c: i for i, c in enumerate(self.classes or [])}
        rows = []
        for r in self.records:
            base = {
                "path": r["path"],
                "label": r.get("label"),
                "status": r["status"],
                "error": r.get("error"),
                "verdict": r.get("verdict"),
                "seconds": r.get("seconds"),
            }
            if r["status"] != "ok":
                rows.append(base)
                continue
            for name in self.outputs:
                row = dict(base, output=name)
                for k in LOSSES:
                    row[f"loss_{k}"] = _nan(r["loss"].get(name, {}).get(k))
                for p, v in r["agreement"].get(name, {}).items():
                    row[f"agreement_{p}"] = _nan(v)
                if r.get("pred") and name == self.class_output:
                    lab = index.get(r.get("label")) if r.get("label") is not None else None
                    for p, top in r["pred"].items():
                        row[f"pred_{p}"] = (
                            (self.classes or [None] * (top[0] + 1))[top[0]]
                            if (self.classes and top[0] < len(self.classes))
                            else top[0]
                        )
                        if lab is not None:
                            row[f"correct_{p}"] = bool(top[0] == lab)
                rows.append(row)
        return pd.DataFrame(rows)

    def summary(self, output: str | None = None) -> str:
        """A plain-text report: counts, decomposition, verdicts, accuracy."""
        name = self._output(output)
        lines = [
            f"{self.model_name}: {len(self.ok)} image(s) evaluated, {len(self.errors)} "
            f"error(s) of {self.total}"
            + (" (cancelled)" if self.cancelled else "")
            + f"; output {name!r}",
            "",
            f"{'cause':<16} {'mean 1-cos':>11} {'95% CI':>23} {'share':>6}  what",
        ]
        for r in self.decomposition(name):
            share = f"{100 * r['share']:5.1f}%" if r["share"] is not None else "     -"
            lines.append(
                f"{r['cause']:<16} {_e(r['mean']):>11} [{_e(r['low'])}, {_e(r['high'])}] "
                f"{share:>6}  {r['what']}"
            )
        lines.append("")
        lines.append("verdicts: " + ", ".join(f"{k} {v}" for k, v in self.verdict_counts().items()))
        agree = self.agreement(name)
        if agree:
            lines.append(
                "task agreement with the reference: "
                + ", ".join(f"{p} {_pct(v)}" for p, v in agree.items())
            )
        acc = self.accuracy()
        if acc.get("n"):
            lines.append("")
            lines.append(f"accuracy on {acc['n']} labelled image(s), 95% bootstrap CI:")
            for p, v in acc["top1"].items():
                extra = f", top-5 {_pct(acc['top5'][p])}" if p in acc["top5"] else ""
                diff = ""
                if p in acc["diff"]:
                    d = acc["diff"][p]
                    m, lo, hi = d["top1"]
                    diff = (
                        f"; vs reference {100 * m:+.1f} pts [{100 * lo:+.1f}, {100 * hi:+.1f}]"
                        f" (paired bootstrap), McNemar exact p={d['mcnemar']['p']:.3g}"
                    )
                lines.append(f"  {p:<10} top-1 {_pct(v)}{extra}{diff}")
        for e in self.errors[:10]:
            lines.append(f"error: {e['path']}: {e['error']}")
        if self.lint:
            lines.append("")
            lines.append("configuration check:")
            lines.extend(f"  {f}" for f in self.lint)
        return "\n".join(lines)

    def plot(self, ax: Any = None, *, output: str | None = None) -> Any:
        """The decomposition as bars with their 95% bootstrap intervals as whiskers.

        Every number is a row of :meth:`decomposition` (mean, low, high); causes are
        blue, the totals grey. Needs matplotlib.

        Returns
        -------
        matplotlib.figure.Figure
        """
        if ax is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(6.4, 3.2), dpi=100)
            ax = fig.add_subplot(1, 1, 1)
        else:
            fig = ax.figure
        rows = self.decomposition(output)
        names = [r["cause"] for r in rows]
        mean = np.array([r["mean"] for r in rows], dtype=np.float64)
        low = np.array([r["low"] for r in rows], dtype=np.float64)
        high = np.array([r["high"] for r in rows], dtype=np.float64)
        shown = np.nan_to_num(mean, nan=0.0)
        err = np.vstack([np.nan_to_num(shown - low), np.nan_to_num(high - shown)])
        colors = ["#8a8a8a" if r["cause"].startswith("total") else "#3b6ea8" for r in rows]
        y = np.arange(len(rows))[::-1]
        ax.barh(y, shown, xerr=np.clip(err, 0, None), color=colors, capsize=3)
        ax.set_yticks(y, names)
        ax.set_xlabel("mean 1 - cosine over images (95% bootstrap CI)")
        ax.set_title(
            f"{self.model_name}: {len(self.ok)} of {self.total} image(s)"
            + (" (cancelled)" if self.cancelled else ""),
            fontsize=10,
        )
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        return (
            f"DatasetResult({self.model_name!r}, {len(self.ok)} ok, {len(self.errors)} errors, "
            f"total {self.total}{', cancelled' if self.cancelled else ''})"
        )


def _has_quant(r: dict[str, Any]) -> bool:
    return any("quant" in v for v in r.get("loss", {}).values())


def _nan(v: Any) -> float:
    """A stored number as a float: ``"nan"``/``"inf"`` (the JSON policy) and ``null``
    (files written before it, and undefined values) read as NaN / inf."""
    return math.nan if v is None else float(from_json_number(v))


def _e(v: float) -> str:
    return "nan" if not math.isfinite(v) else f"{v:.2e}"


def _pct(v: tuple[float, float, float]) -> str:
    m, lo, hi = v
    return f"{100 * m:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"


# ====================================================================== results file
def _read_results(path: Path, run_key: str) -> dict[str, dict[str, Any]]:
    """Records of ``run_key`` already in the file, by image path (last one wins)."""
    done: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return done
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line from an interrupted run
            if rec.get("kind") == "image" and rec.get("run") == run_key:
                done[rec["path"]] = rec
    return done


class _Writer:
    """Appends JSON lines; opens lazily, flushes each line."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.f = None

    def write(self, obj: dict[str, Any]) -> None:
        if self.path is None:
            return
        if self.f is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            torn = False
            if self.path.exists() and self.path.stat().st_size:
                with open(self.path, "rb") as r:
                    r.seek(-1, os.SEEK_END)
                    torn = r.read(1) != b"\n"
            self.f = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
            if torn:
                self.f.write("\n")
        self.f.write(json_dumps(obj, separators=(",", ":")) + "\n")
        self.f.flush()

    def close(self) -> None:
        if self.f is not None:
            self.f.close()
            self.f = None


# ====================================================================== executors
def _is_dask_client(executor: Any) -> bool:
    return type(executor).__module__.startswith("distributed") and hasattr(
        executor, "scheduler_info"
    )


def _model_ref(model: Model, for_dask: Any = None) -> tuple:
    if for_dask is not None:  # ship the bytes once to every worker (remote clusters too)
        data = for_dask.scatter(model.model_bytes, broadcast=True, hash=False)
        return ("bytes", data, model.image_input, model.digest)
    if model.path is not None and model.path.exists():
        return ("path", str(model.path), model.image_input, model.digest)
    return ("bytes", model.model_bytes, model.image_input, model.digest)


def _dask_threads(client: Any) -> dict[str, int]:
    """intra-op threads per host: cores of the host // worker threads on the host."""
    info = (
        client.scheduler_info(n_workers=-1)
        if _accepts_n_workers(client)
        else client.scheduler_info()
    )
    workers = info.get("workers", {})
    cores = client.run(os.cpu_count)
    per_host: dict[str, int] = {}
    host_cores: dict[str, int] = {}
    for addr, w in workers.items():
        host = addr.rsplit(":", 1)[0]
        per_host[host] = per_host.get(host, 0) + int(w.get("nthreads", 1))
        host_cores[host] = int(cores.get(addr) or 1)
    out = {h: max(1, host_cores[h] // n) for h, n in per_host.items()}
    out["*"] = min(out.values()) if out else 1
    return out


def _accepts_n_workers(client: Any) -> bool:
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def _executor_workers(executor: Executor) -> int:
    n = getattr(executor, "_max_workers", None)
    return int(n) if n else (os.cpu_count() or 1)


# ====================================================================== the function
def evaluate(
    model: Model | str | os.PathLike[str] | bytes | Any,
    source: Any,
    config: PreprocessConfig | None = None,
    *,
    labels: Any = None,
    classes: Sequence[str] | None = None,
    quantized_model: Model | str | os.PathLike[str] | bytes | Any = None,
    executor: Any = None,
    results_path: str | os.PathLike[str] | None = None,
    progress: bool | Callable[[int, int], None] = True,
    cancel: threading.Event | None = None,
    agreement: Agreement = task_kind_agreement,
    class_output: str | None = None,
    lint: Callable[..., list] | None = lint_config,
    max_in_flight: int | None = None,
    threads: int | None = None,
    batch: int | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    output_kinds: Mapping[str, Any] | None = None,
    interpreters: Any = None,
) -> DatasetResult:
    """Compare the reference, NV12, noise (and quantised) paths on every image of a set.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
        The float model.
    source : folder, glob, file list, image path or list of paths
        See :func:`list_images` (folders are walked recursively).
    config : PreprocessConfig, optional
        The training-side preprocessing (default ``PreprocessConfig()``). Keep
        ``noise_seed`` set (the default 0) for reproducible, resumable results.
    labels : "folder", CSV path or mapping, optional
        Ground truth for a classifier (see :func:`read_labels`).
    classes : sequence of str, optional
        Class names in the classifier output's order. Default: the model's
        ``character`` metadata when present (PaddleClas / RapidAI models), else the
        sorted label names (torchvision's ImageFolder convention).
    quantized_model : Model, path, bytes or onnx.ModelProto, optional
        A quantised model with the same float image input (e.g. from
        :func:`~nv12_widgets.model.quantize_model`): fed the NV12 path's tensor.
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Where images run (module docstring); default in this process.
        A process pool should start its workers with ``spawn`` (or ``forkserver``):
        ``ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))``; a
        forked worker can inherit a lock held by one of onnxruntime's threads and hang.
    results_path : path, optional
        JSON-lines file to append to and resume from.
    progress : bool or callable
        True: a ``tqdm.auto`` bar; a callable gets ``(done, total)`` as results arrive.
    cancel : threading.Event, optional
        Checked as results arrive; when set the partial result is returned
        (``cancelled=True``), pending tasks are cancelled, and every finished image is in
        the results file.
    agreement : callable
        ``agreement(output_name, reference, test) -> float or None``: the task agreement
        of each output (default :func:`task_kind_agreement`: classifier top-1, sequence
        exact match, dense IoU). Part of the run key.
    class_output : str, optional
        The classifier output for predictions/accuracy (default: the first (1, C)
        float output, C >= 2).
    lint : callable or None
        ``lint(config, model) -> list`` of findings, run once, kept in ``result.lint``
        and listed by :meth:`DatasetResult.summary` (default
        :func:`nv12_widgets.model.lint.lint`; None: no check).
    max_in_flight : int, optional
        Images submitted ahead (default 4 x workers x batch).
    batch : int, optional
        Images per task on an executor (default ``min(8, images // (4 x workers))``, at
        least 1): fewer, larger tasks amortise the per-task cost of Dask / the pool.
    threads : int, optional
        onnxruntime intra-op threads per worker (default ``max(1, cores // workers)``
        per host); in-process runs use ``model``'s own session.
    n_boot, seed : int
        Bootstrap resamples and seed of the intervals.
    output_kinds, interpreters : optional
        How the outputs read (task answers, verdicts): passed to
        :meth:`Comparator.compare`; part of the run key. On an executor they must pickle
        (kind names and ``"module:Class"`` plug-ins do).

    Returns
    -------
    DatasetResult

    Raises
    ------
    InputError
        A bad source, a config that cannot feed the model, a quantised model whose image
        input differs. Unreadable images never raise: they are per-image errors.
    """
    model = model if isinstance(model, Model) else Model(model)
    config = config if config is not None else PreprocessConfig()
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
    comparator = Comparator(model, cache_size=1)
    plan = comparator.plan(config)  # InputError early: no image input, size, channels
    quant = None
    if quantized_model is not None:
        quant = quantized_model if isinstance(quantized_model, Model) else Model(quantized_model)
        info = quant.image
        if info.name != plan.name:
            raise InputError(
                f"The quantised model's image input is {info.describe()}, the float model's is "
                f"{plan.name!r}: give a quantised model with the same float input."
            )
    paths = list_images(source)
    label_map = read_labels(labels, paths)

    # the classifier output and its classes
    if class_output is None:
        for info in model.outputs:
            shape = info.shape
            if len(shape) == 2 and isinstance(shape[1], int) and shape[1] >= 2:
                if info.dtype.kind == "f":
                    class_output = info.name
                    break
    elif class_output not in model.output_names:
        raise InputError(f"class_output {class_output!r} is not an output: {model.output_names}.")
    if classes is None and class_output is not None:
        classes = _model_classes(model)
        if classes is None and label_map:
            names = sorted(set(label_map.values()))
            classes = names if all(not n.isdigit() for n in names) else None
            if classes is None:  # integer labels: the class index itself
                top = max(int(n) for n in names)
                classes = [str(i) for i in range(top + 1)]
    classes = list(classes) if classes is not None else None
    if label_map and classes is not None:
        unknown = sorted(set(label_map.values()) - set(classes))
        if unknown:
            raise InputError(
                f"labels {unknown[:5]} are not among the classes {classes[:10]}; pass "
                "classes=[...] in the model's output order."
            )
    agreement_name = f"{getattr(agreement, '__module__', '')}.{getattr(agreement, '__qualname__', repr(agreement))}"
    compare_options = {"output_kinds": output_kinds, "interpreters": interpreters}
    selection = selection_key(output_kinds, interpreters)  # None: the run key as before
    run_key = hashlib.blake2b(
        json.dumps(
            [
                RESULTS_VERSION,
                model.digest,
                model.image_input,
                config.to_dict(),
                quant.digest if quant else None,
                classes,
                class_output,
                agreement_name,
                *([selection] if selection is not None else []),
            ],
            sort_keys=True,
        ).encode(),
        digest_size=10,
    ).hexdigest()

    rpath = Path(results_path) if results_path is not None else None
    done = _read_results(rpath, run_key) if rpath is not None else {}
    writer = _Writer(rpath)
    result = DatasetResult(
        records=[],
        model_name=model.name,
        run_key=run_key,
        config=config,
        outputs=tuple(model.output_names),
        classes=classes,
        class_output=class_output,
        results_path=rpath,
        total=len(paths),
        lint=list(lint(config, model)) if lint is not None else [],
        n_boot=n_boot,
        seed=seed,
    )
    by_path: dict[str, dict[str, Any]] = {}
    todo = []
    for p in paths:
        if p in done:
            rec = done[p]
            if p in label_map:
                rec["label"] = label_map[p]
            by_path[p] = rec
        else:
            todo.append(p)
    result.skipped = len(by_path)
    if todo and rpath is not None and not done:
        writer.write(
            {
                "kind": "run",
                "run": run_key,
                "version": RESULTS_VERSION,
                "model": model.name,
                "model_digest": model.digest,
                "quantized_digest": quant.digest if quant else None,
                "config": config.to_dict(),
                "classes": classes,
                "class_output": class_output,
                "agreement": agreement_name,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )

    def store(path: str, value: dict[str, Any]) -> None:
        rec = {"kind": "image", "run": run_key, "path": path, "label": label_map.get(path)}
        rec.update(value)
        writer.write(rec)
        by_path[path] = rec
        result.computed += 1

    bar, report = _progress(progress, len(paths))
    report(len(by_path))
    try:
        if executor is None:
            # one reader thread decodes the next image while this one runs (PNG/JPEG
            # decoding and onnxruntime both release the GIL): two images in memory
            with ThreadPoolExecutor(1) as reader:
                ahead = reader.submit(_read_or_error, todo[0]) if todo else None
                for i, p in enumerate(todo):
                    if cancel is not None and cancel.is_set():
                        result.cancelled = True
                        break
                    image = ahead.result()
                    ahead = (
                        reader.submit(_read_or_error, todo[i + 1]) if i + 1 < len(todo) else None
                    )
                    value = _compute_image(
                        comparator,
                        quant,
                        p,
                        config,
                        agreement,
                        class_output,
                        image=image,
                        compare_options=compare_options,
                    )
                    del image
                    store(p, value)
                    report(len(by_path))
        else:
            _run_distributed(
                executor,
                model,
                quant,
                todo,
                config,
                agreement,
                class_output,
                store,
                lambda: report(len(by_path)),
                cancel,
                result,
                max_in_flight,
                threads,
                batch,
                compare_options,
            )
    finally:
        writer.close()
        if bar is not None:
            bar.close()
    result.records = [by_path[p] for p in paths if p in by_path]
    if len(result.records) < len(paths):
        result.cancelled = True
    return result


def _run_distributed(
    executor,
    model,
    quant,
    todo,
    config,
    agreement,
    class_output,
    store,
    report,
    cancel,
    result,
    max_in_flight,
    threads_override=None,
    batch=None,
    compare_options=None,
) -> None:
    config_dict = config.to_dict()
    dask = _is_dask_client(executor)
    if dask:
        threads: int | dict[str, int] = threads_override or _dask_threads(executor)
        workers = max(1, sum(executor.nthreads().values()))
        model_ref = _model_ref(model, for_dask=executor)
        quant_ref = _model_ref(quant, for_dask=executor) if quant is not None else None
        extra = {"pure": False}
    elif isinstance(executor, Executor):
        workers = _executor_workers(executor)
        threads = threads_override or max(1, (os.cpu_count() or 1) // workers)
        model_ref = _model_ref(model)
        quant_ref = _model_ref(quant) if quant is not None else None
        extra = {}
    else:
        raise InputError(
            "executor must be None, a concurrent.futures.Executor or a dask.distributed.Client, "
            f"got {type(executor).__name__}."
        )
    # A task is a few images: per-task costs (scheduling, pickling, a result message)
    # are paid once per batch; batches stay small so that every worker gets several.
    size = batch or max(1, min(8, len(todo) // (4 * workers)))
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    window = max(1, (max_in_flight or 4 * workers * size) // size)
    queue = iter(batches)
    futures: dict[Any, list[str]] = {}

    if dask:
        from distributed import as_completed

        completed = as_completed()
    else:
        completed = None

    def fill() -> None:
        while len(futures) < window:
            chunk = next(queue, None)
            if chunk is None:
                return
            fut = executor.submit(
                _evaluate_task,
                model_ref,
                quant_ref,
                chunk,
                config_dict,
                threads,
                agreement,
                class_output,
                compare_options,
                **extra,
            )
            futures[fut] = chunk
            if completed is not None:
                completed.add(fut)

    def finished():
        """Futures as they complete (dask: its as_completed; else concurrent.futures.wait)."""
        if completed is not None:
            yield from completed
            return
        while futures:
            done, _ = _cf_wait(list(futures), timeout=0.5, return_when=FIRST_COMPLETED)
            yield from done

    try:
        fill()
        for fut in finished():
            chunk = futures.pop(fut, None)
            if chunk is None or fut.cancelled():
                continue
            try:
                values = fut.result()
            except Exception as exc:  # the task itself failed (e.g. KilledWorker x N)
                err = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
                values = [err] * len(chunk)
            for p, value in zip(chunk, values, strict=True):
                store(p, value)
                report()
            if cancel is not None and cancel.is_set():
                result.cancelled = True
                break
            fill()
    finally:
        for fut in futures:
            fut.cancel()


def _progress(progress: bool | Callable[[int, int], None], total: int):
    if callable(progress):
        return None, lambda done: progress(done, total)
    if not progress:
        return None, lambda done: None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="evaluate", unit="image")

    def report(done: int) -> None:
        bar.update(done - bar.n)

    return bar, report


# ====================================================================== the demo set
#: Class names of the bundled orientation classifier, in its output order (from the
#: model's ``character`` metadata): the clockwise rotation of the page, in degrees.
ORIENTATION_CLASSES = ("0", "90", "180", "270")

_WORDS = (
    "the quick brown fox jumps over lazy dog camera frame chroma luma sample device "
    "model accuracy pipeline colour matrix swing studio full range planar"
).split()

#: Page styles: (background RGB, text RGB, font scale). "plain": dark text on paper;
#: "isoluminant": blue text on red of about the same luma (BT.601 Y 111 vs 102), so the
#: text is mostly in the chroma that 4:2:0 subsamples.
ORIENTATION_STYLES = {
    "plain": ((245, 245, 245), (30, 30, 30), 0.45),
    "isoluminant": ((200, 60, 60), (60, 120, 200), 0.35),
}


def _page(photo: np.ndarray, seed: int, style: str, h: int = 320, w: int = 240) -> np.ndarray:
    import cv2

    bg, fg, scale = ORIENTATION_STYLES[style]
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = bg
    fig_w = w - 40
    fig = cv2.resize(
        photo, (fig_w, fig_w * photo.shape[0] // photo.shape[1]), interpolation=cv2.INTER_AREA
    )[:110]
    img[20 : 20 + fig.shape[0], 20 : 20 + fig.shape[1]] = fig
    y = 20 + fig.shape[0] + 22
    while y < h - 10:
        x = 20
        while True:
            word = _WORDS[int(rng.integers(len(_WORDS)))]
            (tw, _), _ = cv2.getTextSize(word + " ", cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
            if x + tw > w - 20:
                break
            cv2.putText(img, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, fg, 1, cv2.LINE_AA)
            x += tw
        y += int(40 * scale)
    return img


def make_orientation_dataset(
    folder: str | os.PathLike[str], styles: Sequence[str] = ("plain", "isoluminant")
) -> Path:
    """Write the labelled demo set of the orientation classifier (ImageFolder layout).

    Each bundled photo (astronaut, coffee, chelsea) is placed as a figure on a 240x320
    page of rendered text (OpenCV Hershey font, seeded words) in each style of
    :data:`ORIENTATION_STYLES`, and the page is saved rotated clockwise by 0, 90, 180
    and 270 degrees under ``folder/<degrees>/<photo>-<style>.png`` (24 PNGs for the two
    default styles). The classifier is a text-document model: on the bare photos it
    is at chance level, which is why the photos are put on pages.

    Parameters
    ----------
    folder : path
        Created if needed; existing files with the same names are overwritten.
    styles : sequence of str
        Keys of :data:`ORIENTATION_STYLES`.

    Returns
    -------
    pathlib.Path
        ``folder``; evaluate it with ``labels="folder"``.
    """
    import cv2

    from .assets import DEMO_IMAGES, demo_image_paths

    bad = [s for s in styles if s not in ORIENTATION_STYLES]
    if bad:
        raise InputError(f"Unknown style(s) {bad}; choose from {list(ORIENTATION_STYLES)}.")
    root = Path(folder)
    for deg in ORIENTATION_CLASSES:
        (root / deg).mkdir(parents=True, exist_ok=True)
    for i, (name, path) in enumerate(zip(DEMO_IMAGES, demo_image_paths(), strict=True)):
        photo = load_image(path)
        for style in styles:
            page = _page(photo, i, style)
            for deg in ORIENTATION_CLASSES:
                # np.rot90 turns counter-clockwise: k = -deg/90 turns clockwise by deg
                rotated = np.rot90(page, k=-(int(deg) // 90))
                out = root / deg / f"{name}-{style}.png"
                if not cv2.imwrite(str(out), np.ascontiguousarray(rotated[..., ::-1])):
                    raise InputError(f"Could not write {out}.")
    return root
