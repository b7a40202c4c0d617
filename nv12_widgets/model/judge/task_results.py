"""The task's answers of a comparison: which kind reads which outputs, and what changed.

For every :class:`~nv12_widgets.core.heads.Binding` (a kind of the output-kind registry
``core.heads`` reading one or several outputs) :func:`judge_tasks` decodes the
reference, NV12, noise and format paths' outputs into the task's answer
(detections, text boxes, text, classes, masks) and scores each path against the
reference with the kind's own ``agreement`` (headline ``"score"``: 1 = the same
answer), and the NV12 path against the format path (the conversion's own effect).
:func:`attach_tasks` writes those answers onto the outputs' metrics, where the verdict
rules read them (``model.verdict_rules``: an empty reference answer is no-signal; a
changed answer makes a conversion effect material; equal answers within rounding are
"no visible effect"), and splits a head tensor into its parts (``components``).

Selection (:func:`resolve_bindings`), first source that names an output wins:

1. ``interpreters``: user :class:`~nv12_widgets.core.heads.OutputInterpreter` objects
   (or output kinds, or ``"module:Class"`` strings), each reading every output (or the
   outputs its mapping key names);
2. ``output_kinds``: output name (or several, comma-separated / a tuple) -> a kind name
   or alias of the registry, an :class:`~nv12_widgets.core.heads.OutputKind`, or a
   ``"module:Class"`` plug-in;
3. the rest: ``core.heads.guess_bindings`` from the reference outputs' shapes and the
   model's ONNX ``metadata_props`` (Ultralytics ``task`` / ``names`` / ``imgsz``,
   PaddleOCR ``character``).

A binding chosen by the user, or guessed with confidence >= :data:`TRUSTED_CONFIDENCE`,
is trusted: its answers decide verdicts; a weaker guess only informs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from nv12_widgets.core import InputError
from nv12_widgets.core.heads import (
    Binding,
    ClassScores,
    Detections,
    InterpreterKind,
    OutputKind,
    from_interpreter,
    get,
    guess_bindings,
    register,
    resolve,
    task_from_answers,
)
from nv12_widgets.model.judge.measures import (
    OutputMetrics,
    component_measures,
    component_metrics,
)

__all__ = [
    "TRUSTED_CONFIDENCE",
    "TaskResult",
    "attach_tasks",
    "judge_paths",
    "judge_tasks",
    "model_metadata",
    "per_output_kinds",
    "per_output_task",
    "replaces_task",
    "resolve_bindings",
    "selection_key",
    "task_line",
    "task_metrics",
    "task_scores",
]

#: A guessed binding at least this sure (``Binding.confidence`` of
#: ``core.heads.guess_bindings``: 0.85 for a YOLOv8 head by shape alone, 0.95 with
#: Ultralytics metadata, 0.9 for PicoDet's per-stride pairs) decides verdicts.
TRUSTED_CONFIDENCE = 0.8


@dataclass(frozen=True, eq=False)
class TaskResult:
    """One binding's answers on every path and their agreement with the reference.

    Attributes
    ----------
    binding : Binding
    chosen : bool
        Named by the user (``output_kinds`` / ``interpreters``), not guessed.
    reference, nv12, noise, format : Any
        The decoded answers (``format`` None for a raw frame).
    reference_empty : bool
        The kind's ``empty()`` of the reference answer (no signal for the task).
    empty_reason : str
    agreement : dict
        Path ("nv12", "noise", "format", "conversion") -> the kind's agreement dict.

    Examples
    --------
    >>> ref, nv = {"prob": np.array([[0.1, 0.9]])}, {"prob": np.array([[0.8, 0.2]])}
    >>> weak = Binding("classifier", ("prob",), {}, 0.5, "a guess")
    >>> (t,) = judge_tasks([(weak, False)], ref, nv, ref, ref).values()
    >>> t.name, t.trusted, t.score(), t.score("noise"), t.score("nowhere")
    ('classifier(prob)', False, 0.0, 1.0, None)
    >>> t.to_dict()["agreement"]["conversion"]
    {'score': 0.0, 'top1': 0.0, 'top5': None}
    """

    binding: Binding
    chosen: bool
    reference: Any
    nv12: Any
    noise: Any
    format: Any
    reference_empty: bool
    empty_reason: str
    agreement: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """``kind(output, ...)``, e.g. ``yolov8(output0)``."""
        return f"{self.binding.kind}({', '.join(self.binding.outputs)})"

    @property
    def trusted(self) -> bool:
        """Chosen, or guessed with confidence >= :data:`TRUSTED_CONFIDENCE`."""
        return self.chosen or self.binding.confidence >= TRUSTED_CONFIDENCE

    def score(self, path: str = "nv12") -> float | None:
        """The headline agreement of ``path`` with the reference (None: none)."""
        value = (self.agreement.get(path) or {}).get("score")
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        """The binding and the agreements as plain values (answers left out)."""
        return {
            "name": self.name,
            "kind": self.binding.kind,
            "outputs": list(self.binding.outputs),
            "confidence": float(self.binding.confidence),
            "chosen": self.chosen,
            "reference_empty": self.reference_empty,
            "empty_reason": self.empty_reason,
            "agreement": {k: dict(v) for k, v in self.agreement.items()},
        }


def model_metadata(model: Any) -> dict[str, str]:
    """The model's ONNX ``metadata_props`` as a dict ({} when it has none).

    Reads ``model.metadata`` when the Model offers it, else ``model.proto``.

    Examples
    --------
    >>> class M:
    ...     metadata = {"task": "detect"}
    >>> model_metadata(M())
    {'task': 'detect'}
    """
    meta = getattr(model, "metadata", None)
    if isinstance(meta, Mapping):
        return {str(k): str(v) for k, v in meta.items()}
    proto = getattr(model, "proto", None)
    props = getattr(proto, "metadata_props", None) or ()
    return {p.key: p.value for p in props}


def _names(key: Any) -> tuple[str, ...]:
    if isinstance(key, str):
        return tuple(n.strip() for n in key.split(",") if n.strip())
    return tuple(str(n) for n in key)


def per_output_kinds(
    output_kinds: Mapping[Any, Any] | None, outputs: Mapping[str, np.ndarray] | None = None
) -> dict[str, str]:
    """The entries of ``output_kinds`` that name one output and one registered
    single-output kind by name: what the per-output task metric reads. With
    ``outputs``, a multi-output kind named on one of its outputs (its own ``bind``
    groups that output with others) is left to :func:`resolve_bindings`.

    Examples
    --------
    >>> per_output_kinds({"prob": "classifier", "a,b": "picodet", "y": "pkg.mod:Cls"})
    {'prob': 'classifier'}
    """
    out = {}
    for key, spec in (output_kinds or {}).items():
        names = _names(key)
        if len(names) != 1 or not isinstance(spec, str) or ":" in spec:
            continue
        try:
            kind = resolve(spec)
        except InputError:
            out[names[0]] = spec  # an unknown name: the per-output check reports it
            continue
        # a multi-output kind named on one of its outputs: resolve_bindings groups it
        alone = outputs is None or _group(kind, names[0], outputs) is None
        if kind.n_outputs in (0, 1) and alone:  # one output, or any number ("other")
            out[names[0]] = spec
    return out


def _kind_of(spec: Any, label: str) -> OutputKind:
    """A registered kind for a name, plug-in string, OutputKind or OutputInterpreter
    (user kinds are registered under their own name; a built-in's name is refused)."""
    if isinstance(spec, str):
        return resolve(spec)
    kind = (
        spec
        if isinstance(spec, OutputKind)
        else from_interpreter(getattr(spec, "name", label), spec)
    )
    try:
        existing = get(kind.name)
    except InputError:
        existing = None
    if existing is kind:
        return kind
    if (
        existing is not None
        and not isinstance(existing, InterpreterKind)
        and type(existing) is not type(kind)
    ):
        raise InputError(
            f"a user kind or interpreter is named {kind.name!r}, the name of a built-in kind; "
            "give it another name."
        )
    return register(kind, replace=True)


def _group(kind: OutputKind, name: str, outputs, metadata=None) -> Binding | None:
    """The group of several outputs a multi-output kind's own ``bind`` puts ``name`` in."""
    if kind.n_outputs == 1 or type(kind).bind is OutputKind.bind:
        return None
    try:
        groups = kind.bind(outputs, metadata)
    except (InputError, ValueError, IndexError):
        return None
    return next((g for g in groups if name in g.outputs and len(g.outputs) > 1), None)


def _chosen(kind: OutputKind, names: tuple[str, ...], outputs, metadata) -> Binding:
    """A chosen binding; a multi-output kind named on one of its outputs (the dashboard's
    dropdown) reads the group of outputs its own ``bind`` puts that output in."""
    if len(names) == 1 and names[0] in outputs:
        group = _group(kind, names[0], outputs, metadata)
        if group is not None:
            return Binding(kind.name, group.outputs, group.params, 1.0, "chosen, grouped")
    return Binding(kind.name, names, {}, 1.0, "chosen")


def resolve_bindings(
    reference_outputs: Mapping[str, np.ndarray],
    *,
    output_kinds: Mapping[Any, Any] | None = None,
    interpreters: Sequence[Any] | Mapping[Any, Any] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> list[tuple[Binding, bool]]:
    """Which kind reads which outputs: ``(binding, chosen)`` pairs (module docstring).

    Raises
    ------
    InputError
        An unknown output name or kind, or a kind that cannot read the outputs named.

    Examples
    --------
    >>> outs = {"prob": np.array([[0.1, 0.9]], np.float32), "feat": np.zeros((1, 2, 3, 4))}
    >>> [(b.kind, b.outputs, chosen) for b, chosen in resolve_bindings(
    ...     outs, output_kinds={"prob": "classifier"})]
    [('classifier', ('prob',), True), ('other', ('feat',), False)]
    """
    outputs = {n: np.asarray(a) for n, a in reference_outputs.items()}
    chosen: list[Binding] = []
    if isinstance(interpreters, Mapping):
        items = [(_names(k), v) for k, v in interpreters.items()]
    else:
        items = [(tuple(outputs), v) for v in (interpreters or ())]
    for names, spec in items:
        chosen.append(Binding(_kind_of(spec, "interpreter").name, names, {}, 1.0, "chosen"))
    for key, spec in (output_kinds or {}).items():
        chosen.append(_chosen(_kind_of(spec, str(key)), _names(key), outputs, metadata))
    taken: set[str] = set()
    for b in chosen:
        missing = [n for n in b.outputs if n not in outputs]
        if missing:
            raise InputError(
                f"no output(s) {missing} to read as {b.kind!r}; outputs are {list(outputs)}."
            )
        kind = b.output_kind()
        if not isinstance(kind, InterpreterKind) and kind.n_outputs:
            if len(b.outputs) != kind.n_outputs:
                raise InputError(
                    f"output kind {b.kind!r} reads {kind.n_outputs} output(s); "
                    f"{len(b.outputs)} named: {list(b.outputs)}."
                )
        taken.update(b.outputs)
    rest = {n: a for n, a in outputs.items() if n not in taken}
    guessed = guess_bindings(rest, metadata) if rest else []
    return [(b, True) for b in chosen] + [(b, False) for b in guessed]


_MEMO: OrderedDict[tuple, tuple] = OrderedDict()
#: Guards the two memos: ``evaluate`` judges images in several threads at once.
_MEMO_LOCK = threading.Lock()


def _memoised(key: tuple, arrays: tuple, compute) -> Any:
    """``compute()``, memoised under ``key`` for the objects ``arrays`` (the key holds
    their ids; the memo keeps them alive and checks identity, so a recycled id never
    returns a stale result). What changes when only the noise moves is recomputed."""
    key = (*key, *map(id, arrays))
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], arrays, strict=True)):
            _MEMO.move_to_end(key)
            return hit[1]
    result = compute()
    with _MEMO_LOCK:
        _MEMO[key] = (arrays, result)
        while len(_MEMO) > 192:
            _MEMO.popitem(last=False)
    return result


