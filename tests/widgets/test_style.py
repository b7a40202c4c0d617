"""The dashboard's CSS follows JupyterLab's theme, and no label says "null" on hover."""

from __future__ import annotations

import re

from nv12_widgets.widgets._common import STYLE, no_null_tooltips


def _css() -> str:
    return re.search(r"<style>(.*)</style>", STYLE.value, re.S).group(1)


def test_colours_come_from_theme_variables():
    css = _css()
    # a literal colour may only appear as the fallback of a --jp-* variable
    without_fallbacks = re.sub(r"var\(--jp-[\w-]+,\s*[^()]*\)", "var()", css)
    literal = re.findall(
        r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|(?<![\w-])(?:white|black)(?![\w-])", without_fallbacks
    )
    assert not literal, f"hard-coded colours break the dark theme: {literal}"
    for level in ("good", "fair", "poor"):
        assert re.search(rf"\.{level}\s*{{background: var\(--nv12-{level}\)", css), level


def test_nothing_is_allowed_to_overflow():
    css = _css()
    assert "flex-wrap: wrap" in css  # rows wrap rather than overflow
    assert re.search(r"\.nv12-view img \{max-width: 100%", css)  # images shrink
    assert "overflow-x: auto" not in css and "overflow: auto" not in css  # no scrollbars


def test_every_widget_has_a_string_tooltip(dashboard):
    seen = 0
    stack = [dashboard]
    while stack:
        w = stack.pop()
        if "tooltip" in w.trait_names():
            assert w.tooltip is not None, f"{type(w).__name__} {getattr(w, 'description', '')!r}"
            seen += 1
        stack.extend(getattr(w, "children", ()) or ())
    assert seen > 20


def test_no_null_tooltips_keeps_real_tooltips():
    import ipywidgets as W

    a, b = W.Text(tooltip="real help"), W.Dropdown(options=["x"])
    no_null_tooltips(W.VBox([W.HBox([a]), b]))
    assert a.tooltip == "real help" and b.tooltip == ""


def test_no_inline_colours_outside_the_stylesheet():
    """Colours only through the stylesheet's classes (built on --jp-* variables): an
    inline colour cannot follow the theme (the configuration check was white text on
    rgb(255, 248, 230) in the dark theme)."""
    from pathlib import Path

    import nv12_widgets.widgets as widgets

    offenders = []
    for path in Path(widgets.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "_common.py":
            text = text.replace(STYLE.value, "")
        offenders += [
            f"{path.name}: {m}"
            for m in re.findall(r"style=['\"][^'\"]*(?:#[0-9a-fA-F]{3,8}\b|rgb)[^'\"]*", text)
        ]
    assert not offenders, offenders


def test_the_configuration_check_uses_theme_classes():
    from types import SimpleNamespace

    from nv12_widgets.widgets.similarity_panel import lint_html

    finding = SimpleNamespace(
        severity="warning", code="mean_units", message="mean > 1", fields=("mean",)
    )
    markup = lint_html([finding])
    assert "style=" not in markup and "#" not in markup
    assert "class='nv12-lint nv12-lint-warnings'" in markup
    assert re.search(r"\.nv12-lint \{[^}]*var\(--jp-layout-color2", _css())
