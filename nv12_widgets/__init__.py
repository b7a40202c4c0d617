"""nv12_widgets: Jupyter widgets for debugging the accuracy a vision model loses on an
NPU fed NV12 camera frames.

Layers (dependencies point one way): :mod:`nv12_widgets.widgets` -> :mod:`nv12_widgets.model`
-> :mod:`nv12_widgets.devices` -> :mod:`nv12_widgets.core`; :mod:`nv12_widgets.report` -> core.
The device records (:mod:`nv12_widgets.devices`, which fill core's registry) are imported
with the package; the other subpackages lazily.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from . import devices  # noqa: E402, F401  fills core's device registry (numpy, no onnx)

_LAZY = {"core", "model", "report", "widgets"}  # devices: imported above
_NAMES = {"NV12Debugger": "widgets", "Findings": "report", "Model": "model", "compare": "model"}

__all__ = ["__version__", *sorted(_LAZY), *sorted(_NAMES)]


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