def _binding_key(binding: Binding) -> tuple:
    return (binding.kind, binding.outputs, repr(sorted(binding.params.items())))


def _decode(binding: Binding, outputs: Mapping[str, np.ndarray]) -> Any:
    """``binding.decode(outputs)``, memoised on the identity of the arrays read (the
    Comparator reuses its cached outputs: moving the noise slider decodes one path)."""
    arrays = tuple(outputs[n] for n in binding.outputs) if binding.outputs else ()
    return _memoised(("decode", *_binding_key(binding)), arrays, lambda: binding.decode(outputs))


def _agree(binding: Binding, kind: OutputKind, reference: Any, test: Any) -> dict:
    """``kind.agreement(reference, test)``, memoised on the identity of the two
    (memoised) answers: only a pair with a new answer is scored again."""
    return _memoised(
        ("agreement", *_binding_key(binding)),
        (reference, test),
        lambda: kind.agreement(reference, test),
    )


def _empty_reason(kind: OutputKind, params: Mapping[str, Any]) -> str:
    values = kind.params(**dict(params)) if kind.defaults else {}
    limits = ", ".join(
        f"{k}={v:g}"
        for k, v in values.items()
        if ("thresh" in k or "conf" in k) and isinstance(v, int | float) and not isinstance(v, bool)
    )
    return (
        f"no answer above the {kind.name} thresholds ({limits})"
        if limits
        else (f"the {kind.name} answer is empty")
    )


