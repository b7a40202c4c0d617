"""Component-aware metrics: a head tensor judged part by part.

A YOLO head's whole-tensor cosine is dominated by its box coordinates (hundreds of
pixels) and hides what happened to its class scores (0..1). :func:`component_metrics`
compares the parts a kind splits a head into (:meth:`OutputKind.components`: boxes,
objectness, class scores, keypoints...) each on its own, with the package's one metric
bundle (:func:`nv12_widgets.core.metrics.compare_arrays`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import InputError
from ..metrics import compare_arrays
from .base import Binding, OutputKind, get

__all__ = ["compare_components", "component_metrics", "judge"]


def component_metrics(
    reference: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    """Cosine, SQNR (dB) and max abs error of every component, reference vs test.

    Parameters
    ----------
    reference, test : mapping of str to array
        The same component split (same names and shapes) of two paths.

    Returns
    -------
    dict
        ``{component: {"cosine", "sqnr_db", "max_abs", "mean_abs"}}`` (see
        ``compare_arrays`` for the rules on equal, NaN and mismatched arrays).

    Examples
    --------
    >>> ref = {"boxes": np.array([100.0, 200.0]), "class_scores": np.array([0.9, 0.1])}
    >>> test = {"boxes": np.array([100.0, 200.0]), "class_scores": np.array([0.1, 0.9])}
    >>> m = component_metrics(ref, test)
    >>> m["boxes"]["cosine"], round(m["class_scores"]["cosine"], 3)
    (1.0, 0.22)
    """
    if set(reference) != set(test):
        raise InputError(
            f"component splits differ: {sorted(reference)} and {sorted(test)}; "
            "split both paths' outputs with the same kind and parameters."
        )
    out = {}
    for name in reference:
        # flattened: a (anchors, classes) part is not a batch of classifier rows
        m = compare_arrays(np.ravel(reference[name]), np.ravel(test[name]))
        out[name] = {
            "cosine": m.cosine,
            "sqnr_db": m.sqnr_db,
            "max_abs": m.max_abs,
            "mean_abs": m.mean_abs,
        }
    return out


def compare_components(
    kind: str | OutputKind,
    reference: Sequence[np.ndarray],
    test: Sequence[np.ndarray],
    **params: Any,
) -> dict[str, dict[str, float]]:
    """:func:`component_metrics` of two paths' arrays split by ``kind`` ({} when the
    kind has no components).

    Examples
    --------
    >>> head = np.zeros((1, 6, 2100), np.float32); head[0, :4] = 100.0
    >>> moved = head.copy(); moved[0, 4, 0] = 0.5
    >>> sorted(compare_components("yolov8", [head], [moved]))
    ['boxes', 'class_scores']
    """
    k = get(kind) if isinstance(kind, str) else kind
    try:
        ref = k.components(reference, **params)
        tst = k.components(test, **params)
    except TypeError:  # a user's kind whose components() takes no parameters
        ref, tst = k.components(reference), k.components(test)
    return component_metrics(ref, tst) if ref else {}


def judge(
    binding: Binding, reference: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray]
) -> dict[str, Any]:
    """Everything the tool reports for one binding and one path: both answers, whether
    each is empty (no signal), the task agreement and its summary, and the component
    metrics.

    Returns
    -------
    dict
        ``kind``, ``outputs``, ``reference`` / ``test`` (the answers),
        ``reference_empty`` / ``test_empty``, ``agreement``, ``summary``, ``components``.

    Examples
    --------
    >>> head = np.zeros((1, 6, 2100), np.float32); head[0, :4, 3] = [50, 50, 20, 20]
    >>> head[0, 4, 3] = 0.9
    >>> out = judge(Binding("yolov8", ("y",)), {"y": head}, {"y": head * 0})
    >>> out["reference_empty"], out["test_empty"], out["agreement"]["recall"]
    (False, True, 0.0)
    """
    kind = binding.output_kind()
    params = dict(binding.params)
    ref_arrays = list(binding.select(reference).values())
    test_arrays = list(binding.select(test).values())
    ref_answer, test_answer = binding.decode(reference), binding.decode(test)
    agreement = kind.agreement(ref_answer, test_answer)
    return {
        "kind": kind.name,
        "outputs": binding.outputs,
        "reference": ref_answer,
        "test": test_answer,
        "reference_empty": bool(kind.empty(ref_answer)),
        "test_empty": bool(kind.empty(test_answer)),
        "agreement": agreement,
        "summary": kind.summary(agreement),
        "components": compare_components(kind, ref_arrays, test_arrays, **params),
    }
