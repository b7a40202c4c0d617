"""The regression gate's HTML: a section (to embed) or a page (``nv12-widgets diff --html``).

Renders the plain dict of :meth:`nv12_widgets.model.workflows.regression.RunDiff.to_dict` with
``templates/regression.html.j2``; jinja2 autoescaping escapes every value (image names
and layer names come from users' files).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

__all__ = ["regression_html"]


def regression_html(diff: Mapping[str, Any], *, page: bool = True, title: str = "Regression gate") -> str:  # fmt: skip
    """HTML of a regression diff: a whole page, or only its ``<section>``.

    Examples
    --------
    >>> d = {"kind": "dumps", "images": 1, "only_a": [], "only_b": [], "regression": False,
    ...      "reasons": [], "tolerance": 1e-4, "alpha": 0.05, "directed": False,
    ...      "loss_a": 0.0, "loss_b": 0.0, "loss_change": [0.0, 0.0, 0.0], "mcnemar": None,
    ...      "worst": [{"image": "<b>x</b>", "a": 0.0, "b": 0.0, "change": 0.0}], "layers": []}
    >>> html = regression_html(d, page=False)
    >>> "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x" not in html
    True
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nv12_widgets.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("regression.html.j2").render(diff=diff, page=page, title=title)
