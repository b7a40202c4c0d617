"""The plain-text report of a :class:`~nv12_widgets.model.workflows.dataset_result.DatasetResult`
(``DatasetResult.summary``): counts, the loss decomposition, verdicts, the task answers'
agreement per binding, accuracy, ground truth, the board ladder, errors and the
configuration check - every number from the result's own methods.
"""

from __future__ import annotations

from typing import Any

from nv12_widgets.core.vocabulary import format_loss, format_percent

__all__ = ["summary_text"]


def summary_text(result: Any, output: str | None = None) -> str:
    """The plain-text report of ``result`` (a DatasetResult) for ``output``.

    Examples
    --------
    >>> from nv12_widgets.model.workflows.dataset_result import DatasetResult
    >>> r = DatasetResult([{"path": "a.png", "status": "ok", "verdict": "no-loss",
    ...     "loss": {"y": {"nv12": 0.25}}, "agreement": {},
    ...     "tasks": {"db(y)": {"empty": False, "paths": {"nv12": {"score": 0.5}}}}}],
    ...     "m.onnx", "k", None, ("y",), total=1, n_boot=50)
    >>> print(summary_text(r).splitlines()[0])
    m.onnx: 1 image(s) evaluated, 0 error(s) of 1; output 'y'
    >>> [line for line in summary_text(r).splitlines() if "db(y)" in line]
    ['  db(y) nv12       score 0.500 [0.500, 0.500], answer changed on 1 of 1 image(s)']
    """
    name = result._output(output)
    lines = [
        f"{result.model_name}: {len(result.ok)} image(s) evaluated, {len(result.errors)} "
        f"error(s) of {result.total}"
        + (" (cancelled)" if result.cancelled else "")
        + f"; output {name!r}",
        "",
        f"{'cause':<16} {'mean 1-cos':>11} {'95% CI':>23} {'share':>6}  what",
    ]
    for r in result.decomposition(name):
        share = f"{100 * r['share']:5.1f}%" if r["share"] is not None else "     -"
        lines.append(
            f"{r['cause']:<16} {format_loss(r['mean']):>11} [{format_loss(r['low'])}, {format_loss(r['high'])}] "
            f"{share:>6}  {r['what']}"
        )
    lines.append("")
    lines.append("verdicts: " + ", ".join(f"{k} {v}" for k, v in result.verdict_counts().items()))
    agree = result.agreement(name)
    if agree:
        lines.append(
            "task agreement with the reference: "
            + ", ".join(f"{p} {_pct(v)}" for p, v in agree.items())
        )
    tasks = result.task_rows()
    if tasks:
        lines.extend(["", "task answers vs the reference (per binding, 95% bootstrap CI):"])
        for r in tasks:
            lines.append(
                f"  {r['task']} {r['path']:<10} score {r['mean']:.3f} [{r['low']:.3f}, "
                f"{r['high']:.3f}], answer changed on {r['changed']} of {r['n']} image(s)"
                + (f" ({r['empty']} with an empty reference)" if r["empty"] else "")
            )
    acc = result.accuracy()
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
    if result.ground_truth:
        lines.extend(["", "against the ground truth (95% bootstrap CI over images):"])
        for r in result.ground_truth:
            extra = f", exact {100 * r['exact']:.1f}%" if "exact" in r else ""
            lines.append(f"  {r['task']} {r['path']:<10} {r['metric']} {r['value']:.4f} "
                         f"[{r['low']:.4f}, {r['high']:.4f}] on {r['n']} image(s){extra}")  # fmt: skip
    if result.has_board():
        lines.extend(["", *_ladder_lines(result, name)])
    for e in result.errors[:10]:
        lines.append(f"error: {e['path']}: {e['error']}")
    if result.lint:
        lines.append("")
        lines.append("configuration check:")
        lines.extend(f"  {f}" for f in result.lint)
    return "\n".join(lines)


def _ladder_lines(result: Any, name: str) -> list[str]:
    lines = [f"ladder (output {name!r}, vs the float reference, 95% bootstrap CI):"]
    for r in result.ladder(name):
        parts = [f"  {r['rung']:<14} {r['n']:>4} image(s)"]
        if r["loss"] is not None:
            m, lo, hi = r["loss"]
            parts.append(f"1-cos {format_loss(m)} [{format_loss(lo)}, {format_loss(hi)}]")
        if r["agreement"] is not None:
            parts.append(f"agreement {_pct(r['agreement'])}")
        if r["accuracy"] is not None:
            parts.append(f"top-1 {_pct(r['accuracy'])}")
        if r["step"] is not None:
            parts.append(f"McNemar p vs rung above {r['step']['mcnemar']['p']:.3g}")
        lines.append(", ".join(parts))
    only = result.board_only_changes(name)
    lines.append(f"answer changes only on the board: {len(only)} image(s)")
    lines.extend(f"  {c['path']}" for c in only[:10])
    for e in result.board_errors()[:5]:
        lines.append(f"board: {e['path']}: {e['error']}")
    return lines


def _pct(v: tuple[float, float, float]) -> str:
    m, lo, hi = (format_percent(x) for x in v)
    return f"{m}% [{lo}, {hi}]"