def judge_tasks(
    bindings: Sequence[tuple[Binding, bool]],
    reference: Mapping[str, np.ndarray],
    nv12: Mapping[str, np.ndarray],
    noise: Mapping[str, np.ndarray],
    format: Mapping[str, np.ndarray] | None,
    frame: bool = False,
) -> dict[str, TaskResult]:
    """Decode every binding on every path and score each against the reference.

    ``frame``: the source was a raw frame (no "format" agreement). Bindings of kind
    "other" are left out; a binding whose kind cannot read the
    outputs on this image raises InputError when chosen and is left out when guessed.

    Examples
    --------
    >>> ref = {"prob": np.array([[0.1, 0.9]])}
    >>> nv = {"prob": np.array([[0.8, 0.2]])}
    >>> t = judge_tasks([(Binding("classifier", ("prob",)), True)], ref, nv, ref, ref)
    >>> t["classifier(prob)"].score("nv12"), t["classifier(prob)"].score("conversion")
    (0.0, 0.0)
    """
    out = {}
    for binding, chosen in bindings:
        if binding.kind == "other":
            continue
        kind = binding.output_kind()
        try:
            answers = {
                "reference": _decode(binding, reference),
                "nv12": _decode(binding, nv12),
                "noise": _decode(binding, noise),
                "format": None if format is None else _decode(binding, format),
            }
            agreement = {
                "nv12": _agree(binding, kind, answers["reference"], answers["nv12"]),
                "noise": _agree(binding, kind, answers["reference"], answers["noise"]),
            }
            if format is not None:
                if not frame:  # a raw frame: the format's own effect is not measurable
                    agreement["format"] = _agree(
                        binding, kind, answers["reference"], answers["format"]
                    )
                agreement["conversion"] = _agree(binding, kind, answers["format"], answers["nv12"])
            empty = bool(kind.empty(answers["reference"]))
        except (InputError, ValueError, IndexError) as exc:
            if chosen:
                raise InputError(
                    f"output kind {binding.kind!r} cannot read {list(binding.outputs)}: {exc}"
                ) from exc
            continue
        result = TaskResult(
            binding,
            chosen,
            answers["reference"],
            answers["nv12"],
            answers["noise"],
            answers["format"],
            empty,
            _empty_reason(kind, binding.params) if empty else "",
            agreement,
        )
        out[result.name] = result
    return out


