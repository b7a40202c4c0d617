"""One image of ``evaluate``: the pipeline's tensors, the forward passes, the record.

Per image, :class:`EvaluateTask` (picklable: it runs in this process or on workers, see
:mod:`~nv12_widgets.model.workflows.execution`)

1. reads the file with the one source loader (:func:`nv12_widgets.core.load_source`:
   an image, or a raw frame by sidecar / ``WxH`` name) and gets every tensor from the
   device-path executor (:meth:`Pipeline.run` / :meth:`Pipeline.run_frame`): reference,
   device (NV12) and matched tensors; the noise tensor is the reference pixels plus the
   config's noise (drawn once per set: the same seed gives the same unit noise, scaled),
   exactly ``core.add_noise`` computed in the model's layout;
2. runs the forward passes - all paths of the image in **one** batched run when the
   model's batch axis is free (onnxruntime computes each batch item as it would alone:
   checked bit for bit in the tests), else one run per path; a path whose tensor equals
   another's reuses its outputs;
3. measures each output as :class:`~nv12_widgets.model.Comparator` does
   (``results.measure_path`` / ``output_metrics`` / ``verdict_of``) with the
   configuration findings checked **once per set** (the driver passes them in);
4. adds the quantised model's outputs (fed the NV12 path's tensor) and the board's
   (:mod:`.board_rung`), the task agreement per path, the top-k predictions.

Reading and preparing the next image runs in a helper thread while this one runs the
model (both release the GIL). A failure of one image is that image's error record.
"""

from __future__ import annotations

import time
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

import numpy as np

from nv12_widgets.core import (
    NV12,
    compare_arrays,
    load_source,
    output_kind,
    scale_noise,
    signal_of,
    to_jsonable,
    to_layout,
    unit_noise,
)
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import Pipeline
from nv12_widgets.model.devicepath.session import Model
from nv12_widgets.model.judge.measures import measure_path, output_metrics
from nv12_widgets.model.judge.results import verdict_of
from nv12_widgets.model.judge.task_results import per_output_kinds, task_metrics, task_scores

from .agreement import Agreement
from .board_rung import BoardRung
from .execution import (
    ModelRef,
    heap_for_large_arrays,
    load_model,
    worker_cached,
    worker_threads,
)
from .ground_truth import task_answers

__all__ = ["TOPK", "EvaluateTask", "topk"]

#: Top-k indices kept per path for classifier outputs.
TOPK = 5


def topk(a: np.ndarray, k: int = TOPK) -> list[int]:
    """Indices of the ``k`` largest values, largest first (ties: the lower index first).

    >>> topk(np.array([[0.1, 0.7, 0.2]]), 2)
    [1, 2]
    """
    row = np.asarray(a, dtype=np.float64).reshape(-1)
    order = np.argsort(-row, kind="stable")
    return [int(i) for i in order[: min(k, row.size)]]


@dataclass
class _State:
    """What a worker keeps between images of one run."""

    model: Model
    quant: Model | None
    pipeline: Pipeline
    batched: bool
    units: dict = field(default_factory=dict)


