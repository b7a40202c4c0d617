"""View models: what a metrics table, a configuration check or a verdict shows, as plain
data (strings already formatted with the vocabulary's words and number formats)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from nv12_widgets.core.vocabulary import (
    DASHBOARD_KEYS,
    MISSING,
    fold_task_keys,
    format_loss,
    format_number,
    format_percent,
    is_known,
    metric_cell,
    metric_level,
    metric_spec,
)

__all__ = [
    "lint_summary",
    "lint_view",
    "metric_columns",
    "metrics_table",
    "metrics_view",
    "verdict_view",
]

_RANKS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("cosine",), 0),
    (("sqnr", "psnr", "snr", "_db"), 1),
    (("max_abs", "max_err"), 2),
    (("mean_abs", "mae"), 3),
    (("rmse", "mse"), 4),
)

#: Row keys that are not metrics (the output's name is the row header).
_NOT_COLUMNS = frozenset({"name"})


@functools.lru_cache(maxsize=4096)
def _column_rank(name: str) -> int:
    lowered = name.lower()
    for needles, rank in _RANKS:
        if any(needle in lowered for needle in needles):
            return rank
    return len(_RANKS)


def metric_columns(metrics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Order the metric names of all outputs for display.

    Cosine similarities first, then SQNR/PSNR (dB), maximum and mean absolute errors,
    (R)MSE and everything else; within a group the first-seen order is kept.

    Examples
    --------
    >>> metric_columns({"out": {"max_abs_nv12": 0.1, "n": 3, "cosine_nv12": 0.9}})
    ['cosine_nv12', 'max_abs_nv12', 'n']
    """
    seen: dict[str, None] = {}
    for values in metrics.values():
        seen.update(dict.fromkeys(values))
    return sorted(seen, key=_column_rank)


def metrics_table(
    metrics: Mapping[str, Mapping[str, Any]], columns: Sequence[str]
) -> dict[str, Any] | None:
    """One table: a header per column (the vocabulary's short name, its meaning as
    tooltip, the key kept in ``key``) and a row per output, each cell with its text, CSS
    classes (``num`` / ``value`` / ``na`` plus ``good`` / ``fair`` / ``poor``) and a
    tooltip when the cell needs one (why a metric is not measured).

    Examples
    --------
    >>> t = metrics_table({"prob": {"cosine_nv12": 0.99995}}, ["cosine_nv12"])
    >>> t["columns"][0]["header"], t["rows"][0]["cells"][0]["text"], t["rows"][0]["cells"][0]["classes"]
    ('cos NV12', '0.999950', 'num good')
    """
    if not columns:
        return None
    head = [
        {"key": k, "header": metric_spec(k).header, "meaning": metric_spec(k).meaning}
        for k in columns
    ]
    rows = []
    for output, values in metrics.items():
        cells = []
        for key in columns:
            value = values.get(key)
            if value is None:
                cells.append({"classes": "na", "text": MISSING, "title": ""})
                continue
            text, why = metric_cell(key, values)
            if why != metric_spec(key).meaning:  # not measured: say why, no colour
                cells.append({"classes": "na", "text": text, "title": why})
                continue
            classes = ["num"] if isinstance(value, int | float) else ["value"]
            if level := metric_level(key, value):
                classes.append(level)
            cells.append({"classes": " ".join(classes), "text": text, "title": ""})
        rows.append({"output": output, "cells": cells})
    return {"columns": head, "rows": rows}