def _components(result: TaskResult, paths: Mapping[str, Any], fields: dict) -> tuple:
    """The parts of a one-output head on every path, as nested OutputMetrics."""
    binding = result.binding
    if len(binding.outputs) != 1:
        return ()
    kind = binding.output_kind()
    name = binding.outputs[0]

    def split(outputs):
        if outputs is None:
            return None
        try:
            return kind.components([outputs[name]], **dict(binding.params))
        except TypeError:  # a user's kind whose components() takes no parameters
            return kind.components([outputs[name]])

    arrays = tuple(
        None if paths.get(p) is None else paths[p][name] for p in ("reference", "nv12", "format")
    )
    frame = bool(paths.get("frame"))

    def fixed():  # what does not change when only the noise moves
        ref = split(paths["reference"])
        if not ref:
            return None
        nv12, fmt = split(paths["nv12"]), split(paths.get("format"))
        return ref, nv12, fmt, component_measures(ref, nv12=nv12, format=fmt, frame=frame)

    hit = _memoised(("components", *_binding_key(result.binding), frame), arrays, fixed)
    if hit is None:
        return ()
    ref, nv12, fmt, measured = hit
    return component_metrics(
        name,
        ref,
        nv12=nv12,
        noise=split(paths["noise"]),
        format=fmt,
        task=fields,
        frame=frame,
        measured=measured,
    )


