"""The docstring examples of every module of ``core.heads`` run and are right.

``tests/test_doctests.py`` walks the direct modules of core; this sub-package's
modules are walked here.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import nv12_widgets.core.heads as heads

MODULES = sorted(info.name for info in pkgutil.iter_modules(heads.__path__, heads.__name__ + "."))


def test_every_module_is_found():
    assert {"nv12_widgets.core.heads.base", "nv12_widgets.core.heads.text"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module,
        extraglobs={"np": np},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        report=False,
    )
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_public_names_have_examples():
    missing = []
    for name in heads.__all__:
        obj = getattr(heads, name)
        if callable(obj) and not isinstance(obj, type(heads)):
            doc = getattr(obj, "__doc__", "") or ""
            if ">>>" not in doc and not name.isupper():
                missing.append(name)
    assert missing == []