@dataclass
class _Prepared:
    run: Any  # PipelineRun
    is_frame: bool
    noisy: np.ndarray | None
    source_size: tuple[int, int] = (0, 0)
    tensors: dict[str, np.ndarray] = field(default_factory=dict)
    alias: dict[str, str] = field(default_factory=dict)
    batch: np.ndarray | None = None


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Exactly equal arrays (a byte comparison: no boolean array as ``array_equal``)."""
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _kind(reference: np.ndarray, override: str | None = None) -> str:
    """The output's kind as :class:`~nv12_widgets.model.Comparator` reads it: the
    user's ``output_kinds`` entry (an unknown kind is an InputError: the image's error),
    else ``core.output_kind`` ("other" when it cannot tell)."""
    if override is not None:
        return output_kind(reference, override)
    try:
        return output_kind(reference)
    except Exception:  # e.g. a non-numeric output: no task metric
        return "other"


def _free_batch(model: Model) -> bool:
    dim = model.image.shape[0] if model.image.shape else 1
    return not isinstance(dim, int) and len(model.inputs) == 1


@dataclass
class EvaluateTask:
    """The per-image work of ``evaluate`` (see the module docstring).

    ``live`` holds the caller's models for an in-process run; it is not pickled: a
    worker loads the models from the refs once (:func:`worker_cached`).

    Examples
    --------
    >>> from nv12_widgets.model import demo_config, demo_image_paths, demo_model
    >>> from nv12_widgets.model.workflows.agreement import task_kind_agreement
    >>> m = demo_model("orientation")
    >>> task = EvaluateTask(None, None, demo_config("orientation").to_dict(), 1,
    ...                     task_kind_agreement, "fetch_name_0", live=(m, None))
    >>> [r["status"] for r in task.results([str(demo_image_paths()[0]), "missing.png"])]
    ['ok', 'error']

    A Dask worker gets the model sources as arguments and puts them back:

    >>> ref = ModelRef("bytes", b"<the model's bytes>", None, "digest")
    >>> task = EvaluateTask(ref, None, {}, 1, task_kind_agreement, None)
    >>> task.shipped()
    [b"<the model's bytes>", None]
    >>> resolved = task.with_shipped([b"<resolved on the worker>", None])
    >>> resolved.model_ref.source, resolved.model_ref.digest, task.model_ref.source
    (b'<resolved on the worker>', 'digest', b"<the model's bytes>")
    """

    model_ref: ModelRef
    quant_ref: ModelRef | None
    config: dict[str, Any]
    threads: Any
    agreement: Agreement
    class_output: str | None
    findings: tuple = ()
    board: BoardRung | None = None
    output_kinds: dict[str, Any] | None = None
    interpreters: Any = None
    live: tuple[Model, Model | None] | None = None
    keep_answers: bool = False
    extra_feeds: dict[str, np.ndarray] | None = None

    #: Images read, run or measured ahead of the one handed out (:meth:`results`).
    AHEAD = 3

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["live"] = None
        return state

    def shipped(self) -> list[Any]:
        """The model sources (Dask futures of scattered bytes travel as arguments)."""
        return [r.source if r is not None else None for r in (self.model_ref, self.quant_ref)]

    def with_shipped(self, values: list[Any]) -> EvaluateTask:
        """This task with the model sources resolved on the worker."""
        refs = [r._replace(source=v) if r is not None else None
                for r, v in zip((self.model_ref, self.quant_ref), values, strict=True)]  # fmt: skip
        return replace(self, model_ref=refs[0], quant_ref=refs[1])

    # ------------------------------------------------------------------ state
    def _state(self) -> _State:
        config = PreprocessConfig.from_dict(self.config)
        if self.live is not None:
            model, quant = self.live
            return _State(model, quant, Pipeline.for_model(model, config), _free_batch(model))
        n = worker_threads(self.threads)
        key = ("evaluate", self.model_ref.digest, self.model_ref.image_input,
               self.quant_ref and self.quant_ref.digest, n)  # fmt: skip

        def make() -> tuple[Model, Model | None, dict]:
            heap_for_large_arrays()  # a Dask worker: no mmap + zeroing per image array
            quant = load_model(self.quant_ref, n) if self.quant_ref is not None else None
            return load_model(self.model_ref, n), quant, {}  # {}: the unit noises drawn

        model, quant, units = worker_cached(key, make)  # once per worker, not per batch
        pipeline = Pipeline.for_model(model, config)
        return _State(model, quant, pipeline, _free_batch(model), units)

    # ------------------------------------------------------------------ the work
    def results(self, items: Sequence[str]) -> Iterator[dict[str, Any]]:
        """One record per path, in order.

        Three stages overlap, each in its own thread, so that the forward passes follow
        each other as in a bare loop of ``session.run``: a reader prepares the next
        images (read, pipeline, tensors), a runner runs the model on each as soon as it
        is prepared, a finisher measures each as soon as it ran; this thread only hands
        the records out (and the caller stores them meanwhile). onnxruntime, image
        decoding and numpy release the GIL. At most :attr:`AHEAD` + 1 images are in
        flight; closing the iterator cancels the ones not started.
        """
        items = list(items)
        if not items:
            return
        state = self._state()
        pools = [ThreadPoolExecutor(1, thread_name_prefix=f"nv12-evaluate-{stage}")
                 for stage in ("read", "run", "measure")]  # fmt: skip
        reader, runner, finisher = pools
        queued: deque[Future] = deque()
        todo = iter(items)

        def submit(path: str) -> None:
            prepared = reader.submit(self._prepare, state, path)
            ran = runner.submit(self._run, state, prepared)
            queued.append(finisher.submit(self._measure, state, path, ran))

        try:
            for path in islice(todo, self.AHEAD + 1):
                submit(path)
            while queued:
                record = queued.popleft().result()
                for path in islice(todo, 1):
                    submit(path)
                yield record
        finally:
            for pool in pools:  # upstream first: a cancelled stage ends the ones after it
                pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, state: _State, prepared: Future) -> tuple[Any, Any, float]:
        """The runner's stage: the forward passes of an image once it is prepared."""
        prep, started = prepared.result()
        return prep, self._forward(state, prep), started

    def _measure(self, state: _State, path: str, ran: Future) -> dict[str, Any]:
        """The finisher's stage: the record of an image once its passes ran."""
        prep, outputs, started = ran.result()
        return self._finish(state, path, prep, outputs, started)

    def _prepare(self, state: _State, path: str) -> tuple[Any, float]:
        """Read, run the pipeline, choose the passes (never raises: the exception is
        the result)."""
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # conversion notes: not a dataset result
                source, _notes = load_source(path)
            p = state.pipeline
            is_frame = isinstance(source, NV12)
            run = p.run_frame(source) if is_frame else p.run(source)
            noisy = self._noise_tensor(state, run.reference_pixels)
            prep = _Prepared(run, is_frame, noisy, tuple(int(v) for v in source.shape[:2]))
            self._plan_passes(state, prep)
            return prep, started
        except Exception as exc:  # recorded by _finish
            return exc, started

    def _noise_tensor(self, state: _State, pixels: np.ndarray) -> np.ndarray | None:
        """``normalize(add_noise(pixels, a, kind, seed))`` in the model's layout (None
        when the amplitude is 0: the noise path is the reference)."""
        c, norm = state.pipeline.config, state.pipeline.normalize
        if c.noise_amplitude == 0:
            return None
        if c.noise_seed is None:
            unit = to_layout(unit_noise(pixels.shape, kind=c.noise_kind, seed=None), norm.layout)
        else:
            key = (pixels.shape, c.noise_kind, c.noise_seed, norm.layout)
            unit = state.units.get(key)
            if unit is None:
                drawn = unit_noise(pixels.shape, kind=c.noise_kind, seed=c.noise_seed)
                unit = state.units[key] = to_layout(drawn, norm.layout)
        noisy = scale_noise(unit, c.noise_amplitude, kind=c.noise_kind)  # a new array
        laid = to_layout(pixels, norm.layout)  # uint8 codes add exactly as float32 ones
        noisy += laid if laid.dtype == np.uint8 else laid.astype(np.float32)
        return norm.numpy(noisy, laid_out=True, in_place=True)

    @staticmethod
    def _plan_passes(state: _State, prep: _Prepared) -> None:
        """The tensors to run (equal ones share one pass) and, when the batch axis is
        free, the batch of them."""
        p, run = state.pipeline, prep.run
        same_norm = p.device_normalize == p.normalize
        tensors = {"reference": run.reference_tensor}
        alias: dict[str, str] = {}
        if same_norm and _same(run.device_pixels, run.reference_pixels):
            alias["nv12"] = "reference"  # e.g. a gray model fed the Y plane
        else:
            tensors["nv12"] = run.device_tensor
        if same_norm and _same(run.format_pixels, run.device_pixels):
            alias["format"] = "nv12"  # the device path already is the matched one
        elif _same(run.format_pixels, run.reference_pixels):
            alias["format"] = "reference"
        else:
            tensors["format"] = run.format_tensor
        if prep.noisy is None:
            alias["noise"] = "reference"
        else:
            tensors["noise"] = prep.noisy
        prep.tensors, prep.alias = tensors, alias
        if state.batched and len(tensors) > 1:
            prep.batch = np.concatenate(list(tensors.values()), axis=0)

    def _forward(self, state: _State, prep: Any) -> dict[str, dict] | BaseException:
        """The model's outputs per path (this thread: the forward passes only)."""
        if isinstance(prep, BaseException):
            return prep
        try:
            names = list(prep.tensors)
            if state.batched and prep.batch is not None:
                out = state.model.run_image(prep.batch, self.extra_feeds)
                if all(v.ndim and v.shape[0] == len(names) for v in out.values()):
                    outputs = {
                        n: {k: v[i : i + 1] for k, v in out.items()} for i, n in enumerate(names)
                    }
                    return self._aliased(outputs, prep.alias)
                state.batched = False  # an output without the batch axis: one run per path
            outputs = {
                n: state.model.run_image(t, self.extra_feeds) for n, t in prep.tensors.items()
            }
            return self._aliased(outputs, prep.alias)
        except Exception as exc:  # recorded by _finish
            return exc

    @staticmethod
    def _aliased(outputs: dict[str, dict], alias: dict[str, str]) -> dict[str, dict]:
        for name, target in alias.items():
            outputs[name] = outputs[alias.get(target, target)]
        return outputs

    def _finish(
        self, state: _State, path: str, prep: Any, outputs: Any, started: float
    ) -> dict[str, Any]:
        try:
            for failed in (prep, outputs):
                if isinstance(failed, BaseException):
                    raise failed
            record = self._record(state, path, prep, outputs, started)
            return to_jsonable(record, "image record")
        except Exception as exc:  # any per-image failure is a per-image result
            msg = " ".join(str(exc).split()) or type(exc).__name__
            return {
                "status": "error",
                "error": f"{type(exc).__name__}: {msg}",
                "seconds": round(time.perf_counter() - started, 6),
            }

    def _record(
        self, state: _State, path: str, prep: _Prepared, outputs: dict, started: float
    ) -> dict:
        outputs = dict(outputs)
        metrics, tasks = self._task_metrics(state, outputs, prep.is_frame)
        config = state.pipeline.config
        verdict = verdict_of(list(metrics.values()), noise_amplitude=config.noise_amplitude,
                             lint=self.findings, frame=prep.is_frame)  # fmt: skip
        losses = {
            name: {
                "nv12": 1.0 - m.cosine_nv12,
                "format": 1.0 - m.cosine_format,
                "conversion": 1.0 - m.cosine_conversion,
                "noise": 1.0 - m.cosine_noise,
            }
            for name, m in metrics.items()
        }
        extra: dict[str, Any] = {}
        if state.quant is not None:
            outputs["quant"] = state.quant.run_image(prep.run.device_tensor, self.extra_feeds)
            for name, row in losses.items():
                ref, q = outputs["reference"][name], outputs["quant"][name]
                row["quant"] = 1.0 - compare_arrays(ref, q).cosine
                row["quantization"] = 1.0 - compare_arrays(outputs["nv12"][name], q).cosine
        if self.board is not None:
            board, error = self.board.outputs(path, outputs["reference"])
            if board is not None:
                outputs["board"] = board
                for name in board:
                    ref = outputs["reference"][name]
                    losses[name]["board"] = 1.0 - compare_arrays(ref, board[name]).cosine
            else:
                extra["board_error"] = error
        agree = {
            name: {
                p: self.agreement(name, outputs["reference"][name], outputs[p][name])
                for p in outputs
                if p != "reference" and name in outputs[p]
            }
            for name in metrics
        }
        pred = None
        if self.class_output is not None:
            c = self.class_output
            pred = {p: topk(outputs[p][c]) for p in outputs if c in outputs[p]}
        if self.keep_answers:  # ground truth given: model.workflows.ground_truth reads them
            extra["answers"] = task_answers(tasks, outputs.get("quant"))
            fit = state.pipeline.fit
            extra["frame"] = {"source": list(prep.source_size), "input": list(fit.size),
                              "policy": "resize" if prep.is_frame else fit.policy}  # fmt: skip
        return {
            "status": "ok",
            "verdict": verdict.code,
            "loss": {n: {k: float(v) for k, v in row.items()} for n, row in losses.items()},
            "agreement": agree,
            "pred": pred,
            "tasks": task_scores(tasks),  # per trusted task (DatasetResult.task_rows reads it)
            **extra,
            "seconds": round(time.perf_counter() - started, 6),
        }

    def _task_metrics(self, state: _State, outputs: dict[str, dict], is_frame: bool):
        """The outputs' metrics with the task's answers attached, and the task results
        (:func:`~nv12_widgets.model.judge.task_results.task_metrics`, as
        :meth:`Comparator.compare` does, on the outputs already computed)."""
        metrics = self._metrics(outputs, is_frame)
        paths = {"reference": outputs["reference"], "nv12": outputs["nv12"],
                 "noise": outputs["noise"], "format": outputs["format"], "frame": is_frame}  # fmt: skip
        return task_metrics(state.model, metrics, paths, output_kinds=self.output_kinds,
                            interpreters=self.interpreters)  # fmt: skip

    def _metrics(self, outputs: dict[str, dict], is_frame: bool) -> dict[str, Any]:
        ref, nv, fm, nz = (outputs[k] for k in ("reference", "nv12", "format", "noise"))
        kinds = per_output_kinds(self.output_kinds, ref)
        metrics = {}
        for name, r in ref.items():
            override = kinds.get(name)
            sig, kind = signal_of(r), _kind(r, override)
            nv_m = measure_path(r, nv[name], signal=sig, kind=kind)
            metrics[name] = output_metrics(
                name,
                r,
                nv12=nv_m,
                noise=measure_path(r, nz[name], signal=sig, kind=kind),
                format=None if is_frame else (
                    nv_m if fm is nv else measure_path(r, fm[name], signal=sig, kind=kind)
                ),
                conversion=measure_path(fm[name], nv[name]),
                signal=sig,
                kind=kind,
                kind_guessed=override is None,
            )  # fmt: skip
        return metrics
