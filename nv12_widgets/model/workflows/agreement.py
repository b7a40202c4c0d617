"""Task agreement per output: does the path give the same *answer* as the reference?

``agreement(output_name, reference, test) -> float or None`` is what ``evaluate`` records
per image, output and path (1.0 = same answer). The default, :func:`task_kind_agreement`,
reads the output's kind (:func:`nv12_widgets.core.output_kind`) and takes one number of
:func:`nv12_widgets.core.task_agreement` per kind through :data:`KIND_AGREEMENT`.

**The one hook for task-level agreements:** a new kind (detection boxes, recognised text
/ CER...) is added to ``core.task_agreement`` and named here in :data:`KIND_AGREEMENT`
(or a function of the same signature is passed as ``evaluate(agreement=...)``); the
dataset code never dispatches on kinds itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nv12_widgets.core import output_kind, task_agreement

__all__ = ["KIND_AGREEMENT", "Agreement", "task_kind_agreement", "top1_agreement"]

#: An agreement function: ``(output_name, reference, test) -> float or None``.
Agreement = Callable[[str, np.ndarray, np.ndarray], "float | None"]


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


#: The number :func:`task_kind_agreement` takes from ``core.task_agreement``, per kind
#: (the hook: a new kind of ``core.task_agreement`` gets its entry here).
KIND_AGREEMENT = {"classifier": "top1", "sequence": "exact_match", "dense": "iou"}


def task_kind_agreement(name: str, reference: np.ndarray, test: np.ndarray) -> float | None:
    """Default task agreement: the per-kind agreement of :mod:`nv12_widgets.core.tasks`.

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
