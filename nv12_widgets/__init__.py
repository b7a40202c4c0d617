"""nv12_widgets: Jupyter widgets for debugging the accuracy a vision model loses on an
NPU fed NV12 camera frames.

Layers (dependencies point one way): :mod:`nv12_widgets.widgets` -> :mod:`nv12_widgets.model`
-> :mod:`nv12_widgets.core`; :mod:`nv12_widgets.report` -> core. Subpackages are imported
lazily, so ``import nv12_widgets`` stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {"core", "model", "report", "widgets"}
_NAMES = {"NV12Debugger": "widgets", "Findings": "report", "Model": "model", "compare": "model"}

__all__ = ["__version__", *sorted(_LAZY), *sorted(_NAMES)]


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
