"""The docstring examples of the widget layer's contract and helpers run and are right."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("panel", "registry", "_common", "debugger")


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(f"nv12_widgets.widgets.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