def metrics_view(
    metrics: Mapping[str, Mapping[str, Any]],
    primary: Sequence[str] = DASHBOARD_KEYS,
    *,
    secondary: bool = True,
) -> dict[str, Any]:
    """The main table (the ``primary`` keys that have a value, in that order, then any
    key the vocabulary does not know), the "more metrics" table (the rest, cosines
    first), the glossary and whether any cell is coloured.

    Flattened task agreements (``task_nv12.iou``, as a finding records them) are folded
    back into one readable ``task NV12`` column; every header is the vocabulary's name.
    ``secondary=False``: the main table alone (``"secondary"`` None), for a view that
    shows no more (the dashboard's table, redrawn on every noise move).

    Examples
    --------
    >>> v = metrics_view({"out": {"cosine_nv12": 0.5, "shape": "1x3", "kind": "dense",
    ...                           "task_nv12.iou": 0.9, "task_nv12.threshold": 0.3}})
    >>> [c["header"] for c in v["primary"]["columns"]], v["primary"]["rows"][0]["cells"][1]["text"]
    (['cos NV12', 'task NV12'], 'IoU 0.900 (> 0.3)')
    >>> [c["header"] for c in v["secondary"]["columns"]]
    ['shape', 'kind']
    >>> metrics_view({"out": {"cosine_nv12": 0.5, "shape": "1x3"}}, secondary=False)["secondary"]
    """
    rows = {output: fold_task_keys(values) for output, values in metrics.items()}
    present = [
        k
        for k in metric_columns(rows)
        if k not in _NOT_COLUMNS and any(r.get(k) is not None for r in rows.values())
    ]
    main = [k for k in primary if k in present] + [k for k in present if not is_known(k)]
    more = [k for k in present if k not in main] if secondary else []
    return {
        "primary": metrics_table(rows, main) if rows else None,
        "secondary": metrics_table(rows, more) if secondary else None,
        "coloured": any(
            metric_level(k, r.get(k)) is not None for r in rows.values() for k in main + more
        ),
        "glossary": [
            (metric_spec(k).header, metric_spec(k).meaning)
            for k in main + more
            if metric_spec(k).meaning
        ],
    }


def lint_view(findings: Iterable[Any]) -> list[dict[str, str]]:
    """The configuration check's findings (``Comparison.lint`` objects or the dicts a
    finding records) as ``{code, severity, message, fields}`` strings.

    Examples
    --------
    >>> lint_view([{"code": "mean_units", "severity": "warning", "message": "m", "fields": ["mean"]}])
    [{'code': 'mean_units', 'severity': 'warning', 'message': 'm', 'fields': 'mean'}]
    """
    out = []
    for f in findings:
        get = f.get if isinstance(f, Mapping) else (lambda k, _f=f: getattr(_f, k, None))
        out.append(
            {
                "code": str(get("code")),
                "severity": str(get("severity")),
                "message": str(get("message")),
                "fields": ", ".join(str(x) for x in (get("fields") or ())),
            }
        )
    return out


