"""What ``evaluate`` returns: per-image records and their aggregates over the set.

Per image and output, ``L = 1 - cosine`` of:

* ``nv12``: the device path vs the float reference (what deployment costs);
* ``format``: the matched float NV12 round trip vs the reference: the 4:2:0 format itself;
* ``conversion``: the device path vs the matched round trip: the conversion arithmetic
  (swing, matrix, channel order, fixed point, normalisation);
* ``noise``: the vendor's U(0, a) noise test vs the reference: the model's fragility;
* with a quantised model: ``quant`` = the quantised model fed the NV12 path's tensor vs
  the float reference (the whole deployed loss), and ``quantization`` = the quantised
  model vs the float model on the *same* NV12 tensor (what quantisation adds);
* with board outputs: ``board`` = the board's output vs the float reference.

**The decomposition** over the set (:meth:`DatasetResult.decomposition`) is the mean over
images of ``L_format``, ``L_conversion``, ``L_noise`` (fragility) and ``L_quantization``,
each with its bootstrap interval, next to the totals ``L_nv12`` and ``L_quant``. For
small perturbations ``1 - cos`` grows with the squared size of the output change, so
the losses of roughly orthogonal changes add: ``L_nv12 ~ L_format + L_conversion`` (the
``share`` column divides each cause by the sum of the three device-side causes, format +
conversion + quantisation). Fragility is a yardstick, not a part of the NV12 loss.

**The ladder** (:meth:`DatasetResult.ladder`): the rungs float reference -> NV12
emulated -> quantised (when given) -> board (when given), each with its task agreement
with the reference and (with labels) its accuracy, with bootstrap intervals; and
:meth:`DatasetResult.board_only_changes`, the images whose answer changes only on the
board - what the emulation does not explain.

Intervals and tests are :mod:`nv12_widgets.model.workflows.statistics`'s. Accuracy
differences are paired (the same resampled images for both paths) and shown with the
exact McNemar p-value: with few discordant images the percentile interval can exclude 0
while McNemar's p is not small (4 of 24 images flipped: interval [-33, -4] points,
p = 0.125) - read the p-value before trusting such an interval.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nv12_widgets.core import InputError, from_json_number, read_ground_truth
from nv12_widgets.model.devicepath.config import PreprocessConfig

from .ground_truth import ground_truth_rows
from .results_store import read_runs
from .statistics import bootstrap_ci, mcnemar_exact, paired_bootstrap_ci

__all__ = ["LOSSES", "PATHS", "DatasetResult"]

#: The paths measured per image, in display order (``quant`` only with a quantised
#: model, ``board`` only with board outputs).
PATHS = ("reference", "nv12", "format", "noise", "quant", "board")
#: Losses per output in the results (``1 - cosine``), see the module docstring.
LOSSES = ("nv12", "format", "conversion", "noise", "quant", "quantization", "board")


#: The paths of a task record, in display order, and what a change there means.
TASK_PATHS = {
    "nv12": "the NV12 path (everything)",
    "format": "the 4:2:0 format (matched float decode)",
    "conversion": "the device's conversion (NV12 vs matched)",
    "noise": "the noise path",
}


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
    n_boot, seed : int
        Bootstrap resamples and seed of every interval.
    board_output : str or None
        The output the board dumps hold (None: no board rung).
    ground_truth : list of dict
        With ``ground_truth=`` given: per task and path, mAP@0.5 or CER against it
        (:func:`~nv12_widgets.model.workflows.ground_truth.ground_truth_rows`).

    Examples
    --------
    >>> r = DatasetResult([{"path": "a.png", "status": "ok", "verdict": "no-loss",
    ...                     "loss": {"y": {"nv12": 0.25}}, "agreement": {}}],
    ...                   "m.onnx", "k", PreprocessConfig(), ("y",), total=1)
    >>> r.losses("nv12"), r.verdict_counts()
    (array([0.25]), {'no-loss': 1})

    A classifier (classes cat, dog) on two images and an unreadable one, with a
    quantised model and board dumps; the board alone flips the cat:

    >>> def record(path, label, board):
    ...     top = [["cat", "dog"].index(label)]
    ...     loss = {"nv12": 0.02, "format": 0.01, "conversion": 0.01, "noise": 0.02,
    ...             "quant": 0.04, "quantization": 0.02, "board": 0.3}
    ...     return {"path": path, "status": "ok", "verdict": "no-loss", "label": label,
    ...             "pred": {"reference": top, "nv12": top, "quant": top, "board": [board]},
    ...             "loss": {"y": loss},
    ...             "agreement": {"y": {"nv12": 1.0, "quant": 1.0, "board": float(top == [board])}}}
    >>> records = [record("a.png", "cat", 1), record("b.png", "dog", 1),
    ...            {"path": "c.png", "status": "error", "error": "unreadable"}]
    >>> r = DatasetResult(records, "m.onnx", "k", PreprocessConfig(), ("y",),
    ...                   classes=["cat", "dog"], class_output="y", total=3, n_boot=100)
    >>> r.output_name(), r.paths, r.errors
    ('y', ['a.png', 'b.png', 'c.png'], [{'path': 'c.png', 'error': 'unreadable'}])
    >>> r.has_quant(), r.has_board(), r.board_errors()
    (True, True, [])
    >>> [(row["cause"], row["share"]) for row in r.decomposition()][:3]
    [('format', 0.25), ('conversion', 0.25), ('quantisation', 0.5)]
    >>> r.correct("board"), r.accuracy()["top1"]["board"][0], r.accuracy_drop("board")[0]
    (array([False,  True]), 0.5, 0.5)
    >>> [rung for rung, _, _ in r.rungs()]
    ['float', 'NV12 emulated', 'quantised', 'board']
    >>> [(row["rung"], row["step"] and row["step"]["mcnemar"]["b"]) for row in r.ladder()]
    [('float', None), ('NV12 emulated', 0), ('quantised', 0), ('board', 1)]
    >>> [c["top1"]["board"] for c in r.board_only_changes()], r.worst(1)[0]["loss"]
    (['dog'], 0.02)
    >>> r.to_pandas()[["path", "pred_board", "correct_board"]].values.tolist()
    [['a.png', 'dog', False], ['b.png', 'dog', True], ['c.png', nan, nan]]
    >>> print(r.summary().splitlines()[0])
    m.onnx: 2 image(s) evaluated, 1 error(s) of 3; output 'y'
    >>> "answer changes only on the board: 1 image(s)" in r.summary()
    True
    >>> r.plot().axes[0].get_xlabel()
    'mean 1 - cosine over images (95% bootstrap CI)'
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
    board_output: str | None = None
    ground_truth: list = field(default_factory=list)

    # ------------------------------------------------------------------ views
    @classmethod
    def from_results(
        cls,
        path: str | os.PathLike[str],
        run: str | None = None,
        ground_truth: str | os.PathLike[str] | bool | None = None,
        **stats: int,
    ) -> DatasetResult:
        """A result read back from a results file, without the model (for comparing runs).

        Parameters
        ----------
        path : path
            A JSON-lines results file written by ``evaluate``.
        run : str, optional
            The run key; default: the file's only run (InputError when it holds several:
            the keys are listed).
        ground_truth : path or False, optional
            The ground truth the stored answers are scored against again
            (:attr:`ground_truth`, by
            :func:`~nv12_widgets.model.workflows.ground_truth.ground_truth_rows`). Default:
            the file the run was evaluated with (its header's ``ground_truth``); a run
            evaluated without ground truth kept no decoded answers and gets no rows.
            ``False``: no rows; ``True``: the recorded file, InputError when the run
            names none. InputError when the file is gone (pass its new place or False)
            or when a path is given for a run that kept no answers.
        **stats
            ``n_boot`` / ``seed`` of the intervals.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from nv12_widgets.model.workflows.results_store import ResultsWriter
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
        >>> w = ResultsWriter(p)
        >>> w.write({"kind": "run", "run": "k", "model": "m.onnx", "config": {}})
        >>> w.write({"kind": "image", "run": "k", "path": "a.png", "status": "ok",
        ...          "verdict": "no-loss", "loss": {"y": {"nv12": 0.5}}, "agreement": {}})
        >>> w.close()
        >>> DatasetResult.from_results(p).losses("nv12")
        array([0.5])
        """
        runs = read_runs(path)
        if run is None:
            if len(runs) != 1:
                raise InputError(f"{path} holds {len(runs)} runs {list(runs)}: pass run=.")
            run = next(iter(runs))
        if run not in runs:
            raise InputError(f"{path} has no run {run!r}; its runs are {list(runs)}.")
        found = runs[run]
        header = found.header or {}
        records = list(found.records.values())
        outputs = tuple(dict.fromkeys(n for r in records for n in r.get("loss", {})))
        config = header.get("config")
        result = cls(
            records=records,
            model_name=str(header.get("model", "?")),
            run_key=run,
            config=PreprocessConfig.from_dict(config) if config else PreprocessConfig(),
            outputs=outputs or ("?",),
            classes=header.get("classes"),
            class_output=header.get("class_output"),
            results_path=Path(path),
            skipped=len(records),
            total=len(records),
            **stats,
        )
        result.ground_truth = _rescore(result, header.get("ground_truth"), ground_truth)
        return result

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

    def task_rows(self, metric: str = "score") -> list[dict[str, Any]]:
        """Per task and path: the mean ``metric`` with its bootstrap interval, and the images
        whose answer changed (``metric`` below 1; for ``cer``: above 0).

        Reads the ``tasks`` entry of each image record (``task_results.task_scores``: per
        trusted task, the agreement of every path with the reference): the mean of each
        agreement number (``score``, detections' ``f1`` / ``ap50``, text's ``cer``...) with its
        percentile bootstrap interval, and how many images change answer because of the
        format, the conversion, the whole NV12 path and the noise. Images whose reference
        answers nothing are counted apart (they cannot show a change).

        Parameters
        ----------
        metric : str
            An agreement number of the kind (``score`` always; ``f1``, ``ap50``, ``cer``...).

        Returns
        -------
        list of dict
            ``task``, ``path``, ``what``, ``mean``, ``low``, ``high``, ``n`` (images with a
            non-empty reference answer), ``changed`` (of those), ``empty`` (images whose
            reference answers nothing).

        Examples
        --------
        >>> r = DatasetResult(records=[
        ...     {"status": "ok", "tasks": {"t": {"empty": False, "paths": {"nv12": {"score": s}}}}}
        ...     for s in (1.0, 0.5, 1.0)], model_name="m", run_key="k", config=None, outputs=("y",))
        >>> row = r.task_rows()[0]
        >>> row["path"], round(row["mean"], 3), row["changed"], row["n"]
        ('nv12', 0.833, 1, 3)
        """
        per: dict[tuple[str, str], list[float]] = {}
        empty: dict[str, int] = {}
        for rec in self.ok:
            for task, entry in (rec.get("tasks") or {}).items():
                if entry.get("empty"):
                    empty[task] = empty.get(task, 0) + 1
                    continue
                for path, numbers in entry.get("paths", {}).items():
                    value = numbers.get(metric)
                    if value is not None:
                        per.setdefault((task, path), []).append(float(value))
        rows = []
        order = {p: i for i, p in enumerate(TASK_PATHS)}
        for (task, path), values in sorted(
            per.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 9))
        ):
            mean, low, high = bootstrap_ci(values, n_boot=self.n_boot, seed=self.seed)
            finite = [v for v in values if math.isfinite(v)]
            changed = (
                sum(v > 1e-12 for v in finite)
                if metric == "cer"
                else sum(v < 1 - 1e-12 for v in finite)
            )
            rows.append(
                {
                    "task": task,
                    "path": path,
                    "what": TASK_PATHS.get(path, path),
                    "mean": mean,
                    "low": low,
                    "high": high,
                    "n": len(finite),
                    "changed": int(changed),
                    "empty": empty.get(task, 0),
                }
            )
        return rows

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
        """Per labelled image that has ``path`` (every image but for ``board``, whose
        dumps may be missing), whether its top-``k`` contains the label (bool)."""
        return self._correct_pair(path, path, k)[1]

    def _correct_pair(self, a: str, b: str, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Correctness of paths ``a`` and ``b`` on the labelled images having both."""
        recs, idx = self._labelled()
        pairs = [
            (r, i) for r, i in zip(recs, idx, strict=True) if a in r["pred"] and b in r["pred"]
        ]
        return (
            np.array([i in r["pred"][a][:k] for r, i in pairs], dtype=bool),
            np.array([i in r["pred"][b][:k] for r, i in pairs], dtype=bool),
        )

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
            are no labels. The board path counts the images that have a dump.
        """
        recs, _ = self._labelled()
        if not recs:
            return {"n": 0}
        seen = {p for r in recs for p in r["pred"]}
        paths = [p for p in PATHS if p in seen]
        n_classes = len(self.classes or [])
        out: dict[str, Any] = {"n": len(recs), "top1": {}, "top5": {}, "diff": {}}
        boot = {"n_boot": self.n_boot, "seed": self.seed}
        for p in paths:
            ref1, c1 = self._correct_pair("reference", p)
            out["top1"][p] = bootstrap_ci(c1, **boot)
            if n_classes > 5:
                out["top5"][p] = bootstrap_ci(self.correct(p, 5), **boot)
            if p != "reference":
                out["diff"][p] = {
                    "top1": paired_bootstrap_ci(ref1, c1, **boot),
                    "mcnemar": mcnemar_exact(ref1, c1),
                }
        return out

    # ------------------------------------------------------------------ the ladder
    def has_board(self) -> bool:
        """Whether any image has a board output."""
        return any(any("board" in v for v in r.get("loss", {}).values()) for r in self.ok)

    def board_errors(self) -> list[dict[str, str]]:
        """``{"path", "error"}`` of evaluated images whose board dump is missing or bad."""
        return [
            {"path": r["path"], "error": r["board_error"]} for r in self.ok if r.get("board_error")
        ]

    def rungs(self) -> list[tuple[str, str, str]]:
        """The ladder's rungs present in this result: (rung, path, what)."""
        out = [
            ("float", "reference", "float model, training preprocessing"),
            ("NV12 emulated", "nv12", "float model fed the device's NV12 conversion"),
        ]
        if self.has_quant():
            out.append(("quantised", "quant", "quantised model fed the NV12 tensor"))
        if self.has_board():
            out.append(("board", "board", "the board's own output (dumps, dequantised)"))
        return out

    def ladder(self, output: str | None = None) -> list[dict[str, Any]]:
        """Float -> NV12 emulated -> quantised (when given) -> board (when given).

        Returns
        -------
        list of dict
            Per rung: ``rung``, ``path``, ``what``, ``n`` (images with that rung),
            ``loss`` (mean 1 - cosine vs the float reference, with its bootstrap
            interval; None for the float rung), ``agreement`` (task agreement with the
            float reference, interval; None when not defined), ``accuracy`` (top-1 with
            labels, interval, else None) and ``step`` (with labels, against the rung
            before: ``{"top1": paired difference interval, "mcnemar": {b, c, p}}`` on the
            images having both rungs).
        """
        name = self._output(output)
        acc = self.accuracy()
        boot = {"n_boot": self.n_boot, "seed": self.seed}
        rows: list[dict[str, Any]] = []
        previous = None
        for rung, path, what in self.rungs():
            have = [r for r in self.ok if path == "reference" or path in r["loss"].get(name, {})
                    or path in (r.get("pred") or {})]  # fmt: skip
            row: dict[str, Any] = {"rung": rung, "path": path, "what": what, "n": len(have)}
            row["loss"] = (
                None if path == "reference" else bootstrap_ci(self.losses(path, name), **boot)
            )
            agree = self.agreement(name).get(path)
            row["agreement"] = agree
            row["accuracy"] = acc["top1"].get(path) if acc.get("n") else None
            row["step"] = None
            if acc.get("n") and previous is not None and path in acc["top1"]:
                a, b = self._correct_pair(previous, path)
                row["step"] = {
                    "top1": paired_bootstrap_ci(a, b, **boot),
                    "mcnemar": mcnemar_exact(a, b),
                }
            rows.append(row)
            previous = path
        return rows

    def board_only_changes(self, output: str | None = None, threshold: float = 1.0) -> list[dict]:
        """The images whose answer changes only on the board: what emulation does not explain.

        An image counts when its board output's task agreement with the float reference
        is below ``threshold`` (1.0: any change of a classifier's top-1 or a decoded
        sequence; pass e.g. 0.5 for IoU-type agreements) while every emulated rung (NV12,
        and the quantised model when given) reaches it.

        Returns
        -------
        list of dict
            ``{"path", "agreement": {path: value}, "top1": {path: class} or None}``.
        """
        name = self._output(output)
        emulated = [p for _, p, _ in self.rungs() if p not in ("reference", "board")]
        out = []
        for r in self.ok:
            agree = {p: _nan(v) for p, v in r["agreement"].get(name, {}).items()}
            board = agree.get("board", math.nan)
            if not (board < threshold):
                continue
            if all(agree.get(p, math.nan) >= threshold for p in emulated):
                top1 = None
                if r.get("pred") and name == self.class_output:
                    top1 = {p: self._class_name(v[0]) for p, v in r["pred"].items()}
                out.append({"path": r["path"], "agreement": agree, "top1": top1})
        return out

    def _class_name(self, index: int) -> str:
        if self.classes and 0 <= index < len(self.classes):
            return self.classes[index]
        return str(index)

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
        """A plain-text report: counts, decomposition, verdicts, task answers, accuracy
        (:func:`~nv12_widgets.model.workflows.dataset_summary.summary_text`)."""
        from .dataset_summary import summary_text

        return summary_text(self, output)

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


def _rescore(result: DatasetResult, recorded: Any, given: Any) -> list[dict[str, Any]]:
    """``ground_truth_rows`` of a result read back (see ``from_results``'s ``ground_truth``)."""
    if given is False or (given is None and not recorded):
        return []
    answered = any(r.get("answers") for r in result.ok)
    if given is not None and given is not True:
        if not answered:
            raise InputError(
                f"{result.results_path}: run {result.run_key!r} kept no decoded answers (it "
                "was evaluated without ground truth): evaluate again with ground_truth=."
            )
        return ground_truth_rows(result, read_ground_truth(given))
    if not recorded:
        raise InputError(f"{result.results_path}: run {result.run_key!r} names no ground truth.")
    if not Path(str(recorded)).exists():
        raise InputError(
            f"{result.results_path}: run {result.run_key!r} was scored against "
            f"{recorded!r}, which does not exist any more: pass ground_truth= its new place, "
            "or ground_truth=False to read the run without scores."
        )
    return ground_truth_rows(result, read_ground_truth(recorded)) if answered else []


def _has_quant(r: dict[str, Any]) -> bool:
    return any("quant" in v for v in r.get("loss", {}).values())


def _nan(v: Any) -> float:
    """A stored number as a float: ``"nan"``/``"inf"`` (the JSON policy) and ``null``
    (files written before it, and undefined values) read as NaN / inf."""
    return math.nan if v is None else float(from_json_number(v))