def attach_tasks(
    metrics: Mapping[str, OutputMetrics],
    tasks: Mapping[str, TaskResult],
    paths: Mapping[str, Mapping[str, np.ndarray] | None],
) -> dict[str, OutputMetrics]:
    """The outputs' metrics with their binding's answers (and a head's parts).

    ``paths``: "reference", "nv12", "noise", "format" -> that path's outputs, and
    "frame": whether the source was a raw frame.
    Each output a trusted binding (:attr:`TaskResult.trusted`) reads gets the binding's
    kind, its agreements as
    ``task_nv12`` / ``task_noise`` / ``task_format`` / ``task_conversion`` (the
    per-output task dict's own keys kept where the kind is the same), the reference's
    emptiness and - for a one-output head the kind splits - one OutputMetrics per part.

    Examples
    --------
    >>> from nv12_widgets.model.judge.measures import component_metrics
    >>> ref, nv = {"prob": np.array([[0.1, 0.9]])}, {"prob": np.array([[0.8, 0.2]])}
    >>> paths = {"reference": ref, "nv12": nv, "noise": ref, "format": ref}
    >>> (m,) = component_metrics("prob", ref, nv12=nv, noise=ref, format=ref)
    >>> tasks = judge_tasks([(Binding("classifier", ("prob",)), True)], ref, nv, ref, ref)
    >>> out = attach_tasks({"prob": m}, tasks, paths)["prob"]
    >>> out.kind, out.task_nv12["top1"], out.answer_empty
    ('classifier', 0.0, False)
    """
    out = dict(metrics)
    for result in tasks.values():
        if not result.trusted:  # a weak guess informs (Comparison.tasks), never decides
            continue
        kind = result.binding.kind
        fields: dict[str, Any] = {
            "answer_empty": result.reference_empty,
            "answer_reason": result.empty_reason,
            "kind_guessed": False,
        }
        for path in ("nv12", "noise", "format", "conversion"):
            agreement = result.agreement.get(path)
            fields[f"task_{path}"] = None if agreement is None else {"kind": kind, **agreement}
        parts = _components(result, paths, fields)
        for name in result.binding.outputs:
            m = out.get(name)
            if m is None:
                continue
            merged = dict(fields)
            for path in ("nv12", "noise", "format", "conversion"):
                old = getattr(m, f"task_{path}")
                if old and merged[f"task_{path}"] and _same_kind(old.get("kind"), kind):
                    merged[f"task_{path}"] = {**old, **merged[f"task_{path}"]}
            name_kept = m.kind if _same_kind(m.kind, kind) else kind  # "sequence" stays
            out[name] = replace(m, kind=name_kept, components=parts, **merged)
    return out


def _same_kind(a: Any, b: str) -> bool:
    try:
        return resolve(str(a)).name == resolve(b).name
    except InputError:
        return False


_BINDINGS: OrderedDict[tuple, tuple] = OrderedDict()


def judge_paths(
    model: Any,
    paths: Mapping[str, Mapping[str, np.ndarray] | None],
    *,
    output_kinds: Mapping[Any, Any] | None = None,
    interpreters: Sequence[Any] | Mapping[Any, Any] | None = None,
) -> dict[str, TaskResult]:
    """Resolve the bindings (memoised per reference outputs and selection) and judge the
    tasks of ``paths`` (see :func:`attach_tasks`): the first half of :func:`task_metrics`.

    Examples
    --------
    >>> class M:
    ...     metadata = {}
    >>> ref = {"prob": np.array([[0.1, 0.9]])}
    >>> paths = {"reference": ref, "nv12": ref, "noise": ref, "format": ref}
    >>> list(judge_paths(M(), paths, output_kinds={"prob": "classifier"}))
    ['classifier(prob)']
    """
    reference = paths["reference"]
    key = (id(reference), id(output_kinds), id(interpreters))
    with _MEMO_LOCK:
        hit = _BINDINGS.get(key)
    if (
        hit is not None
        and hit[0] is reference
        and hit[1] is output_kinds
        and hit[2] is interpreters
    ):
        bindings = hit[3]
    else:
        bindings = resolve_bindings(
            reference,
            output_kinds=output_kinds,
            interpreters=interpreters,
            metadata=model_metadata(model),
        )
        with _MEMO_LOCK:
            _BINDINGS[key] = (reference, output_kinds, interpreters, bindings)
            while len(_BINDINGS) > 16:
                _BINDINGS.popitem(last=False)
    return judge_tasks(
        bindings,
        reference,
        paths["nv12"],
        paths["noise"],
        paths.get("format"),
        frame=bool(paths.get("frame")),
    )