def lint_summary(items: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """Counts and the headline of a :func:`lint_view` list.

    Examples
    --------
    >>> lint_summary([{"severity": "error"}, {"severity": "warning"}])["head"]
    'Configuration check: 1 error, 1 other finding'
    """
    errors = sum(i["severity"] == "error" for i in items)
    others = len(items) - errors
    return {
        "errors": errors,
        "head": f"Configuration check: {errors} error{'s' if errors != 1 else ''}, "
        f"{others} other finding{'s' if others != 1 else ''}",
    }


def identify_view(result: Any) -> dict[str, Any]:
    """An ``identify_pipeline`` result (``nv12_widgets.model.workflows.identify.Identification``,
    read by attribute) as the rows of its table: rank, pipeline, residuals, and the
    normalisation of a tensor dump.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> best = NS(label="vendor-pil studio", equivalent_labels=(), max_abs=0.0, mean_abs=0.0,
    ...           config=NS(pixel_mean=(127.5,), pixel_std=(127.5,)))
    >>> v = identify_view(NS(identified=True, best=best, runners_up=(), kind="tensor",
    ...                      message="identified", candidates=12, seconds=0.5, layout="NCHW"))
    >>> v["rows"][0]["normalisation"], v["caption"]
    ('mean [127.5], std [127.5]', '12 candidates in 0.50 s; residuals in grey levels; layout NCHW')
    """
    rows = []
    for rank, e in enumerate((result.best, *result.runners_up), 1):
        norm = "-"
        if result.kind == "tensor":
            mean = ", ".join(format_number(v, ".4g") for v in e.config.pixel_mean)
            std = ", ".join(format_number(v, ".4g") for v in e.config.pixel_std)
            norm = f"mean [{mean}], std [{std}]"
        same = f" (= {len(e.equivalent_labels)} more)" if e.equivalent_labels else ""
        rows.append(
            {
                "rank": rank,
                "label": e.label + same,
                "max_abs": format_number(e.max_abs, ".3g"),
                "mean_abs": format_number(e.mean_abs, ".3g"),
                "normalisation": norm,
                "level": ("good" if result.identified else "poor") if rank == 1 else "",
            }
        )
    caption = f"{result.candidates} candidates in {result.seconds:.2f} s; residuals in grey levels"
    if result.layout:
        caption += f"; layout {result.layout}"
    return {"message": str(result.message), "rows": rows, "caption": caption}


def verdict_view(verdict: Any) -> dict[str, str] | None:
    """A verdict's title, explanation and code: what the dashboard's Similarity panel and
    the report's "Verdict" block show.

    ``verdict`` is a ``nv12_widgets.model.judge.verdict_rules.Verdict`` (read by
    attribute), the ``{"code", "title", "text"}`` a finding records for it
    (``model.judge.finding_fields.finding_fields``), or a free-text verdict (a str: no
    title, no code). None for an empty or malformed verdict.

    Examples
    --------
    >>> verdict_view({"code": "fragile", "title": "Fragile model",
    ...               "text": "the NV12 path loses what the noise loses"})["title"]
    'Fragile model'
    >>> verdict_view("The format itself dominates.")
    {'code': '', 'title': '', 'text': 'The format itself dominates.'}
    >>> verdict_view("  "), verdict_view({"title": 3})
    (None, None)
    """
    if isinstance(verdict, str):
        return {"code": "", "title": "", "text": verdict} if verdict.strip() else None
    if isinstance(verdict, Mapping):
        parts = [verdict.get(k, "") for k in ("code", "title", "text")]
    else:
        parts = [getattr(verdict, k, "") for k in ("code", "title", "text")]
    if not all(isinstance(x, str) for x in parts) or not (parts[1] or parts[2]).strip():
        return None
    return dict(zip(("code", "title", "text"), parts, strict=True))


def _pct_ci(mean: Any, low: Any, high: Any) -> str:
    return f"{format_percent(mean)}% [{format_percent(low)}, {format_percent(high)}]"


def _dataset_rows(d: Mapping[str, Any]) -> tuple[list, list]:
    decomposition = [
        {
            "cause": str(r["cause"]),
            "what": str(r.get("what", "")),
            "mean": format_loss(r["mean"]),
            "ci": f"[{format_loss(r['low'])}, {format_loss(r['high'])}]",
            "share": MISSING if r.get("share") is None else f"{format_percent(r['share'])}%",
            "n": str(r.get("n", "")),
            "total": str(r["cause"]).startswith("total"),
        }
        for r in d["decomposition"]
    ]
    accuracy = [
        {
            "path": str(r["path"]),
            "top1": _pct_ci(r["top1"], r["low"], r["high"]),
            "diff": (
                f"{format_percent(r['diff'], True)} pts [{format_percent(r['diff_low'], True)}, "
                f"{format_percent(r['diff_high'], True)}]"
                if "diff" in r
                else MISSING
            ),
            "p": format_number(r["mcnemar_p"], ".3g") if "mcnemar_p" in r else MISSING,
        }
        for r in d.get("accuracy", {}).get("rows", [])
    ]
    return decomposition, accuracy


#: Digits of a ground-truth score (mAP@0.5, CER: fractions 0..1), as the plain-text
#: summary (``DatasetResult.summary``) writes them.
GT_FORMAT = ".4f"


def _ground_truth_rows(d: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "task": str(r["task"]),
            "path": str(r["path"]),
            "what": str(r.get("what", "")),
            "metric": str(r["metric"]),
            "value": format_number(r["value"], GT_FORMAT),
            "ci": f"[{format_number(r['low'], GT_FORMAT)}, {format_number(r['high'], GT_FORMAT)}]",
            "n": str(r["n"]),
            "exact": f"{format_percent(r['exact'])}%" if r.get("exact") is not None else MISSING,
        }
        for r in d.get("ground_truth", [])
    ]


