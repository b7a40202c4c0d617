"""The Task panel: how each output reads, and the task's answers on both paths.

One "reads as" dropdown per model output (``auto`` = the guess from shapes and the
model's metadata, or any kind of the registry ``core.heads``); under them, one line per
task (``model.task_results.task_line``), the detections / text boxes / masks drawn for
the reference and NV12 paths (``model.task_pictures.task_pictures``), and recognised
text side by side with the edits marked (``model.task_pictures.task_texts``). Every
number and picture comes from those tested calls.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as W

from nv12_widgets.core.heads import names as kind_names
from nv12_widgets.model.judge.task_pictures import task_pictures, task_texts
from nv12_widgets.model.judge.task_results import task_line

from ._common import ImageView
from .panel import DashboardState, Panel, PanelRecord

__all__ = ["AUTO", "TaskPanel"]

#: The dropdown entry that lets the shapes and the metadata decide.
AUTO = "auto (guess)"
#: At most this many task pictures are shown.
MAX_PICTURES = 6


def _edits_html(edits) -> str:
    """``core.visual.text_edits`` ops as escaped HTML (<del> reference, <ins> NV12)."""
    out = []
    for op, a, b in edits:
        a, b = html.escape(a), html.escape(b)
        if op == "equal":
            out.append(b)
        elif op == "insert":
            out.append(f"<ins>{b}</ins>")
        elif op == "delete":
            out.append(f"<del>{a}</del>")
        else:
            out.append(f"<del>{a}</del><ins>{b}</ins>")
    return "".join(out)


class TaskPanel(Panel, W.VBox):
    """ "Output reads as" controls and the task answers of the current comparison.

    Parameters
    ----------
    outputs : sequence of str
        The model's output names (one dropdown each).
    on_change : callable, optional
        Called when a dropdown changes (the dashboard recomputes).
    output_kinds : mapping, optional
        Initial choices, output name -> kind name (others "auto").
    interpreters : optional
        User interpreters passed through to the comparison (see
        :meth:`~nv12_widgets.model.Comparator.compare`).

    Examples
    --------
    >>> p = TaskPanel(["prob"], output_kinds={"prob": "classifier"})
    >>> p.selection, p.compare_options()["output_kinds"]
    ({'prob': 'classifier'}, {'prob': 'classifier'})
    """

    name, area = "tasks", "below"

    @classmethod
    def create(cls, dashboard) -> TaskPanel:
        return cls(
            dashboard.model.output_names,
            dashboard.settings_changed,
            output_kinds=getattr(dashboard, "output_kinds", None),
            interpreters=getattr(dashboard, "interpreters", None),
        )

    def __init__(
        self,
        outputs,
        on_change: Callable[[], None] | None = None,
        *,
        output_kinds: Mapping[str, str] | None = None,
        interpreters: Any = None,
    ):
        self.interpreters = interpreters
        chosen = dict(output_kinds or {})
        options = [AUTO, *kind_names()]
        self.dropdowns: dict[str, W.Dropdown] = {}
        rows = []
        for out in outputs:
            value = chosen.get(out, AUTO)
            if value not in options:  # a plug-in or an alias: offered as it was given
                options_here = [*options, value]
            else:
                options_here = options
            dd = W.Dropdown(options=options_here, value=value, description="reads as")
            dd.style.description_width = "64px"
            dd.layout.width = "260px"
            self.dropdowns[out] = dd
            label = W.HTML(f"<code>{html.escape(out)}</code>")
            label.layout.min_width = "140px"
            rows.append(W.HBox([label, dd]))
        self._on_change = on_change
        for dd in self.dropdowns.values():
            dd.observe(self._changed, names="value")
        self.lines = W.HTML("")
        self.views = [ImageView("", target=320) for _ in range(MAX_PICTURES)]
        self.gallery = W.HBox([])
        self.gallery.layout.flex_flow = "row wrap"
        self.texts = W.HTML("")
        self._pictures_drawn = False  # set by draw(): the pictures on screen are current
        super().__init__(
            [W.HTML("<b>Task: how the outputs read, and the answers</b>"), *rows, self.lines,
             self.gallery, self.texts]
        )  # fmt: skip
        self.add_class("nv12-task-panel")

    # ------------------------------------------------------------------ selection
    @property
    def selection(self) -> dict[str, str]:
        """Output name -> the chosen kind (outputs left on "auto" are not listed)."""
        return {out: dd.value for out, dd in self.dropdowns.items() if dd.value != AUTO}

    def compare_options(self) -> dict[str, Any]:
        """The keyword arguments of ``Comparator.compare`` this panel sets."""
        return {"output_kinds": self.selection or None, "interpreters": self.interpreters}

    def _changed(self, _change=None) -> None:
        if self._on_change is not None:
            self._on_change()

    # ------------------------------------------------------------------ contract
    def prepare(self, state: DashboardState) -> dict[str, Any]:
        c = state.comparison
        lines = [
            f"<li><b>{html.escape(t.name)}</b>: {html.escape(task_line(t))}</li>"
            for t in c.tasks.values()
        ]
        none = "<li>No output reads as a task here (every output is 'other').</li>"
        prepared: dict[str, Any] = {"lines": f"<ul>{''.join(lines) or none}</ul>"}
        # The pictures and texts show the reference and NV12 paths only: a noise move
        # (state.changed False) keeps the ones drawn.
        if state.changed or not self._pictures_drawn:
            prepared["pictures"] = self._prepare_pictures(c)
        return prepared

    def _prepare_pictures(self, c: Any) -> dict[str, Any]:
        pictures = list(task_pictures(c).items())[:MAX_PICTURES]
        views = [
            view.prepare(img, title)
            for view, (title, img) in zip(self.views, pictures, strict=False)
        ]
        rows = [
            f"<tr><td>{html.escape(r['task'])} #{r['item']}</td>"
            f"<td><code>{html.escape(r['reference'])}</code></td>"
            f"<td><code>{_edits_html(r['edits'])}</code></td></tr>"
            for r in task_texts(c)
        ]
        texts = (
            "<table class='nv12-task-texts'><tr><th>task</th><th>reference</th>"
            "<th>NV12 path (edits marked)</th></tr>" + "".join(rows) + "</table>"
            if rows
            else ""
        )
        return {"views": views, "titles": [t for t, _ in pictures], "texts": texts}

    def draw(self, prepared: dict[str, Any]) -> None:
        self.lines.value = prepared["lines"]
        pics = prepared.get("pictures")
        if pics is None:
            return
        for view, data, title in zip(self.views, pics["views"], pics["titles"], strict=False):
            view.draw(data)
            view.title.value = f"<b>{html.escape(title)}</b>"
        self.gallery.children = tuple(self.views[: len(pics["views"])])
        self.texts.value = pics["texts"]
        self._pictures_drawn = True

    def record(self) -> PanelRecord:
        chosen = self.selection
        return PanelRecord(context={"output kinds (chosen)": chosen} if chosen else {})