def task_metrics(
    model: Any,
    metrics: Mapping[str, OutputMetrics],
    paths: Mapping[str, Mapping[str, np.ndarray] | None],
    *,
    output_kinds: Mapping[Any, Any] | None = None,
    interpreters: Sequence[Any] | Mapping[Any, Any] | None = None,
    tasks: Mapping[str, TaskResult] | None = None,
) -> tuple[dict[str, OutputMetrics], dict[str, TaskResult]]:
    """Resolve the bindings, judge the tasks (:func:`judge_paths`, unless ``tasks``
    gives its result) and attach them to the metrics.

    Returns
    -------
    (metrics, tasks)
        See :func:`attach_tasks` and :func:`judge_tasks`.

    Examples
    --------
    >>> from nv12_widgets.model.judge.measures import component_metrics
    >>> ref, nv = {"prob": np.array([[0.1, 0.9]])}, {"prob": np.array([[0.8, 0.2]])}
    >>> paths = {"reference": ref, "nv12": nv, "noise": ref, "format": ref}
    >>> (m,) = component_metrics("prob", ref, nv12=nv, noise=ref, format=ref)
    >>> metrics, tasks = task_metrics(None, {"prob": m}, paths, output_kinds={"prob": "classifier"})
    >>> list(tasks), metrics["prob"].task_nv12["score"]
    (['classifier(prob)'], 0.0)
    """
    if tasks is None:
        tasks = judge_paths(model, paths, output_kinds=output_kinds, interpreters=interpreters)
    return attach_tasks(metrics, tasks, paths), dict(tasks)


def replaces_task(tasks: Mapping[str, TaskResult], name: str, kind: str, path: str) -> bool:
    """Whether :func:`attach_tasks` drops the per-output task dict of output ``name``
    (read as ``kind``, ``results.measure_path``) on ``path`` ("nv12", "noise",
    "format", "conversion"), so a caller need not compute it.

    It is dropped when the first trusted task reading ``name`` is of another kind or
    has no agreement on ``path``; of the same kind, the two dicts are merged, and the
    per-output one adds nothing when its keys are the kind's agreement keys (answers
    that are detections or class scores; a text answer adds its decoded labels).

    Examples
    --------
    >>> ref = {"prob": np.array([[0.1, 0.9]])}
    >>> tasks = judge_tasks([(Binding("classifier", ("prob",)), True)], ref, ref, ref, ref)
    >>> replaces_task(tasks, "prob", "classifier", "noise"), replaces_task(tasks, "x", "dense", "noise")
    (True, False)
    """
    for result in tasks.values():
        if not result.trusted or name not in result.binding.outputs:
            continue
        if result.agreement.get(path) is None or not _same_kind(kind, result.binding.kind):
            return True
        return isinstance(result.reference, Detections | ClassScores)
    return False


_ANSWERS = {
    "nv12": ("reference", "nv12"),
    "noise": ("reference", "noise"),
    "format": ("reference", "format"),
    "conversion": ("format", "nv12"),
}


