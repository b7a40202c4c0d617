"""Render the view models with the shared jinja2 macros (autoescaping on)."""

from __future__ import annotations

import functools
from typing import Any

import jinja2
from markupsafe import Markup

#: The macros file both the dashboard and the report use.
MACROS = "views.html.j2"


@functools.cache
def environment() -> jinja2.Environment:
    """The shared jinja2 environment: this package's templates, autoescaping on, strict
    undefined. The report extends it with its own templates (a ChoiceLoader)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("nv12_widgets.views", "templates"),
        auto_reload=False,  # the templates ship with the package: no stat per render
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(macro: str, *args: Any, **kwargs: Any) -> str:
    """Call one macro of :data:`MACROS` and return its HTML (escaped).

    Examples
    --------
    >>> render("verdict", {"code": "fragile", "title": "Fragile <model>", "text": "same loss"})
    '<div class="verdict" data-code="fragile"><b>Fragile &lt;model&gt;</b><br><span class="verdict-text">same loss</span></div>'
    """
    return str(Markup(getattr(_macros(), macro)(*args, **kwargs))).strip()


@functools.cache
def _macros() -> Any:
    """The macros file's module (loaded once)."""
    return environment().get_template(MACROS).module
