"""`evaluate`: the reference / NV12 / noise (/ quantised / board) comparison over an image set.

Per image, the device path's tensors from the pipeline and the model's outputs on every
path (:mod:`~nv12_widgets.model.workflows.evaluate_task`); the record of each image is
appended to a JSON-lines file as it finishes
(:mod:`~nv12_widgets.model.workflows.results_store`: rerunning resumes), then the set is
aggregated with bootstrap intervals, the decomposition of the loss into its causes, the
verdict counts, the ladder float -> NV12 -> quantised -> board, and - with labels - the
classifier's accuracy on every path
(:class:`~nv12_widgets.model.workflows.dataset_result.DatasetResult`).

The infrastructure lives in :mod:`nv12_widgets.model.workflows` (one module each): image
sets, execution (serial / any Executor / Dask), statistics, the results store, task
agreement, the board rung, demo data. This module only wires them together; its names
are re-exported here for the code written against the old single module.

The configuration is checked once per set (``lint``); its findings are kept in
``result.lint`` and enter every image's verdict (rule R1).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from nv12_widgets.core import GroundTruth, InputError, read_ground_truth
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import Pipeline
from nv12_widgets.model.devicepath.session import Model
from nv12_widgets.model.judge.lint import lint as lint_config
from nv12_widgets.model.judge.task_results import selection_key
from nv12_widgets.model.workflows.agreement import (
    KIND_AGREEMENT,
    Agreement,
    task_kind_agreement,
    top1_agreement,
)
from nv12_widgets.model.workflows.board_rung import BoardRung, match_board_dumps
from nv12_widgets.model.workflows.dataset_result import LOSSES, PATHS, DatasetResult
from nv12_widgets.model.workflows.demo import (
    ORIENTATION_CLASSES,
    ORIENTATION_STYLES,
    make_orientation_dataset,
)
from nv12_widgets.model.workflows.evaluate_task import TOPK, EvaluateTask
from nv12_widgets.model.workflows.execution import WORKER_LOADS, Progress, plan_execution, run_tasks
from nv12_widgets.model.workflows.ground_truth import ground_truth_rows
from nv12_widgets.model.workflows.imagesets import (
    IMAGE_SUFFIXES,
    collect_images,
    list_images,
    read_labels,
)
from nv12_widgets.model.workflows.results_store import (
    RESULTS_VERSION,
    ResultsWriter,
    read_records,
    run_key,
)
from nv12_widgets.model.workflows.statistics import bootstrap_ci, mcnemar_exact, paired_bootstrap_ci

__all__ = [
    "IMAGE_SUFFIXES",
    "KIND_AGREEMENT",
    "LOSSES",
    "ORIENTATION_CLASSES",
    "ORIENTATION_STYLES",
    "PATHS",
    "RESULTS_VERSION",
    "TOPK",
    "WORKER_LOADS",
    "DatasetResult",
    "ExecutionOptions",
    "JudgeOptions",
    "LabelOptions",
    "RungOptions",
    "bootstrap_ci",
    "evaluate",
    "list_images",
    "make_orientation_dataset",
    "mcnemar_exact",
    "paired_bootstrap_ci",
    "read_labels",
    "task_kind_agreement",
    "top1_agreement",
]


# ---------------------------------------------------------------------- options
@dataclass(frozen=True)
class LabelOptions:
    """Ground truth of a classifier.

    Attributes
    ----------
    labels : "folder", CSV path or mapping, optional
        See :func:`~nv12_widgets.model.workflows.imagesets.read_labels`.
    classes : sequence of str, optional
        Class names in the classifier output's order. Default: the model's ``character``
        metadata when present (PaddleClas / RapidAI models), else the sorted label names
        (torchvision's ImageFolder convention; integer labels: the class index).
    class_output : str, optional
        The classifier output for predictions / accuracy (default: the first (1, C)
        float output, C >= 2).
    ground_truth : path, optional
        Boxes (COCO ``.json`` file, YOLO txt label folder) or text labels (``path<TAB>
        text`` / ``path,text``) of the images, matched by file name
        (:func:`nv12_widgets.core.read_ground_truth`): each path's mAP@0.5 / CER
        against them (:mod:`~nv12_widgets.model.workflows.ground_truth`).

    >>> LabelOptions("folder").labels
    'folder'
    """

    labels: Any = None
    classes: Sequence[str] | None = None
    class_output: str | None = None
    ground_truth: str | os.PathLike[str] | None = None


@dataclass(frozen=True)
class RungOptions:
    """The rungs of the ladder beyond float reference and NV12.

    Attributes
    ----------
    quantized_model : Model, path, bytes or ModelProto, optional
        A quantised model with the same float image input (e.g. from
        :func:`~nv12_widgets.model.quantize_model`): fed the NV12 path's tensor.
    board_dir : path, optional
        A folder of board output dumps, one per image, matched by name and dequantised
        by their sidecars (:mod:`~nv12_widgets.model.workflows.board_rung`).
    board_output : str, optional
        The model output the dumps hold (default: the classifier output, else the first).

    >>> RungOptions(board_dir="out").board_dir
    'out'
    """

    quantized_model: Any = None
    board_dir: str | os.PathLike[str] | None = None
    board_output: str | None = None


@dataclass(frozen=True)
class JudgeOptions:
    """How images are judged and the set is summarised.

    Attributes
    ----------
    agreement : callable
        ``agreement(output_name, reference, test) -> float or None``; default
        :func:`task_kind_agreement` (classifier top-1, sequence exact match, dense IoU).
        Part of the run key.
    lint : callable or None
        ``lint(config, model) -> list`` of findings, run once per set, kept in
        ``result.lint`` and used in every image's verdict (default
        :func:`nv12_widgets.model.judge.lint.lint`; None: no check).
    n_boot, seed : int
        Bootstrap resamples and seed of the intervals.
    output_kinds, interpreters : optional
        How the outputs read (:func:`~nv12_widgets.model.judge.task_results.resolve_bindings`,
        as :meth:`Comparator.compare` takes them): the task answers every image record
        carries in ``tasks`` (read by ``DatasetResult.task_rows``) and the
        verdicts. Part of the run key. On an executor they must pickle (kind names and
        ``"module:Class"`` plug-ins do).

    >>> JudgeOptions().n_boot
    2000
    >>> JudgeOptions(output_kinds={"output0": "yolov8"}).output_kinds
    {'output0': 'yolov8'}
    >>> same_top1 = JudgeOptions().agreement("y", np.array([[0.1, 0.9]]), np.array([[0.2, 0.8]]))
    >>> same_top1, JudgeOptions().agreement("y", np.array([[0.1, 0.9]]), np.array([[0.8, 0.2]]))
    (1.0, 0.0)
    """

    agreement: Agreement = task_kind_agreement
    lint: Callable[..., list] | None = lint_config
    n_boot: int = 2000
    seed: int = 0
    output_kinds: Mapping[str, Any] | None = None
    interpreters: Any = None


@dataclass(frozen=True)
class ExecutionOptions:
    """Where and how images run (:mod:`~nv12_widgets.model.workflows.execution`).

    Attributes
    ----------
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Default: this process. A process pool should use ``spawn``.
    progress : bool or callable
        True: a ``tqdm.auto`` bar; a callable gets ``(done, total)`` as results arrive
        (first with the images reloaded from the results file).
    cancel : threading.Event, optional
        When set, the partial result is returned (``cancelled=True``); every finished
        image is in the results file.
    threads : int, optional
        onnxruntime intra-op threads per worker (default ``max(1, cores // workers)``).
    batch : int, optional
        Images per executor task (default: balanced batches of at most 8, see
        :func:`~nv12_widgets.model.workflows.execution.split_items`).
    max_in_flight : int, optional
        Images submitted ahead (default 4 x workers x batch).

    >>> ExecutionOptions(progress=False).executor is None
    True
    """

    executor: Any = None
    progress: bool | Callable[[int, int], None] = True
    cancel: threading.Event | None = None
    threads: int | None = None
    batch: int | None = None
    max_in_flight: int | None = None


_GROUPS = {LabelOptions: "labels", RungOptions: "rungs", JudgeOptions: "judge",
           ExecutionOptions: "execution"}  # fmt: skip


def _grouped(labels, rungs, judge, execution, legacy: dict[str, Any]):
    """The four option objects, with the keywords of the 19-parameter ``evaluate``
    (``classes=``, ``executor=``, ``n_boot=``...) folded into the group they belong to."""
    label_opts = labels if isinstance(labels, LabelOptions) else LabelOptions(labels)
    groups = {
        LabelOptions: label_opts,
        RungOptions: rungs or RungOptions(),
        JudgeOptions: judge or JudgeOptions(),
        ExecutionOptions: execution or ExecutionOptions(),
    }
    for key, value in legacy.items():
        cls = next((c for c in groups if key in {f.name for f in fields(c)}), None)
        if cls is None:
            raise TypeError(f"evaluate() got an unexpected keyword argument {key!r}")
        groups[cls] = replace(groups[cls], **{key: value})
    return tuple(groups.values())


# ---------------------------------------------------------------------- the function
def evaluate(
    model: Model | str | os.PathLike[str] | bytes | Any,
    source: Any,
    config: PreprocessConfig | None = None,
    *,
    labels: Any = None,
    results_path: str | os.PathLike[str] | None = None,
    rungs: RungOptions | None = None,
    judge: JudgeOptions | None = None,
    execution: ExecutionOptions | None = None,
    extra_feeds: Mapping[str, Any] | None = None,
    **options: Any,
) -> DatasetResult:
    """Compare the reference, NV12, noise (quantised, board) paths on every image of a set.

    Parameters
    ----------
    model : Model, path, bytes or onnx.ModelProto
        The float model.
    source : folder, glob, file list, image path or list of paths
        See :func:`~nv12_widgets.model.workflows.imagesets.collect_images` (folders are
        walked recursively; raw frames are read by sidecar / ``WxH`` name).
    config : PreprocessConfig, optional
        The training-side preprocessing (default ``Model.starting_config()``: grey
        for a one-channel input, divisor 1 for uint8). Keep ``noise_seed`` set (the
        default 0) for reproducible, resumable results.
    labels : "folder", CSV path, mapping or LabelOptions, optional
        Ground truth (:class:`LabelOptions`).
    results_path : path, optional
        JSON-lines file to append to and resume from.
    rungs, judge, execution : option objects, optional
        :class:`RungOptions` (quantised model, board outputs), :class:`JudgeOptions`
        (agreement, configuration check, bootstrap, output kinds),
        :class:`ExecutionOptions`
        (executor, progress, cancel, threads, batching).
    extra_feeds : mapping, optional
        Values for the model's non-image inputs (a detector's ``scale_factor``...), fed
        on every path of every image, as :meth:`Comparator.compare` takes them; their
        contents are part of the run key.
    **options
        The fields of those objects as keywords (``classes=``, ``quantized_model=``,
        ``board_dir=``, ``ground_truth=``, ``executor=``, ``progress=``, ``cancel=``, ``lint=``,
        ``output_kinds=``, ``interpreters=``...): the keywords of earlier versions keep
        working.

    Returns
    -------
    DatasetResult

    Raises
    ------
    InputError
        A bad source, a config that cannot feed the model, a quantised model whose image
        input differs, a board folder without dumps. Unreadable images never raise:
        they are per-image errors.

    Examples
    --------
    >>> import tempfile
    >>> from nv12_widgets.model import demo_model, demo_config
    >>> pages = make_orientation_dataset(tempfile.mkdtemp(), styles=("plain",))
    >>> r = evaluate(demo_model("orientation"), pages, demo_config("orientation"),
    ...              labels="folder", progress=False)
    >>> len(r.ok), r.accuracy()["n"]
    (12, 12)
    """
    lab, rung, jud, exe = _grouped(labels, rungs, judge, execution, options)
    model = model if isinstance(model, Model) else Model(model)
    config = config if config is not None else model.starting_config()
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
    plan = Pipeline.for_model(model, config).plan  # InputError early: size, channels
    feeds = model.side_feeds(extra_feeds, complete=True)  # InputError before any image
    quant = _quantised(rung.quantized_model, plan.name)
    images = collect_images(source)
    paths = list_images(images.items)
    label_map = read_labels(lab.labels, paths)
    class_output, classes = _classes(model, lab, label_map)
    truth = _ground_truth(lab, paths)
    board = None
    if rung.board_dir is not None:
        output = rung.board_output or class_output or model.output_names[0]
        if output not in model.output_names:
            raise InputError(f"board_output {output!r} is not an output: {model.output_names}.")
        board = BoardRung(str(rung.board_dir), match_board_dumps(rung.board_dir, images), output)
    agreement_name = (
        f"{getattr(jud.agreement, '__module__', '')}."
        f"{getattr(jud.agreement, '__qualname__', repr(jud.agreement))}"
    )
    header = {
        "kind": "run",
        "version": RESULTS_VERSION,
        "model": model.name,
        "model_digest": model.digest,
        "quantized_digest": quant.digest if quant else None,
        "config": config.to_dict(),
        "classes": classes,
        "class_output": class_output,
        "agreement": agreement_name,
    }
    parts = [RESULTS_VERSION, model.digest, model.image_input, config.to_dict(),
             header["quantized_digest"], classes, class_output, agreement_name]  # fmt: skip
    selection = selection_key(jud.output_kinds, jud.interpreters)  # None: the key as before
    if selection is not None:
        header["selection"] = selection
        parts.append(["selection", selection])
    if truth is not None:  # the records keep their decoded answers
        header["ground_truth"] = str(Path(truth.source).absolute())  # from_results reads it
        parts.append(["answers"])
    if feeds:
        parts.append(
            ["feeds", {k: hashlib.sha1(v.tobytes()).hexdigest() for k, v in feeds.items()}]
        )
    if board is not None:
        header["board_dir"] = str(Path(board.folder).absolute())
        parts.append(["board", header["board_dir"], board.output])
    key = run_key(parts)
    result = DatasetResult(
        records=[],
        model_name=model.name,
        run_key=key,
        config=config,
        outputs=tuple(model.output_names),
        classes=classes,
        class_output=class_output,
        results_path=Path(results_path) if results_path is not None else None,
        total=len(paths),
        lint=list(jud.lint(config, model)) if jud.lint is not None else [],
        n_boot=jud.n_boot,
        seed=jud.seed,
        board_output=board.output if board is not None else None,
    )
    _run(model, quant, config, paths, label_map, board, jud, exe, result, header, truth, feeds)
    if truth is not None:
        result.ground_truth = ground_truth_rows(result, truth)
    return result


def _ground_truth(lab: LabelOptions, paths: Sequence[str]) -> GroundTruth | None:
    """The ground truth of :class:`LabelOptions`, checked to cover an image of the set."""
    if lab.ground_truth is None:
        return None
    truth = read_ground_truth(lab.ground_truth)
    if paths and not any(truth.has(p) for p in paths):
        raise InputError(
            f"no image of the set is in the ground truth {truth.source!r} (images are "
            f"matched by file name, e.g. {Path(paths[0]).name!r}): check the file names."
        )
    return truth


def _quantised(quantized_model: Any, input_name: str) -> Model | None:
    if quantized_model is None:
        return None
    quant = quantized_model if isinstance(quantized_model, Model) else Model(quantized_model)
    if quant.image.name != input_name:
        raise InputError(
            f"The quantised model's image input is {quant.image.describe()}, the float model's "
            f"is {input_name!r}: give a quantised model with the same float input."
        )
    return quant


def _classes(model: Model, lab: LabelOptions, label_map: Mapping[str, str]):
    """The classifier output and its class names (see :class:`LabelOptions`)."""
    class_output, classes = lab.class_output, lab.classes
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
                classes = [str(i) for i in range(max(int(n) for n in names) + 1)]
    classes = list(classes) if classes is not None else None
    if label_map and classes is not None:
        unknown = sorted(set(label_map.values()) - set(classes))
        if unknown:
            raise InputError(
                f"labels {unknown[:5]} are not among the classes {classes[:10]}; pass "
                "classes=[...] in the model's output order."
            )
    return class_output, classes


def _model_classes(model: Model) -> list[str] | None:
    """Class names stored in the model: PaddleClas/RapidAI's ``character`` metadata."""
    try:
        meta = model.session.get_modelmeta().custom_metadata_map
    except Exception:  # pragma: no cover - a session always has metadata
        return None
    text = meta.get("character")
    return text.splitlines() if text else None


def _run(
    model, quant, config, paths, label_map, board, jud, exe, result, header, truth, feeds
) -> None:
    """Resume from the results file, run what is left, fill ``result.records``."""
    rpath = result.results_path
    done = read_records(rpath, result.run_key) if rpath is not None else {}
    by_path: dict[str, dict[str, Any]] = {}
    for p in paths:
        if p in done:
            by_path[p] = dict(done[p], label=label_map.get(p, done[p].get("label")))
    todo = [p for p in paths if p not in by_path]
    result.skipped = len(by_path)
    writer = ResultsWriter(rpath)
    if todo and rpath is not None and not done:
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        writer.write({**header, "run": result.run_key, "created": created})

    def store(path: str, value: dict[str, Any]) -> None:
        rec = {"kind": "image", "run": result.run_key, "path": path,
               "label": label_map.get(path), **value}  # fmt: skip
        writer.write(rec)
        by_path[path] = rec
        result.computed += 1
        progress(len(by_path))

    plan = plan_execution(exe.executor, exe.threads)
    task = EvaluateTask(
        model_ref=plan.model_ref(model) if plan.kind != "local" else None,
        quant_ref=plan.model_ref(quant) if quant is not None and plan.kind != "local" else None,
        config=config.to_dict(),
        threads=plan.threads,
        agreement=jud.agreement,
        class_output=result.class_output,
        findings=tuple(result.lint),
        board=board,
        output_kinds=dict(jud.output_kinds) if jud.output_kinds else None,
        interpreters=jud.interpreters,
        live=(model, quant) if plan.kind == "local" else None,
        keep_answers=truth is not None,
        extra_feeds=feeds or None,
    )
    progress = Progress(exe.progress, len(paths), done=len(by_path), desc="evaluate",
                        unit="image")  # fmt: skip
    try:
        result.cancelled = run_tasks(
            task, todo, plan, store, on_error=_failed, cancel=exe.cancel,
            batch=exe.batch, max_in_flight=exe.max_in_flight,
        )  # fmt: skip
    finally:
        writer.close()
        progress.close()
    result.records = [by_path[p] for p in paths if p in by_path]
    if len(result.records) < len(paths):
        result.cancelled = True


def _failed(chunk: Sequence[str], exc: BaseException) -> list[dict[str, Any]]:
    """Records of a batch whose task failed as a whole (e.g. KilledWorker x N)."""
    return [{"status": "error", "error": f"{type(exc).__name__}: {exc}"}] * len(chunk)