def per_output_task(
    tasks: Mapping[str, TaskResult], name: str, kind: str, path: str
) -> dict[str, Any] | None:
    """The per-output task dict of output ``name`` read as ``kind`` on ``path``
    (``results.measure_path``'s ``task``) taken from a task that already decoded it,
    trusted or not: one that reads ``name`` alone, as the same kind, with the kind's
    default parameters; None when there is none (then the caller measures it).

    Equal to ``core.heads.task_agreement`` of the two outputs (a test holds them
    together): the answers are the same memoised decodes, nothing is decoded twice.

    Examples
    --------
    >>> ref, nv = {"prob": np.array([[0.1, 0.9]])}, {"prob": np.array([[0.8, 0.2]])}
    >>> weak = Binding("classifier", ("prob",), {}, 0.5, "a guess")
    >>> tasks = judge_tasks([(weak, False)], ref, nv, ref, ref)
    >>> per_output_task(tasks, "prob", "classifier", "nv12")
    {'kind': 'classifier', 'score': 0.0, 'top1': 0.0, 'top5': None}
    >>> per_output_task(tasks, "other", "classifier", "nv12") is None
    True
    """
    for result in tasks.values():
        binding = result.binding
        if binding.outputs != (name,) or binding.params or not _same_kind(kind, binding.kind):
            continue
        agreement = result.agreement.get(path)
        if agreement is None:
            return None
        first, second = _ANSWERS[path]
        return task_from_answers(
            kind, getattr(result, first), getattr(result, second), agreement=agreement
        )
    return None


def selection_key(output_kinds: Mapping[Any, Any] | None, interpreters: Any) -> list | None:
    """A JSON-able description of a selection (for run keys of saved results); None
    when nothing is selected.

    Examples
    --------
    >>> selection_key({"y": "yolov8"}, None)
    [['y', 'yolov8'], []]
    >>> selection_key(None, None) is None
    True
    """
    if not output_kinds and not interpreters:
        return None

    def label(spec: Any) -> str:
        if isinstance(spec, str):
            return spec
        return f"{type(spec).__module__}.{type(spec).__qualname__}:{getattr(spec, 'name', '')}"

    kinds = sorted([",".join(_names(k)), label(v)] for k, v in (output_kinds or {}).items())
    if isinstance(interpreters, Mapping):
        interp = sorted([",".join(_names(k)), label(v)] for k, v in interpreters.items())
    else:
        interp = [["*", label(v)] for v in (interpreters or ())]
    return [*kinds, interp]


def task_line(result: TaskResult) -> str:
    """One line for a task result: the NV12 path's agreement in the kind's own words,
    the reference answer's size, and whether it is trusted.

    Examples
    --------
    >>> ref = {"prob": np.array([[0.1, 0.9]])}
    >>> (t,) = judge_tasks([(Binding("classifier", ("prob",)), True)], ref, ref, ref, ref).values()
    >>> task_line(t)
    'NV12 path: top-1 1.000 (chosen)'
    """
    agreement = result.agreement.get("nv12") or {}
    kind = result.binding.output_kind()
    try:
        said = kind.summary({"kind": result.binding.kind, **agreement})
    except (KeyError, TypeError, ValueError):
        said = ""
    if not said:
        score = agreement.get("score")
        said = "no headline" if score is None else f"agreement {float(score):.3f}"
    how = "chosen" if result.chosen else f"guessed, confidence {result.binding.confidence:.2f}"
    if result.chosen or result.trusted:
        how = how if result.chosen else f"{how}, trusted"
    empty = "; the reference answers nothing" if result.reference_empty else ""
    return f"NV12 path: {said} ({how}){empty}"


def task_scores(c: Any) -> dict[str, dict[str, Any]]:
    """A comparison's task answers as a small JSON-able record (for dataset results):
    per trusted task its kind, whether the reference answers nothing, and per path the
    agreement's numbers (``score``, ``f1``, ``ap50``, ``cer``... as the kind gives them).

    ``c``: a Comparison (its ``tasks``) or the mapping name -> :class:`TaskResult` of
    :func:`task_metrics` / :func:`judge_tasks` (what ``evaluate``'s per-image work has).

    Examples
    --------
    >>> class C:
    ...     ref = {"prob": np.array([[0.1, 0.9]])}
    ...     tasks = judge_tasks([(Binding("classifier", ("prob",)), True)], ref, ref, ref, ref)
    >>> task_scores(C())["classifier(prob)"]["paths"]["nv12"]["score"]
    1.0
    >>> task_scores(C.tasks) == task_scores(C())
    True
    """
    tasks = c if isinstance(c, Mapping) else getattr(c, "tasks", {})
    out = {}
    for name, t in tasks.items():
        if not t.trusted:
            continue
        out[name] = {
            "kind": t.binding.kind,
            "empty": bool(t.reference_empty),
            "paths": {
                path: {
                    k: float(v)
                    for k, v in a.items()
                    if isinstance(v, int | float) and not isinstance(v, bool)
                }
                for path, a in t.agreement.items()
            },
        }
    return out
