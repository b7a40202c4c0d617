"""Task agreement over an image set: how often the answer changes, per path.

Reads the ``tasks`` entry each image record of :func:`~nv12_widgets.model.evaluate`
carries (``model.task_results.task_scores``: per trusted task, the agreement of every
path with the reference) and aggregates it: the mean of each agreement number
(``score``, detections' ``f1`` / ``ap50``, text's ``cer``...) with its percentile
bootstrap interval (``model.dataset.bootstrap_ci``, the same resampling as the rest of
the set's statistics), and how many images change answer because of the format
(matched path), the conversion (NV12 vs matched), the whole NV12 path and the noise.
Images whose reference answers nothing are counted apart (they cannot show a change).
"""

from __future__ import annotations

import math
from typing import Any

from nv12_widgets.model.workflows.dataset import DatasetResult, bootstrap_ci

__all__ = ["TASK_PATHS", "task_agreement_rows"]

#: The paths of a task record, in display order, and what a change there means.
TASK_PATHS = {
    "nv12": "the NV12 path (everything)",
    "format": "the 4:2:0 format (matched float decode)",
    "conversion": "the device's conversion (NV12 vs matched)",
    "noise": "the noise path",
}


def task_agreement_rows(result: DatasetResult, metric: str = "score") -> list[dict[str, Any]]:
    """Per task and path: the mean ``metric`` with its bootstrap interval, and the images
    whose answer changed (``metric`` below 1; for ``cer``: above 0).

    Parameters
    ----------
    result : DatasetResult
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
    >>> row = task_agreement_rows(r)[0]
    >>> row["path"], round(row["mean"], 3), row["changed"], row["n"]
    ('nv12', 0.833, 1, 3)
    """
    per: dict[tuple[str, str], list[float]] = {}
    empty: dict[str, int] = {}
    for rec in result.ok:
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
        mean, low, high = bootstrap_ci(values, n_boot=result.n_boot, seed=result.seed)
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