def _task_rows(d: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each binding's answers vs the reference's, per path (``DatasetResult.task_rows``)."""
    return [
        {
            "task": str(r["task"]),
            "path": str(r["path"]),
            "what": str(r.get("what", "")),
            "score": format_number(r["mean"], ".3f"),
            "ci": f"[{format_number(r['low'], '.3f')}, {format_number(r['high'], '.3f')}]",
            "changed": f"{r['changed']} of {r['n']}",
            "empty": str(r.get("empty", 0)),
        }
        for r in d.get("tasks", [])
    ]


def _ladder_view(d: Mapping[str, Any], names: Mapping[str, str] | None) -> dict[str, Any] | None:
    ladder = d.get("ladder")
    if not ladder:
        return None

    def ci(v: Any) -> str:
        return MISSING if v is None else _pct_ci(*v)

    return {
        "rows": [
            {
                "rung": str(r["rung"]),
                "what": str(r.get("what", "")),
                "n": str(r["n"]),
                "loss": MISSING if r["loss"] is None else format_loss(r["loss"][0]),
                "agreement": ci(r["agreement"]),
                "accuracy": ci(r["accuracy"]),
                "p": format_number(r.get("mcnemar_p"), ".3g"),
            }
            for r in ladder["rows"]
        ],
        "board_only": str(ladder["board_only"]),
        "board_only_names": ", ".join(
            _shown_name(str(p), names) for p in ladder.get("board_only_paths", [])
        ),
    }


def _shown_name(path: str, names: Mapping[str, str] | None) -> str:
    return str(names.get(path, path)) if names else path


def dataset_view(
    d: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """A dataset evaluation's summary (the entry of
    ``nv12_widgets.model.judge.finding_fields.dataset_fields``: decomposition, verdicts,
    agreement, accuracy, ground truth, the board ladder, worst images, errors,
    configuration check),
    formatted with the vocabulary's number formats; None when it is not in that shape.
    The dashboard's Dataset panel and the report's "Dataset" section render it with the
    same macro (``dataset_summary``).

    ``names``: path -> the name shown for an image (the panel's folder-distinct names);
    default: the path as recorded (the full path is always the cell's tooltip).

    Examples
    --------
    >>> v = dataset_view({"evaluated": 2, "errors": 0, "total": 2, "decomposition": [
    ...     {"cause": "format", "mean": 1.5e-4, "low": 1e-4, "high": 2e-4, "share": 0.25}],
    ...     "ground_truth": [{"task": "det(y)", "path": "nv12", "metric": "mAP@0.5",
    ...                       "value": 0.8125, "low": 0.75, "high": 0.875, "n": 2}]})
    >>> v["counts"], v["decomposition"][0]["ci"], v["decomposition"][0]["share"]
    ('2 image(s) evaluated, 0 error(s) of 2', '[1.00e-04, 2.00e-04]', '25.0%')
    >>> g = v["ground_truth"][0]
    >>> g["metric"], g["value"], g["ci"], g["exact"]
    ('mAP@0.5', '0.8125', '[0.7500, 0.8750]', '—')
    >>> dataset_view({"evaluated": 1, "errors": 0, "total": 1, "decomposition": [],
    ...     "tasks": [{"task": "db(y)",
    ...     "path": "nv12", "mean": 0.5, "low": 0.5, "high": 0.5, "n": 1, "changed": 1,
    ...     "empty": 0}]})["tasks"][0]["changed"]
    '1 of 1'
    """
    try:
        decomposition, accuracy = _dataset_rows(d)
        lint = lint_view(d.get("lint", []))
        return {
            "source": str(d.get("source", "")),
            "model": str(d.get("model", "")),
            "output": str(d.get("output", "")),
            "counts": (
                f"{d['evaluated']} image(s) evaluated, {d['errors']} error(s) of {d['total']}"
                + (" (cancelled: partial result)" if d.get("cancelled") else "")
            ),
            "decomposition": decomposition,
            "verdicts": [(str(k), str(v)) for k, v in d.get("verdicts", {}).items()],
            "agreement": [
                (str(a["path"]), _pct_ci(a["mean"], a["low"], a["high"]))
                for a in d.get("agreement", [])
            ],
            "accuracy_n": d.get("accuracy", {}).get("n", 0),
            "accuracy": accuracy,
            "ground_truth": _ground_truth_rows(d),
            "tasks": _task_rows(d),
            "ladder": _ladder_view(d, names),
            "worst": [
                {
                    "path": str(w["path"]),
                    "name": _shown_name(str(w["path"]), names),
                    "loss": format_loss(w["loss"]),
                    "verdict": str(w["verdict"]),
                }
                for w in d.get("worst", [])
            ],
            "errors": [
                (str(e["path"]), _shown_name(str(e["path"]), names), str(e["error"]))
                for e in d.get("error_list", [])
            ],
            "lint": lint,
            "lint_summary": lint_summary(lint),
        }
    except (KeyError, TypeError, AttributeError):
        return None
